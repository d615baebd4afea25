# The front door. `make run` serves; `make test` is what CI runs (.ci/run calls it).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PROTOS := $(wildcard proto/taskqueue/v1/*.proto)
STAMP := $(VENV)/.installed
export PATH := $(abspath $(VENV))/bin:$(abspath node_modules/.bin):$(PATH)

.PHONY: setup run gen gen-check lint fmt test test-fast bench bench-compare soak clean \
  postgres postgres-stop postgres-installed

setup: $(STAMP) node_modules/.package-lock.json clients/ts/node_modules/.package-lock.json

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

clients/ts/node_modules/.package-lock.json: clients/ts/package.json clients/ts/package-lock.json
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error

run: $(STAMP)
	$(BIN)/taskqueue-server

# Go code generators, pinned, installed from the module proxy into .cache/bin.
GOBIN := $(abspath .cache/bin)
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
GO_PLUGINS := $(GOBIN)/protoc-gen-go $(GOBIN)/protoc-gen-go-grpc

$(GOBIN)/protoc-gen-go:
	GOBIN=$(GOBIN) go install $(PROTOC_GEN_GO)

$(GOBIN)/protoc-gen-go-grpc:
	GOBIN=$(GOBIN) go install $(PROTOC_GEN_GO_GRPC)

# Generated code comes only from here. gen/ is committed; gen-check fails when it is stale.
gen: setup $(GO_PLUGINS)
	rm -rf gen/python/taskqueue gen/go gen/ts
	mkdir -p gen/python gen/go gen/ts
	$(PY) -m grpc_tools.protoc -I proto \
	  --python_out=gen/python --grpc_python_out=gen/python \
	  --mypy_out=gen/python --mypy_grpc_out=gen/python $(PROTOS)
	touch gen/python/taskqueue/__init__.py gen/python/taskqueue/v1/__init__.py gen/python/taskqueue/py.typed
	npx buf generate
	printf 'module github.com/taskqueue/taskqueue/gen/go\n\ngo 1.24\n\nrequire (\n\tgoogle.golang.org/grpc v1.85.0\n\tgoogle.golang.org/protobuf v1.36.12\n)\n' > gen/go/go.mod
	clients/ts/node_modules/.bin/proto-loader-gen-types --grpcLib=@grpc/grpc-js --longs=String --enums=String \
	  --defaults --oneofs --keepCase -I proto -O gen/ts taskqueue/v1/taskqueue_service.proto

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

test: setup lint gen-check postgres-installed
	$(BIN)/pytest -q

# The tests start a throwaway PostgreSQL of their own (tests/postgres_cluster.py): the
# server programs come from Debian's package, installed here when pg_ctl is missing.
postgres-installed:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null \
	  || { apt-get update -q && apt-get install -y -q postgresql; }

# A PostgreSQL to try the server on by hand, in .cache/postgres on a free loopback port:
#   make postgres   (prints the URL: taskqueue-server --db URL)   make postgres-stop
postgres: setup postgres-installed
	@$(PY) tests/postgres_cluster.py start .cache/postgres

postgres-stop:
	@$(PY) tests/postgres_cluster.py stop .cache/postgres

test-fast: $(STAMP)
	$(BIN)/pytest -q -m 'not slow'

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# Side by side with the echo ceiling, durable beanstalkd and huey; BENCH_ARGS=--quick.
bench: setup $(BENCH_STAMP)
	$(PY) tests/bench/run.py $(BENCH_ARGS)

# The key cases for the working tree and REF in interleaved pairs (PAIRS=5): tree/ref ratios.
REF ?= HEAD
bench-compare: setup $(BENCH_STAMP)
	$(PY) tests/bench/compare.py $(REF) --pairs $(or $(PAIRS),5)

# Mixed load at half capacity for 30 minutes (SOAK_ARGS="--minutes 5" for less).
soak: setup $(BENCH_STAMP)
	$(PY) tests/bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
