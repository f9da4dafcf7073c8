# Kaisetsu: two commands. `make run` serves the site with demo content; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: lighthouse run test install lint check pytest messages static demo bench clean

# Development installs both locks' pins (requirements-dev.lock holds the runtime ones too);
# production installs requirements.lock alone. Both are hashed, so pip checks every file.
$(STAMP): requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

install: $(STAMP)

messages: export DJANGO_DEBUG ?= 1
messages: install
	$(BIN)/python manage.py compile_catalogues

run: export DJANGO_DEBUG ?= 1
# Links printed and rendered (admin address, canonical URLs) point at the server we start.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Kaisetsu is running at http://$(HOST):$(PORT)/"
	@echo "  Newsroom admin:        http://$(HOST):$(PORT)/admin/"
	@echo "  Emails (sent by the background worker) are printed here."
	@echo ""
	@# The worker runs beside the server; leaving (Ctrl+C) stops both.
	trap 'trap - EXIT INT TERM; kill 0' EXIT INT TERM; \
	$(BIN)/python manage.py db_worker --no-startup-delay & \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check: export DJANGO_DEBUG ?= 1
check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

pytest: install messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint check pytest

bench: export DJANGO_DEBUG ?= 1
bench: install messages
	$(BIN)/python bench/run.py

# Lighthouse's scores for every kind of reader page (needs Node.js with npm, and Chromium).
lighthouse: export DJANGO_DEBUG ?= 1
lighthouse: install messages
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
