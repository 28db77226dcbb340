#!/usr/bin/env bash
# Installs (Debian package), starts and prepares a local PostgreSQL 15 for AkkaRpc on 127.0.0.1, then prints the
# connection string on its LAST line of stdout (progress goes to stderr). Safe to run any number of times.
#
#   export AKKARPC_POSTGRES="$(bash scripts/postgres.sh | tail -n 1)"
#
# The role may create databases: the test suite gives every PostgreSQL test a fresh database of its own.
# Settings (environment): AKKARPC_PG_USER (akkarpc), AKKARPC_PG_PASSWORD (akkarpc), AKKARPC_PG_DATABASE (akkarpc),
# AKKARPC_PG_PORT (5432). A development password: this server listens on 127.0.0.1 only.
set -euo pipefail

user="${AKKARPC_PG_USER:-akkarpc}"
password="${AKKARPC_PG_PASSWORD:-akkarpc}"
database="${AKKARPC_PG_DATABASE:-akkarpc}"
port="${AKKARPC_PG_PORT:-5432}"
version=15
cluster=main

log() { echo "postgres.sh: $*" >&2; }
fail() { echo "postgres.sh: ERROR: $*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    fail "need root (or passwordless sudo) for: $*"; fi
}

# Only names made of letters, digits and '_' reach SQL below, so nothing needs quoting.
for name in "$user" "$database"; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || fail "'$name' is not a plain SQL identifier"
done
[[ "$password" != *"'"* ]] || fail "the password must not contain a single quote"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -x "/usr/lib/postgresql/$version/bin/postgres" ]; then
  log "installing postgresql (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2 || fail "apt-get update failed"
  as_root apt-get install -y -qq postgresql >&2 || fail "apt-get install postgresql failed"
fi

if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {found=1} END {exit !found}'; then
  log "creating cluster $version/$cluster"
  as_root pg_createcluster "$version" "$cluster" --port "$port" >&2 || fail "pg_createcluster failed"
fi

if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c && $4=="online" {found=1} END {exit !found}'; then
  log "starting cluster $version/$cluster"
  as_root pg_ctlcluster "$version" "$cluster" start >&2 || fail "pg_ctlcluster $version $cluster start failed (see /var/log/postgresql/)"
fi

# Bounded wait for the server to accept connections.
for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL does not accept connections on 127.0.0.1:$port after 30 s"

psql_admin() { as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"; }

psql_admin -d postgres >&2 <<SQL || fail "could not create role $user"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN CREATEDB PASSWORD '$password';
  ELSE
    ALTER ROLE $user LOGIN CREATEDB PASSWORD '$password';
  END IF;
END
\$\$;
SQL

if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  log "creating database $database"
  psql_admin -d postgres -c "CREATE DATABASE $database OWNER $user" >&2 || fail "could not create database $database"
fi

connection="Host=127.0.0.1;Port=$port;Database=$database;Username=$user;Password=$password"
# Prove that a TCP login with the password works, which is what the nodes and tests do.
PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -tAc "SELECT 1" >/dev/null \
  || fail "password login as $user to 127.0.0.1:$port/$database failed (check pg_hba.conf)"
log "ready: $user@127.0.0.1:$port/$database"
echo "$connection"
