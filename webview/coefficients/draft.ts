/**
 * The coefficient editor's fields as typed, and what they mean: the loss spec they describe and
 * a message for each field that has a problem. The messages are those of New Run and experiment
 * files: parseEpsilonText for an ε as typed, validateLossSpec for the loss. No DOM.
 */
import { MAX_POLY_TERMS, epsilonList, type LossSpec, type LossType } from '../../src/core/lossSpec';
import { parseEpsilonText, validateLossSpec, type Issue } from '../../src/core/validate';

export interface CoefficientDraft {
  type: LossType;
  /** ε1…εN as typed. */
  epsilons: string[];
  /** '' = the default γ. */
  gamma: string;
  /** '' = no smoothing. */
  labelSmoothing: string;
}

/** Poly-1 with the paper's ImageNet ε = 2. */
export const DEFAULT_DRAFT: CoefficientDraft = { type: 'poly', epsilons: ['2'], gamma: '', labelSmoothing: '' };

/** Where a message shows: `epsilon.<i>` (a term), `epsilon` (the ε list), `gamma`, `labelSmoothing`, `type` (anything else). */
export type FieldKey = string;

export interface FieldMessage {
  severity: 'error' | 'warning';
  text: string;
}

export interface DraftReading {
  /** The loss when no field has an error (warnings allowed). */
  spec: LossSpec | undefined;
  messages: Map<FieldKey, FieldMessage>;
}

export function usesEpsilon(type: LossType): boolean {
  return type === 'poly' || type === 'poly-focal';
}

export function usesGamma(type: LossType): boolean {
  return type === 'focal' || type === 'poly-focal';
}

export const termKey = (i: number): FieldKey => `epsilon.${i}`;

/**
 * Reads the fields. An ε field may hold a comma-separated list ("1, 0.5"): its numbers count as
 * consecutive terms (splitListTerms makes them separate fields when the field is left).
 */
export function readDraft(draft: CoefficientDraft): DraftReading {
  const messages = new Map<FieldKey, FieldMessage>();
  const spec: Record<string, unknown> = { type: draft.type };
  /** For each ε value, the field it was typed in. */
  const termOfValue: number[] = [];
  if (usesEpsilon(draft.type)) {
    const values: number[] = [];
    draft.epsilons.forEach((text, i) => {
      const parsed = parseEpsilonText(text);
      if (!parsed.ok) {
        messages.set(termKey(i), { severity: 'error', text: parsed.message });
        return;
      }
      for (const value of ([] as number[]).concat(parsed.value)) {
        values.push(value);
        termOfValue.push(i);
      }
    });
    if (values.length > MAX_POLY_TERMS) messages.set('epsilon', { severity: 'error', text: `at most ${MAX_POLY_TERMS} ε terms (got ${values.length})` });
    spec.epsilon = values.length === 1 ? values[0] : values;
  }
  if (usesGamma(draft.type)) setNumber(spec, 'gamma', draft.gamma);
  setNumber(spec, 'labelSmoothing', draft.labelSmoothing);

  if (messages.size === 0) {
    const checked = validateLossSpec(spec);
    const issues = [...(checked.ok ? [] : checked.errors), ...checked.warnings];
    for (const issue of issues) {
      const key = fieldOf(issue, termOfValue);
      if (!messages.has(key)) messages.set(key, { severity: issue.severity, text: issue.message });
    }
  }
  const hasError = [...messages.values()].some((m) => m.severity === 'error');
  return { spec: hasError ? undefined : (spec as unknown as LossSpec), messages };
}

/** The field of a validation issue: `loss.epsilon[3]` → the field that value came from. */
function fieldOf(issue: Issue, termOfValue: readonly number[]): FieldKey {
  const term = /^loss\.epsilon\[(\d+)\]/.exec(issue.path);
  if (term) return termKey(termOfValue[Number(term[1])] ?? 0);
  if (issue.path === 'loss.epsilon') return 'epsilon';
  if (issue.path.startsWith('loss.gamma')) return 'gamma';
  if (issue.path.startsWith('loss.labelSmoothing')) return 'labelSmoothing';
  return 'type';
}

/**
 * A number field: empty leaves the key out (its default applies); one number as typed (the same
 * syntax as ε, typographic minus included) becomes the number; anything else is kept as text for
 * the validator to name.
 */
function setNumber(spec: Record<string, unknown>, key: string, text: string): void {
  if (text.trim() === '') return;
  const parsed = parseEpsilonText(text);
  spec[key] = parsed.ok && !Array.isArray(parsed.value) ? parsed.value : text.trim();
}

/** The fields showing a loss, e.g. from an experiment entry or a run. */
export function draftFromLoss(loss: LossSpec): CoefficientDraft {
  const type = (['ce', 'poly', 'focal', 'poly-focal'] as const).find((t) => t === loss.type) ?? DEFAULT_DRAFT.type;
  const epsilons = usesEpsilon(type) ? epsilonList({ ...loss, type }).map(String) : [...DEFAULT_DRAFT.epsilons];
  return {
    type,
    epsilons: epsilons.length > 0 ? epsilons : [...DEFAULT_DRAFT.epsilons],
    gamma: typeof loss.gamma === 'number' ? String(loss.gamma) : '',
    labelSmoothing: typeof loss.labelSmoothing === 'number' && loss.labelSmoothing !== 0 ? String(loss.labelSmoothing) : '',
  };
}

/** ε fields holding a valid list ("1, 0.5") become one field per number. */
export function splitListTerms(epsilons: readonly string[]): string[] {
  return epsilons.flatMap((text) => {
    const parsed = parseEpsilonText(text);
    return parsed.ok && Array.isArray(parsed.value) ? parsed.value.map(String) : [text];
  });
}

/** A saved draft from webview state, if it is one. */
export function isDraft(x: unknown): x is CoefficientDraft {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  return ['ce', 'poly', 'focal', 'poly-focal'].includes(d.type as string) && Array.isArray(d.epsilons) && d.epsilons.length > 0
    && d.epsilons.every((e) => typeof e === 'string') && typeof d.gamma === 'string' && typeof d.labelSmoothing === 'string';
}
