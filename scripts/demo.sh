#!/usr/bin/env bash
# make demo: migrate, load + approve the bundled sample, create a demo login, serve.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=planning_hub.settings
$PY manage.py migrate --noinput -v0
$PY manage.py load_sample_data --approve
$PY manage.py ensure_demo_users
echo
$PY manage.py list_planning_input_sets
$PY manage.py show_planning_input_events --label demo_sample --limit 5
cat <<MSG

Planning Hub is running on http://127.0.0.1:8000/
  admin:    http://127.0.0.1:8000/admin/   (user admin / password admin — demo only)
  metrics:  http://127.0.0.1:8000/metrics
Press Ctrl-C to stop.
MSG
exec $PY manage.py runserver 127.0.0.1:8000 --noreload
