/**
 * The coefficient editor: the fields, the live loss-shape charts redrawn on every keystroke, and
 * "Run with these coefficients" / "Save to experiment file". It knows nothing of the transport:
 * the sidebar view (coefficients.main.ts) connects it to the host, and any other webview (the
 * dashboard) can mount it the same way.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { CoefficientHostMessage, RunBaseInfo } from '../../src/core/coefficientProtocol';
import type { LossSpec } from '../../src/core/lossSpec';
import { el } from '../shared/dom';
import { frames } from '../shared/frames';
import { PendingRequests } from '../shared/requests';
import type { ChartTheme } from '../shared/theme';
import { draftFromLoss, readDraft, type CoefficientDraft, type DraftReading } from './draft';
import { CoefficientForm } from './form';
import { LossShapeCharts } from './shapeCharts';

/** Sends the editor's requests; the host's `done` names the same `requestId`. */
export interface CoefficientEditorHost {
  run(loss: LossSpec, requestId: string): void;
  save(loss: LossSpec, requestId: string): void;
  /** Every change of the fields, e.g. to keep them across reloads. */
  changed(draft: CoefficientDraft): void;
}

export class CoefficientEditor {
  readonly root: HTMLElement;
  readonly form: CoefficientForm;
  readonly charts: LossShapeCharts;
  private reading: DraftReading;
  private readonly runButton = el('vscode-button', { text: 'Run with these coefficients', attrs: { id: 'run', icon: 'play' } });
  private readonly saveButton = el('vscode-button', { text: 'Save to experiment file…', attrs: { id: 'save', icon: 'save', secondary: '' } });
  private readonly baseLine = el('p', { class: 'coef-base', attrs: { id: 'run-base' } });
  private readonly status = el('p', { class: 'coef-status', attrs: { id: 'status', role: 'status' } });
  private readonly smoothingNote = el('p', { class: 'coef-note', attrs: { id: 'smoothing-note' } });
  /** The run or save waiting for the host's answer; the buttons wait with it. */
  private readonly requests = new PendingRequests<'run' | 'save'>();
  /** One function object, so several keystrokes within a frame draw once. */
  private readonly draw = () => this.charts.show(this.reading.spec);

  /** `baseRunNoun` says which run the base line's settings come from: the sidebar's ticked run, the dashboard's shown run. */
  constructor(theme: ChartTheme, draft: CoefficientDraft, private readonly host: CoefficientEditorHost, private readonly baseRunNoun = 'the ticked run') {
    this.form = new CoefficientForm(draft, (d) => this.changed(d));
    this.charts = new LossShapeCharts(theme);
    this.reading = readDraft(draft);
    this.runButton.addEventListener('click', () => this.act('run'));
    this.saveButton.addEventListener('click', () => this.act('save'));
    this.smoothingNote.textContent = 'Label smoothing changes the targets, not the shape in Pt: the curves are drawn without it.';
    this.root = el('div', { class: 'coef-editor' },
      this.form.root,
      this.charts.root,
      this.smoothingNote,
      el('div', { class: 'coef-actions' }, this.runButton, this.saveButton),
      this.baseLine,
      this.status);
    this.setBase(undefined);
    this.refresh();
  }

  /** Puts a loss into the fields, e.g. one sent by the host. */
  load(loss: LossSpec, source: string): void {
    this.form.setDraft(draftFromLoss(loss));
    this.changed(this.form.value);
    this.setStatus(`Loaded ${source}.`, 'info');
  }

  /** Puts fields back as they were typed (a state kept across a reload). */
  restore(draft: CoefficientDraft): void {
    this.form.setDraft(draft);
    this.refresh();
  }

  /** A message of the host's coefficient session. */
  apply(message: CoefficientHostMessage): void {
    switch (message.type) {
      case 'base': return this.setBase(message.base);
      case 'load': return this.load(message.loss, message.source);
      case 'done': return this.done(message.requestId, message.ok, message.message);
    }
  }

  /** What "Run with these coefficients" trains on. */
  setBase(base: RunBaseInfo | undefined): void {
    if (!base) {
      this.baseLine.textContent = '';
      return;
    }
    const what = base.what;
    this.baseLine.textContent = base.fromRun
      ? `Runs on ${what}, the settings of ${this.baseRunNoun} "${base.fromRun}".`
      : `Runs on ${what} (the New Run defaults; tick a run in the Runs view to use its settings).`;
  }

  /** The host's answer to a run or save; an answer to a forgotten request changes nothing. */
  done(requestId: string, ok: boolean, message: string): void {
    if (this.requests.answered(requestId) === undefined) return;
    this.updateButtons();
    this.setStatus(message, ok ? 'info' : 'error');
  }

  /** Stops waiting for the answers of the requests sent so far, e.g. when the editor moves on to another run. */
  forgetRequests(): void {
    this.requests.forget();
    this.updateButtons();
  }

  setTheme(theme: ChartTheme): void {
    this.charts.setTheme(theme);
    frames.request(this.draw);
  }

  get spec(): LossSpec | undefined {
    return this.reading.spec;
  }

  private changed(draft: CoefficientDraft): void {
    this.refresh();
    this.host.changed(draft);
  }

  private refresh(): void {
    this.reading = readDraft(this.form.value);
    this.form.showReading(this.reading);
    this.smoothingNote.hidden = !this.reading.spec?.labelSmoothing;
    this.updateButtons();
    frames.request(this.draw);
  }

  private act(action: 'run' | 'save'): void {
    const loss = this.reading.spec;
    if (!loss || this.requests.size > 0) return;
    const requestId = this.requests.open(action);
    this.updateButtons();
    this.setStatus(action === 'run' ? 'Queuing the run…' : 'Choose the experiment file and the run name…', 'info');
    if (action === 'run') this.host.run(loss, requestId);
    else this.host.save(loss, requestId);
  }

  private updateButtons(): void {
    const blocked = this.reading.spec === undefined || this.requests.size > 0;
    this.runButton.toggleAttribute('disabled', blocked);
    this.saveButton.toggleAttribute('disabled', blocked);
  }

  private setStatus(text: string, kind: 'info' | 'error'): void {
    this.status.textContent = text;
    this.status.className = `coef-status ${kind}`;
  }
}
