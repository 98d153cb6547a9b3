// Runs the Python tests (python/tests, unittest) of the client and the PyTorch losses.
// Interpreter: $POLYLOSS_TEST_PYTHON, else /usr/bin/python3 (Debian's, which has python3-torch).
// A missing torch fails the run with the package to install: these tests are never skipped.
import { spawnSync } from 'node:child_process';
import { delimiter, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.env.POLYLOSS_TEST_PYTHON || '/usr/bin/python3';
const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env, PYTHONPATH: [resolve(root, 'python'), process.env.PYTHONPATH].filter(Boolean).join(delimiter), PYTHONDONTWRITEBYTECODE: '1' };
for (const name of ['POLYLOSS_RUN_DIR', 'POLYLOSS_RUN_ID', 'POLYLOSS_RUNS_DIR', 'POLYLOSS_CONFIG']) delete env[name];

const probe = spawnSync(python, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__)'], { env, encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  const why = probe.error ? probe.error.message : probe.stderr.trim().split('\n').pop();
  console.error(`test:python needs Python 3.9+ with PyTorch at ${python} (${why}).\n`
    + 'Install Debian\'s python3-torch (apt-get install python3-torch), or point POLYLOSS_TEST_PYTHON at an interpreter that has torch.');
  process.exit(1);
}
const [pythonVersion, torchVersion] = probe.stdout.trim().split(' ');
console.log(`Python tests with ${python} (Python ${pythonVersion}, torch ${torchVersion})`);
const tests = resolve(root, 'python', 'tests');
const result = spawnSync(python, ['-m', 'unittest', 'discover', '-s', tests, '-t', tests, '-v'], { env, stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
