# One target per job. `make run` and `make test` install what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
# The browser tests (tests/browser) drive Debian's chromium: Playwright cannot download its own here.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 3000
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export NODE_NO_WARNINGS := 1
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: install run test test-fast synth deploy lint bench demo smoke clean fuzz

install: $(INSTALLED)

$(INSTALLED): requirements-dev.lock requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

$(NODE_INSTALLED): package.json
	npm install --no-audit --no-fund --silent
	touch $@

run: $(INSTALLED)
	PORT=$(PORT) NOW=$(NOW) FAULTS=$(FAULTS) $(PY) -m local

# Two workers (pytest-xdist), a test file each at a time: most of the suite's time is local stacks in
# child processes and the browser, so two files run side by side on CI's two cores (~half the time).
TEST_WORKERS ?= 2

test: $(INSTALLED) $(CHROMIUM)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (apt-get)"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

test-fast: $(INSTALLED)
	$(PY) -m pytest -q tests/unit

# Example values, so that the app synthesizes on any machine; they are not a deployment's.
# A deployment passes its own (docs/OPERATIONS.md): make deploy CONTEXT='-c mail_from=... -c programme_team_email=...'
SYNTH_CONTEXT := -c mail_from="Peer Learning Visits <visits@example.org>" -c programme_team_email=programme-team@example.org

synth: $(INSTALLED) $(NODE_INSTALLED)
	npx cdk synth -q $(SYNTH_CONTEXT)

# Both stacks, the mail identity first; without mail_from and programme_team_email (in CONTEXT
# or cdk.context.json) the app stops and names what is missing.
deploy: $(INSTALLED) $(NODE_INSTALLED)
	npx cdk deploy --all --require-approval never $(CONTEXT)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check --select F,E9 shared functions local infra bench tests
	$(PY) -m pytest -q tests/infra

# Schemathesis over the whole OpenAPI document against a fresh local stack, as a coordinator and as a
# member: >= 1,000 cases, no 5xx, every answer matching its schema (`make test` runs a bounded version).
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} $(PY) -m pytest -q -s -p no:randomly tests/local/test_fuzz.py -k fuzzing

bench: $(INSTALLED)
	$(PY) -m bench --out bench/results.json

demo: $(INSTALLED)
	$(PY) -m local.demo --out demo-out

smoke: $(INSTALLED)
	$(PY) ../shared/checks/smoke.py http://127.0.0.1:$(PORT)

clean:
	rm -rf cdk.out .build
