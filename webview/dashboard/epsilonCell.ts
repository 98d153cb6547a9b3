/**
 * The loss cell of the runs table while its ε is edited: the ε field (checked on every keystroke,
 * its message under it), "Rerun with edited ε" and Cancel. Enter in the field reruns, Escape cancels.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { gammaOf, type LossSpec } from '../../src/core/lossSpec';
import type { RunRecord } from '../../src/core/runFormat';
import { el } from '../shared/dom';
import { fmtNumber } from '../shared/format';
import { epsilonText, readEpsilon, type EpsilonReading } from './epsilonEdit';

export interface EpsilonCellCallbacks {
  rerun(loss: LossSpec): void;
  cancel(): void;
}

export class EpsilonCellEditor {
  readonly root: HTMLElement;
  readonly input: VscodeTextfield;
  private readonly message = el('div', { class: 'field-message', attrs: { id: 'eps-edit-message', 'aria-live': 'polite' } });
  private readonly rerunButton = el('vscode-button', { text: 'Rerun with edited ε', attrs: { id: 'eps-edit-rerun', icon: 'play' } });
  private readonly cancelButton = el('vscode-button', { text: 'Cancel', attrs: { id: 'eps-edit-cancel', secondary: '', title: 'Cancel (Escape)' } });
  private reading: EpsilonReading;

  constructor(private run: RunRecord, private readonly callbacks: EpsilonCellCallbacks) {
    this.input = el('vscode-textfield', {
      attrs: { id: 'eps-edit-input', 'aria-label': `ε of ${run.name}`, 'aria-describedby': 'eps-edit-message', placeholder: 'e.g. 2 or 1, 0.5' },
    }) as VscodeTextfield;
    this.input.value = epsilonText(run.config.loss);
    this.reading = readEpsilon(run, this.input.value);
    this.input.addEventListener('input', () => this.check());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.submit();
      else if (e.key === 'Escape') this.callbacks.cancel();
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    this.rerunButton.addEventListener('click', () => this.submit());
    this.cancelButton.addEventListener('click', () => this.callbacks.cancel());
    const loss = run.config.loss;
    const kind = loss.type === 'poly-focal' ? `Poly focal γ=${fmtNumber(gammaOf(loss))}, ε` : 'Poly ε';
    this.root = el('div', { class: 'eps-edit', attrs: { role: 'group', 'aria-label': `Edit ε of ${run.name} and rerun` } },
      el('div', { class: 'eps-edit-line' }, el('span', { class: 'eps-edit-label', text: kind }), this.input, this.rerunButton, this.cancelButton),
      this.message);
    // The row opens the run on click; clicks in here are for the editor.
    this.root.addEventListener('click', (e) => e.stopPropagation());
    this.show();
  }

  /** The run changed (status, summary): the typed text stays, its reading follows the record. */
  setRun(run: RunRecord): void {
    this.run = run;
    this.check();
  }

  /** Focuses the field with its text selected, so typing replaces ε. */
  async focus(): Promise<void> {
    await this.input.updateComplete;
    this.input.focus();
    this.input.wrappedElement.select();
  }

  private check(): void {
    this.reading = readEpsilon(this.run, this.input.value);
    this.show();
  }

  private show(): void {
    const m = this.reading.message;
    this.message.textContent = m?.text ?? '';
    this.message.className = `field-message${m ? ` ${m.severity}` : ''}`;
    this.input.invalid = m?.severity === 'error';
    this.rerunButton.toggleAttribute('disabled', this.reading.loss === undefined);
  }

  private submit(): void {
    if (this.reading.loss) this.callbacks.rerun(this.reading.loss);
  }
}
