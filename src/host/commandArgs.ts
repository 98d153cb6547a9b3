// What a command was invoked on. Commands are called from menus (a tree node, then every selected
// node), from the palette (nothing), and from code: a run id, a list of ids, a RunRecord, or, for
// Rerun and Start, a RunConfig; for Run Sweep, a sweep. No vscode import.
import type { RunConfig } from '../core/runConfig';
import type { SweepSpec } from '../core/sweep';

function runIdOf(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (typeof x !== 'object' || x === null) return [];
  const o = x as { kind?: unknown; id?: unknown; runId?: unknown; runs?: unknown; config?: unknown };
  if (o.kind === 'group' && Array.isArray(o.runs)) return o.runs.flatMap(runIdOf); // a tree group: its runs
  if (typeof o.runId === 'string') return [o.runId];
  if (typeof o.id === 'string' && (o.kind === 'run' || typeof o.config === 'object')) return [o.id]; // tree node or RunRecord
  return [];
}

/** Run ids from (clicked, selected) menu arguments or from code; the multi-selection wins when it has several. */
export function runIdsFromArgs(arg: unknown, multi?: unknown): string[] {
  const source = Array.isArray(multi) && multi.length > 1 ? multi : Array.isArray(arg) ? arg : [arg];
  return [...new Set(source.flatMap(runIdOf))];
}

/** A RunConfig passed from code (it has the three sections every config has, and is not a RunRecord). */
export function isRunConfigLike(x: unknown): x is RunConfig {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  return typeof o.dataset === 'object' && typeof o.model === 'object' && typeof o.loss === 'object' && !('config' in o);
}

/** A sweep passed from code to Run Sweep: its grid and base config (planSweep checks both). */
export function isGivenSweep(x: unknown): x is { spec: SweepSpec; base: RunConfig } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const o = x as Record<string, unknown>;
  return typeof o.spec === 'object' && o.spec !== null && isRunConfigLike(o.base);
}
