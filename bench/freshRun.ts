/**
 * One training run in a fresh process, as a run's worker trains it (no warm-up before it): prints its
 * throughput as JSON, per CPU second and per wall second. Used by bench/peer-pytorch.ts.
 *
 *   node --import tsx bench/freshRun.ts '<BuiltinRunConfig JSON>'
 */
import type { BuiltinRunConfig } from '../src/core/runConfig';
import { measureTraining } from './trainingRuns';

measureTraining(JSON.parse(process.argv[2]) as BuiltinRunConfig).then((throughput) => {
  console.log(JSON.stringify(throughput));
}).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
