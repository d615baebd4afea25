# The front door. `make run` serves; `make test` is what CI runs (.ci/run calls it).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PROTOS := $(wildcard proto/taskqueue/v1/*.proto)
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(abspath node_modules/.bin):$(PATH)

.PHONY: setup run gen gen-check lint fmt test test-fast bench clean

setup: $(STAMP) node_modules/.package-lock.json

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

run: $(STAMP)
	$(BIN)/taskqueue-server

# Generated code comes only from here. gen/ is committed; gen-check fails when it is stale.
gen: $(STAMP)
	rm -rf gen/python/taskqueue
	mkdir -p gen/python
	$(PY) -m grpc_tools.protoc -I proto \
	  --python_out=gen/python --grpc_python_out=gen/python \
	  --mypy_out=gen/python --mypy_grpc_out=gen/python $(PROTOS)
	touch gen/python/taskqueue/__init__.py gen/python/taskqueue/v1/__init__.py gen/python/taskqueue/py.typed

gen-check: gen
	@git diff --exit-code --stat -- gen/ && test -z "$$(git status --porcelain -- gen/)" \
	  || { echo "gen/ is stale: run 'make gen' and commit the result" >&2; exit 1; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy server/taskqueue_server clients/mcp/taskqueue_mcp clients/python/taskqueue_client
	$(BIN)/lint-imports
	npx buf lint

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint gen-check
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m 'not slow'

bench: setup
	$(PY) tests/bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
