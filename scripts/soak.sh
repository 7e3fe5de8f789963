#!/usr/bin/env bash
# `make soak`: the long fault and fuzz runs of issue 10 (docs/reliability.md), then their figures.
# Runs on SQLite, then on PostgreSQL (started like scripts/test.sh does), one test process at a time:
# the PostgreSQL restart drill stops the whole local cluster, so run it where nobody else uses it.
# Knobs (environment, defaults below): PEERPACT_SOAK_KILL_ROUNDS, PEERPACT_FUZZ_EXAMPLES,
# PEERPACT_SOAK_DB_FAULTS, PEERPACT_SOAK_SQLITE_MESSAGES, PEERPACT_SOAK_SEED, PEERPACT_SOAK_PG_CLUSTER.
set -euo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp -t peerpact-soak-XXXXXX.jsonl)"
export PEERPACT_SOAK=1 PEERPACT_SOAK_REPORT="$report" PEERPACT_TEST_WORKERS=1
export PEERPACT_SOAK_KILL_ROUNDS="${PEERPACT_SOAK_KILL_ROUNDS:-20}"
export PEERPACT_FUZZ_EXAMPLES="${PEERPACT_FUZZ_EXAMPLES:-200}"
export PEERPACT_SOAK_DB_FAULTS="${PEERPACT_SOAK_DB_FAULTS:-5}"
export PEERPACT_SOAK_SQLITE_MESSAGES="${PEERPACT_SOAK_SQLITE_MESSAGES:-5000}"
export PEERPACT_SOAK_DEMO=1
tests=(tests/reliability peerpact/api/tests/test_schemathesis.py
       peerpact/notifications/tests/test_outbox_processes.py)
[ "$#" -gt 0 ] && tests=("$@")
status=0
scripts/test.sh "${tests[@]}" || status=$?
.tools/bin/uv run --locked --no-sync python scripts/soak_summary.py "$report" || status=$?
rm -f "$report"
exit $status
