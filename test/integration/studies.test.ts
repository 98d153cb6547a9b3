import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli as cliIn } from './reliabilityKit';
import { parseExperimentFile } from '../../src/core/experimentFile';

/**
 * The shipped studies (examples/studies): each experiment file is valid and has its report; the
 * reports say what the studies are for; the short one is trained again from its experiment file and
 * must reach the conclusion its committed report states, ε by ε.
 */

const ROOT = path.resolve(__dirname, '../..');
const STUDIES = path.join(ROOT, 'examples', 'studies');

let workDir: string;

const cli = (args: string[]) => cliIn([...args, '--runs-dir', path.join(workDir, 'runs')], workDir);

/** "Poly-1 ε=-1" → "better" from the report's verdict lines ("- Poly-1 ε=-1 is better than CE: …"). */
function reportConclusions(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of markdown.matchAll(/^- (.+?) is (better than|worse than|not distinguishable from) CE\b/gm)) {
    found.set(match[1], match[2].split(' ')[0] === 'not' ? 'not-distinguishable' : match[2].split(' ')[0]);
  }
  return found;
}

before(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-study-'));
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

const committedReport = (study: string): string => fs.readFileSync(path.join(STUDIES, study, 'report.md'), 'utf8');

describe('shipped studies', () => {
  it('each study is a valid experiment file with a sweep section, next to its report and SVG charts', () => {
    const files = fs.readdirSync(STUDIES).filter((f) => f.endsWith('.polyloss.json')).sort();
    assert.deepEqual(files, ['clean-mnist.polyloss.json', 'noisy-digits.polyloss.json', 'short-noisy-digits.polyloss.json']);
    for (const file of files) {
      const parsed = parseExperimentFile(fs.readFileSync(path.join(STUDIES, file), 'utf8'), path.join(STUDIES, file), { exists: fs.existsSync });
      assert.deepEqual(parsed.issues, [], file);
      assert.ok(parsed.sweep, `${file} has a sweep section`);
      const dir = path.join(STUDIES, file.replace('.polyloss.json', ''));
      assert.ok(fs.readFileSync(path.join(dir, 'epsilon-response.svg'), 'utf8').startsWith('<svg'), `${dir} has its ε-response chart`);
      assert.ok(committedReport(path.basename(dir)).includes('![test acc vs ε](epsilon-response.svg)'));
    }
  });

  it('on noisy, long-tailed digits a negative ε wins; on clean MNIST no ε differs from CE', () => {
    const noisy = reportConclusions(committedReport('noisy-digits'));
    assert.equal(noisy.get('Poly-1 ε=-1'), 'better');
    assert.deepEqual([...noisy].filter(([, kind]) => kind === 'better').map(([label]) => label), ['Poly-1 ε=-1']);
    const clean = reportConclusions(committedReport('clean-mnist'));
    assert.equal(clean.size, 6);
    assert.ok([...clean.values()].every((kind) => kind === 'not-distinguishable'));
  });

  it('the short study, trained again, concludes what its committed report says: ε = −1 beats CE, ε = 2 loses to it', async () => {
    const committed = reportConclusions(committedReport('short-noisy-digits'));
    assert.deepEqual([...committed], [['Poly-1 ε=-1', 'better'], ['Poly-1 ε=2', 'worse']]);

    const run = await cli(['run', path.join(STUDIES, 'short-noisy-digits.polyloss.json'), '--only', 'sweep', '--concurrency', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const runs = (JSON.parse(run.stdout) as { runs: { status: string; config: { sweepId: string } }[] }).runs;
    assert.equal(runs.length, 15);
    assert.ok(runs.every((r) => r.status === 'completed'));

    const report = await cli(['report', runs[0].config.sweepId, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const { analysis } = JSON.parse(report.stdout) as { analysis: { groups: { key: string; label: string }[]; comparisons: { key: string; kind: string }[] } };
    const rerun = new Map(analysis.comparisons.map((c) => [analysis.groups.find((g) => g.key === c.key)!.label, c.kind]));
    assert.deepEqual(rerun, committed);
  });
});
