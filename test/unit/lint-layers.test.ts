// The layer rules of eslint.config.mjs catch a wrong import in each folder, and let the right ones through.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The restricted-import errors ESLint reports for `code` placed at `file` (relative to the project). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const WRONG: [file: string, code: string, why: RegExp][] = [
  ['src/core/fixture.ts', "import { createRun } from '../store/runStore';\nexport const x = createRun;\n", /src\/core/],
  ['src/core/stats/fixture.ts', "import type { RunHandle } from '../../runner/startRun';\nexport type X = RunHandle;\n", /src\/core/],
  ['src/core/fixture.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", /src\/core/],
  ['src/core/fixture.ts', "import * as path from 'node:path';\nexport const x = path;\n", /no Node\.js module/],
  ['src/core/report/fixture.ts', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n", /no Node\.js module/],
  ['src/store/fixture.ts', "import { RunQueue } from '../runner/runQueue';\nexport const x = RunQueue;\n", /src\/store/],
  ['src/runner/fixture.ts', "import { loadDataset } from '../training/datasets/index';\nexport const x = loadDataset;\n", /forks the training worker/],
  ['src/runner/fixture.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", /src\/runner/],
  ['src/training/fixture.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", /src\/training/],
  ['src/training/fixture.ts', "import { startRun } from '../runner/startRun';\nexport const x = startRun;\n", /src\/training/],
  ['src/host/fixture.ts', "import { loadDataset } from '../training/datasets/index';\nexport const x = loadDataset;\n", /src\/host never loads training/],
  ['src/host/webviews/fixture.ts', "import { trainRun } from '../../training/train';\nexport const x = trainRun;\n", /src\/host/],
  ['src/cli/fixture.ts', "import { RunsIndex } from '../host/runsModel';\nexport const x = RunsIndex;\n", /src\/cli/],
  ['webview/fixture.ts', "import { listRuns } from '../src/store/runStore';\nexport const x = listRuns;\n", /webview/],
  ['webview/dashboard/fixture.ts', "import * as fs from 'node:fs';\nexport const x = fs;\n", /webview/],
];

test('a wrong import in each layer fails lint, with the layer\'s reason', async () => {
  for (const [file, code, why] of WRONG) {
    const errors = await layerErrors(file, code);
    assert.equal(errors.length, 1, `${file}: ${code.split('\n')[0]} → ${JSON.stringify(errors)}`);
    assert.match(errors[0], why, file);
  }
});

test('the allowed arrows pass: store, runner, host and webview importing core; cli importing training', async () => {
  const RIGHT: [string, string][] = [
    ['src/store/fixture.ts', "import { RUN_SCHEMA_VERSION } from '../core/runFormat';\nexport const x = RUN_SCHEMA_VERSION;\n"],
    ['src/runner/fixture.ts', "import { createRun } from '../store/runStore';\nexport const x = createRun;\n"],
    ['src/host/fixture.ts', "import { RunQueue } from '../runner/runQueue';\nexport const x = RunQueue;\n"],
    ['src/cli/fixture.ts', "import { loadDataset } from '../training/datasets/index';\nexport const x = loadDataset;\n"],
    ['webview/fixture.ts', "import { smoothSeries } from '../src/core/smoothing';\nexport const x = smoothSeries;\n"],
  ];
  for (const [file, code] of RIGHT) assert.deepEqual(await layerErrors(file, code), [], file);
});
