#!/usr/bin/env bash
# `make bench`: the whole benchmark suite (bench/run.py) with PostgreSQL started; figures go into
# docs/performance.md. `make bench ARGS=--smoke` is the tiny, SQLite-only run that keeps it working.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

if [[ " $* " != *" --smoke "* ]]; then
  if is_root || [ -n "${PEERPACT_TEST_DATABASE_URL:-}" ]; then start_postgres || true; fi
  if [ "$pg_ready" != 1 ]; then
    echo "ERROR: make bench needs PostgreSQL (set PEERPACT_TEST_DATABASE_URL to use your own)." >&2
    exit 1
  fi
  export PEERPACT_BENCH_PG_URL="$PEERPACT_TEST_DATABASE_URL"
fi
exec .tools/bin/uv run --locked --no-sync python -m bench.run "$@"
