# Haven: two commands for a newcomer.
#   make run   set up, migrate, load the demo world on first start, serve on HAVEN_PORT (8000)
#   make test  set up, then the whole suite on SQLite and (when reachable) PostgreSQL
PYTHON ?= python3
VENV := .venv
export HAVEN_PORT ?= 8000
export HAVEN_DATA_DIR ?= $(CURDIR)/var

.PHONY: run dev test lint typecheck format lock bench clean

$(VENV)/.run-deps: requirements.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.lock
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock -r requirements-dev.lock
	touch $@

run: $(VENV)/.run-deps
	bash scripts/run.sh

dev: $(VENV)/.dev-deps
	HAVEN_DEBUG=1 bash scripts/run.sh --dev

test: $(VENV)/.dev-deps
	bash scripts/test.sh

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs (its plugin imports the settings; no database is needed).
typecheck: $(VENV)/.dev-deps
	HAVEN_ENV=test $(VENV)/bin/mypy haven

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin dependencies after editing requirements*.in (needs network access to PyPI).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile --python-version 3.11 --generate-hashes --no-header -q requirements.in -o requirements.lock
	$(PYTHON) -m uv pip compile --python-version 3.11 --generate-hashes --no-header -q requirements-dev.in -o requirements-dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
