# Each target sets up its own virtual environment; nothing needs to be preinstalled but Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ndpi]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/seawall demo
	@echo "--- config audit of the crafted compromised and hardened routers"
	$(BIN)/seawall audit tests/data/configs_crafted --store $$(mktemp -d)
	@echo "--- device logs of crafted campaign sessions (IOS XE, IOS XR)"
	$(BIN)/seawall hunt tests/data/logs_crafted --store $$(mktemp -d)

test: $(STAMP)
	$(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check seawall tests bench
	$(BIN)/ruff format --check seawall tests bench
	$(BIN)/mypy seawall

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,ndpi,bench]'
	bash bench/run_all.sh

clean:
	rm -rf $(VENV) .seawall .pytest_cache .mypy_cache .ruff_cache
