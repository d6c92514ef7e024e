# The two commands of the quick start: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data
GRAPEVINE_DATA ?= $(abspath ../shared/data)
export GRAPEVINE_DATA

.PHONY: demo test browser lint typecheck unit bench bytecode clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py $(wildcard src/grapevine/sources/*.c) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# An editable install compiles no bytecode, and with PYTHONDONTWRITEBYTECODE set (as in many CI
# containers) Python never writes it either: every command would compile grapevine's modules
# again (60 ms of each start). Compile them as a regular install does; stale files are redone.
bytecode:
	$(BIN)/python -m compileall -q src >/dev/null

demo: $(STAMP)
	rm -rf $(DEMO_DIR)
	$(BIN)/grapevine simulate $(DEMO_DIR)/world --people 600 --days 14 --seed 7
	$(BIN)/grapevine --workspace $(DEMO_DIR)/workspace ingest $(DEMO_DIR)/world/twitter $(DEMO_DIR)/world/mastodon $(DEMO_DIR)/world/blogs
	$(BIN)/python -m grapevine.demo $(DEMO_DIR)/world $(DEMO_DIR)/workspace
	$(BIN)/grapevine --workspace $(DEMO_DIR)/workspace report --out $(DEMO_DIR)/report.html
	@echo "Open the dashboard on this workspace: $(BIN)/grapevine --workspace $(DEMO_DIR)/workspace serve   (then http://127.0.0.1:8080/)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

# The web tests drive a real browser (Debian's chromium). Install it when we may; otherwise those
# tests skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "note: could not install chromium; the browser tests will be skipped"; \
	else echo "note: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get); the browser tests will be skipped"; fi

test: browser lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(MAKE) --no-print-directory bytecode
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/graph.py
	$(BIN)/python benchmarks/people.py
	$(BIN)/python benchmarks/web.py --keep .bench/web --seconds 30

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
