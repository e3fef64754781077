#!/usr/bin/env bash
# make demo: migrate, load + approve the bundled sample, start the django-q2 cluster, create a
# plan through the worker, print its KPIs and the URLs, then serve on 127.0.0.1:8000 with the
# cluster running. Ctrl-C stops both. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${DEMO_HOST:-127.0.0.1}
PORT=${DEMO_PORT:-8000}
mkdir -p var/log

rm -rf var/prometheus  # samples of processes from an earlier run
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py load_sample_data --approve
$PY manage.py ensure_demo_users

# The cluster runs in its own session: Ctrl-C (which signals the whole foreground group)
# must not reach it, because django-q2 deadlocks when a second signal arrives while it stops.
# stop() sends it exactly one TERM and waits; a cluster still alive after 30 s is killed.
setsid $PY manage.py qcluster >var/log/qcluster.log 2>&1 &
QPID=$!
SERVER_PID=""
stop() {
  trap - INT TERM EXIT
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  kill -TERM "$QPID" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$QPID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL -- "-$QPID" 2>/dev/null || true
  echo "Planning Hub demo stopped."
}
trap stop INT TERM EXIT

echo "Creating a plan from demo_sample through the django-q2 worker (pid $QPID)…"
$PY manage.py create_plan --config-version-id 1 --input-set-label demo_sample --wait --timeout 600
cat <<MSG

Planning Hub is running on http://$HOST:$PORT/
  admin (review input sets, plans, runs, jobs): http://$HOST:$PORT/admin/  user admin / password admin (demo only)
  metrics:                                      http://$HOST:$PORT/metrics
  worker log:                                   var/log/qcluster.log
Press Ctrl-C to stop the server and the worker.
MSG
$PY manage.py runserver "$HOST:$PORT" --noreload &
SERVER_PID=$!
wait "$SERVER_PID"
