#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL server, and create the test role.
# Prints the DATABASE_URL to use on its last line. Needs root (CI and dev machines run as root).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='planning_hub'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE planning_hub LOGIN SUPERUSER PASSWORD 'planning_hub'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='planning_hub'\"" | grep -q 1 ||
  su postgres -c "createdb -O planning_hub planning_hub"
echo "postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub"
