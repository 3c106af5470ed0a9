# Two commands on a fresh machine: `make demo` and `make test`. Nothing to install by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo's clock is pinned inside the sample season, so it works whatever today is.
DEMO_NOW := 2027-01-28T09:00

.PHONY: demo test lint typecheck pytest system-deps golden bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "announce needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/announce --config config.example.toml list --now $(DEMO_NOW)

system-deps:
	@bash .ci/system-deps

lint: $(VENV)/.installed-test
	$(BIN)/ruff check announce tests benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test system-deps
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(VENV)/.installed-test
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) outbox .announce .pytest_cache .mypy_cache .ruff_cache
