// Entry of the `polyloss` command (bundled to dist/cli.js, started by bin/polyloss.js).
import { runCli } from './cli';
import { defaultWorkerPath } from './context';

void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  workerPath: defaultWorkerPath(),
}).then((code) => {
  process.exitCode = code;
});
