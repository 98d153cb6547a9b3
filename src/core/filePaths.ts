// Path arithmetic on absolute file paths, POSIX or Windows style, for core code that must not import
// node:path (it also runs in webviews). The results are node:path's for the same style: a unit test
// holds them against path.posix and path.win32.

const DRIVE_ROOT = /^[A-Za-z]:[\\/]/;

/** A Windows path: a drive root (`C:\…`) or a UNC share (`\\server\share\…`). */
function isWindowsStyle(p: string): boolean {
  return DRIVE_ROOT.test(p) || p.startsWith('\\\\');
}

interface Split {
  /** `/`, `C:\` or `\\server\share\`. */
  root: string;
  segments: string[];
  separator: string;
}

function splitAbsolute(p: string): Split {
  if (!isWindowsStyle(p)) return { root: '/', segments: p.split('/'), separator: '/' };
  const parts = p.split(/[\\/]/);
  if (p.startsWith('\\\\')) return { root: `\\\\${parts[2] ?? ''}\\${parts[3] ?? ''}\\`, segments: parts.slice(4), separator: '\\' };
  return { root: `${p.slice(0, 2)}\\`, segments: parts.slice(1), separator: '\\' };
}

/** `.` and `..` applied, empty segments dropped, never above the root. */
function normalize({ root, segments, separator }: Split): string {
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') kept.pop();
    else kept.push(segment);
  }
  return root + kept.join(separator);
}

/** `p` resolved against the absolute folder `folder`, as path.resolve(folder, p) does. */
export function resolveFrom(folder: string, p: string): string {
  if (isWindowsStyle(folder)) {
    if (isWindowsStyle(p)) return normalize(splitAbsolute(p));
    if (/^[\\/]/.test(p)) return normalize({ ...splitAbsolute(folder), segments: p.split(/[\\/]/) });
    const base = splitAbsolute(folder);
    return normalize({ ...base, segments: [...base.segments, ...p.split(/[\\/]/)] });
  }
  if (p.startsWith('/')) return normalize(splitAbsolute(p));
  return normalize(splitAbsolute(`${folder}/${p}`));
}

function lastSeparator(p: string): number {
  return isWindowsStyle(p) ? Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) : p.lastIndexOf('/');
}

/** The folder of an absolute file path, as path.dirname does. */
export function folderOf(filePath: string): string {
  const { root } = splitAbsolute(filePath);
  const cut = lastSeparator(filePath);
  return cut < root.length ? root : filePath.slice(0, cut);
}

/** The last part of a path, as path.basename does. */
export function fileNameOf(filePath: string): string {
  return filePath.slice(lastSeparator(filePath) + 1);
}
