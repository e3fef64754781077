# Planning Hub — the two set-up commands (see README.md):
#   make demo   set up, load and approve the bundled sample, then serve on 127.0.0.1:8000
#   make test   set up, lint, check migrations, run the tests on SQLite and PostgreSQL
#   make serve  migrate, collectstatic, gunicorn + the django-q2 cluster with DEBUG off
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test test-sqlite test-postgres lint demo serve bench messages clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: venv
	env -u DATABASE_URL $(PY) -m pytest -q

# Runs on $$DATABASE_URL_POSTGRES, else on a local server when one answers on 127.0.0.1:5432.
test-postgres: venv
	@url="$${DATABASE_URL_POSTGRES:-}"; \
	if [ -z "$$url" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then \
	  url="postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub"; fi; \
	if [ -z "$$url" ]; then echo "PostgreSQL not available: skipping the PostgreSQL run"; \
	else echo "PostgreSQL run on $${url%%@*}@…"; DATABASE_URL="$$url" $(PY) -m pytest -q -p no:cacheprovider; fi

test: lint test-sqlite test-postgres

demo: venv
	bash scripts/demo.sh

serve: venv
	bash scripts/serve.sh

messages: venv
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=var --ignore=bench --ignore=tests --ignore="plans/pipeline/*"
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/planning_hub.sqlite3* var/static .pytest_cache
