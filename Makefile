# hiat: `make run` sets up and starts the app; `make test` sets up and runs every test.
# Every target is idempotent: stamps in .make/ record what is already done.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ASSETS := static/css/hiat.css static/js/govuk-frontend.min.js

.PHONY: run dev test lint fmt bench setup assets browser fonts clean

# For use: gunicorn on 127.0.0.1, debugger off, the database migrated once before the
# workers start. `init-db` makes the database on the first run; a service started any other
# way (systemd, Docker) refuses to start without one, so a lost file is never replaced. `make dev` keeps Flask's reloader and debugger, for developers only.
run: setup
	@$(BIN)/flask --app app init-db
	@$(BIN)/flask --app app create-admin
	@echo "Starting hiat at http://127.0.0.1:5000 (press Ctrl+C to stop)"
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py app:app

dev: setup
	@$(BIN)/flask --app app init-db
	@$(BIN)/flask --app app create-admin
	@echo "Starting hiat for development at http://127.0.0.1:5000, with the debugger"
	$(BIN)/flask --app app run --debug --host 127.0.0.1 --port 5000

test: setup browser
	$(BIN)/python -m pytest -q

lint: $(STAMPS)/venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMPS)/venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m pytest -q tests/bench -p no:cacheprovider -o addopts=""

setup: $(STAMPS)/venv assets fonts

assets: $(ASSETS)

# WeasyPrint draws PDFs with Debian's Pango and the machine's fonts: Liberation Sans has
# Arial's widths (print.css and the Word column widths assume Arial) and Noto covers the
# scripts of community languages (Urdu, Arabic, Bengali, Punjabi...), which DejaVu alone
# leaves as empty boxes.
fonts:
	@{ PATH="$$PATH:/usr/sbin:/sbin" ldconfig -p | grep -q libpangoft2-1.0 && fc-list | grep -q "Liberation Sans" \
		&& fc-list | grep -q "Noto Naskh Arabic"; } || { \
		echo "Installing Debian's Pango and fonts for PDF downloads"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq \
			libpangoft2-1.0-0 fonts-liberation fonts-noto-core; }

# Browser tests drive Debian's Chromium: Playwright cannot download its own browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

$(STAMPS)/venv: requirements.txt requirements-dev.txt
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/css/hiat.css: static/scss/hiat.scss $(STAMPS)/npm
	@mkdir -p static/css
	npx --no-install sass --pkg-importer=node --quiet --no-source-map --style=compressed \
		static/scss/hiat.scss $@

static/js/govuk-frontend.min.js: $(STAMPS)/npm
	@mkdir -p static/js
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

clean:
	rm -rf $(VENV) node_modules $(STAMPS) static/css static/js/govuk-frontend.min.js
