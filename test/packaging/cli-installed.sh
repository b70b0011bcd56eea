#!/usr/bin/env bash
# The CLIs run installed: packs cilium-policy-engine, plugin-cilium-common,
# plugin-cilium-node and hubble-relay-sim, installs the tarballs into an empty
# project outside this workspace (none of its node_modules, NODE_PATH unset),
# then checks that
#   - the installed packages hold compiled JavaScript only (no src/, no .ts);
#   - `cilium-connect list` prints what it prints inside the repository;
#   - `hubble-relay-sim --cluster --policies --port` serves flows to the
#     installed cilium-node HubbleRelayClient;
#   - both ran without a TypeScript loader and loaded every module from the
#     temporary project (no-ts-loader-guard.js, preloaded with node -r).
# Prints "PASS: …"/"FAIL: …" per check and last "packaging: N passed, N failed".
#
#   test/packaging/cli-installed.sh [--skip-build]   (--skip-build: dist/ is current)
#   PACKED_TARBALLS=<dir> uses the tarballs scripts/pack-all.js wrote there instead of packing
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build_flag=""
for a in "$@"; do
  case "$a" in
    --skip-build) build_flag="--skip-build" ;;
    *) echo "usage: $0 [--skip-build]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/cilium-packaging.XXXXXX")"
case "$work/" in "$repo"/*) echo "temporary folder $work is inside the workspace" >&2; exit 2 ;; esac
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
  echo "packaging: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
  exit $?
}

# Node 22.6+ can strip TypeScript types by itself: forbid that too.
node_flags=()
if node --help 2>/dev/null | grep -q -- '--experimental-strip-types'; then
  node_flags+=(--no-experimental-strip-types)
fi

start=$(date +%s)
if [ -n "${PACKED_TARBALLS:-}" ]; then
  # Tarballs already made by scripts/pack-all.js (CI packs once for this test
  # and the adoption test).
  echo "== using the tarballs in $PACKED_TARBALLS"
  if ! ls "$PACKED_TARBALLS"/cilium-zero-trust-{cilium-policy-engine,plugin-cilium-common,plugin-cilium-node,hubble-relay-sim}-[0-9]*.tgz >"$work/tarballs.txt"; then
    fail "find the CLI packages' tarballs in $PACKED_TARBALLS"
    finish
  fi
else
  echo "== pack (${build_flag:-with build})"
  if ! node "$repo/scripts/pack-all.js" "$work/tarballs" $build_flag \
    @cilium-zero-trust/cilium-policy-engine \
    @cilium-zero-trust/plugin-cilium-common \
    @cilium-zero-trust/plugin-cilium-node \
    @cilium-zero-trust/hubble-relay-sim >"$work/tarballs.txt"; then
    fail "pack the CLI packages"
    finish
  fi
fi
echo "packed in $(($(date +%s) - start)) s: $(xargs -n1 basename <"$work/tarballs.txt" | tr '\n' ' ')"

echo "== install into an empty project ($work/project)"
project="$work/project"
mkdir -p "$project"
start=$(date +%s)
if (cd "$project" && env -u NODE_PATH -u NODE_OPTIONS npm init -y >/dev/null &&
  env -u NODE_PATH -u NODE_OPTIONS npm install --no-audit --no-fund --loglevel=error \
    $(cat "$work/tarballs.txt") >"$work/install.log" 2>&1); then
  pass "npm install of the tarballs into an empty project ($(($(date +%s) - start)) s)"
else
  tail -20 "$work/install.log"
  fail "npm install of the tarballs into an empty project"
  finish
fi

installed="$project/node_modules/@cilium-zero-trust"
sources=$(find "$installed" \( -name '*.ts' -o -name '*.tsx' \) ! -name '*.d.ts' | head -5)
src_dirs=$(find "$installed" -mindepth 2 -maxdepth 2 -name src | head -5)
if [ -z "$sources" ] && [ -z "$src_dirs" ]; then
  pass "installed packages hold no TypeScript sources"
else
  fail "installed packages hold TypeScript sources: $sources $src_dirs"
fi

guard_out="$work/guard.jsonl"
: >"$guard_out"
# Runs a script of the temporary project (an installed bin, as npx would) with
# the guard preloaded, from $work (so relative paths in outputs compare).
run_installed() {
  local script="$1"
  shift
  (cd "$work" && env -u NODE_PATH -u NODE_OPTIONS GUARD_PROJECT="$project" GUARD_OUT="$guard_out" \
    node "${node_flags[@]}" -r "$here/no-ts-loader-guard.js" "$project/$script" "$@")
}

echo "== cilium-connect list: installed vs. in the repository"
combined="$work/examples-cluster-and-policies"
mkdir -p "$combined"
cp -r "$repo/examples/cluster" "$combined/cluster"
cp -r "$repo/examples/gitops/policies" "$combined/policies"
for case in "examples/cluster|-o txt" "combined|-o txt" "combined|-o json"; do
  dir="${case%%|*}"
  fmt="${case#*|}"
  if [ "$dir" = combined ]; then dir_path="$combined"; label="examples/cluster + examples/gitops/policies"; else dir_path="$repo/$dir"; label="$dir"; fi
  # shellcheck disable=SC2086
  expected=$(cd "$work" && node "$repo/packages/policy-engine/bin/cilium-connect" list --dir "$dir_path" $fmt 2>&1)
  # shellcheck disable=SC2086
  actual=$(run_installed node_modules/.bin/cilium-connect list --dir "$dir_path" $fmt 2>&1)
  lines=$(printf '%s\n' "$expected" | wc -l)
  if [ -n "$expected" ] && [ "$expected" = "$actual" ]; then
    pass "cilium-connect list --dir $label $fmt: same $lines lines installed as in the repository"
  else
    fail "cilium-connect list --dir $label $fmt differs installed vs. in the repository"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | head -20
  fi
done

echo "== hubble-relay-sim serves flows"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
sim_log="$work/relay-sim.log"
run_installed node_modules/.bin/hubble-relay-sim --cluster "$repo/examples/cluster" \
  --policies "$repo/examples/gitops/policies" --port "$port" >"$sim_log" 2>&1 &
sim_pid=$!
listening=""
for _ in $(seq 1 120); do
  if grep -q "listening on" "$sim_log"; then listening=yes; break; fi
  if ! kill -0 "$sim_pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ -n "$listening" ]; then
  pass "hubble-relay-sim started: $(grep -m1 'listening on' "$sim_log")"
  cp "$here/relay-client.js" "$project/relay-client.js"
  if out=$(run_installed relay-client.js "localhost:$port" 2>&1); then
    pass "HubbleRelayClient (installed cilium-node) $out"
  else
    fail "no flows from hubble-relay-sim: $out"
  fi
else
  fail "hubble-relay-sim did not start"
  tail -20 "$sim_log"
fi
# pkill would be too broad: stop exactly the process we started (node runs as
# the subshell's last command, so $sim_pid's child is the relay stand-in).
if kill -0 "$sim_pid" 2>/dev/null; then
  pkill -TERM -P "$sim_pid" 2>/dev/null
  kill -TERM "$sim_pid" 2>/dev/null
  wait "$sim_pid" 2>/dev/null
fi
sim_pid=""

echo "== no TypeScript loader at run time"
runs=$(wc -l <"$guard_out")
bad=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean);
  const bad = lines.map(l => JSON.parse(l)).filter(r => r.problems.length);
  for (const r of bad) console.log(`${r.argv.join(" ")}: ${r.problems.slice(0, 5).join("; ")}`);
' "$guard_out")
if [ "$runs" -ge 5 ] && [ -z "$bad" ]; then
  pass "$runs runs of installed code loaded only compiled JavaScript from the temporary project${node_flags:+ (node ${node_flags[*]})}"
else
  fail "TypeScript loader check (${runs} runs reported): ${bad:-missing reports}"
fi

finish
