/**
 * IDX files, the format of MNIST and Fashion-MNIST: an images file (magic 0x00000803: unsigned
 * bytes, 3 dimensions count×rows×columns) and a labels file (magic 0x00000801: unsigned bytes,
 * 1 dimension), gzipped or not. Dimensions are big-endian uint32s after the magic number.
 */
import * as path from 'node:path';
import { DatasetError } from './errors';
import { indexIntegerLabels } from './labels';
import { readUserFile } from './userFiles';
import type { LabelledData } from './types';

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export function parseIdx(bytes: Uint8Array, label: string, kind: 'images' | 'labels'): IdxArray {
  const expectedDims = kind === 'images' ? 3 : 1;
  const expectedMagic = (UNSIGNED_BYTE << 8) | expectedDims;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(`${label} is not an IDX file (expected the ${kind} magic number ${hex(expectedMagic)} at its start)`);
  }
  const magic = view.getUint32(0);
  if (bytes[2] !== UNSIGNED_BYTE) {
    const type = TYPE_NAMES[bytes[2]] ?? `unknown type 0x${bytes[2].toString(16)}`;
    throw new DatasetError(`${label} holds ${type} values (magic number ${hex(magic)}); only unsigned-byte IDX files (${hex(expectedMagic)}) are supported`);
  }
  if (bytes[3] !== expectedDims) {
    const other = bytes[3] === 1 ? ' (a labels file?)' : bytes[3] === 3 ? ' (an images file?)' : '';
    throw new DatasetError(`${label} is not an IDX ${kind} file: magic number ${hex(magic)} means ${bytes[3]} dimension(s)${other}; expected ${hex(expectedMagic)}`);
  }
  const headerBytes = 4 + 4 * expectedDims;
  if (bytes.length < headerBytes) throw new DatasetError(`${label} is truncated: its IDX header is incomplete`);
  const dims = Array.from({ length: expectedDims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new DatasetError(`${label} has ${actual} bytes of data, but its header says ${dims.join('×')} = ${expected}${actual < expected ? ' (file truncated?)' : ''}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export async function loadIdx(imagesFile: string, labelsFile: string, workspaceDir?: string): Promise<LabelledData> {
  const [imageBytes, labelBytes] = await Promise.all([readUserFile(imagesFile, workspaceDir), readUserFile(labelsFile, workspaceDir)]);
  const images = parseIdx(imageBytes, imagesFile, 'images');
  const labels = parseIdx(labelBytes, labelsFile, 'labels');
  const [n, rows, columns] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DatasetError(`${imagesFile} has ${n} images but ${labelsFile} has ${labels.dims[0]} labels; they must match`);
  }
  if (rows === 0 || columns === 0) throw new DatasetError(`${imagesFile} has empty images (${rows}×${columns})`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const { y, classNames, note } = indexIntegerLabels(labels.data);
  return {
    name: path.basename(imagesFile),
    x,
    y,
    n,
    inputShape: [rows, columns, 1],
    isImage: true,
    classNames,
    notes: [`${imagesFile}: ${n} images of ${rows}×${columns} pixels; labels from ${labelsFile}`, ...(note ? [note] : [])],
  };
}
