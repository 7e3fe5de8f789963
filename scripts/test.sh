#!/usr/bin/env bash
# Run the whole suite on SQLite, then on PostgreSQL. Sets up Chromium and PostgreSQL when it can.
# Under CI=true a missing PostgreSQL or Chromium is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
# Two processes by default (CI has two cores): PEERPACT_TEST_WORKERS=1 runs in one process.
workers="${PEERPACT_TEST_WORKERS:-2}"
PYTEST=(.tools/bin/uv run --locked --no-sync pytest)
[ "$workers" -gt 1 ] && PYTEST+=(-n "$workers")

mode=both
case "${1:-}" in
  --sqlite-only) mode=sqlite; shift ;;
  --postgres-only) mode=postgres; shift ;;
esac

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# --- Chromium for the browser tests -------------------------------------------------------------
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "==> Installing Chromium (Debian package)"
  apt_install chromium || true
fi
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "${CI:-}" = "true" ]; then echo "ERROR: Chromium is missing at $CHROMIUM_PATH" >&2; exit 1; fi
  echo "WARNING: no Chromium at $CHROMIUM_PATH: browser tests will be skipped." >&2
  export PEERPACT_SKIP_BROWSER=1
fi

# --- PostgreSQL (start_postgres: scripts/lib.sh) ------------------------------------------------
pg_ready=0
if [ "$mode" != sqlite ]; then
  if is_root || [ -n "${PEERPACT_TEST_DATABASE_URL:-}" ]; then start_postgres || true; fi
  if [ "$pg_ready" != 1 ]; then
    if [ "${CI:-}" = "true" ] || [ "$mode" = postgres ]; then
      echo "ERROR: PostgreSQL could not be started (set PEERPACT_TEST_DATABASE_URL to use your own)." >&2; exit 1
    fi
    echo "WARNING: PostgreSQL unavailable: running on SQLite only." >&2
    mode=sqlite
  fi
fi

status=0
if [ "$mode" != postgres ]; then
  echo "==> Test suite on SQLite"
  env -u DATABASE_URL -u PGHOST -u PGDATABASE "${PYTEST[@]}" "$@" || status=$?
fi
if [ "$mode" != sqlite ]; then
  echo "==> Test suite on PostgreSQL"
  DATABASE_URL="$PEERPACT_TEST_DATABASE_URL" "${PYTEST[@]}" "$@" || status=$?
fi
exit $status
