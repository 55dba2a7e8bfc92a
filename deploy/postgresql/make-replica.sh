#!/usr/bin/env bash
# Make this host a streaming read replica of the Kefu primary (PostgreSQL 15+, Debian/Ubuntu layout).
# Run as root on the replica host, with PostgreSQL installed and its cluster stopped:
#
#   PRIMARY=10.0.0.10 deploy/postgresql/make-replica.sh
#
# On the primary first: `CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '...';`, the pg_hba line of
# deploy/postgresql/pg_hba-kefu.conf, and kefu-primary.conf (wal_level = replica). The password goes in
# ~postgres/.pgpass on this host. Then set DATABASE_REPLICA_URL on every Kefu host (docs/deploy.md).
set -euo pipefail
PRIMARY="${PRIMARY:?set PRIMARY to the primary host}"
VERSION="${PG_VERSION:-15}"
CLUSTER="${PG_CLUSTER:-main}"
DATA="/var/lib/postgresql/$VERSION/$CLUSTER"
SLOT="${SLOT:-kefu_replica}"

systemctl stop "postgresql@$VERSION-$CLUSTER" || true
if [ -e "$DATA/PG_VERSION" ]; then
  echo "$DATA is not empty: move it away first (this replaces the whole cluster with a copy of the primary)" >&2
  exit 1
fi
# A physical replication slot keeps the WAL the replica still needs; -R writes primary_conninfo and
# standby.signal, so the cluster starts as a hot standby that follows the primary.
runuser -u postgres -- pg_basebackup -h "$PRIMARY" -U replicator -D "$DATA" -X stream -C -S "$SLOT" -R -P
systemctl start "postgresql@$VERSION-$CLUSTER"
echo "replica running; lag: psql -c \"select now() - pg_last_xact_replay_timestamp()\""
