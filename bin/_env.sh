# Shared by bin/run and bin/test: find Python 3.12+, make .venv, install pinned deps and npm assets.
# Quick on a second run: each step is skipped when its inputs have not changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

find_python() {
  local want="" c pyenv_root="${PYENV_ROOT:-${HOME:-/root}/.pyenv}"
  [ -f .python-version ] && want="$(tr -d '[:space:]' < .python-version)"
  command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root)"
  if [ -n "$want" ] && [ -x "$pyenv_root/versions/$want/bin/python" ]; then
    echo "$pyenv_root/versions/$want/bin/python"; return
  fi
  # On PATH, then any pyenv-installed 3.12+ (a CI shell may have pyenv without its shell setup).
  for c in python3.13 python3.12 python3.14 python3 "$pyenv_root"/versions/3.1[2-9]*/bin/python; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
      command -v "$c"; return
    fi
  done
  echo "Kefu needs Python 3.12 or newer (python3.12/python3.13 on PATH, or pyenv)." >&2
  exit 1
}

stamp_ok() {  # stamp_ok NAME FILE...: true when the files' hash equals the stored stamp
  local name="$1"; shift
  local h; h="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  [ -f "$VENV/.stamp-$name" ] && [ "$(cat "$VENV/.stamp-$name")" = "$h" ]
}
stamp_set() {
  local name="$1"; shift
  cat "$@" | sha256sum | cut -d' ' -f1 > "$VENV/.stamp-$name"
}

ensure_env() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment (.venv)"
    "$(find_python)" -m venv "$VENV"
  fi
  if ! stamp_ok pip requirements.txt; then
    echo "==> installing Python packages (requirements.txt)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
    stamp_set pip requirements.txt
  fi
  if ! stamp_ok npm package.json package-lock.json || [ ! -d node_modules ]; then
    if ! command -v npm >/dev/null 2>&1; then echo "Kefu needs Node.js 20+ with npm." >&2; exit 1; fi
    echo "==> installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    stamp_set npm package.json package-lock.json
  fi
}
