#!/usr/bin/env bash
# Start a local PostgreSQL for marsad's tests and print its SQLAlchemy URL on stdout.
# Idempotent: installs postgresql if missing, starts the cluster if stopped, creates the role
# marsad/marsad and the database marsad_test if absent. Needs root (Debian/Ubuntu).
# Usage:  export MARSAD_TEST_PG_URL="$(.ci/postgres.sh)"
set -euo pipefail

PG_USER="${MARSAD_PG_USER:-marsad}"
PG_PASS="${MARSAD_PG_PASS:-marsad}"
PG_DB="${MARSAD_PG_DB:-marsad_test}"
PG_PORT="${MARSAD_PG_PORT:-5432}"

log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi

# Newest installed major version, and its first cluster (Debian creates "main").
PG_VER="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER="$(pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VER" '$1==v {print $2; exit}')"
if [ -z "$CLUSTER" ]; then
  log "creating cluster $PG_VER main"
  pg_createcluster "$PG_VER" main --port "$PG_PORT" >&2
  CLUSTER=main
fi

if ! pg_ctlcluster "$PG_VER" "$CLUSTER" status >/dev/null 2>&1; then
  log "starting cluster $PG_VER $CLUSTER"
  pg_ctlcluster "$PG_VER" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then break; fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2 || { log "server not ready"; exit 1; }

psql_su() { (cd / && runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -p "$PG_PORT" "$@"); }

# Role (create or reset its password) and database, both idempotent; \gexec runs the generated SQL.
psql_su -d postgres >&2 <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '$PG_USER', '$PG_PASS')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', '$PG_USER', '$PG_PASS') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', '$PG_DB', '$PG_USER')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
SQL
# Tests create a schema per test: the role needs CREATE on the database (it owns it when we made it).
psql_su -d postgres -c "GRANT ALL ON DATABASE \"$PG_DB\" TO \"$PG_USER\"" >&2

echo "postgresql+psycopg://${PG_USER}:${PG_PASS}@127.0.0.1:${PG_PORT}/${PG_DB}"
