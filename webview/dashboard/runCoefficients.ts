/**
 * The coefficient editor in the dashboard's Run tab, for the run shown there: it starts with the
 * run's loss; "Run with these coefficients" trains on that run's settings and "Save to experiment
 * file" adds the loss to an experiment file, both through the host's coefficient session (the one
 * behind the sidebar view).
 */
import type { CoefficientHostMessage, CoefficientWebviewMessage } from '../../src/core/coefficientProtocol';
import type { RunRecord } from '../../src/core/runFormat';
import { DEFAULT_DRAFT, isDraft, type CoefficientDraft } from '../coefficients/draft';
import { CoefficientEditor } from '../coefficients/editor';
import { el } from '../shared/dom';
import type { ChartTheme } from '../shared/theme';

/** The fields as typed for a run, kept across reloads of the panel. */
export interface CoefficientsState {
  runId: string;
  draft: CoefficientDraft;
}

export interface RunCoefficientsCallbacks {
  post(runId: string, message: CoefficientWebviewMessage): void;
  onState(state: CoefficientsState): void;
}

export class RunCoefficients {
  readonly root: HTMLElement;
  readonly editor: CoefficientEditor;
  private runId: string | undefined;

  constructor(theme: ChartTheme, private saved: CoefficientsState | undefined, private readonly callbacks: RunCoefficientsCallbacks) {
    this.editor = new CoefficientEditor(theme, DEFAULT_DRAFT, {
      run: (loss, requestId) => this.send({ type: 'run', loss, requestId }),
      save: (loss, requestId) => this.send({ type: 'save', loss, requestId }),
      changed: (draft) => { if (this.runId) this.callbacks.onState({ runId: this.runId, draft }); },
    }, 'this run');
    this.root = el('section', { class: 'run-coefficients', attrs: { 'aria-labelledby': 'run-coefficients-title' } },
      el('h2', { text: 'Coefficients', attrs: { id: 'run-coefficients-title' } }),
      el('p', { class: 'coef-note', text: 'Change ε, γ or label smoothing and watch the loss shape; run the new loss with this run\'s settings, or save it to an experiment file.' }),
      this.editor.root);
    this.root.hidden = true;
  }

  /** Shows the editor for `run` (hidden without one); a newly shown run puts its loss into the fields. */
  show(run: RunRecord | undefined): void {
    this.root.hidden = run === undefined;
    if (!run || run.id === this.runId) return;
    this.runId = run.id;
    // An answer still to come is about the run shown before: it must not land on this one.
    this.editor.forgetRequests();
    const saved = this.saved?.runId === run.id && isDraft(this.saved.draft) ? this.saved.draft : undefined;
    this.saved = undefined;
    if (saved) this.editor.restore(saved);
    else this.editor.load(run.config.loss, `the loss of "${run.name}"`);
    // The host answers with what a run from here trains on.
    this.send({ type: 'ready' });
  }

  apply(message: CoefficientHostMessage): void {
    this.editor.apply(message);
  }

  setTheme(theme: ChartTheme): void {
    this.editor.setTheme(theme);
  }

  private send(message: CoefficientWebviewMessage): void {
    if (this.runId) this.callbacks.post(this.runId, message);
  }
}
