import type { Analysis } from '../../src/core/grouping';
import { adjustmentNote, resultsTable } from '../../src/core/report/resultsTable';
import { el } from '../shared/dom';

/**
 * The sweep's results table: one row per group with n, mean ± std, CI, the difference to its
 * baseline with its CI, the test, p and the verdict, the same cells as the report's table
 * (core resultsTable); each comparison's verdict sentence below it and on its row's hover.
 */
export class SweepTable {
  readonly root: HTMLElement;
  private readonly head: HTMLTableRowElement;
  private readonly body: HTMLTableSectionElement;
  private readonly note: HTMLParagraphElement;
  private readonly verdicts: HTMLUListElement;

  constructor() {
    this.head = el('tr');
    this.body = el('tbody');
    this.note = el('p', { class: 'table-summary adjustment-note' });
    this.verdicts = el('ul', { class: 'verdicts', attrs: { 'aria-label': 'Verdicts' } });
    this.root = el('section', { class: 'sweep-results' },
      el('div', { class: 'table-wrap' }, el('table', { class: 'runs sweep-table' }, el('thead', {}, this.head), this.body)),
      this.note, this.verdicts);
  }

  show(analysis: Analysis): void {
    const { columns, rows } = resultsTable(analysis);
    const sentences = new Map(analysis.comparisons.map((c) => [c.key, c.verdict]));
    const kinds = new Map(analysis.comparisons.map((c) => [c.key, c.kind]));
    this.head.replaceChildren(...columns.map((c) => el('th', { class: c.rightAligned ? 'num' : '', text: c.header, attrs: { scope: 'col' } })));
    this.body.replaceChildren(...rows.map((cells, i) => {
      const group = analysis.groups[i];
      const tr = el('tr', { attrs: { 'data-group': group.key } }, ...cells.map((cell, j) => el('td', { class: columns[j].rightAligned ? 'num' : '', text: cell })));
      const kind = kinds.get(group.key);
      if (kind) tr.classList.add(`verdict-${kind}`);
      const note = [sentences.get(group.key), group.note, group.skipped.length ? `${group.skipped.length} run(s) not counted: ${group.skipped.map((s) => s.reason).join(', ')}` : '']
        .filter(Boolean).join('\n');
      if (note) tr.title = note;
      return tr;
    }));
    this.note.textContent = adjustmentNote(analysis);
    this.note.hidden = !this.note.textContent;
    this.verdicts.replaceChildren(...analysis.comparisons.map((c) => el('li', { class: `verdict-${c.kind}`, text: c.verdict })));
  }

  /** The table as text: header cells, then each row's cells (for tests). */
  cells(): { header: string[]; rows: string[][]; note: string; verdicts: string[] } {
    const text = (node: Element) => node.textContent ?? '';
    return {
      header: [...this.head.children].map(text),
      rows: [...this.body.children].map((tr) => [...tr.children].map(text)),
      note: this.note.hidden ? '' : text(this.note),
      verdicts: [...this.verdicts.children].map(text),
    };
  }
}
