# Thin wrappers; README explains them. Everything a fresh machine needs is installed here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test workers (pytest-xdist): one per core; each worker has its own test database
# (SQLite in memory, or test_<name>_gw0, _gw1, ... on PostgreSQL).
WORKERS ?= auto
PYTEST := $(PY) -m pytest -n $(WORKERS) --dist worksteal
# The PostgreSQL run's database; its test databases are test_dangjian_gw0, test_dangjian_gw1, ...
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/dangjian

.PHONY: setup run test test-postgres lint bench bench-province seed migrate static clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.env:
	$(PYTHON) scripts/make_env.py > .env

setup: $(VENV)/.installed node_modules/.installed .env
	mkdir -p var
	@$(PYTHON) scripts/system_packages.py

migrate: setup
	$(PY) manage.py migrate --noinput

static: setup
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: migrate static
	$(PY) manage.py seed --if-empty
	$(PY) manage.py demo_logins
	# The server and the task worker (manage.py db_worker) beside it; Ctrl-C stops both.
	DEBUG=1 $(PY) scripts/run_dev.py $(HOST) $(PORT)

seed: migrate
	$(PY) manage.py seed

test: setup static
	$(PYTEST) $(PYTEST_ARGS)

test-postgres: setup static
	DATABASE_URL=$(POSTGRES_URL) $(PYTEST) $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

bench: migrate static
	$(PY) bench/member_list.py
	$(PY) bench/roster.py
	$(PY) bench/outreach.py
	$(PY) bench/learning.py
	$(PY) bench/meetings.py

# Opt-in, long (issue 13): a province-shaped database of 100,000 members on SQLite and
# PostgreSQL, then 2,000,000 on PostgreSQL (seeded once, about half an hour; reused after).
bench-province: migrate static
	$(PY) bench/province.py --members 100000
	$(PY) bench/province.py --members 2000000 --postgres

clean:
	rm -rf $(VENV) node_modules var
