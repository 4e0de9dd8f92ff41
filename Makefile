# Quanze — the two Quick start commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup setup-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
# bpmn.io's model layer (bpmn-moddle, pinned by package-lock.json) for the BPMN round-trip test;
# without Node.js that one test skips and says why.
MODDLE := tests/support/moddle
$(MODDLE)/node_modules/.package-lock.json: $(MODDLE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd $(MODDLE) && npm ci --no-audit --no-fund --silent \
	  || echo "could not install bpmn-moddle: the BPMN round-trip test will skip" >&2; \
	else echo "npm not found: the BPMN round-trip test will skip" >&2; fi

setup-test: $(VENV)/.installed-test $(MODDLE)/node_modules/.package-lock.json

## Set up, create the embedded SQLite database with the Gucheng sample, and serve.
run: setup
	$(BIN)/quanze init --sample
	$(BIN)/quanze serve --host $(HOST) --port $(PORT)

## Set up and run the whole suite; PostgreSQL joins in when one answers at 127.0.0.1:5432.
test: setup-test
	@url="$${QUANZE_TEST_DATABASE_URL:-$$($(BIN)/python tests/support/pg_probe.py $(PG_TEST_URL))}"; \
	if [ -n "$$url" ]; then echo "PostgreSQL tests: on ($$url)"; else echo "PostgreSQL tests: off (no server)"; fi; \
	QUANZE_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -n auto --dist loadfile --durations=15 $(PYTEST_ARGS)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: setup-test
	@for b in benchmarks/[!_]*.py; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) instance .pytest_cache
