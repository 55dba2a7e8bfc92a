# Shared by deploy/run-cluster.sh and deploy/stop-cluster.sh (sourced, not run).

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

run_dir() {  # run_dir [DIR]: the run directory (pid files, logs)
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  echo "${KEFU_VAR_DIR:-$ROOT/var}/run"
}

load_env_file() {  # KEY=VALUE lines like systemd's EnvironmentFile: no shell expansion, optional quotes
  local file="$1" line key value
  [ -f "$file" ] || { echo "no such env file: $file" >&2; exit 2; }
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%=*}"
    value="${line#*=}"
    case "$value" in \"*\") value="${value:1:${#value}-2}" ;; \'*\') value="${value:1:${#value}-2}" ;; esac
    export "$key=$value"
  done <"$file"
}

readyz() {  # readyz HOST:PORT | unix:PATH: true when GET /readyz answers 200 (as the proxy would ask)
  local bind="$1" host_header="${KEFU_ALLOWED_HOSTS:-127.0.0.1}" url code
  host_header="${host_header%%,*}"
  local curl_args=(-sS -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $host_header" -H "X-Forwarded-Proto: https")
  if [ "${bind#unix:}" != "$bind" ]; then
    curl_args+=(--unix-socket "${bind#unix:}")
    url=http://localhost/readyz
  else
    local host="${bind%:*}" port="${bind##*:}"
    [ "$host" = "0.0.0.0" ] && host=127.0.0.1
    url="http://$host:$port/readyz"
  fi
  code="$(curl "${curl_args[@]}" "$url" 2>/dev/null)" || true
  [ "$code" = 200 ]
}

pg_bin() {
  if [ -n "${KEFU_PG_BIN:-}" ]; then echo "$KEFU_PG_BIN"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  echo "PostgreSQL binaries not found (apt-get install postgresql, or KEFU_PG_BIN=DIR)" >&2
  exit 1
}

as_pg() {  # PostgreSQL refuses to run as root: run as the postgres user then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {  # start_postgres DATA PORT RUN_DIR: initdb on first use, start, create database "kefu"
  local data="$1" port="$2" run="$3" bin
  bin="$(pg_bin)"
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "==> initdb $data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "==> PostgreSQL already running in $data"
  else
    echo "==> starting PostgreSQL on 127.0.0.1:$port ($data)"
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
      "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
    echo "$data" >"$run/postgres.data"  # stop-cluster.sh stops what this script started
  fi
  if ! as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "select 1 from pg_database where datname='kefu'" \
    | grep -q 1; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres kefu
  fi
}

stop_pid() {  # stop_pid FILE NAME: TERM, wait up to 40 s, then KILL
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 80); do alive "$pid" || break; sleep 0.5; done
    if alive "$pid"; then
      echo "$name ($pid) did not stop in 40 s: KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stopped $name ($pid)"
  fi
  rm -f "$file"
}
