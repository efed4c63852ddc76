# Newsroom: `make run` starts everything on a fresh machine; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/newsroom

.PHONY: install setup run test test-sqlite test-postgres lint typecheck fuzz bench superuser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

# Test tools from the npm registry: axe-core (accessibility) and vnu-jar (the Nu Html
# Checker). --ignore-scripts: vnu-jar's install script downloads a Java runtime.
tests/tools/node_modules/.installed: tests/tools/package.json tests/tools/package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --prefix tests/tools
	touch $@

install: $(VENV)/.installed tests/tools/node_modules/.installed

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadoutlets
	$(PY) manage.py loaddemo

# Web server, Celery worker and beat scheduler; Ctrl-C stops all three.
run: setup
	@echo "Newsroom on http://127.0.0.1:$(PORT)/  (admin: /admin/, make superuser)"
	@trap 'kill -TERM $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(VENV)/bin/celery -A newsroom worker --beat --loglevel=INFO --concurrency=2 & \
	$(PY) manage.py runserver --noreload 127.0.0.1:$(PORT) & \
	wait -n

superuser: setup
	$(PY) manage.py createsuperuser

# The whole suite on the embedded default (SQLite), then the tests whose behaviour
# depends on the database again on PostgreSQL.
test: install test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest

test-postgres: install
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest -m postgres

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# Coverage-guided fuzzing (atheris/libFuzzer) of the entry points that take untrusted
# input, one harness after the other, FUZZ_SECONDS each (FUZZ_HARNESS=name[,name] for
# some only). What it finds goes to tests/fuzz/regressions/, which `make test` replays.
FUZZ_SECONDS ?= 300
FUZZ_HARNESS ?=
fuzz: $(VENV)/.installed
	$(PY) tests/fuzz/run.py --seconds $(FUZZ_SECONDS) --harness '$(FUZZ_HARNESS)'

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/images.py
	$(PY) bench/web.py
	$(PY) bench/search.py
	$(PY) bench/lighthouse.py --install

# Full-text extraction on the labelled pages of tests/data/pages, beside trafilatura
# (installed into the venv for this bench only: not a project dependency).
.PHONY: bench-fulltext
bench-fulltext: install
	$(VENV)/bin/pip install --quiet -r bench/requirements-fulltext.txt
	$(PY) bench/fulltext.py

clean:
	rm -rf var/ .pytest_cache
