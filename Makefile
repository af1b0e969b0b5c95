# ETL Portal — the commands a person and CI run. `make help` lists them.
SHELL := /bin/bash
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
LOCK := backend/requirements.lock
STAMP := $(VENV)/.installed-$(shell sha1sum $(LOCK) 2>/dev/null | cut -c1-12)

.DEFAULT_GOAL := help
.PHONY: help setup frontend run run-celery test lint bench lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) backend/pyproject.toml
	@test -x $(PY) || python3.11 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q uv==0.13.8
	VIRTUAL_ENV=$(VENV) $(UV) pip sync -q $(LOCK)
	VIRTUAL_ENV=$(VENV) $(UV) pip install -q --no-deps -e backend
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) ## Create .venv from the lock (reused when the lock is unchanged)

lock: ## Re-resolve backend/requirements.lock from backend/pyproject.toml
	cd backend && $(UV) pip compile pyproject.toml --extra api --extra worker --extra dev \
		--python-version 3.11 -o requirements.lock --quiet

clean: ## Remove local state (.local/: app database, Airflow home, warehouse)
	rm -rf .local
