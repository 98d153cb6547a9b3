/**
 * What the editor shows inside an experiment file besides diagnostics: the effective polynomial
 * coefficients after each ε (inlay hints) and where the "▶ Run" lenses go. Both work on the text
 * as typed, so they keep working while another part of the file has a syntax error.
 */
import { SWEEP_BASE_LOSS } from './experimentFile';
import { arrayItems, getNodeValue, nodeAt, parseJsonc, rangeOf, type Node, type TextRange } from './experimentTree';
import { DEFAULT_CONFIG } from './runConfig';
import { SweepError, planSweep, type SweepSpec } from './sweep';

export interface InlayHintText {
  /** Where the hint goes: right after the epsilon value. */
  offset: number;
  label: string;
}

export interface CodeLensEntry {
  name: string;
  /** The entry's object. */
  range: TextRange;
  /** How many runs "▶ Run" starts: the entry's seeds, else training.seeds, else 1. */
  seedsCount: number;
}

export interface CodeLensSweep {
  /** The `sweep` property, from its key. */
  range: TextRange;
  /** How many runs "▶ Run sweep" starts; undefined while the section is not a valid sweep. */
  runCount?: number;
}

export interface CodeLensTargets {
  /** The top-level object, for "Run all" (the start of the text when there is none). */
  fileRange: TextRange;
  entries: CodeLensEntry[];
  /** Set when the file has a `sweep` object. */
  sweep?: CodeLensSweep;
}

/** Coefficients shown when fewer ε are given: enough to see that the later ones stay 1/j. */
const SHOWN_COEFFICIENTS = 3;
const POLY_TYPES: readonly unknown[] = ['poly', 'poly-focal'];

/**
 * The leading polynomial coefficients of a PolyLoss: α_j = 1/j + ε_j for the given ε, then the
 * cross-entropy's 1/j, at least `shown` of them. ε = [2] → [3, 1/2, 1/3].
 */
export function leadingCoefficients(epsilons: readonly number[], shown = SHOWN_COEFFICIENTS): number[] {
  return Array.from({ length: Math.max(epsilons.length, shown) }, (_, i) => 1 / (i + 1) + (epsilons[i] ?? 0));
}

/** `α = [3, 0.5, 0.33]` after each ε of a poly / poly-focal run. */
export function inlayHintsFor(text: string): InlayHintText[] {
  const { root } = parseJsonc(text);
  return arrayItems(root, ['runs']).flatMap((entry) => {
    const epsilonNode = nodeAt(entry, ['loss', 'epsilon']);
    const typeNode = nodeAt(entry, ['loss', 'type']);
    const epsilons = epsilonNode && epsilonList(epsilonNode);
    if (!epsilons || !typeNode || !POLY_TYPES.includes(getNodeValue(typeNode))) return [];
    const label = `α = [${leadingCoefficients(epsilons).map(twoDecimals).join(', ')}]`;
    return [{ offset: epsilonNode.offset + epsilonNode.length, label }];
  });
}

/** The "▶ Run" lens of each named entry, the file's "Run all" and its "▶ Run sweep". */
export function codeLensTargets(text: string): CodeLensTargets {
  const { root } = parseJsonc(text);
  const sharedSeeds = seedCount(nodeAt(root, ['training', 'seeds']));
  const entries = arrayItems(root, ['runs']).flatMap((entry) => {
    const name = nodeAt(entry, ['name']);
    if (entry.type !== 'object' || name?.type !== 'string' || name.value === '') return [];
    return [{ name: String(name.value), range: rangeOf(entry), seedsCount: seedCount(nodeAt(entry, ['seeds'])) ?? sharedSeeds ?? 1 }];
  });
  const sweep = sweepTarget(nodeAt(root, ['sweep']));
  return { fileRange: root ? rangeOf(root) : { offset: 0, length: 0 }, entries, ...(sweep ? { sweep } : {}) };
}

/** The sweep's lens position and size. The count depends only on the grid (the base loss is always CE), so any valid base gives it. */
function sweepTarget(node: Node | undefined): CodeLensSweep | undefined {
  if (node?.type !== 'object') return undefined;
  const range = rangeOf(node.parent?.type === 'property' ? node.parent : node);
  try {
    const spec = structuredClone(getNodeValue(node)) as SweepSpec;
    return { range, runCount: planSweep(spec, { ...DEFAULT_CONFIG, loss: SWEEP_BASE_LOSS }, 'sweep-preview').configs.length };
  } catch (e) {
    if (!(e instanceof SweepError)) throw e;
    return { range };
  }
}

/** The ε of a number or a non-empty list of numbers; undefined for anything else. */
function epsilonList(node: Node): number[] | undefined {
  const value: unknown = getNodeValue(node);
  const list = Array.isArray(value) ? value : [value];
  return list.length > 0 && list.every((e) => typeof e === 'number' && Number.isFinite(e)) ? (list as number[]) : undefined;
}

function seedCount(node: Node | undefined): number | undefined {
  return node?.type === 'array' && node.children && node.children.length > 0 ? node.children.length : undefined;
}

/** 0.3333 → "0.33", 3 → "3", −0.001 → "0". */
function twoDecimals(x: number): string {
  const rounded = Number(x.toFixed(2));
  return String(rounded === 0 ? 0 : rounded);
}
