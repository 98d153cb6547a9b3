/**
 * The one on-disk format of the datasets shipped in media/datasets (`<name>.pld.gz`):
 *
 *   gzip(
 *     "PLD1"          4 bytes, magic
 *     headerLength    uint32, little-endian
 *     header          headerLength bytes of UTF-8 JSON, a PackedHeader
 *     x               n × product(inputShape) values, row-major: uint8, or float32 little-endian
 *     y               n × uint8 class indices into header.classNames
 *   )
 *
 * A stored feature value v means v / header.scale (so uint8 pixels 0–255 with scale 255 decode to [0, 1]).
 * Images are uint8 (small, compress well); tabular measurements are float32.
 */
import { gunzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';

const MAGIC = 'PLD1';
const gunzipAsync = promisify(gunzip);

export interface PackedHeader {
  name: string;
  n: number;
  inputShape: number[];
  isImage: boolean;
  classNames: string[];
  featureNames?: string[];
  dtype: 'uint8' | 'float32';
  scale: number;
}

export interface PackedDataset {
  header: PackedHeader;
  /** Raw stored values (before dividing by scale). */
  x: Uint8Array | Float32Array;
  y: Uint8Array;
}

/** Decoded for use: features already divided by scale. */
export interface UnpackedDataset {
  header: PackedHeader;
  x: Float32Array;
  y: Int32Array;
}

export function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodePacked({ header, x, y }: PackedDataset): Buffer {
  const width = featureCount(header.inputShape);
  if (x.length !== header.n * width || y.length !== header.n) {
    throw new Error(`${header.name}: payload sizes do not match header (n=${header.n}, ${width} features)`);
  }
  if ((header.dtype === 'uint8') !== (x instanceof Uint8Array)) {
    throw new Error(`${header.name}: dtype ${header.dtype} does not match the feature array`);
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 4);
  const xBytes = Buffer.alloc(x.length * (header.dtype === 'uint8' ? 1 : 4));
  if (x instanceof Uint8Array) xBytes.set(x);
  else x.forEach((v, i) => xBytes.writeFloatLE(v, i * 4));
  return gzipSync(Buffer.concat([prefix, json, xBytes, Buffer.from(y.buffer, y.byteOffset, y.length)]), { level: 9 });
}

export async function decodePacked(gz: Buffer, fileLabel: string): Promise<UnpackedDataset> {
  const bytes = await gunzipAsync(gz);
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) {
    throw new Error(`${fileLabel} is not a PolyLoss Lab dataset file (missing ${MAGIC} magic)`);
  }
  const headerEnd = 8 + bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.toString('utf8', 8, headerEnd)) as PackedHeader;
  const values = header.n * featureCount(header.inputShape);
  const itemSize = header.dtype === 'uint8' ? 1 : 4;
  const yStart = headerEnd + values * itemSize;
  if (bytes.length !== yStart + header.n) {
    throw new Error(`${fileLabel} is truncated or corrupt: expected ${yStart + header.n} bytes, found ${bytes.length}`);
  }
  const x = new Float32Array(values);
  const inverseScale = 1 / header.scale;
  if (header.dtype === 'uint8') {
    for (let i = 0; i < values; i++) x[i] = bytes[headerEnd + i] * inverseScale;
  } else {
    for (let i = 0; i < values; i++) x[i] = bytes.readFloatLE(headerEnd + 4 * i) * inverseScale;
  }
  return { header, x, y: Int32Array.from(bytes.subarray(yStart)) };
}
