import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DatasetError } from './errors';
import { errorMessage } from '../../core/errors';

const gunzipAsync = promisify(gunzip);

/** Larger files (or gzip files that expand past this) are refused before reading them into memory. */
export const MAX_DATASET_FILE_BYTES = 1024 ** 3;

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Two sizes that read differently: with their exact bytes when they differ but round alike (1 GiB + 1 byte). */
export function formatBytesApart(a: number, b: number): [string, string] {
  const [x, y] = [formatBytes(a), formatBytes(b)];
  if (x !== y || a === b) return [x, y];
  return [`${x} (${a.toLocaleString('en-US')} bytes)`, `${y} (${b.toLocaleString('en-US')} bytes)`];
}

/** Relative paths are relative to the workspace folder (or the current directory). */
export function resolveUserPath(file: string, workspaceDir?: string): string {
  return path.resolve(workspaceDir ?? process.cwd(), file);
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The resolved path and size of a user's dataset file, refused when missing, not a file or over `limit`. */
async function checkUserFile(label: string, workspaceDir: string | undefined, limit: number): Promise<{ file: string; size: number }> {
  const file = resolveUserPath(label, workspaceDir);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new DatasetError(`Dataset file ${label} is not a file (${file})`);
    size = info.size;
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(`Dataset file not found: ${label}${file === label ? '' : ` (looked for ${file})`}`);
  }
  if (size > limit) {
    const [shown, limitShown] = formatBytesApart(size, limit);
    throw new DatasetError(`Dataset file ${label} is too large: ${shown}; the limit is ${limitShown}`);
  }
  return { file, size };
}

const tooLargeUnzipped = (label: string, limit: number) => new DatasetError(`Dataset file ${label} decompresses to more than the limit of ${formatBytes(limit)}`);
const notGunzipped = (label: string, err: unknown) => new DatasetError(`Dataset file ${label} looks gzip-compressed but cannot be decompressed: ${errorMessage(err)}`);

/**
 * Reads a user's dataset file, gunzipping it when it is gzip data (whatever its extension).
 * `label` is the path as the user wrote it, used in every message.
 */
export async function readUserFile(label: string, workspaceDir?: string, limit = MAX_DATASET_FILE_BYTES): Promise<Buffer> {
  const { file } = await checkUserFile(label, workspaceDir, limit);
  const bytes = await readFile(file);
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit });
  } catch (err) {
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLargeUnzipped(label, limit);
    throw notGunzipped(label, err);
  }
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return isGzip(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** Passes bytes through until more than `limit` have gone by, then fails with `tooLarge`. */
function byteLimit(limit: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge() : null, chunk);
    },
  });
}

export interface UserText {
  /** UTF-8 text chunks (strings; characters never split between chunks). Destroy it to stop early. */
  text: Readable;
  /** Bytes of text to expect: the file's size, or undefined for gzip data. */
  textBytes?: number;
  /** What an error of `text` means, as a DatasetError naming the file. */
  explain(err: Error): DatasetError;
}

/**
 * A user's dataset file as a stream of text, read a chunk at a time (never whole in memory),
 * gunzipped when it is gzip data, whose decompressed size must stay within `limit`.
 */
export async function openUserText(label: string, workspaceDir?: string, limit = MAX_DATASET_FILE_BYTES): Promise<UserText> {
  const { file, size } = await checkUserFile(label, workspaceDir, limit);
  const gzip = await startsWithGzipMagic(file);
  const raw = createReadStream(file);
  const text: Readable = gzip ? pipeline(raw, createGunzip(), byteLimit(limit, () => tooLargeUnzipped(label, limit)), () => undefined) : raw;
  text.setEncoding('utf8');
  const explain = (err: Error): DatasetError => {
    if (err instanceof DatasetError) return err;
    return gzip ? notGunzipped(label, err) : new DatasetError(`Dataset file ${label} cannot be read: ${err.message}`);
  };
  return { text, textBytes: gzip ? undefined : size, explain };
}
