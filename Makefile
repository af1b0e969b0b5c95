# ETL Portal — the commands a person and CI run. `make help` lists them.
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
LOCK := backend/requirements.lock
STAMP := $(VENV)/.installed-$(shell sha1sum $(LOCK) 2>/dev/null | cut -c1-12)

.DEFAULT_GOAL := help
.PHONY: help setup tools frontend run run-celery test lint bench lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) backend/pyproject.toml
	@test -x $(PY) || python3.11 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q uv==0.13.8
	@# Bytecode compiled once here: PYTHONDONTWRITEBYTECODE may be set, and every Airflow task
	@# would otherwise recompile pandas and Airflow on import (~2 s each).
	VIRTUAL_ENV=$(VENV) $(UV) pip sync -q --compile-bytecode $(LOCK)
	VIRTUAL_ENV=$(VENV) $(UV) pip install -q --no-deps -e backend
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## Create .venv from the lock (reused when the lock is unchanged)

lock: ## Re-resolve backend/requirements.lock from backend/pyproject.toml
	cd backend && $(UV) pip compile pyproject.toml --extra api --extra worker --extra dev \
		--python-version 3.11 -o requirements.lock --quiet

clean: ## Remove local state (.local/: app database, Airflow home and metadata, warehouse)
	rm -rf .local

tools: ## Install the Debian packages the tests drive (Chromium, docker-compose, nginx) when missing
	@command -v chromium >/dev/null && command -v docker-compose >/dev/null && test -x /usr/sbin/nginx || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium docker-compose nginx-light >/dev/null; }

# `npm install` from the lock, not `npm ci`: the registry reachable here does not serve the other
# platforms' optional binaries (e.g. @tailwindcss/oxide-darwin-*), which `npm ci` insists on.
frontend/node_modules/.installed: frontend/package-lock.json frontend/package.json
	cd frontend && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed

frontend: frontend/node_modules/.installed ## Build the SPA into frontend/dist
	cd frontend && npm run build

run: setup frontend ## Start the portal on its embedded defaults (SQLite, Airflow on an embedded PostgreSQL, DuckDB)
	$(PY) -m portal.devstack

run-celery: setup frontend ## Start the portal with CeleryExecutor on this machine's PostgreSQL and Redis
	$(PY) -m portal.devstack --executor celery

lint: setup frontend/node_modules/.installed ## ruff, mypy, eslint, tsc
	cd backend && $(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy portal etl_engine
	cd frontend && npm run lint && npm run typecheck

test: setup tools frontend lint ## Set up and run every test (backend, Airflow end to end, frontend, browser)
	cd backend && $(VENV)/bin/pytest -q -p no:cacheprovider
	cd frontend && npm test
	cd frontend && npm run e2e

bench: setup ## Benchmarks: engine vs psql \copy, pandas, dlt (writes bench/results/latest.json)
	bash bench/run.sh
