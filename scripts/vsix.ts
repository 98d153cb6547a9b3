/**
 * Reading a VSIX (a plain zip): list its entries and extract it, with node:zlib only.
 * Used by the packaging script (size breakdown, content checks) and by the packaging test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, e.g. `extension/dist/worker.js`. */
  name: string;
  size: number;
  compressedSize: number;
  /** 0 = stored, 8 = deflated. */
  method: number;
  /** Offset of the entry's local header in the archive. */
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIR = 0x06054b50;
const CENTRAL_DIR_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** The central directory's entries. Zip64 archives (over 4 GiB or 65,535 entries) are not supported. */
export function listZipEntries(zip: Buffer): ZipEntry[] {
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIR) { end = i; break; }
  }
  if (end < 0) throw new Error('not a zip archive: end of central directory not found');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (zip.readUInt32LE(at) !== CENTRAL_DIR_ENTRY) throw new Error(`corrupt zip: bad central directory entry ${k}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry. */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== LOCAL_HEADER) throw new Error(`corrupt zip: bad local header for ${entry.name}`);
  const dataStart = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(dataStart, dataStart + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(raw);
  if (entry.method === 8) return zlib.inflateRawSync(raw);
  throw new Error(`unsupported zip compression method ${entry.method} for ${entry.name}`);
}

/** Extracts every file entry under `dir`; refuses entries that would land outside it. */
export function extractZip(zip: Buffer, dir: string): ZipEntry[] {
  const root = path.resolve(dir);
  const entries = listZipEntries(zip).filter((e) => !e.name.endsWith('/'));
  for (const entry of entries) {
    const target = path.resolve(root, entry.name);
    if (!target.startsWith(root + path.sep)) throw new Error(`zip entry escapes the target folder: ${entry.name}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, readZipEntry(zip, entry));
  }
  return entries;
}
