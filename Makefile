# KAIU: `make run` starts everything, `make test` runs the tests. Only Python 3.11+ and make
# are needed; the database is an embedded PostgreSQL 18 + pgvector unless DATABASE_URL is set.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint e2e stop install install-dev migrate seed

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when the requirements change.
$(VENV)/.installed: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A local .env, written once (never committed): fresh secrets, and private provider hosts
# allowed (a local Ollama), since `make run` serves this machine only. See kaiu/envfile.py.
.env:
	@$(PY) -m kaiu.envfile .env
	@echo "Wrote .env with new secrets; AI servers on this machine or network are allowed."

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py serve

test: install-dev
	$(PY) -m pytest

# The lint rules in pyproject.toml; CI runs this too.
lint: install-dev
	$(VENV)/bin/ruff check .

# Browser tests in headless Chromium (Debian's package; installed here when running as root).
e2e: install-dev
	$(PIP) install --quiet -r requirements-e2e.txt
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(PY) -m pytest -m e2e tests/e2e

stop:
	$(PY) -m kaiu.embedded_db stop

migrate: install .env
	$(PY) manage.py migrate --noinput

seed: install .env
	$(PY) manage.py seed_demo
