// Where "New Experiment File" writes: a name typed by the user, inside the workspace folder.
// No vscode import.
import * as path from 'node:path';
import { EXPERIMENT_FILE_SUFFIX } from '../../core/experimentFile';

export type ExperimentFileTarget = { ok: true; path: string; exists: boolean } | { ok: false; message: string };

const NAME_PART = /^[\w][\w.\- ]*$/u;

/**
 * `digits` → <folder>/digits.polyloss.json; `studies/digits` → <folder>/studies/digits.polyloss.json.
 * A typed `.polyloss.json` or `.json` ending is accepted. The file must stay inside `folder`.
 */
export function experimentFileTarget(typed: string, folder: string, exists: (file: string) => boolean): ExperimentFileTarget {
  const name = typed.trim().replace(/\\/g, '/').replace(/(\.polyloss)?\.json$/i, '');
  if (name === '') return { ok: false, message: 'enter a name, e.g. digits-study (the file becomes digits-study.polyloss.json)' };
  if (path.isAbsolute(name) || name.startsWith('/')) return { ok: false, message: 'enter a name relative to the workspace folder, e.g. studies/digits' };
  const parts = name.split('/');
  const bad = parts.find((part) => !NAME_PART.test(part));
  if (bad !== undefined) {
    return { ok: false, message: `"${bad}" is not a usable name: use letters, digits, "-", "_", "." and spaces, starting with a letter or digit (folders separated by "/")` };
  }
  const file = path.join(folder, ...parts.slice(0, -1), parts[parts.length - 1] + EXPERIMENT_FILE_SUFFIX);
  return { ok: true, path: file, exists: exists(file) };
}

/** "experiment", else "experiment-2", "experiment-3"… whichever file does not exist yet. */
export function suggestExperimentName(folder: string, exists: (file: string) => boolean, base = 'experiment'): string {
  let name = base;
  for (let n = 2; exists(path.join(folder, name + EXPERIMENT_FILE_SUFFIX)); n++) name = `${base}-${n}`;
  return name;
}
