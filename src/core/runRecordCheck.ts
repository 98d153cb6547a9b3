/**
 * The check a run.json passes before any view shows it: the fields views read have the types they
 * expect, and the config is a valid run config. A run trained by the user's own command
 * (`config.command`) has no dataset or model: only its loss, when it has one, is checked as a
 * loss spec. Fields this version does not know are allowed, so a newer writer's extras are kept.
 */
import { checkSchema, type Schema, type SchemaDocuments } from './jsonSchema';
import { RUN_SCHEMA_VERSION, TERMINAL_STATUSES } from './runFormat';
import { SCHEMA_DOCUMENTS } from './validate';

const RECORD_SCHEMA_FILE = 'run-record';

/** JSON has no NaN: a metric that was NaN (e.g. the loss of an empty split) is written as null. */
const METRIC: Schema = { anyOf: [{ type: 'number' }, { enum: [null] }], errorMessage: 'must be a number or null' };
const COUNT: Schema = { type: 'integer', minimum: 0 };
const TEXT: Schema = { type: 'string' };

const RECORD_SCHEMA: Schema = {
  type: 'object',
  required: ['schemaVersion', 'status', 'config', 'createdAt'],
  properties: {
    schemaVersion: { type: 'integer', minimum: 1, maximum: RUN_SCHEMA_VERSION },
    name: TEXT,
    status: { enum: ['queued', 'running', ...TERMINAL_STATUSES] },
    config: { type: 'object' },
    createdAt: TEXT,
    startedAt: TEXT,
    endedAt: TEXT,
    totalSteps: COUNT,
    error: TEXT,
    launcherPid: COUNT,
    launcherHost: TEXT,
    workerPid: COUNT,
    environment: {
      type: 'object',
      properties: { backend: TEXT, tfjsVersion: TEXT, nodeVersion: TEXT, platform: TEXT, pid: COUNT, backendDetail: TEXT },
    },
    summary: {
      type: 'object',
      properties: {
        steps: COUNT, epochs: COUNT, finalLoss: METRIC, finalValLoss: METRIC, finalValAcc: METRIC, bestValAcc: METRIC,
        testAcc: METRIC, testLoss: METRIC, ece: METRIC, divergedAtStep: COUNT, samplesPerSec: METRIC,
        // Matrices are checked for their shape only: a 3,000-class confusion matrix has 9 M cells.
        perClassAcc: { type: 'array' }, confusion: { type: 'array' }, classResultsFile: TEXT,
      },
    },
    data: {
      type: 'object',
      required: ['numClasses', 'train', 'validation', 'test', 'inputShape'],
      properties: {
        numClasses: COUNT, train: COUNT, validation: COUNT, test: COUNT,
        inputShape: { type: 'array', items: COUNT }, classNames: { type: 'array', items: TEXT }, notes: { type: 'array', items: TEXT },
      },
    },
  },
};

const COMMAND_SCHEMA: Schema = {
  type: 'object',
  required: ['command'],
  properties: {
    command: { type: 'object', required: ['argv'], properties: { argv: { type: 'array', minItems: 1, items: TEXT }, cwd: TEXT, params: { type: 'object' } } },
    loss: { $ref: 'loss-spec.schema.json' },
    seed: { type: 'integer', minimum: 0 },
    name: TEXT,
    sweepId: TEXT,
    experiment: TEXT,
  },
};

const DOCUMENTS: SchemaDocuments = { ...SCHEMA_DOCUMENTS, [RECORD_SCHEMA_FILE]: RECORD_SCHEMA, 'command-config': COMMAND_SCHEMA };

/** Why a parsed run.json cannot be shown, as one sentence per problem (at most 3); [] when it can. */
export function runRecordProblems(value: unknown): string[] {
  const issues = checkSchema(DOCUMENTS, RECORD_SCHEMA_FILE, value, '', 'run.json');
  if (issues.length === 0) {
    const config = (value as { config: Record<string, unknown> }).config;
    const configSchema = config.command !== undefined ? 'command-config' : 'run-config.schema.json';
    issues.push(...checkSchema(DOCUMENTS, configSchema, config, 'config'));
  }
  return issues.slice(0, 3).map((issue) => issue.message);
}
