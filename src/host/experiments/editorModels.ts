// What the editor shows in an experiment file (*.polyloss.json), as plain data with text offsets:
// the CodeLenses, the α inlay hints and the diagnostics. The providers turn offsets into positions
// with the document's own positionAt (jsonc-parser and VS Code both count UTF-16 code units).
// No vscode import, so this is unit-tested on real file text.
import { codeLensTargets, inlayHintsFor } from '../../core/experimentEditor';
import { arrayItems, getNodeValue, nodeAt, parseJsonc } from '../../core/experimentTree';
import { isEntryRun, latestResultLabel, latestResults } from '../../core/experimentResults';
import type { ParsedExperiment, TextRange } from '../../core/experimentFile';
import type { RunRecord } from '../../core/runFormat';
import { COMMANDS, INTERNAL_COMMANDS } from '../commandIds';

/** Which seeds of an entry a lens starts. */
export type SeedChoice = 'first' | 'all';

export interface LensModel {
  /** Where the lens sits: it shows above the line where this range starts. */
  range: TextRange;
  title: string;
  tooltip: string;
  command: string;
  args: unknown[];
}

export interface HintModel {
  offset: number;
  label: string;
  tooltip: string;
}

export interface DiagnosticModel {
  range: TextRange;
  message: string;
  severity: 'error' | 'warning';
  /** Which check found it: the cross-field rules or a missing dataset file. */
  code: 'rules' | 'files';
}

const ACTIVE: readonly string[] = ['queued', 'running'];

/**
 * The lenses of a file: "Run all" at the top; above each entry "▶ Run" (its first seed), "▶ Run
 * N seeds" when it has several, its state (training, or the latest result, which opens those runs
 * in the dashboard), and "Coefficients", which shows its loss in the Coefficients view; above the
 * sweep section "▶ Run sweep". `fileKey` identifies the document to the run commands (its URI).
 */
export function experimentLenses(text: string, experiment: string, records: readonly RunRecord[], fileKey: string): LensModel[] {
  const { fileRange, entries, sweep } = codeLensTargets(text);
  const sweepLens: LensModel[] = sweep ? [{
    range: sweep.range,
    title: sweep.runCount === undefined ? '▶ Run sweep' : `▶ Run sweep (${plural(sweep.runCount, 'run')})`,
    tooltip: `Train the grid of the sweep section on the shared settings, under one sweep id${sweep.runCount === undefined ? '' : `: ${plural(sweep.runCount, 'run')} in the queue`}`,
    command: INTERNAL_COMMANDS.runExperimentSweep,
    args: [fileKey],
  }] : [];
  if (entries.length === 0) return sweepLens;
  const total = entries.reduce((sum, e) => sum + e.seedsCount, 0);
  const lenses: LensModel[] = [{
    range: fileRange,
    title: `▶ Run all (${plural(total, 'run')})`,
    tooltip: `Train every entry of ${experiment} once per seed: ${plural(total, 'run')} in the queue`,
    command: INTERNAL_COMMANDS.runExperimentEntries,
    args: [fileKey, entries.map((e) => e.name), 'all' satisfies SeedChoice],
  }];
  const losses = lossesByName(text);
  for (const entry of entries) {
    lenses.push({
      range: entry.range, title: '▶ Run', tooltip: `Train "${entry.name}" with its first seed`,
      command: INTERNAL_COMMANDS.runExperimentEntries, args: [fileKey, [entry.name], 'first' satisfies SeedChoice],
    });
    if (entry.seedsCount > 1) {
      lenses.push({
        range: entry.range, title: `▶ Run ${entry.seedsCount} seeds`, tooltip: `Train "${entry.name}" once per seed`,
        command: INTERNAL_COMMANDS.runExperimentEntries, args: [fileKey, [entry.name], 'all' satisfies SeedChoice],
      });
    }
    const state = entryState(records, entry.name, experiment);
    if (state) lenses.push({ range: entry.range, ...state, command: COMMANDS.openDashboard });
    const loss = losses.get(entry.name);
    if (loss) {
      lenses.push({
        range: entry.range, title: 'Coefficients', tooltip: `Show the loss of "${entry.name}" in the Coefficients view: L(Pt), −dL/dPt and α_j; edit it, run it or save it as a new entry`,
        command: INTERNAL_COMMANDS.editCoefficients, args: [loss, `from the entry "${entry.name}"`],
      });
    }
  }
  return [...lenses, ...sweepLens];
}

/** The loss object of each named entry, as typed (the Coefficients view checks it). */
function lossesByName(text: string): Map<string, Record<string, unknown>> {
  const losses = new Map<string, Record<string, unknown>>();
  for (const entry of arrayItems(parseJsonc(text).root, ['runs'])) {
    const name = nodeAt(entry, ['name']);
    const loss = nodeAt(entry, ['loss']);
    if (name?.type === 'string' && loss?.type === 'object') losses.set(String(name.value), structuredClone(getNodeValue(loss)) as Record<string, unknown>);
  }
  return losses;
}

/** "training 1 of 2" while runs of the entry are queued or running, else its latest result. */
function entryState(records: readonly RunRecord[], entryName: string, experiment: string): Pick<LensModel, 'title' | 'tooltip' | 'args'> | undefined {
  const active = records.filter((r) => ACTIVE.includes(r.status) && isEntryRun(r, entryName, experiment));
  if (active.length > 0) {
    const running = active.filter((r) => r.status === 'running').length;
    return {
      title: `$(sync~spin) training ${running} of ${active.length}`,
      tooltip: `${plural(running, 'run')} of "${entryName}" training, ${active.length - running} queued; click to watch in the dashboard`,
      args: [active.map((r) => r.id)],
    };
  }
  const label = latestResultLabel(records, entryName, experiment);
  if (!label) return undefined;
  const latest = latestResults(records, entryName, experiment);
  return {
    title: label,
    tooltip: `Test accuracy of the latest completed run of each seed of "${entryName}"; click to open ${latest.length === 1 ? 'it' : 'them'} in the dashboard`,
    args: [latest.map((r) => r.id)],
  };
}

export const ALPHA_HINT_TOOLTIP = 'Effective coefficients α_j = 1/j + ε_j of the loss Σ_j α_j (1−Pt)^j (the power is j + γ for poly-focal). '
  + 'Cross-entropy has α = [1, 0.5, 0.33, …]; the coefficients after the last ε stay 1/j.';

export function experimentHints(text: string): HintModel[] {
  return inlayHintsFor(text).map((hint) => ({ ...hint, tooltip: ALPHA_HINT_TOOLTIP }));
}

/**
 * The problems VS Code's JSON validation cannot see: the rules relating fields and the dataset files.
 * Syntax and schema problems are left to the JSON language service, which applies the same schema
 * (contributes.jsonValidation), so that nothing is reported twice.
 */
export function experimentDiagnostics(parsed: ParsedExperiment): DiagnosticModel[] {
  return parsed.issues.flatMap((issue) => issue.kind === 'rules' || issue.kind === 'files'
    ? [{ range: issue.range, message: issue.message, severity: issue.severity, code: issue.kind }]
    : []);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
