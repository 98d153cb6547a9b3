// The manifest's contributions agree with the code: menus name declared commands, icons exist in
// the codicon font, `when` clauses match the tree's context values, activation stays lazy.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { RunStatus } from '../../src/core/runFormat';
import { BROKEN_RUN_CONTEXT, BROKEN_RUN_ICON, runContextValue, statusIcon } from '../../src/host/treeModel';
import { itemMenu, shownOn, whenHolds, type MenuItem } from './manifestMenus';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contributes = manifest.contributes;
const codicons = new Set(fs.readFileSync(path.join(root, 'node_modules', '@vscode', 'codicons', 'dist', 'codicon.csv'), 'utf8')
  .split('\n').slice(1).map((l) => l.split(',')[0]).filter(Boolean));
const STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled', 'diverged', 'interrupted'];

/** The statuses whose tree items show `command` in the context menu (or inline, with `inline`). */
function statusesShowing(command: string, inline: boolean): RunStatus[] {
  return STATUSES.filter((status) => shownOn(command, runContextValue(status), inline));
}

describe('manifest', () => {
  it('activates lazily, runs in the workspace, and says what it does in untrusted workspaces', () => {
    assert.ok(!manifest.activationEvents.some((e: string) => e === '*' || e === 'onStartupFinished'));
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.match(trust.description, /runsDirectory/);
    assert.ok(trust.restrictedConfigurations.includes('polyloss.runsDirectory'));
  });

  it('declares every command under the PolyLoss category with an existing codicon', () => {
    for (const c of contributes.commands) {
      assert.equal(c.category, 'PolyLoss', c.command);
      const icon = /^\$\(([a-z0-9-]+)\)$/.exec(c.icon ?? '');
      assert.ok(icon && codicons.has(icon[1]), `${c.command}: icon ${c.icon} is a codicon`);
    }
    const titles = contributes.commands.map((c: { title: string }) => c.title);
    for (const t of ['New Run…', 'Rerun', 'Stop Run', 'Stop All', 'Open Dashboard', 'Compare Selected Runs', 'Delete Run', 'Rename Run', 'Export Runs…', 'Reveal Run Folder', 'Refresh']) {
      assert.ok(titles.includes(t), t);
    }
  });

  it('uses only declared commands in menus', () => {
    const declared = new Set(contributes.commands.map((c: { command: string }) => c.command));
    for (const [menu, items] of Object.entries(contributes.menus) as [string, MenuItem[]][]) {
      for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
    }
  });

  it('shows Stop only on live runs, Rerun inline only on ended runs, Delete and Rename on every run', () => {
    assert.deepEqual(statusesShowing('polyloss.stopRun', false), ['queued', 'running']);
    assert.deepEqual(statusesShowing('polyloss.stopRun', true), ['queued', 'running']);
    assert.deepEqual(statusesShowing('polyloss.rerun', true), ['completed', 'failed', 'cancelled', 'diverged', 'interrupted']);
    assert.deepEqual(statusesShowing('polyloss.deleteRun', false), STATUSES);
    assert.deepEqual(statusesShowing('polyloss.renameRun', false), STATUSES);
  });

  it('offers only Reveal and Delete on a broken run folder', () => {
    const shown = itemMenu.filter((m) => whenHolds(m.when ?? '', BROKEN_RUN_CONTEXT)).map((m) => m.command);
    assert.deepEqual([...new Set(shown)].sort(), ['polyloss.deleteRun', 'polyloss.revealRun']);
  });

  it('hides item-only commands from the palette', () => {
    const palette: MenuItem[] = contributes.menus.commandPalette;
    assert.equal(palette.find((m) => m.command === 'polyloss.openRun')?.when, 'false');
  });

  it('has a PolyLoss container with the Runs tree and the Compare and Coefficients webviews, and an icon in currentColor', () => {
    const [container] = contributes.viewsContainers.activitybar;
    assert.equal(container.title, 'PolyLoss');
    assert.match(fs.readFileSync(path.join(root, container.icon), 'utf8'), /currentColor/);
    const views = contributes.views[container.id];
    assert.deepEqual(views.map((v: { id: string }) => v.id), ['polyloss.runs', 'polyloss.compare', 'polyloss.coefficients']);
    assert.equal(views[1].type, 'webview');
    assert.equal(views[2].type, 'webview');
  });

  it('opens experiment files as JSON with comments, validated by the experiment schema', () => {
    const jsonc = contributes.languages.find((l: { id: string }) => l.id === 'jsonc');
    assert.deepEqual(jsonc.filenamePatterns, ['*.polyloss.json']);
    assert.deepEqual(contributes.jsonValidation, [{ fileMatch: '*.polyloss.json', url: './media/schemas/experiment.schema.json' }]);
    assert.ok(fs.existsSync(path.join(root, contributes.jsonValidation[0].url)));
    assert.ok(manifest.activationEvents.includes('workspaceContains:**/*.polyloss.json'), 'activates for the CodeLenses in a workspace with experiment files');
    assert.ok(!manifest.activationEvents.some((e: string) => e.startsWith('onLanguage:json')), 'not whenever settings.json or tsconfig.json opens');
  });

  it('gives each view its own icon, and ticks the walkthrough\'s first runs once a run has completed', () => {
    const views = contributes.views.polyloss as { id: string; icon: string }[];
    assert.equal(new Set(views.map((v) => v.icon)).size, views.length, 'no two views share an icon');
    for (const v of views) assert.ok(fs.existsSync(path.join(root, v.icon)), v.icon);
    const firstRuns = contributes.walkthroughs[0].steps.find((s: { id: string }) => s.id === 'firstRuns');
    assert.deepEqual(firstRuns.completionEvents, ['onContext:polyloss.hasCompletedRun']);
    const extension = fs.readFileSync(path.join(root, 'src', 'extension.ts'), 'utf8');
    assert.match(extension, /setContext\('polyloss\.hasCompletedRun', model\.list\(\)\.some\(\(r\) => r\.status === 'completed'\)\)/, 'the context is set from the runs');
  });

  it('has the settings with their documented defaults', () => {
    const p = contributes.configuration.properties;
    assert.equal(p['polyloss.runsDirectory'].default, '.polyloss/runs');
    assert.equal(p['polyloss.maxConcurrentRuns'].default, 2);
    assert.deepEqual(p['polyloss.backend'].enum, ['auto', 'wasm', 'cpu', 'node']);
    for (const k of ['dataset', 'model', 'epochs', 'batchSize', 'learningRate']) assert.ok(p[`polyloss.defaults.${k}`], k);
  });

  it('draws every run status with an existing codicon', () => {
    for (const s of STATUSES) assert.ok(codicons.has(statusIcon(s).icon.replace(/~spin$/, '')), s);
    assert.ok(codicons.has(BROKEN_RUN_ICON.icon), 'broken');
  });
});
