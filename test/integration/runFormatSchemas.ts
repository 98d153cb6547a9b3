/** The run-folder format's JSON schemas compiled by ajv: every writer's run.json and metric lines are held against them. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { ROOT } from './reliabilityKit';

const SCHEMA_DIR = path.join(ROOT, 'media', 'schemas');
const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'markdownEnumDescriptions', 'defaultSnippets', 'errorMessage']);
for (const file of ['loss-spec.schema.json', 'run-config.schema.json', 'run.schema.json', 'metric-line.schema.json']) {
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as { $id?: string };
  ajv.addSchema(schema, schema.$id ?? file);
}
const runSchema = ajv.getSchema('run.schema.json') as ValidateFunction;
const lineSchema = ajv.getSchema('metric-line.schema.json') as ValidateFunction;

/** Checks a run folder: run.json against run.schema.json, each line of metrics.jsonl against metric-line.schema.json. */
export function assertRunFolderMatchesFormat(runDir: string): { lines: Record<string, unknown>[] } {
  const record: unknown = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.ok(runSchema(record), `${runDir}/run.json: ${ajv.errorsText(runSchema.errors)}`);
  const file = path.join(runDir, 'metrics.jsonl');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const lines = text.split('\n').filter(Boolean).map((raw, i) => {
    const line: unknown = JSON.parse(raw);
    assert.ok(lineSchema(line), `${file}:${i + 1}: ${ajv.errorsText(lineSchema.errors)}\n${raw}`);
    return line as Record<string, unknown>;
  });
  return { lines };
}

export function isValidMetricLine(line: unknown): boolean {
  return lineSchema(line) === true;
}
