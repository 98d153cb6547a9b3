// Adding a run entry to an experiment file as a text edit, so the file's comments, order and
// formatting survive (jsonc-parser's modify), and naming it. No vscode import.
import { applyEdits, modify, type Edit, type FormattingOptions } from 'jsonc-parser/lib/esm/main.js';
import { arrayItems, nodeAt, parseJsonc, rangeOf, type TextRange } from '../../core/experimentTree';
import { epsilonList, gammaOf, type LossSpec } from '../../core/lossSpec';

export type { Edit } from 'jsonc-parser/lib/esm/main.js';

export interface RunEntry {
  name: string;
  loss: LossSpec;
}

export type AddRunResult =
  | { ok: true; edits: Edit[]; newText: string; entryRange: TextRange }
  | { ok: false; message: string };

/** The names of the entries of the file as typed (also while another part has a syntax error). */
export function runEntryNames(text: string): string[] {
  return arrayItems(parseJsonc(text).root, ['runs']).flatMap((entry) => {
    const name = nodeAt(entry, ['name']);
    return name?.type === 'string' ? [String(name.value)] : [];
  });
}

/**
 * The edits appending `entry` to the file's `runs` (creating the list when there is none). The new
 * entry goes on its own line, on one line, indented like the entry before it; nothing else of the
 * file changes. Refuses a file with JSON syntax errors, where an edit could land in the wrong place.
 */
export function addRunEntry(text: string, entry: RunEntry, formatting: FormattingOptions): AddRunResult {
  const { root, problems } = parseJsonc(text);
  if (problems.length > 0 || !root) {
    return { ok: false, message: 'the file has JSON syntax errors; fix them (see Problems) and save the run again' };
  }
  if (root.type !== 'object') return { ok: false, message: 'the file is not an experiment: its top level must be an object { "dataset", "model", "runs" }' };
  const runs = nodeAt(root, ['runs']);
  if (runs && runs.type !== 'array') return { ok: false, message: '"runs" is not a list; it must be [ { "name": …, "loss": … }, … ]' };
  const value = { name: entry.name, loss: definedOnly(entry.loss) };
  const last = runs?.children?.at(-1);
  const edits = last
    ? appendAfter(text, rangeOf(last), oneLine(value), formatting.eol ?? '\n')
    : modify(text, runs ? ['runs', -1] : ['runs'], runs ? value : [value], { formattingOptions: formatting, isArrayInsertion: true });
  const newText = applyEdits(text, edits);
  const items = arrayItems(parseJsonc(newText).root, ['runs']);
  return { ok: true, edits, newText, entryRange: rangeOf(items[items.length - 1]) };
}

/**
 * Inserts `item` after the list item at `previous`: on a new line when the rest of that line is at
 * most a comma and a // comment (adding the comma when there is none), else right after it.
 */
function appendAfter(text: string, previous: TextRange, item: string, eol: string): Edit[] {
  const end = previous.offset + previous.length;
  const lineEnd = lineEndAt(text, end);
  const rest = /^[ \t]*(,)?[ \t]*(\/\/.*)?$/.exec(text.slice(end, lineEnd));
  if (!rest) return [{ offset: end, length: 0, content: `, ${item}` }];
  const lineStart = text.lastIndexOf('\n', previous.offset) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const comma: Edit[] = rest[1] ? [] : [{ offset: end, length: 0, content: ',' }];
  return [...comma, { offset: lineEnd, length: 0, content: `${eol}${indent}${item}` }];
}

/** Where the line holding `offset` ends (before its \r\n or \n). */
function lineEndAt(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline === -1) return text.length;
  return text[newline - 1] === '\r' ? newline - 1 : newline;
}

/** `{ "name": "x", "loss": { "type": "poly", "epsilon": [1, 0.5] } }`, the style of the starter file. */
function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * A name for a run of `loss` that the file does not use yet, in the style of the starter file:
 * "ce", "poly1-eps2", "poly3-eps1_0.5_-0.2", "focal-g2", "poly1-focal-g2-eps1", "-ls0.1" for smoothing,
 * then "-2", "-3"… when taken.
 */
export function suggestRunName(loss: LossSpec, taken: readonly string[]): string {
  const eps = epsilonList(loss);
  const epsText = `eps${eps.map(short).join('_')}`;
  const parts: string[] = [];
  switch (loss.type) {
    case 'ce': parts.push('ce'); break;
    case 'poly': parts.push(`poly${eps.length}`, epsText); break;
    case 'focal': parts.push('focal', `g${short(gammaOf(loss))}`); break;
    case 'poly-focal': parts.push(`poly${eps.length}-focal`, `g${short(gammaOf(loss))}`, epsText); break;
  }
  if (loss.labelSmoothing) parts.push(`ls${short(loss.labelSmoothing)}`);
  const base = parts.join('-');
  const used = new Set(taken);
  if (!used.has(base)) return base;
  let n = 2;
  while (used.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** Why a typed run name cannot be used, or undefined when it can. */
export function runNameProblem(name: string, taken: readonly string[]): string | undefined {
  if (name.trim() === '') return 'the run name must not be empty';
  if (taken.includes(name)) return `"${name}" is already the name of a run in this file; run names must be unique`;
  return undefined;
}

function short(x: number): string {
  return String(Number(x.toPrecision(4)));
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
