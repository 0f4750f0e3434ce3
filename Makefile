# OPS Job: `make up` runs the whole product, `make test` runs every test.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
export PATH := $(CURDIR)/.venv/bin:$(dir $(UV)):$(PATH)
# Browsers come from Debian's chromium package, never from a tool's own download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
SYSTEM_PACKAGES := openssh-server openssh-client sshpass chromium iproute2 procps slapd ldap-utils
# python-ldap (django-auth-ldap) is built from source: it needs OpenLDAP's and SASL's headers.
BUILD_PACKAGES := gcc libldap2-dev libsasl2-dev
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/package.json frontend/vite.config.ts -type f 2>/dev/null)

.PHONY: up test deps system-deps build-deps python-deps frontend test-python test-frontend lint api-types

up: python-deps frontend
	uv run --frozen hub up

test: deps frontend
	bash tests/run_all.sh

deps: system-deps python-deps

# uv from PyPI when missing; Python packages from uv.lock.
python-deps: build-deps
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	uv sync --frozen --quiet

build-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(BUILD_PACKAGES)"

# What the tests need from Debian: sshd for the test hosts, sshpass, Chromium for e2e,
# slapd + ldap-utils for the directory-login tests.
system-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(SYSTEM_PACKAGES)"

# Installs the Debian packages of $(PACKAGES) that are missing (needs root).
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "need root (or sudo) to apt-get install$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The UI is built once and rebuilt only when its sources change.
frontend: frontend/dist/index.html

frontend/dist/index.html: $(FRONTEND_SOURCES)
	@if [ -f frontend/package.json ]; then \
	  cd frontend && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build; \
	else echo "no frontend yet"; mkdir -p frontend/dist; fi

# frontend/src/types/api.d.ts from the backend's OpenAPI schema (tests/test_schema.py fails when stale).
api-types:
	schema=$$(mktemp --suffix=.yml) && uv run --frozen python manage.py spectacular --file $$schema \
	  && cd frontend && SCHEMA=$$schema npm run gen:api; status=$$?; rm -f $$schema; exit $$status

lint:
	uv run --frozen ruff check hub opsjob_cli tests playbooks inventory_plugins bench
	uv run --frozen ruff format --check hub opsjob_cli tests playbooks inventory_plugins bench
