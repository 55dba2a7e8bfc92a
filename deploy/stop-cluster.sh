#!/usr/bin/env bash
# Stop what deploy/run-cluster.sh started: the scheduler, the task workers, the web server (gracefully: TERM,
# then KILL after 40 s), and the private PostgreSQL server if that script started one.
#
#   deploy/stop-cluster.sh [--run-dir DIR] [--env FILE] [--keep-postgres]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/_cluster.sh
source "$ROOT/deploy/_cluster.sh"
RUN_DIR="${KEFU_RUN_DIR:-}" KEEP_PG=0
while [ $# -gt 0 ]; do
  case "$1" in
    --run-dir) RUN_DIR="$2"; shift 2 ;;
    --env) load_env_file "$2"; RUN_DIR="${RUN_DIR:-${KEFU_RUN_DIR:-}}"; shift 2 ;;
    --keep-postgres) KEEP_PG=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
RUN_DIR="$(run_dir "$RUN_DIR")"
[ -d "$RUN_DIR" ] || { echo "nothing to stop: no $RUN_DIR"; exit 0; }

# The scheduler first (no new work is queued), then the workers (each finishes its task), then the web server.
stop_pid "$RUN_DIR/scheduler.pid" scheduler
for f in "$RUN_DIR"/worker-*.pid; do
  [ -e "$f" ] || continue
  stop_pid "$f" "$(basename "$f" .pid)" &
done
wait
stop_pid "$RUN_DIR/web.pid" web
if [ -f "$RUN_DIR/postgres.data" ] && [ "$KEEP_PG" = 0 ]; then
  data="$(cat "$RUN_DIR/postgres.data")"
  as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null && echo "stopped PostgreSQL ($data)"
  rm -f "$RUN_DIR/postgres.data"
fi
