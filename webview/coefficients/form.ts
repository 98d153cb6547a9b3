/**
 * The fields of the coefficient editor: loss type, ε1…εN (add / remove terms), γ and label
 * smoothing, each with its message below it. Typing never rebuilds the field being typed in; the
 * rows are rebuilt only when terms are added or removed or a whole loss is loaded.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { DEFAULT_GAMMA, MAX_POLY_TERMS, type LossType } from '../../src/core/lossSpec';
import { parseEpsilonText } from '../../src/core/validate';
import { select } from '../shared/controls';
import { el } from '../shared/dom';
import { fmtNumber } from '../shared/format';
import {
  splitListTerms, termKey, usesEpsilon, usesGamma, type CoefficientDraft, type DraftReading, type FieldKey,
} from './draft';

const LOSS_TYPES: readonly { id: LossType; label: string }[] = [
  { id: 'poly', label: 'Poly-N: CE + Σ ε_j (1−Pt)^j' },
  { id: 'ce', label: 'Cross-entropy' },
  { id: 'focal', label: 'Focal: −(1−Pt)^γ log Pt' },
  { id: 'poly-focal', label: 'Poly focal: focal + Σ ε_j (1−Pt)^(j+γ)' },
];

/** One text field with its label and the message line under it. */
interface Field {
  row: HTMLElement;
  input: VscodeTextfield;
  message: HTMLElement;
}

function textField(id: string, label: string, value: string, placeholder: string): Field {
  const input = el('vscode-textfield', { attrs: { id, 'aria-label': label, placeholder } }) as VscodeTextfield;
  input.value = value;
  const message = el('div', { class: 'field-message', attrs: { id: `${id}-message`, 'aria-live': 'polite' } });
  input.setAttribute('aria-describedby', message.id);
  return { row: el('div', { class: 'field' }, input, message), input, message };
}

export class CoefficientForm {
  readonly root: HTMLElement;
  private readonly typeSelect: HTMLElement;
  private readonly epsilonGroup: HTMLElement;
  private readonly termRows = el('div', { class: 'term-rows' });
  private readonly epsilonMessage = el('div', { class: 'field-message', attrs: { id: 'epsilon-message', 'aria-live': 'polite' } });
  private readonly addTerm = el('vscode-button', { text: 'Add term', attrs: { id: 'add-term', icon: 'add', secondary: '' } });
  private readonly gamma: Field;
  private readonly labelSmoothing: Field;
  private readonly typeMessage = el('div', { class: 'field-message', attrs: { id: 'type-message', 'aria-live': 'polite' } });
  private terms: { field: Field; alpha: HTMLElement; remove: HTMLElement }[] = [];

  constructor(private draft: CoefficientDraft, private readonly onChange: (draft: CoefficientDraft) => void) {
    this.typeSelect = select('Loss', LOSS_TYPES, draft.type, (type) => this.update({ type: type as LossType }, true));
    this.typeSelect.querySelector('vscode-single-select')?.setAttribute('id', 'loss-type');
    this.addTerm.addEventListener('click', () => this.update({ epsilons: [...this.draft.epsilons, '0'] }, true, this.draft.epsilons.length));
    this.epsilonGroup = el('div', { class: 'coef-group', attrs: { role: 'group', 'aria-label': 'ε coefficients' } },
      el('div', { class: 'control-label', text: 'ε_j, added to the CE coefficients α_j = 1/j' }),
      this.termRows, this.epsilonMessage, this.addTerm);
    this.gamma = textField('gamma', 'γ (focusing)', draft.gamma, `${DEFAULT_GAMMA} (default)`);
    this.labelSmoothing = textField('label-smoothing', 'Label smoothing', draft.labelSmoothing, '0 (off)');
    this.watch(this.gamma.input, (value) => ({ gamma: value }));
    this.watch(this.labelSmoothing.input, (value) => ({ labelSmoothing: value }));
    this.root = el('div', { class: 'coef-form' },
      el('div', { class: 'field' }, this.typeSelect, this.typeMessage),
      this.epsilonGroup,
      el('label', { class: 'control', attrs: { id: 'gamma-row' } }, el('span', { class: 'control-label', text: 'γ (focusing parameter)' }), this.gamma.row),
      el('label', { class: 'control' }, el('span', { class: 'control-label', text: 'Label smoothing' }), this.labelSmoothing.row));
    this.render();
  }

  get value(): CoefficientDraft {
    return this.draft;
  }

  /** Replaces every field (a loaded loss, a restored state). */
  setDraft(draft: CoefficientDraft): void {
    this.draft = draft;
    const control = this.typeSelect.querySelector('vscode-single-select') as (HTMLElement & { value: string }) | null;
    if (control) control.value = draft.type;
    this.gamma.input.value = draft.gamma;
    this.labelSmoothing.input.value = draft.labelSmoothing;
    this.render();
  }

  /** Messages on the fields and the α of each ε term. */
  showReading(reading: DraftReading): void {
    const show = (key: FieldKey, target: HTMLElement, input?: VscodeTextfield) => {
      const m = reading.messages.get(key);
      target.textContent = m?.text ?? '';
      target.className = `field-message${m ? ` ${m.severity}` : ''}`;
      if (input) input.invalid = m?.severity === 'error';
    };
    this.terms.forEach((term, i) => show(termKey(i), term.field.message, term.field.input));
    show('epsilon', this.epsilonMessage);
    show('gamma', this.gamma.message, this.gamma.input);
    show('labelSmoothing', this.labelSmoothing.message, this.labelSmoothing.input);
    show('type', this.typeMessage);
    this.showAlphas();
  }

  /** α_j = 1/j + ε_j next to each term (a list typed in one field covers several j). */
  private showAlphas(): void {
    let j = 1;
    for (const term of this.terms) {
      const parsed = parseEpsilonText(term.field.input.value);
      if (!parsed.ok) {
        term.alpha.textContent = '';
        continue;
      }
      const values = ([] as number[]).concat(parsed.value);
      term.alpha.textContent = values.map((e, k) => `α${j + k} = ${fmtNumber(1 / (j + k) + e, 3)}`).join(', ');
      j += values.length;
    }
  }

  private update(patch: Partial<CoefficientDraft>, rebuild: boolean, focusTerm?: number): void {
    this.draft = { ...this.draft, ...patch };
    if (rebuild) this.render(focusTerm);
    this.onChange(this.draft);
  }

  private watch(input: VscodeTextfield, patch: (value: string) => Partial<CoefficientDraft>): void {
    input.addEventListener('input', () => this.update(patch(input.value), false));
  }

  /** Shows the fields the loss type uses and builds one row per ε term. */
  private render(focusTerm?: number): void {
    const { type, epsilons } = this.draft;
    this.epsilonGroup.hidden = !usesEpsilon(type);
    (this.gamma.row.parentElement as HTMLElement).hidden = !usesGamma(type);
    this.terms = epsilons.map((text, i) => this.termRow(text, i, epsilons.length));
    this.termRows.replaceChildren(...this.terms.map((t) => t.field.row));
    this.addTerm.toggleAttribute('disabled', epsilons.length >= MAX_POLY_TERMS);
    this.addTerm.textContent = `Add ε${epsilons.length + 1}`;
    if (focusTerm !== undefined) this.terms[focusTerm]?.field.input.focus();
  }

  private termRow(text: string, i: number, count: number): { field: Field; alpha: HTMLElement; remove: HTMLElement } {
    const field = textField(`epsilon-${i}`, `ε${i + 1}`, text, '0');
    const alpha = el('span', { class: 'term-alpha', attrs: { id: `alpha-${i}` } });
    const remove = el('vscode-button', { class: 'remove-term', attrs: { icon: 'close', secondary: '', 'aria-label': `Remove ε${i + 1}`, title: `Remove ε${i + 1}` } });
    remove.toggleAttribute('disabled', count === 1);
    remove.addEventListener('click', () => this.update({ epsilons: this.draft.epsilons.filter((_, k) => k !== i) }, true));
    field.input.addEventListener('input', () => {
      const epsilons = [...this.draft.epsilons];
      epsilons[i] = field.input.value;
      this.update({ epsilons }, false);
    });
    // A list typed or pasted into one field ("1, 0.5, -0.2") becomes one field per term when it is left.
    field.input.addEventListener('change', () => {
      const split = splitListTerms(this.draft.epsilons);
      if (split.length !== this.draft.epsilons.length) this.update({ epsilons: split }, true);
    });
    const line = el('div', { class: 'term-line' }, el('span', { class: 'term-label', text: `ε${i + 1}` }), field.input, remove);
    field.row.replaceChildren(line, el('div', { class: 'term-detail' }, alpha), field.message);
    return { field, alpha, remove };
  }
}
