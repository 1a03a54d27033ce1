# Annexa — `make run` sets up and starts everything; `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export ANNEXA_HOME ?= $(CURDIR)/var

.PHONY: run test lint check pytest pytest-sqlite pytest-postgres bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime dependencies only, exactly as locked.
$(VENV)/.run-deps: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# Runtime plus test tools, exactly as locked.
$(VENV)/.dev-deps: requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@ $(VENV)/.run-deps

# One background worker (scheduled checkpoints, collection jobs) beside the web server; both
# stop together.
run: $(VENV)/.run-deps
	scripts/ensure-system-packages
	$(BIN)/annexa init
	$(BIN)/annexa demo
	$(BIN)/annexa worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/annexa serve --host 127.0.0.1 --port 8000

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(VENV)/.dev-deps
	mkdir -p $(ANNEXA_HOME)
	ANNEXA_SECRET_KEY=check-only-not-a-secret-key-0123456789 $(BIN)/python manage.py check
	ANNEXA_SECRET_KEY=check-only-not-a-secret-key-0123456789 $(BIN)/python manage.py makemigrations --check --dry-run

browser:
	scripts/ensure-system-packages --test

pytest-sqlite: $(VENV)/.dev-deps browser
	$(BIN)/pytest -q -n 2

# PostgreSQL run: ANNEXA_TEST_DATABASE_URL, or the local server on 127.0.0.1:5432 when it answers.
pytest-postgres: $(VENV)/.dev-deps browser
	@url="$${ANNEXA_TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ] && $(BIN)/python scripts/port-open 127.0.0.1 5432; then \
	  url="postgres://postgres@127.0.0.1:5432/test"; fi; \
	if [ -n "$$url" ]; then \
	  echo "pytest on PostgreSQL"; ANNEXA_DATABASE_URL="$$url" $(BIN)/pytest -q -n 2; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL run"; fi

test: lint check pytest-sqlite pytest-postgres

bench: $(VENV)/.dev-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
