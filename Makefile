# ClearCRM: `make run` to use it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Root installs system packages directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format install test-deps system-deps bench bench-worker screenshots clean

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

## The system programs the tests drive for real: Dovecot and Cyrus (IMAP), and Chromium.
## Debian won't install cyrus-imapd beside dovecot-imapd (both are an "imap-server"),
## so Cyrus's master comes from cyrus-common and its imapd is unpacked into .tools/.
CYRUS_IMAPD := .tools/cyrus-imapd/usr/lib/cyrus/bin/imapd
system-deps:
	@missing=""; \
	[ -x /usr/lib/dovecot/imap ] || missing="$$missing dovecot-imapd"; \
	[ -x /usr/lib/cyrus/bin/master ] || missing="$$missing cyrus-common"; \
	[ -x /usr/sbin/saslpasswd2 ] || missing="$$missing sasl2-bin"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium fonts-liberation"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@if [ ! -x /usr/lib/cyrus/bin/imapd ] && [ ! -x $(CYRUS_IMAPD) ]; then \
	  echo "Unpacking Cyrus imapd into .tools/"; \
	  tmp=$$(mktemp -d) && chmod 755 $$tmp && \
	  (cd $$tmp && apt-get download -qq cyrus-imapd) && \
	  mkdir -p .tools/cyrus-imapd && dpkg-deb -x $$tmp/cyrus-imapd_*.deb .tools/cyrus-imapd && \
	  rm -rf $$tmp; \
	fi

test-deps: $(VENV)/.installed-test system-deps

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

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

bench-worker: test-deps
	$(BIN)/python bench/worker_scale.py

clean:
	rm -rf $(VENV) var .pytest_cache .tools
