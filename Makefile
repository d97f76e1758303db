# ClearCRM: `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format install test-deps system-deps bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Set up and run ClearCRM on the embedded default (SQLite in ./var).
run: install
	$(BIN)/clearcrm run

## The system programs the tests drive for real: Dovecot (IMAP) and Chromium.
system-deps:
	@missing=""; \
	command -v dovecot >/dev/null 2>&1 || missing="$$missing dovecot-imapd"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-liberation"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test-deps: $(VENV)/.installed-test system-deps

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Set up and pass every test.
test: test-deps lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: test-deps
	$(BIN)/python bench/import_speed.py
	$(BIN)/python bench/pages.py

## The README's screenshots (docs/screenshots/), from demo data and an imported email.
screenshots: test-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache
