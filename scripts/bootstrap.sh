#!/usr/bin/env bash
# Create .tools (uv) and .venv (from uv.lock). Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_NO_PROGRESS=1

want=$(cat .python-version)
if [ ! -x .tools/bin/uv ]; then
  echo "==> Installing uv into .tools/"
  python3 -m venv .tools
  .tools/bin/pip install --quiet --disable-pip-version-check uv 2> >(grep -v "is ignored" >&2)
fi
if ! .tools/bin/uv python find "$want" >/dev/null 2>&1; then
  echo "ERROR: PeerPact needs Python $want (see .python-version); none was found." >&2
  echo "       Install it (e.g. 'pyenv install $want') and run this again." >&2
  exit 1
fi
# Translations: compile each locale/<lang>/LC_MESSAGES/*.po into its .mo (not committed) when it changed.
stale=()
for po in locale/*/LC_MESSAGES/*.po; do
  [ -e "$po" ] && ! [ "${po%.po}.mo" -nt "$po" ] && stale+=("$po")
done
if [ ${#stale[@]} -gt 0 ]; then
  if ! command -v msgfmt >/dev/null 2>&1; then
    # shellcheck source=scripts/lib.sh
    source scripts/lib.sh
    echo "==> Installing gettext (Debian package) to compile the translations"
    apt_install gettext || true
  fi
  if ! command -v msgfmt >/dev/null 2>&1; then
    echo "ERROR: msgfmt (GNU gettext) is needed to compile the translations: install the 'gettext' package." >&2
    exit 1
  fi
  echo "==> Compiling ${#stale[@]} translation catalog(s)"
  for po in "${stale[@]}"; do msgfmt --check --output-file="${po%.po}.mo" "$po"; done
fi
# Fast path: nothing to do when the venv already matches the lock file.
if [ -f .venv/.synced ] && [ .venv/.synced -nt uv.lock ] && [ .venv/.synced -nt pyproject.toml ]; then
  exit 0
fi
echo "==> Syncing .venv from uv.lock"
.tools/bin/uv sync --locked --quiet
touch .venv/.synced
