# The two commands a newcomer needs: `make run` and `make test` (and `make check`, the fast
# loop while working).  They create the virtual environment on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# `make install LOCKED=1` installs the exact versions of requirements/lock.txt (reproducible);
# without it pip takes the newest versions that pyproject.toml's ranges allow.
LOCK   ?= requirements/lock.txt

.PHONY: install run test check lint format bench clean lock

# The tests `make check` leaves out: marked slow, or needing services (PostgreSQL, Redis,
# Celery) or a browser.
FAST_TESTS := not slow and not service and not browser

$(STAMP): pyproject.toml $(if $(LOCKED),$(LOCK))
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(LOCKED),-c $(LOCK)) -e ".[web,dev]"
	@touch $(STAMP)

install: $(STAMP)

# The web platform on SQLite in a per-user data folder: migrate, the demo user (an admin) with
# the sample analysed, warm up, then serve http://127.0.0.1:8000 (Ctrl-C stops).  The last lines
# printed are the address, the user and the password; the password is kept in the data folder
# across runs (`make run RESET_PASSWORD=1` makes a new one).
run: install
	$(BIN)/ganglioside serve --demo --host 127.0.0.1 --port 8000 $(if $(RESET_PASSWORD),--reset-password)

# The tests run in parallel, one process per core up to four (pytest-xdist; a test file stays on
# one process, and each process has its own test database and Redis database).  JOBS=0 runs them
# in this process, one after the other (pdb, or a machine short of memory).
JOBS ?= auto
PARALLEL = $(if $(filter 0,$(JOBS)),,-n $(JOBS) --maxprocesses 4 --dist loadfile)

# Every test (the slow ones, and those needing services or Chromium, which skip without them).
test: install
	$(BIN)/python -m pytest $(PARALLEL)

# The fast loop: lint, types, then the tests not marked slow, service or browser.
check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/ganglioside
	$(BIN)/python -m pytest -q $(PARALLEL) -m "$(FAST_TESTS)"

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
	$(BIN)/python bench/web_speed.py

# Re-resolve requirements/lock.txt from pyproject.toml's ranges (after changing a dependency; the
# test tests/test_lock.py fails until the lock covers every declared requirement).
lock: install
	$(BIN)/python -m pip install --quiet "uv>=0.5,<1"
	$(BIN)/uv pip compile pyproject.toml --extra web --extra dev --universal \
		--python-version 3.11 --no-header --quiet -o $(LOCK)

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache
