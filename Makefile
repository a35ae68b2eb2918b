# FabNum Bot. `make demo` and `make test` set everything up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-fresh demo-staff test test-any-hour run migrate lint format typecheck bench bench-staff clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot demo

demo-fresh: $(STAMP)
	$(BIN)/python -m bot demo --fresh

demo-staff: $(STAMP)
	$(BIN)/python -m bot demo --staff

run: $(STAMP)
	$(BIN)/python -m bot run

migrate: $(STAMP)
	$(BIN)/python -m bot migrate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2

# The suite at three fixed instants (weekday 14:00 Paris, Sunday 03:00, the October DST night)
# and three machine time zones, through libfaketime: the tests must not depend on the clock.
test-any-hour: $(STAMP)
	bash .ci/any-hour

bench: $(STAMP)
	$(BIN)/python bench/screening.py

# Staff commands on 1,000 / 10,000 / 50,000 candidates (issue 15); a quick run: SIZES=2000 RUNS=5
SIZES ?= 1000,10000,50000
RUNS ?= 20
bench-staff: $(STAMP)
	$(BIN)/python bench/staff_scale.py --sizes $(SIZES) --runs $(RUNS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
