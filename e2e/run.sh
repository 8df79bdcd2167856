#!/usr/bin/env bash
# End-to-end smoke test: a fresh database, the debug binary in demo mode, headless Chromium.
#
#   e2e/run.sh                       # from anywhere; uses $DATABASE_URL or the local default
#   DATABASE_URL=postgres://user@host:5432/postgres e2e/run.sh
#
# Needs: a PostgreSQL server it may create databases on, node >= 20, Debian's chromium
# (installed with apt-get when missing; a browser is never downloaded by npm/playwright).
# Exits non-zero on any failure. Screenshots land in e2e/test-results/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

log() { printf 'e2e: %s\n' "$*" >&2; }

admin_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
chromium_bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
bin="${HEARTH_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/hearth}"

# ---------------------------------------------------------------- prerequisites
command -v node >/dev/null || { log "node is required (>= 20)"; exit 1; }
command -v psql >/dev/null || { log "psql is required to create the test database"; exit 1; }
command -v curl >/dev/null || { log "curl is required"; exit 1; }

if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  log "installing node dependencies (npm ci)"
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -x "$chromium_bin" ]; then
  log "installing Debian's chromium"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

if [ ! -x "$bin" ]; then
  log "building the debug binary (cargo build)"
  cargo build --quiet
elif [ -n "$(find "$root/templates" "$root/src" -newer "$bin" -type f -print -quit 2>/dev/null)" ]; then
  log "note: $bin is older than some files in src/ or templates/ (run cargo build to test them)"
fi

# ---------------------------------------------------------------- fresh database
db="hearth_e2e_$(date +%s)_$RANDOM"
# Replace the database name in the URL, keeping any ?query.
url_base="${admin_url%%\?*}"
url_query=""
if [ "$url_base" != "$admin_url" ]; then url_query="?${admin_url#*\?}"; fi
test_url="${url_base%/*}/${db}${url_query}"

work="$(mktemp -d "${TMPDIR:-/tmp}/hearth-e2e.XXXXXX")"
server_pid=""
created_db=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$created_db" ]; then
    psql "$admin_url" -qAtX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 \
      || psql "$admin_url" -qAtX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 \
      || log "could not drop database $db"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql "$admin_url" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
created_db=1
log "database $db"

# ---------------------------------------------------------------- server
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
base="http://127.0.0.1:$port"
mkdir -p "$work/data"

DATABASE_URL="$test_url" HEARTH_ADDR="127.0.0.1:$port" HEARTH_BASE_URL="$base" HEARTH_DATA_DIR="$work/data" \
  RUST_LOG="${RUST_LOG:-warn,hearth=info}" "$bin" demo >"$work/server.log" 2>&1 &
server_pid=$!
log "server pid $server_pid on $base"

ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "server exited before it was ready; its log:"
    tail -n 40 "$work/server.log" >&2
    exit 1
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/readyz" || true)" = 200 ]; then
    ready=1
    break
  fi
  sleep 0.25
done
if [ -z "$ready" ]; then
  log "server not ready after 60 s; its log:"
  tail -n 40 "$work/server.log" >&2
  exit 1
fi

# ---------------------------------------------------------------- browser test
rc=0
CHROMIUM_PATH="$chromium_bin" timeout 600 node "$here/smoke.mjs" "$base" || rc=$?
if [ "$rc" != 0 ]; then
  if [ "$rc" = 124 ]; then log "smoke test timed out"; fi
  log "server log (last 30 lines):"
  tail -n 30 "$work/server.log" >&2
fi
exit "$rc"
