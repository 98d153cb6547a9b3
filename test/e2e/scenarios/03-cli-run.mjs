// A run made by the CLI in the workspace's runs folder shows up in the Runs tree by itself.
import { polylossCli, readRuns, runRow, showRunsView } from '../lib/polyloss.mjs';

export const title = 'A run made by the polyloss CLI appears in the Runs tree';

export async function run({ wb, check, lap, workbenchUrl, ws, runsDir, project }) {
  await showRunsView(wb, workbenchUrl(ws));
  const before = readRuns(runsDir).length;
  const { stdout } = await polylossCli(project, ['train', '--dataset', 'digits', '--loss', 'ce', '--epochs', '1', '--seed', '5', '--runs-dir', runsDir]);
  lap(`CLI finished:\n${stdout.trim()}`);
  const runs = readRuns(runsDir);
  check(runs.length === before + 1, 'the CLI wrote one new run folder');
  const row = runRow(wb, 'CE, seed 5', 'completed');
  await row.first().waitFor({ state: 'visible', timeout: 30000 });
  check(await row.count() === 1, 'the CLI run is in the tree, completed');
  await wb.screenshot('cli-run-in-tree');
}
