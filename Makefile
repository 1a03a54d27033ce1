# Annexa — `make run` sets up and starts everything; `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export ANNEXA_HOME ?= $(CURDIR)/var

.PHONY: run test lint check security pytest pytest-sqlite pytest-postgres bench clean browser

PORT   ?= 8000
# pip quietly (-qq: errors only; a package's build warnings are not the user's business).
PIP    := $(BIN)/pip --disable-pip-version-check -qq

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Annexa needs Python 3.11 or newer: run 'make run PYTHON=python3.12' or install one" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Runtime dependencies only, exactly as locked.
$(VENV)/.run-deps: requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $@

# Runtime plus test tools, exactly as locked.
$(VENV)/.dev-deps: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(PIP) install -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	touch $@ $(VENV)/.run-deps

# semgrep in a virtual environment of its own (its dependencies would change the tests' pins).
SCAN := .venv-scan
$(SCAN)/.deps: requirements-scan.lock
	$(PYTHON) -m venv $(SCAN)
	$(SCAN)/bin/pip --disable-pip-version-check -qq install -r requirements-scan.lock
	touch $@

# The demo organization is built on the first start only: later starts keep what people changed.
# One background worker (scheduled checkpoints, collection jobs, clean-up) beside the web
# server, its log in ANNEXA_HOME/log/worker.log; both stop together.
run: $(VENV)/.run-deps
	@scripts/ensure-system-packages
	@if $(BIN)/python scripts/port-open 127.0.0.1 $(PORT); then \
	  echo "port $(PORT) is in use (another Annexa or another server): stop it, or start on another port with 'make run PORT=8001'" >&2; \
	  exit 1; fi
	@$(BIN)/annexa init
	@ANNEXA_BASE_URL="$${ANNEXA_BASE_URL:-http://127.0.0.1:$(PORT)}" $(BIN)/annexa demo
	@mkdir -p "$(ANNEXA_HOME)/log"
	@echo "worker log: $(ANNEXA_HOME)/log/worker.log; the annexa command: $(BIN)/annexa --help" >&2
	@$(BIN)/annexa worker >>"$(ANNEXA_HOME)/log/worker.log" 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	ANNEXA_BASE_URL="$${ANNEXA_BASE_URL:-http://127.0.0.1:$(PORT)}" \
	  $(BIN)/annexa serve --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.dev-deps
	mkdir -p $(ANNEXA_HOME)/tmp/uploads
	ANNEXA_SECRET_KEY=check-only-not-a-secret-key-0123456789 $(BIN)/python manage.py check
	ANNEXA_SECRET_KEY=check-only-not-a-secret-key-0123456789 $(BIN)/python manage.py makemigrations --check --dry-run

browser:
	scripts/ensure-system-packages --test

pytest-sqlite: $(VENV)/.dev-deps browser
	$(BIN)/pytest -q -n 2 --durations=40

# PostgreSQL run: ANNEXA_TEST_DATABASE_URL, or the local server on 127.0.0.1:5432 when it answers.
pytest-postgres: $(VENV)/.dev-deps browser
	@url="$${ANNEXA_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python scripts/port-open 127.0.0.1 5432; then \
	  url="postgres://postgres@127.0.0.1:5432/test"; fi; \
	if [ -n "$$url" ]; then \
	  echo "pytest on PostgreSQL"; ANNEXA_DATABASE_URL="$$url" $(BIN)/pytest -q -n 2 --durations=40; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL run"; fi

# Static security checks: bandit (medium and high; accepted findings carry `# nosec Bxxx`
# beside their reason), our semgrep rules in tools/semgrep (offline: no metrics, no version
# check, no registry rules) and the rules' own fixtures.
security: $(VENV)/.dev-deps $(SCAN)/.deps
	$(BIN)/bandit -r annexa -ll -q -c pyproject.toml
	SEMGREP_SEND_METRICS=off $(SCAN)/bin/semgrep --test --metrics=off --disable-version-check -q \
	  --config tools/semgrep tools/semgrep/tests
	SEMGREP_SEND_METRICS=off $(SCAN)/bin/semgrep --config tools/semgrep --error --metrics=off \
	  --disable-version-check -q annexa

test: lint check security pytest-sqlite pytest-postgres

bench: $(VENV)/.dev-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
