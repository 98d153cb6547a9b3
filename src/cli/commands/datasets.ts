import { describeDatasets } from '../../training/datasets/index';
import { GLOBAL_FLAGS, writeJson, writeLine, type Command } from '../context';
import { formatTable } from '../format';

const FILE_FORMATS = [
  { name: 'csv', usage: '--dataset csv --data FILE [--label-column NAME|INDEX]', description: 'your CSV file: numeric features, one label column (default: the last)' },
  { name: 'idx', usage: '--dataset idx --data IMAGES --labels LABELS', description: 'your IDX files in MNIST format (.gz accepted)' },
];

export const datasetsCommand: Command = {
  spec: {
    name: 'datasets',
    summary: 'List the bundled datasets and the file formats you can train on.',
    flags: GLOBAL_FLAGS,
  },
  async run({ ctx, json }) {
    const bundled = describeDatasets();
    if (json) {
      writeJson(ctx, { bundled, files: FILE_FORMATS });
      return 0;
    }
    writeLine(ctx.stdout, formatTable(
      ['NAME', 'EXAMPLES', 'CLASSES', 'FEATURES', 'DESCRIPTION'],
      bundled.map((d) => [d.name, String(d.examples), String(d.classes), d.features, d.title]),
      [false, true, true],
    ));
    writeLine(ctx.stdout, '\nYour own files:');
    for (const f of FILE_FORMATS) writeLine(ctx.stdout, `  ${f.name}: ${f.description}\n       ${f.usage}`);
    return 0;
  },
};
