// A command run's output.log (its stdout and stderr): the end of it, read without the whole file.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const OUTPUT_FILE = 'output.log';

export interface OutputTail {
  /** The last lines, whole: when the file is longer than the bytes read, the cut first line is left out. */
  text: string;
  /** The file holds more before `text`. */
  truncated: boolean;
  /** The file's size in bytes when read. */
  size: number;
}

export function outputFileOf(runDir: string): string {
  return path.join(runDir, OUTPUT_FILE);
}

/** The end of what was read: decoded, starting at a whole line when the read began mid-file. */
function tailOf(buf: Buffer, size: number): OutputTail {
  const truncated = buf.length < size;
  let text = buf.toString('utf8');
  if (truncated) {
    const newline = text.indexOf('\n');
    text = newline >= 0 ? text.slice(newline + 1) : text;
  }
  return { text, truncated, size };
}

/** The size of output.log in `runDir` in bytes, or undefined when there is none. */
export function outputSizeOf(runDir: string): number | undefined {
  try {
    return fs.statSync(outputFileOf(runDir)).size;
  } catch {
    return undefined;
  }
}

/**
 * The last `maxBytes` of output.log in `runDir` (fewer when it is shorter), or undefined when there is
 * none. One small read: cheap enough to repeat while a run prints.
 */
export function readOutputTail(runDir: string, maxBytes: number): OutputTail | undefined {
  let fd: number;
  try {
    fd = fs.openSync(outputFileOf(runDir), 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    const bytesRead = fs.readSync(fd, buf, 0, length, size - length);
    return tailOf(buf.subarray(0, bytesRead), size);
  } finally {
    fs.closeSync(fd);
  }
}
