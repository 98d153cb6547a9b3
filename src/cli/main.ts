// Entry of the `polyloss` command (bundled to dist/cli.js, started by bin/polyloss.js).
import { runCli } from './cli';
import { defaultWorkerPath } from './context';

// Output piped into a command that stops reading early (`polyloss export … | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

void runCli(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  workerPath: defaultWorkerPath(),
}).then((code) => {
  process.exitCode = code;
});
