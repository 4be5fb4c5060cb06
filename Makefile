# One command each: `make serve` runs the mock, `make test` runs lint, types and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KSEF_SPEC_DIR ?= $(abspath ../shared/ksef/spec)
export KSEF_SPEC_DIR

$(BIN)/mock-ksef: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

.PHONY: install serve test lint bench
install: $(BIN)/mock-ksef

serve: install
	$(BIN)/mock-ksef serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m benchmarks
