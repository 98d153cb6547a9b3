import { SUMMARY_METRICS } from '../../src/core/grouping';
import type { RunRecord } from '../../src/core/runFormat';
import { describeDifference, describeDrop, epsilonText, formatEpsilon, type TuneScale } from '../../src/core/tune/describe';
import type { TuneRound } from '../../src/core/tune/planner';
import type { SavedTune } from '../../src/core/tune/saved';
import { el } from '../shared/dom';
import { PendingRequests } from '../shared/requests';

/**
 * The rounds of a tune (`polyloss tune`, Find Best ε) under the Sweep tab's chart: the answer once
 * the search stopped, and per round what ran and which ε were dropped, with why. The host reads
 * them from the sweep file when asked (`getTune`); the tab asks again whenever the sweep's runs change,
 * and only the answer to its latest question counts.
 */

export interface TuneRoundsView {
  answer: string;
  rounds: { title: string; lines: string[] }[];
}

function roundTitle(round: TuneRound): string {
  const parts = [`Round ${round.round}`, `${round.runs.length} run${round.runs.length === 1 ? '' : 's'}`];
  if (round.added.length > 0) parts.push(`new ε ${round.added.map(epsilonText).join(', ')}`);
  parts.push(`${round.seeds.length} seeds so far`);
  return parts.join(' · ');
}

/** What the look after a round decided, one line per ε it compared. */
function roundLines(round: TuneRound, minEffect: number, scale: TuneScale): string[] {
  if (!round.look) return ['Runs still to finish.'];
  const look = round.look;
  return [...look.comparisons].sort((a, b) => a.epsilon - b.epsilon).map((c) => {
    const drop = look.dropped.find((d) => d.epsilon === c.epsilon);
    const status = drop ? `dropped: ${describeDrop(drop, minEffect, scale)}` : c.epsilon === look.best ? 'best so far' : 'kept';
    return `${formatEpsilon(c.epsilon)} vs CE: ${describeDifference(c, scale)} — ${status}`;
  });
}

export class TuneRounds {
  readonly root: HTMLElement;
  private readonly answer: HTMLElement;
  private readonly list: HTMLOListElement;
  private sweepId: string | undefined;
  private asked = '';
  /** The latest question; answers to earlier ones (another sweep, older runs) are ignored. */
  private readonly requests = new PendingRequests<string>();
  private view: TuneRoundsView = { answer: '', rounds: [] };

  constructor(private readonly ask: (sweepId: string, requestId: string) => void) {
    this.answer = el('p', { class: 'tune-answer', attrs: { 'aria-live': 'polite' } });
    this.list = el('ol', { class: 'tune-rounds' });
    this.root = el('section', { class: 'tune', attrs: { 'aria-label': 'Rounds of the search for the best ε' } },
      el('h3', { text: 'Find Best ε: rounds' }), this.answer, this.list);
    this.root.hidden = true;
  }

  /** The Sweep tab shows `sweepId` (undefined: ticked runs) with these runs; asks the host when they changed. */
  showSweep(sweepId: string | undefined, runs: readonly RunRecord[]): void {
    if (sweepId !== this.sweepId) {
      // Hidden until the new sweep's answer; coming back to a sweep asks again, as its section was hidden.
      this.sweepId = sweepId;
      this.root.hidden = true;
      this.asked = '';
    }
    if (sweepId === undefined) return;
    const signature = `${sweepId} ${runs.map((r) => `${r.id}:${r.status}`).join(',')}`;
    if (signature === this.asked) return;
    this.asked = signature;
    this.requests.forget();
    this.ask(sweepId, this.requests.open(sweepId));
  }

  /** The host's answer to request `requestId`. */
  apply(requestId: string, tune: SavedTune | null): void {
    const sweepId = this.requests.answered(requestId);
    if (sweepId === undefined || sweepId !== this.sweepId) return;
    this.root.hidden = tune === null;
    if (!tune) return;
    const scale = SUMMARY_METRICS[tune.metric] ?? SUMMARY_METRICS.test;
    const minEffect = tune.options.minEffect;
    const answer = tune.answer ? `${tune.answer}.` : `Searching: ${tune.runs} of the budget of ${tune.options.budget} runs planned so far.`;
    this.view = { answer, rounds: tune.rounds.map((round) => ({ title: roundTitle(round), lines: roundLines(round, minEffect, scale) })) };
    this.answer.textContent = answer;
    this.list.replaceChildren(...this.view.rounds.map((round) => el('li', {},
      el('strong', { text: round.title }),
      el('ul', {}, ...round.lines.map((line) => el('li', { text: line, class: line.includes('dropped:') ? 'tune-dropped' : '' }))))));
  }

  describe(): TuneRoundsView & { shown: boolean } {
    return { ...this.view, shown: !this.root.hidden };
  }
}
