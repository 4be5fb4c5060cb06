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

.PHONY: install serve test lint bench prerequisites
install: $(BIN)/mock-ksef

serve: install
	$(BIN)/mock-ksef serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# What the tests need besides Python, checked before anything is installed or run: the
# official KSeF files (tests/support/spec.py) and the headless Chromium and driver of the
# dashboard tests (tests/dashboard/browser.py reads the same two variables).
prerequisites:
	@$(PYTHON) -m tests.support.spec
	@chromium="$${MOCK_KSEF_CHROMIUM:-/usr/bin/chromium}"; \
	driver="$${MOCK_KSEF_CHROMEDRIVER:-/usr/bin/chromedriver}"; \
	if [ ! -x "$$chromium" ] || [ ! -x "$$driver" ]; then \
	  echo "make test: the dashboard tests need a headless Chromium and its driver;" \
	    "$$chromium or $$driver is missing." >&2; \
	  echo "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium chromium-driver" >&2; \
	  echo "  elsewhere: export MOCK_KSEF_CHROMIUM=/path/to/chromium" \
	    "MOCK_KSEF_CHROMEDRIVER=/path/to/its/chromedriver (the same version)" >&2; \
	  exit 1; \
	fi

test: prerequisites lint
	$(BIN)/pytest

bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python -m benchmarks
