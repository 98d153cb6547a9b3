import { UsageError } from '../args';
import { CalculatorInputError, calculateLoss } from '../lossCalculator';
import { GLOBAL_FLAGS, writeJson, writeLine, type Command } from '../context';
import { errorMessage } from '../../core/errors';

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => { text += chunk; });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

export const lossCommand: Command = {
  spec: {
    name: 'loss',
    summary: 'Compute a loss of the PolyLoss family in float64 on plain numbers. Reads one JSON object on stdin: '
      + '{"logits": [[…]], "labels": [class indices, or one label distribution / 0-1 target row per example], "loss": {loss spec}, "grad": true|false}; '
      + 'prints perExample, mean, pt (and grad) as JSON.',
    flags: GLOBAL_FLAGS,
    examples: [`echo '{"logits":[[2,1,0.1,-1,0.5]],"labels":[0],"loss":{"type":"poly","epsilon":2}}' | polyloss loss`],
  },
  async run({ ctx }) {
    const stdin = ctx.stdin as NodeJS.ReadableStream & { isTTY?: boolean };
    if (stdin.isTTY) writeLine(ctx.stderr, 'Reading JSON from stdin (end with Ctrl-D)…');
    const text = await readAll(stdin);
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`stdin must hold one JSON object (${text.trim() ? errorMessage(e) : 'got nothing'})`);
    }
    let result: ReturnType<typeof calculateLoss>;
    try {
      result = calculateLoss(input);
    } catch (e) {
      // Bad input is a usage error (exit 2); a result float64 cannot hold fails the command (exit 1).
      if (e instanceof CalculatorInputError) throw new UsageError(e.message);
      throw e;
    }
    writeJson(ctx, result);
    return 0;
  },
};
