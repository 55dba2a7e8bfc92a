#!/usr/bin/env bash
# Set up the django-helpdesk peer (bench/peer): a virtual environment in bench/peer/.venv with the pinned
# requirements.txt (django-helpdesk 2.6.1, Django 6.0, gunicorn, psycopg), then `migrate` of its default
# database (SQLite bench/peer/var/helpdesk.sqlite3, or PEER_DATABASE_URL). The data sets themselves are made
# by load.py. Idempotent: run it again to bring the environment up to requirements.txt.
#
#   bench/peer/setup.sh                 # PEER_PYTHON=/path/to/python3.13 to choose the interpreter
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"

python="${PEER_PYTHON:-}"
if [ -z "$python" ]; then
    for candidate in /root/.pyenv/versions/3.13.0/bin/python python3.13 /root/.pyenv/versions/3.12.1/bin/python \
        python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then python="$(command -v "$candidate")"; break; fi
    done
fi
[ -n "$python" ] || { echo "no Python 3.12/3.13 found (set PEER_PYTHON)" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $("$python" -V)"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
mkdir -p "$here/var"
"$venv/bin/python" "$here/manage.py" migrate --noinput --verbosity 0
"$venv/bin/python" "$here/manage.py" check --fail-level ERROR >/dev/null
echo "peer ready: $("$venv/bin/python" -c 'import django, sys; from importlib.metadata import version; print("Python", sys.version.split()[0], "Django", django.get_version(), "django-helpdesk", version("django-helpdesk"))')"
