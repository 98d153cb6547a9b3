import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { BundledDataset } from '../../core/runConfig';
import { bundledFileName } from '../../core/datasetCatalog';
import { DatasetError } from './errors';
import { decodePacked } from './packedFormat';
import type { LabelledData } from './types';

/**
 * The shipped media/datasets folder. The code runs from dist/*.js (bundled) or from
 * src/training/datasets/*.ts (tests), so walk up from here until a media/datasets folder appears.
 */
export function findDatasetsDir(startDir: string = __dirname): string {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'media', 'datasets');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) {
      throw new DatasetError(`The bundled datasets folder media/datasets was not found in ${startDir} or any folder above it`);
    }
  }
}

/** The file of a bundled dataset. */
export function bundledFile(name: BundledDataset, datasetsDir?: string): string {
  return path.join(datasetsDir ?? findDatasetsDir(), bundledFileName(name));
}

export async function loadBundled(name: BundledDataset, datasetsDir?: string): Promise<LabelledData> {
  const file = bundledFile(name, datasetsDir);
  let gz: Buffer;
  try {
    gz = await readFile(file);
  } catch {
    throw new DatasetError(`The bundled dataset file ${file} is missing; regenerate it with \`npm run datasets\``);
  }
  const { header, x, y } = await decodePacked(gz, file);
  return {
    name,
    x,
    y,
    n: header.n,
    inputShape: header.inputShape,
    isImage: header.isImage,
    classNames: header.classNames,
    notes: [],
  };
}
