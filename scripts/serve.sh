#!/usr/bin/env bash
# make serve: migrate, collectstatic, then gunicorn (gthread workers sized from the CPU count,
# planning_hub/gunicorn_conf.py) and the django-q2 cluster, with DEBUG off. Ctrl-C (or TERM)
# stops both; when either exits, the other is stopped too.
#
# Production settings apply (DEBUG=false). Without SECRET_KEY a random one is generated once
# into var/secret_key (mode 600) and reused. This serves plain HTTP on WEB_BIND (default
# 127.0.0.1:8000), so the HTTPS-only settings default to off here; behind a TLS proxy set
# SERVE_HTTPS=true (and see docs/deployment.md for the full production environment).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/log

export DEBUG=false
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077 && $PY -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret_key)
    echo "Generated a SECRET_KEY into var/secret_key."
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
if [ "${SERVE_HTTPS:-false}" != "true" ]; then
  export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
  export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
  export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
  export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-false}"
fi
export WEB_BIND="${WEB_BIND:-127.0.0.1:8000}"

# samples of processes from an earlier run (the app and gunicorn default to the same folder)
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0

# The cluster runs in its own session, so a Ctrl-C to the terminal reaches it only through
# stop(): django-q2 deadlocks when a second signal arrives while it stops.
setsid $PY manage.py qcluster >var/log/qcluster.log 2>&1 &
QPID=$!
$PY -m gunicorn -c planning_hub/gunicorn_conf.py planning_hub.wsgi:application &
WEB_PID=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$WEB_PID" 2>/dev/null || true
  kill -TERM "$QPID" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$WEB_PID" 2>/dev/null || kill -0 "$QPID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$WEB_PID" 2>/dev/null || true
  kill -KILL -- "-$QPID" 2>/dev/null || true
  echo "Planning Hub stopped."
}
trap stop INT TERM EXIT
echo "Planning Hub (gunicorn pid $WEB_PID, worker cluster pid $QPID) on http://$WEB_BIND/ — Ctrl-C stops both; worker log: var/log/qcluster.log"
# whichever exits first (or a signal) ends the script; stop() takes the other one down
wait -n "$WEB_PID" "$QPID" || true
