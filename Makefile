# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint format unit functional server store bench bench-bulk package clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: install  ## Move disks from account A to account B on localcloud, step by step
	$(BIN)/python infra/scripts/demo.py

CHECKOV := $(VENV)/checkov/bin/checkov
TERRAFORM_DIRS := $(wildcard infra/terraform/modules/* infra/terraform/examples/*)

$(CHECKOV): requirements-checkov.txt
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV)

lint: install $(CHECKOV)  ## Formatting, lint rules, strict typing, checkov on the Terraform
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy shared/evs_transfer infra/localcloud infra/scripts
	for dir in $(TERRAFORM_DIRS); do \
	  $(CHECKOV) --directory $$dir --skip-download --compact --quiet || exit 1; \
	done

test: lint  ## Linters, then every test layer
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

functional: install
	$(BIN)/pytest tests/functional

server: install
	$(BIN)/pytest tests/server

store: install  ## The store on SQLite and PostgreSQL (EVS_TRANSFER_TEST_POSTGRES_URL)
	$(BIN)/pytest tests/store

PYTHON_VERSION ?= 3.10
package: install  ## One FunctionGraph zip per function in dist/ (PYTHON_VERSION=3.10)
	$(BIN)/python infra/scripts/package.py --python-version $(PYTHON_VERSION)

bench: install  ## API calls per create and per accept, from localcloud's call log
	$(BIN)/python infra/scripts/bench_calls.py

bench-bulk: install  ## 200 disks with 50 ms per cloud call: sequential against concurrent
	$(BIN)/python infra/scripts/bench_bulk.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .state .pytest_cache .mypy_cache .ruff_cache build dist
