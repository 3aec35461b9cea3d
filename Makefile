# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DIST := appliance/web/dist
DASHBOARD_SOURCES := $(shell find dashboard -path dashboard/node_modules -prune -o -type f -print 2>/dev/null)
export PORT ?= 4000
export HOST ?= 127.0.0.1

.PHONY: run test test-fast lint typecheck dashboard node-deps browser sandbox image-tools bench clean docs fuzz types

# Plain HTTP on 127.0.0.1: the dashboard's login cookie must not be marked Secure here.
run: $(VENV)/.installed $(DIST)/index.html sandbox
	SPARKLYTICS_HTTPS=$${SPARKLYTICS_HTTPS:-false} $(BIN)/sparkhouse serve

# dashboard/node_modules: the arena's type check (tests/arena/test_typegen.py) runs its generator.
test: $(VENV)/.installed dashboard/node_modules/.installed $(DIST)/index.html tests/node/node_modules/.installed browser sandbox binary image-tools
	$(BIN)/ruff check appliance tests bench
	$(BIN)/ruff format --check appliance tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/pytest -q

# Inner loop: no browser, no Node.
test-fast: $(VENV)/.packaging
	$(BIN)/pytest -q -m "not browser and not node and not binary" -x

# schemathesis against /api/openapi.json on a real server, many more examples per route than
# make test runs (tests/fuzz/; FUZZ_EXAMPLES to change how many).
FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.installed
	SPARKHOUSE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz

lint: $(VENV)/.installed
	$(BIN)/ruff check appliance tests bench
	$(BIN)/ruff format --check appliance tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed
	$(BIN)/mypy

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

dashboard: $(DIST)/index.html

# The arena's TypeScript types for the dashboard's arena pages (appliance/arena/typegen.py,
# the npm json-schema-to-typescript). make test fails when the committed copy is stale
# (tests/arena/test_typegen.py, inside the one pytest run).
types: $(VENV)/.installed dashboard/node_modules/.installed
	$(BIN)/sparkhouse arena gen-types --dest dashboard/src/pages/arena/api-types.ts

# The dashboard's npm packages, devDependencies included (vite, tsc, json-schema-to-typescript).
# A stamp of its own, not the build's: a build left from earlier must not stand in for them.
dashboard/node_modules/.installed: dashboard/package.json dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DIST)/index.html: dashboard/node_modules/.installed $(DASHBOARD_SOURCES)
	cd dashboard && npm run build
	touch $@

node-deps: tests/node/node_modules/.installed

tests/node/node_modules/.installed: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium for the Playwright tests (Playwright's own browser download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's bubblewrap: the arena's built-in sandbox runs submitted code under bwrap (no
# PISTON_URL needed).
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "installing Debian bubblewrap for the arena's code sandbox"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq bubblewrap >/dev/null; }

# buildah (daemonless) and debootstrap: tests/packaging/test_image.py builds and starts the image.
image-tools:
	@{ command -v buildah && command -v debootstrap; } >/dev/null 2>&1 || { \
	  echo "installing buildah and debootstrap for the image test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq buildah debootstrap >/dev/null; }

bench: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench

clean:
	rm -rf dist build
	rm -rf $(VENV) $(DIST) dashboard/node_modules tests/node/node_modules .mypy_cache .pytest_cache .ruff_cache

docs: $(VENV)/.installed
	$(BIN)/python -m appliance.docs README.md

# -- packaging (docs/packaging.md) ---------------------------------------------------------
# dist/sparkhouse: the single-file binary (PyInstaller onefile). Rebuilt only when a file
# under appliance/ (code, migrations, static files, the dashboard build) or the spec changes;
# PyInstaller's own cache in build/ keeps a rebuild near a minute. Log level ERROR: its
# warnings are about optional imports we exclude on purpose; tests/packaging/test_binary.py
# is the check that the binary works.
# The dashboard's hashed asset names change on every build: it is tracked by its index.html.
BINARY_SOURCES := $(shell find appliance packaging/sparkhouse.spec packaging/entry.py -path $(DIST) -prune -o -type f -not -path '*/__pycache__/*' -not -name '*.pyc' -print 2>/dev/null) pyproject.toml

.PHONY: binary packaging-deps

binary: dist/sparkhouse

packaging-deps: $(VENV)/.packaging

$(VENV)/.packaging: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,packaging]'
	touch $@

dist/sparkhouse: $(VENV)/.packaging $(DIST)/index.html $(BINARY_SOURCES)
	$(BIN)/pyinstaller --noconfirm --log-level ERROR --distpath dist --workpath build/pyinstaller packaging/sparkhouse.spec
	touch $@
