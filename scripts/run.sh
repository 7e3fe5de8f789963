#!/usr/bin/env bash
# Start PeerPact for development: migrate, seed the demo, run web + worker together.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}" UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
PY=(.tools/bin/uv run --locked --no-sync python)
HOST="${HOST:-127.0.0.1}" PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"

mkdir -p var/static
"${PY[@]}" manage.py migrate --noinput
"${PY[@]}" manage.py seed_demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> Stopping web and worker"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"${PY[@]}" manage.py worker &
pids+=($!)
"${PY[@]}" manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

cat <<MSG

  PeerPact is running at $SITE_URL/
  Log in as olivia@example.com (organizer) or alice@example.com (facilitator),
  password: peerpact-demo. Emails are printed in this terminal.
  Press Ctrl-C to stop web and worker.

MSG
# Exit (and stop the other) as soon as either process ends.
wait -n "${pids[@]}"
