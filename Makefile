# The two commands a newcomer needs: `make run` and `make test`.  Both create the virtual
# environment on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[web,dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/ganglioside analyze src/ganglioside/data/measured_sample.csv -o results

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/ganglioside

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python bench/core_speed.py
	$(BIN)/python bench/accuracy.py

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
