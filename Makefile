# The two commands of the quick start: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data
GRAPEVINE_DATA ?= $(abspath ../shared/data)
export GRAPEVINE_DATA

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_DIR)
	$(BIN)/grapevine simulate $(DEMO_DIR)/world --people 600 --days 14 --seed 7
	$(BIN)/grapevine --workspace $(DEMO_DIR)/workspace ingest $(DEMO_DIR)/world/twitter $(DEMO_DIR)/world/mastodon $(DEMO_DIR)/world/blogs
	$(BIN)/python -m grapevine.demo $(DEMO_DIR)/world $(DEMO_DIR)/workspace

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
