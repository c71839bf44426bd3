# Two commands on a fresh machine with Python 3.11+ and make:
#   make demo   set up .venv, install personas, run the whole pipeline on the example study
#   make test   set up .venv with the dev extra, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint bench clean-venv

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "personas needs Python 3.11 or newer (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 demo")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/personas demo

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_segment.py --quick
	$(BIN)/python benchmarks/bench_clean.py --quick
	$(BIN)/python benchmarks/bench_embed.py --quick

clean-venv:
	rm -rf $(VENV)
