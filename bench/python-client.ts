/**
 * The Python client's log_step cost (target < 20 µs per call), against json.dumps + write + flush of the
 * same line measured in the same run: bench/python-client.py under the interpreter of the Python tests
 * ($POLYLOSS_TEST_PYTHON, else /usr/bin/python3).
 *
 *   node --import tsx bench/python-client.ts [--calls N] [--rounds N]
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const python = process.env.POLYLOSS_TEST_PYTHON || '/usr/bin/python3';
const run = spawnSync(python, [path.join(__dirname, 'python-client.py'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (run.error) console.log(`cannot start ${python}: ${run.error.message} (set POLYLOSS_TEST_PYTHON to a Python 3.9+ interpreter)`);
process.exitCode = run.error ? 1 : run.status ?? 1;
