# onwatch: `make run` starts the service on SQLite with the demo organisation; `make test` runs the tests.
# Each target bootstraps its own virtual environment in .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
DEMO_ADMIN ?= nadia
# a fresh demo password per `make run` (printed like the token)
ifndef DEMO_PASSWORD
DEMO_PASSWORD := $(shell $(PYTHON) -c 'import secrets; print("demo-" + secrets.token_hex(6))')
endif

export ONWATCH_DATABASE_URL ?= sqlite:///./onwatch.db
# `make run` only: links in pages (and the CLI's) point at the server it starts, and webhooks are signed
# with a key generated once into .onwatch-webhook-secret (gitignored), unless the environment sets them
RUN_ENV = ONWATCH_DEMO=1 ONWATCH_PUBLIC_URL="$${ONWATCH_PUBLIC_URL:-http://$(HOST):$(PORT)}" \
	ONWATCH_WEBHOOK_SECRET="$${ONWATCH_WEBHOOK_SECRET:-$$(cat .onwatch-webhook-secret)}"

.PHONY: run test test-fast fuzz lint typecheck check bench chaos clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	@test -s .onwatch-webhook-secret || $(BIN)/python -c 'import secrets; print(secrets.token_hex(16))' > .onwatch-webhook-secret
	$(RUN_ENV) $(BIN)/onwatch migrate
	$(RUN_ENV) $(BIN)/onwatch apply-config examples/illumidesk.yaml
	@echo "--------------------------------------------------------------------------"
	@echo "Demo admin token (acts as '$(DEMO_ADMIN)'; send as 'Authorization: Bearer <token>'):"
	@$(RUN_ENV) $(BIN)/onwatch token create --role admin --person $(DEMO_ADMIN) --name "make run" --replace
	@echo "Web UI http://$(HOST):$(PORT)/ : sign in as '$(DEMO_ADMIN)' (or amara, lukas, ...) with password:"
	@echo "$(DEMO_PASSWORD)" | $(RUN_ENV) $(BIN)/onwatch user set-password $(DEMO_ADMIN) --stdin >/dev/null
	@echo "$(DEMO_PASSWORD)" | $(RUN_ENV) $(BIN)/onwatch user set-password amara --stdin >/dev/null
	@echo "$(DEMO_PASSWORD)" | $(RUN_ENV) $(BIN)/onwatch user set-password lukas --stdin >/dev/null
	@echo "$(DEMO_PASSWORD)" | $(RUN_ENV) $(BIN)/onwatch user set-password sofia --stdin >/dev/null
	@echo "$(DEMO_PASSWORD)"
	@echo "Public status page: http://$(HOST):$(PORT)/status"
	@echo "--------------------------------------------------------------------------"
	$(RUN_ENV) $(BIN)/onwatch serve --host $(HOST) --port $(PORT)

# tests run on every core (pytest-xdist; TEST_WORKERS=0 runs them in this process, for pdb)
TEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadgroup)

test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# unit tests and SQLite integration tests (about 2 minutes here): the loop while changing code
test-fast: $(STAMP)
	ONWATCH_TEST_DATABASES=sqlite $(BIN)/python -m pytest tests --ignore=tests/e2e -q $(XDIST) $(PYTEST_ARGS)

# the API fuzzing run of `make test` (45 s per database) for ten minutes per database
fuzz: $(STAMP)
	ONWATCH_FUZZ_SECONDS=600 $(BIN)/python -m pytest -p no:xdist tests/e2e/test_api_fuzzing.py $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	@command -v wrk >/dev/null && command -v prometheus-alertmanager >/dev/null && command -v promtool >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk prometheus-alertmanager prometheus)
	$(BIN)/python -m bench.incidents
	$(BIN)/python -m bench.schedules
	$(BIN)/python -m bench.alerts
	$(BIN)/python -m bench.slo
	$(BIN)/python -m bench.status
	$(BIN)/python -m bench.reviews
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.reviews_overdue
	$(BIN)/python -m bench.cli
	$(BIN)/python -m bench.importers
	$(BIN)/python -m bench.importers_opsgenie
	$(BIN)/python -m bench.importers_grafana_oncall

# faults that must lose nothing (kill -9 serve / a worker, PostgreSQL restart, SIGTERM); <= 15 min;
# one scenario: make chaos CHAOS_ARGS="--only worker-killed"
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis onwatch.db onwatch.db-wal onwatch.db-shm
