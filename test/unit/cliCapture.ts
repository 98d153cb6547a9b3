// Runs the `polyloss` command in this process with captured output, on a given runs folder.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/cli';

export interface CapturedCli {
  code: number;
  out: string;
  err: string;
}

export async function runCliCaptured(argv: readonly string[], runsDir: string): Promise<CapturedCli> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await runCli([...argv, '--runs-dir', runsDir], { cwd: runsDir, stdout, stderr, stdin: new PassThrough(), workerPath: '/nonexistent/worker.js' });
  return { code, out, err };
}
