#!/usr/bin/env bash
# Run Kefu in production shape on this machine: PostgreSQL (a server you name with DATABASE_URL, or a private one
# this script starts), migrations, collectstatic, then N web workers (one gunicorn, deploy/gunicorn.conf.py),
# M task workers (manage.py db_worker) and the scheduler (manage.py run_scheduler, one per installation).
# Everything runs in the background with a pid file and a log in the run directory; deploy/stop-cluster.sh
# stops it. docs/deploy.md explains the topology; on several machines use the systemd units in deploy/systemd/.
#
#   deploy/run-cluster.sh --env /etc/kefu/kefu.env                # DATABASE_URL etc. from the file
#   deploy/run-cluster.sh --pg-data /srv/kefu-pg --pg-port 5433   # start a private PostgreSQL too
#   deploy/stop-cluster.sh                                        # stop all of it
#
# Options (each also read from the environment, in brackets):
#   --env FILE           KEY=VALUE lines (systemd EnvironmentFile syntax), exported before anything runs
#   --bind ADDR          where gunicorn listens [KEFU_BIND, default 127.0.0.1:8000]
#   --web-workers N      gunicorn worker processes [KEFU_WEB_WORKERS, default 3]
#   --task-workers M     db_worker processes [KEFU_TASK_WORKERS, default 2]
#   --no-scheduler       no scheduler here (another machine runs the only one) [KEFU_SCHEDULER=0]
#   --run-dir DIR        pid files and logs [KEFU_RUN_DIR, default $KEFU_VAR_DIR/run or ./var/run]
#   --pg-data DIR        start a private PostgreSQL with its data in DIR (initdb the first time) and, unless
#                        DATABASE_URL is set, use its database "kefu"
#   --pg-port PORT       its port [default 5432]
#   --no-migrate         skip `manage.py migrate` (another machine migrates: docs/deploy.md)
#   --no-collectstatic   skip `manage.py collectstatic`
#   --wait SECONDS       how long to wait for /readyz [default 120]
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=deploy/_cluster.sh
source "$ROOT/deploy/_cluster.sh"

ENV_FILE="" PG_DATA="" PG_PORT=5432 MIGRATE=1 COLLECT=1 WAIT=120
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --env) ENV_FILE="$2"; shift 2 ;;
    *) shift ;;
  esac
done
[ -n "$ENV_FILE" ] && load_env_file "$ENV_FILE"
set -- "${ARGS[@]+"${ARGS[@]}"}"
BIND="${KEFU_BIND:-127.0.0.1:8000}"
WEB_WORKERS="${KEFU_WEB_WORKERS:-3}"
TASK_WORKERS="${KEFU_TASK_WORKERS:-2}"
SCHEDULER="${KEFU_SCHEDULER:-1}"
RUN_DIR="${KEFU_RUN_DIR:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --env) shift 2 ;;
    --bind) BIND="$2"; shift 2 ;;
    --web-workers) WEB_WORKERS="$2"; shift 2 ;;
    --task-workers) TASK_WORKERS="$2"; shift 2 ;;
    --no-scheduler) SCHEDULER=0; shift ;;
    --run-dir) RUN_DIR="$2"; shift 2 ;;
    --pg-data) PG_DATA="$2"; shift 2 ;;
    --pg-port) PG_PORT="$2"; shift 2 ;;
    --no-migrate) MIGRATE=0; shift ;;
    --no-collectstatic) COLLECT=0; shift ;;
    --wait) WAIT="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (--help)" >&2; exit 2 ;;
  esac
done
RUN_DIR="$(run_dir "$RUN_DIR")"
mkdir -p "$RUN_DIR"
export DJANGO_SETTINGS_MODULE=kefu.settings KEFU_BIND="$BIND" KEFU_WEB_WORKERS="$WEB_WORKERS"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "no .venv: run bin/run once, or create it (docs/deploy.md)" >&2; exit 1; }

for f in "$RUN_DIR"/*.pid; do
  [ -e "$f" ] || continue
  if alive "$(cat "$f")"; then
    echo "already running ($f, pid $(cat "$f")); deploy/stop-cluster.sh --run-dir $RUN_DIR first" >&2
    exit 1
  fi
  rm -f "$f"
done

# If anything below fails, stop what was started (the database server too, when this script started it).
trap 'echo "start failed: stopping what was started" >&2; "$ROOT/deploy/stop-cluster.sh" --run-dir "$RUN_DIR"' ERR

# --- PostgreSQL ------------------------------------------------------------------------------------------------
if [ -n "$PG_DATA" ]; then
  start_postgres "$PG_DATA" "$PG_PORT" "$RUN_DIR"
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:$PG_PORT/kefu}"
fi
case "${DATABASE_URL:-}" in
  postgres://*|postgresql://*) ;;
  *) echo "warning: DATABASE_URL is not PostgreSQL: several processes on SQLite work, but are not production" >&2 ;;
esac

step() { echo "==> $*"; }
step "waiting for the database"
"$PY" - <<'PY'
import sys
import time

import django

django.setup()
from django.db import OperationalError, connection

for attempt in range(60):
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if attempt == 59:
            sys.exit(f"the database does not answer: {exc}")
        time.sleep(1)
PY
if [ "$MIGRATE" = 1 ]; then
  step "migrate"
  "$PY" manage.py migrate --noinput -v 0
fi
if [ "$COLLECT" = 1 ]; then
  step "collectstatic"
  "$ROOT/deploy/collectstatic.sh"
fi

# --- processes -------------------------------------------------------------------------------------------------
step "web: gunicorn with $WEB_WORKERS workers on $BIND"
KEFU_WEB_ACCESS_LOG="${KEFU_WEB_ACCESS_LOG:-$RUN_DIR/access.log}" \
  nohup "$ROOT/.venv/bin/gunicorn" -c "$ROOT/deploy/gunicorn.conf.py" kefu.wsgi:application \
  >>"$RUN_DIR/web.log" 2>&1 &
WEB_PID=$!
echo "$WEB_PID" >"$RUN_DIR/web.pid"  # the gunicorn master (nohup execs it)
for i in $(seq 1 "$TASK_WORKERS"); do
  step "task worker $i"
  nohup "$PY" manage.py db_worker --skip-checks --queue-name '*' --interval 1 --worker-id "$(hostname)-$i" \
    >>"$RUN_DIR/worker-$i.log" 2>&1 &
  echo $! >"$RUN_DIR/worker-$i.pid"
done
if [ "$SCHEDULER" = 1 ]; then
  step "scheduler"
  nohup "$PY" manage.py run_scheduler --skip-checks --interval "${KEFU_SCHEDULER_INTERVAL:-60}" >>"$RUN_DIR/scheduler.log" 2>&1 &
  echo $! >"$RUN_DIR/scheduler.pid"
fi

step "waiting for /readyz"
ready=0
for _ in $(seq "$WAIT"); do
  if ! alive "$WEB_PID"; then
    echo "gunicorn exited; its log:" >&2; tail -n 30 "$RUN_DIR/web.log" >&2; false
  fi
  if readyz "$BIND"; then ready=1; break; fi
  sleep 1
done
[ "$ready" = 1 ] || { echo "not ready after ${WAIT}s; see $RUN_DIR/web.log" >&2; false; }
trap - ERR
echo "==> Kefu is running on $BIND: web pid $(cat "$RUN_DIR/web.pid") ($WEB_WORKERS workers), $TASK_WORKERS task" \
  "worker(s), scheduler $([ "$SCHEDULER" = 1 ] && echo on || echo off); logs and pid files in $RUN_DIR"
echo "    stop: deploy/stop-cluster.sh --run-dir $RUN_DIR"
