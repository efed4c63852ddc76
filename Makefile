# Newsroom: `make run` starts everything on a fresh machine; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/newsroom

.PHONY: install setup run test test-sqlite test-postgres lint typecheck fuzz bench superuser clean

# Two installs, so that `make run` needs Python and make only:
#   .venv/.installed-run  the runtime packages (`pip install -e .`), for run/setup/superuser;
#   .venv/.installed      plus the dev extras, for the suite, linters, fuzzers and benches.
# pip as `python -m pip`: the venv's own pip, whichever scripts the venv holds.
$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-run
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Test tools from the npm registry: axe-core (accessibility) and vnu-jar (the Nu Html
# Checker). --ignore-scripts: vnu-jar's install script downloads a Java runtime.
tests/tools/node_modules/.installed: tests/tools/package.json tests/tools/package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --prefix tests/tools
	touch $@

# What the tests need: the dev extras and the npm tools (so Node and npm).
install: $(VENV)/.installed tests/tools/node_modules/.installed

setup: $(VENV)/.installed-run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadoutlets
	$(PY) manage.py loaddemo

# Web server, Celery worker and beat scheduler (newsroom/run.py): the address is printed
# once the server answers, and Ctrl-C stops all of it with exit status 0. For that the
# runner takes the terminal's foreground for its own process group, so the Ctrl-C never
# reaches make: GNU make re-raises a SIGINT it gets itself (status 130) even when its
# recipe then exits 0.
run: setup
	@$(PY) -m newsroom.run --port $(PORT)

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

# The production stack (gunicorn, PostgreSQL, Redis, two Celery workers, beat) under
# locust's steady load while a local feed server publishes; fails unless the promises of
# docs/reliability.md hold (tests/reliability/README.md). Not part of `make test`.
SOAK_SECONDS ?= 600
SOAK_RATE ?= 50
.PHONY: soak
soak: install
	$(PY) tests/reliability/soak.py --seconds $(SOAK_SECONDS) --rate $(SOAK_RATE)

# Faults while the stack works (tests/reliability/faults/: Redis gone, PostgreSQL
# restarted, a worker killed, the media folder full, a slow database), each with its own
# PostgreSQL and Redis servers in temporary folders, one after the other; fails unless
# every fault's invariants hold (docs/reliability.md, "Under faults"). CHAOS_FAULTS=a,b
# for some only. Not part of `make test`: minutes per fault.
CHAOS_FAULTS ?=
.PHONY: chaos
chaos: install
	$(PY) tests/reliability/chaos.py --only '$(CHAOS_FAULTS)'

# The site (gunicorn, DEBUG off, a scratch PostgreSQL database with the demo) under
# Debian's sqlmap (every query parameter of search, the list cursors and the API) and
# wapiti (xss, permanentxss, sql, blindsql, exec, file, redirect, crlf); fails on any
# finding (docs/reliability.md, "Under attack"). SCAN_DB=sqlite for a temp SQLite file.
# Not part of `make test`: about 45 minutes (sqlmap 15, wapiti 25).
SCAN_DB ?= postgres
.PHONY: scan
scan: install
	@command -v sqlmap >/dev/null && command -v wapiti >/dev/null || \
		apt-get install -y --no-install-recommends sqlmap wapiti
	$(PY) tests/reliability/scan.py --db $(SCAN_DB)

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/images.py
	$(PY) bench/web.py
	$(PY) bench/reports.py
	$(PY) bench/search.py
	$(PY) bench/lighthouse.py --install

# Full-text extraction on the labelled pages of tests/data/pages, beside trafilatura
# (installed into the venv for this bench only: not a project dependency).
.PHONY: bench-fulltext
bench-fulltext: install
	$(PY) -m pip install --quiet -r bench/requirements-fulltext.txt
	$(PY) bench/fulltext.py

clean:
	rm -rf var/ .pytest_cache
