import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { diffConfigs } from '../../src/core/configDiff';
import { describeLoss, type LossSpec } from '../../src/core/lossSpec';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import type { BrokenRunInfo } from '../../src/core/viewProtocol';
import { el, icon } from '../shared/dom';
import { FIXED_COLUMNS, RUN_COLUMNS, filterRuns, sortRuns, type RunColumn, type SortState } from './columns';
import { EpsilonCellEditor } from './epsilonCell';
import { hasEpsilon } from './epsilonEdit';

export interface TableState {
  sort: SortState;
  filter: string;
  /** Columns the user hid with the column chooser (by id). */
  hidden?: string[];
}

export interface RunsTableCallbacks {
  onToggle(runId: string, checked: boolean): void;
  onOpen(runId: string): void;
  /** "Rerun with edited ε": a new run from the run's config with `loss`. */
  onRerunWithLoss(runId: string, loss: LossSpec): void;
  onState(state: TableState): void;
  /** The run's chart colour, shown as a swatch next to selected runs. */
  colorOf(runId: string): string;
}

const STATUS_ICONS: Record<RunStatus, string> = {
  queued: 'clock', running: 'sync', completed: 'pass', failed: 'error', cancelled: 'circle-slash',
  diverged: 'warning', interrupted: 'debug-disconnect',
};

/** The run whose ε is being edited: its row stays in the table while the rest is redrawn. */
interface EpsilonEdit {
  runId: string;
  row: HTMLTableRowElement;
  cell: HTMLTableCellElement;
  editor: EpsilonCellEditor;
}

/**
 * Every run in the workspace: sortable by any column, filterable by text, with the columns whose
 * settings differ between the listed runs highlighted. Ticking a row is the shared selection.
 * The ε of a Poly run is edited in its loss cell (click it, or F2 on the row) to rerun it with another ε.
 */
export class RunsTable {
  readonly root: HTMLElement;
  private readonly head: HTMLTableRowElement;
  private readonly body: HTMLTableSectionElement;
  private readonly summary: HTMLElement;
  private runs: RunRecord[] = [];
  private selection = new Set<string>();
  private focusedRunId: string | undefined;
  private edit: EpsilonEdit | undefined;
  private readonly note = el('p', { class: 'table-note', attrs: { role: 'status' } });
  private readonly brokenRuns = el('div', { class: 'broken-runs' });

  private readonly filter: HTMLElement & { value: string };
  private readonly clearFilter: HTMLButtonElement;
  private shownCount = 0;
  private readonly empty = el('div', { class: 'table-empty', attrs: { role: 'status' } });

  constructor(private state: TableState, private readonly callbacks: RunsTableCallbacks) {
    const filter = el('vscode-textfield', { attrs: { placeholder: 'Filter runs: words, or a setting and its value ("seed 1", "loss poly")', 'aria-label': 'Filter runs' } });
    this.filter = filter;
    filter.value = state.filter;
    filter.addEventListener('input', () => this.setFilter(filter.value));
    filter.append(el('span', { class: 'codicon codicon-filter', attrs: { slot: 'content-before', 'aria-hidden': 'true' } }));
    this.clearFilter = el('button', { class: 'icon-button filter-clear', attrs: { type: 'button', slot: 'content-after', title: 'Clear the filter', 'aria-label': 'Clear the filter' } }, icon('close'));
    this.clearFilter.addEventListener('click', () => {
      this.setFilter('');
      filter.focus();
    });
    filter.append(this.clearFilter);
    this.head = el('tr');
    this.body = el('tbody');
    this.summary = el('p', { class: 'table-summary', attrs: { 'aria-live': 'polite' } });
    const table = el('table', { class: 'runs' }, el('thead', {}, this.head), this.body);
    this.root = el('section', { class: 'runs-table' },
      el('div', { class: 'toolbar' }, filter, this.columnChooser()), this.summary, this.brokenRuns, this.note, el('div', { class: 'table-wrap' }, table), this.empty);
  }

  private setFilter(text: string): void {
    this.filter.value = text;
    this.state = { ...this.state, filter: text };
    this.render();
    this.callbacks.onState(this.state);
  }

  /** "Columns": a menu of tick boxes that show or hide each column (the run's name always shows). */
  private columnChooser(): HTMLElement {
    const boxes = RUN_COLUMNS.filter((c) => !FIXED_COLUMNS.has(c.id)).map((c) => {
      const box = el('vscode-checkbox', { attrs: { label: c.label, 'data-column': c.id } });
      box.checked = !(this.state.hidden ?? []).includes(c.id);
      box.addEventListener('change', () => {
        const hidden = new Set(this.state.hidden ?? []);
        if (box.checked) hidden.delete(c.id);
        else hidden.add(c.id);
        this.state = { ...this.state, hidden: RUN_COLUMNS.map((col) => col.id).filter((id) => hidden.has(id)) };
        this.render();
        this.callbacks.onState(this.state);
      });
      return box;
    });
    const summary = el('summary', { attrs: { title: 'Choose the columns of the table' } }, icon('list-selection'), ' Columns');
    return el('details', { class: 'column-chooser' }, summary, el('div', { class: 'column-list', attrs: { role: 'group', 'aria-label': 'Columns shown' } }, ...boxes));
  }

  private columns(): readonly RunColumn[] {
    const hidden = new Set(this.state.hidden ?? []);
    return RUN_COLUMNS.filter((c) => FIXED_COLUMNS.has(c.id) || !hidden.has(c.id));
  }

  update(runs: RunRecord[], selection: readonly string[], focusedRunId: string | undefined): void {
    this.runs = runs;
    this.selection = new Set(selection);
    this.focusedRunId = focusedRunId;
    this.render();
  }

  /** Run folders that cannot be read, under the summary with the reason each (the Runs view shows them as broken). */
  showBroken(broken: readonly BrokenRunInfo[]): void {
    if (!broken.length) return this.brokenRuns.replaceChildren();
    const count = broken.length === 1 ? 'One run folder cannot be read' : `${broken.length} run folders cannot be read`;
    this.brokenRuns.replaceChildren(
      el('p', {}, icon('warning'), ` ${count}; Reveal Run Folder or Delete Run in the Runs view:`),
      el('ul', {}, ...broken.map((b) => el('li', {}, el('span', { class: 'broken-id', text: b.runId }), `: ${b.reason}`))),
    );
  }

  private render(): void {
    const shown = sortRuns(filterRuns(this.runs, this.state.filter), this.state.sort);
    const differing = this.differingColumns(shown);
    this.shownCount = shown.length;
    const columns = this.columns();
    const focusedId = (document.activeElement?.closest('tr[data-run-id]') as HTMLElement | null)?.dataset.runId;

    this.head.replaceChildren(el('th', { class: 'pick', attrs: { scope: 'col' } }, el('span', { class: 'codicon codicon-check-all', attrs: { title: 'Compare', 'aria-label': 'Compare' } })),
      ...columns.map((c) => this.headerCell(c, differing.has(c.id))));
    if (this.edit && (!shown.some((run) => run.id === this.edit!.runId) || !columns.some((c) => c.id === 'loss'))) this.edit = undefined;
    this.placeRows(shown.map((run) => this.keepEditedRow(run, this.row(run, columns, differing))));

    const selected = this.runs.filter((r) => this.selection.has(r.id)).length;
    this.summary.textContent = `${shown.length} of ${this.runs.length} runs shown · ${selected} ticked for comparison`
      + (differing.size ? ' · settings that differ between the shown runs are marked, shared ones dimmed' : '');
    this.clearFilter.hidden = this.state.filter.trim() === '';
    this.showEmpty(shown.length === 0 && this.runs.length > 0);
    // A row that had the focus gets it back when it was rebuilt (the edited row keeps its own).
    if (focusedId && !this.body.contains(document.activeElement)) this.rowOf(focusedId)?.focus();
  }

  /** When the filter hides every run: says so, with a way back. */
  private showEmpty(show: boolean): void {
    if (!show) return this.empty.replaceChildren();
    const clear = el('button', { class: 'link-button', text: 'Clear the filter', attrs: { type: 'button' } });
    clear.addEventListener('click', () => {
      this.setFilter('');
      this.filter.focus();
    });
    this.empty.replaceChildren(el('p', {}, `No run matches "${this.state.filter.trim()}". `, clear));
  }

  /** Puts the rows in order without taking out the edited row, so its field keeps focus and caret. */
  private placeRows(rows: HTMLTableRowElement[]): void {
    const keep = new Set<Element>(rows);
    for (const child of [...this.body.children]) if (!keep.has(child)) child.remove();
    rows.forEach((row, i) => {
      if (this.body.children[i] !== row) this.body.insertBefore(row, this.body.children[i] ?? null);
    });
  }

  /** For the edited run: the live row with every cell but the edited one taken from the fresh row. */
  private keepEditedRow(run: RunRecord, fresh: HTMLTableRowElement): HTMLTableRowElement {
    const edit = this.edit;
    if (edit?.runId !== run.id) return fresh;
    edit.editor.setRun(run);
    const keptIndex = [...edit.row.cells].indexOf(edit.cell);
    [...fresh.cells].forEach((cell, i) => { if (i !== keptIndex) edit.row.replaceChild(cell, edit.row.cells[i]); });
    edit.row.className = fresh.className;
    edit.row.setAttribute('aria-selected', fresh.getAttribute('aria-selected') ?? 'false');
    return edit.row;
  }

  private rowOf(runId: string): HTMLTableRowElement | null {
    return this.body.querySelector(`tr[data-run-id="${CSS.escape(runId)}"]`);
  }

  /** Turns the run's loss cell into the ε editor (Poly runs only). */
  private startEdit(runId: string): void {
    if (this.edit?.runId === runId) {
      void this.edit.editor.focus();
      return;
    }
    const run = this.runs.find((r) => r.id === runId);
    if (!run || !hasEpsilon(run)) return;
    if (this.edit) this.endEdit(false);
    const row = this.rowOf(runId);
    const cell = row?.querySelector<HTMLTableCellElement>('td[data-column="loss"]');
    if (!row || !cell) return;
    const editor = new EpsilonCellEditor(run, {
      rerun: (loss) => this.rerun(runId, loss),
      cancel: () => this.endEdit(true),
    });
    cell.replaceChildren(editor.root);
    cell.classList.add('editing');
    this.note.textContent = '';
    this.edit = { runId, row, cell, editor };
    void editor.focus();
  }

  /** Back to the loss text; `refocus` puts the focus on the run's row (Escape, Cancel, a rerun). */
  private endEdit(refocus: boolean): void {
    const runId = this.edit?.runId;
    this.edit = undefined;
    this.render();
    if (refocus && runId) this.rowOf(runId)?.focus();
  }

  private rerun(runId: string, loss: LossSpec): void {
    this.callbacks.onRerunWithLoss(runId, loss);
    const name = this.runs.find((r) => r.id === runId)?.name ?? runId;
    this.note.textContent = `Rerun of "${name}" with ${describeLoss(loss)} sent to the queue; it appears in the list once queued.`;
    this.endEdit(true);
  }

  /** A setting column is marked when the shown runs differ in it and dimmed when they share it. */
  private settingClass(column: RunColumn, differing: Set<string>): string {
    if (!column.configKeys || this.shownCount < 2) return '';
    return differing.has(column.id) ? 'differs' : 'same';
  }

  /** Columns showing a setting that is not the same in every shown run. */
  private differingColumns(runs: RunRecord[]): Set<string> {
    if (runs.length < 2) return new Set();
    const keys = diffConfigs(runs.map((r) => r.config)).differences.map((d) => d.key);
    return new Set(RUN_COLUMNS.filter((c) => c.configKeys && keys.some(c.configKeys)).map((c) => c.id));
  }

  private headerCell(column: RunColumn, differs: boolean): HTMLTableCellElement {
    const sorted = this.state.sort.column === column.id;
    const button = el('button', { text: column.label, attrs: { type: 'button', title: `Sort by ${column.label}` } });
    if (sorted) button.append(icon(this.state.sort.descending ? 'arrow-down' : 'arrow-up'));
    button.addEventListener('click', () => {
      this.state = { ...this.state, sort: { column: column.id, descending: sorted ? !this.state.sort.descending : column.numeric === true } };
      this.render();
      this.callbacks.onState(this.state);
    });
    const classes = [column.numeric ? 'num' : '', differs ? 'differs' : '', column.id === 'name' ? 'name' : ''].filter(Boolean).join(' ');
    const th = el('th', { class: classes, attrs: { scope: 'col', 'data-column': column.id } }, button);
    if (differs) {
      th.title = `${column.label} differs between the shown runs`;
      button.prepend(el('span', { class: 'codicon codicon-circle-small-filled differs-mark', attrs: { 'aria-label': 'differs' } }));
    }
    th.setAttribute('aria-sort', sorted ? (this.state.sort.descending ? 'descending' : 'ascending') : 'none');
    return th;
  }

  private row(run: RunRecord, columns: readonly RunColumn[], differing: Set<string>): HTMLTableRowElement {
    const checked = this.selection.has(run.id);
    const box = el('vscode-checkbox', { attrs: { 'aria-label': `Compare ${run.name}` } });
    box.checked = checked;
    box.addEventListener('click', (e) => e.stopPropagation());
    box.addEventListener('change', () => this.callbacks.onToggle(run.id, box.checked));

    const cells = columns.map((c) => {
      const td = el('td', {
        class: [c.numeric ? 'num' : '', this.settingClass(c, differing), c.id === 'name' ? 'name' : ''].filter(Boolean).join(' '),
        attrs: { 'data-column': c.id },
      });
      if (c.id === 'loss' && hasEpsilon(run)) {
        this.editableLossCell(td, run, c.text(run));
      } else if (c.id === 'status') {
        td.append(el('span', { class: `status status-${run.status}` }, icon(STATUS_ICONS[run.status] ?? 'circle'), c.text(run)));
      } else if (c.id === 'name') {
        if (checked) {
          const swatch = el('span', { class: 'swatch', attrs: { 'aria-hidden': 'true' } });
          swatch.style.backgroundColor = this.callbacks.colorOf(run.id);
          td.append(swatch);
        }
        td.append(c.text(run));
        td.title = `${run.name} (${run.id})`;
      } else {
        td.textContent = c.text(run);
      }
      return td;
    });

    const tr = el('tr', { attrs: { tabindex: '0', 'data-run-id': run.id, 'aria-selected': String(checked) } }, el('td', { class: 'pick' }, box), ...cells);
    if (hasEpsilon(run)) tr.setAttribute('aria-keyshortcuts', 'F2');
    if (run.id === this.focusedRunId) tr.classList.add('focused');
    tr.addEventListener('click', () => this.callbacks.onOpen(run.id));
    tr.addEventListener('keydown', (e) => this.onRowKey(e, tr));
    return tr;
  }

  /** The loss of a Poly run, with the button that edits its ε; a click anywhere in the cell edits too. */
  private editableLossCell(td: HTMLTableCellElement, run: RunRecord, text: string): void {
    const button = el('button', { class: 'cell-edit', attrs: { type: 'button', title: 'Edit ε and rerun (F2)', 'aria-label': `Edit ε of ${run.name} and rerun` } }, icon('edit'));
    td.classList.add('editable');
    td.append(el('span', { text }), button);
    td.addEventListener('click', (e) => {
      e.stopPropagation();
      this.startEdit(run.id);
    });
  }

  /** Enter opens the run, Space ticks it, F2 edits its ε, arrows move between rows. */
  private onRowKey(e: KeyboardEvent, tr: HTMLTableRowElement): void {
    if (e.target !== tr) return;
    const runId = tr.dataset.runId!;
    // The row may keep its element while its cells are redrawn: read the current checkbox.
    const box = tr.querySelector('vscode-checkbox');
    if (e.key === 'Enter') this.callbacks.onOpen(runId);
    else if (e.key === ' ') this.callbacks.onToggle(runId, !box?.checked);
    else if (e.key === 'F2') this.startEdit(runId);
    else if (e.key === 'ArrowDown') (tr.nextElementSibling as HTMLElement | null)?.focus();
    else if (e.key === 'ArrowUp') (tr.previousElementSibling as HTMLElement | null)?.focus();
    else return;
    e.preventDefault();
  }
}
