# clinicdesk: `make run` to try it, `make test` to check it. Everything else here is a step of those two.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test setup lint typecheck test-sqlite test-postgres system-deps demo bench clean

run: setup
	$(BIN)/clinicdesk migrate --noinput
	$(BIN)/clinicdesk demo --if-empty
	$(BIN)/clinicdesk serve

test: setup system-deps lint typecheck
	scripts/test-all.sh

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements/lock.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

system-deps:
	scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/clinicdesk makemigrations --check --dry-run

typecheck: setup
	$(BIN)/mypy

test-sqlite: setup
	$(BIN)/pytest -n 2

test-postgres: setup system-deps
	scripts/test-all.sh postgres

demo: setup
	$(BIN)/clinicdesk migrate --noinput
	$(BIN)/clinicdesk demo

bench: setup system-deps
	scripts/bench.sh

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
