# `make run`: set up everything and serve the catalogue (SQLite) with its task worker;
# `make test`: the import contract and the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= catalogue.settings.dev

.PHONY: install system-packages run serve worker migrate load lint-imports test test-postgres loadtest fixtures clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed system-packages

# Briefings as PDF need pango (WeasyPrint) and a CJK font: Debian's packages, installed when
# missing and this is root with apt-get; otherwise said, and the rest goes on.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing $$missing (PDF briefings)"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	    || echo "WARNING: could not install $$missing: PDF briefings will fail until they are installed" >&2; \
	else \
	  echo "WARNING: missing $$missing (Debian packages for PDF briefings); install them as root: apt-get install $$missing" >&2; \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

load: migrate
	$(PY) manage.py load_catalogue

# The task worker (search index rebuilds after a name is edited) runs beside the server and
# stops with it.
run: load
	@echo "Serving the catalogue on http://127.0.0.1:$(PORT)/ (task worker in the background)"
	$(PY) manage.py db_worker --no-reload -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The task worker alone (production runs it beside gunicorn: docs/OPERATIONS.md).
worker: install
	$(PY) manage.py db_worker --no-reload

# Production-style serving: gunicorn, jieba loaded before the workers fork. Needs the production
# environment (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL=postgres://…): see docs/OPERATIONS.md.
serve: install
	DJANGO_SETTINGS_MODULE=catalogue.settings.prod $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=catalogue.settings.prod $(PY) manage.py db_worker --no-reload -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_SETTINGS_MODULE=catalogue.settings.prod BIND=127.0.0.1:$(PORT) $(VENV)/bin/gunicorn -c catalogue/gunicorn.conf.py catalogue.wsgi

# The 5-minute soak at 50 clients (gunicorn + PostgreSQL on loopback).
loadtest: install
	$(PY) scripts/loadtest.py --clients 50 --duration 300

fixtures: install
	$(PY) manage.py build_fixtures

lint-imports: install
	$(VENV)/bin/lint-imports

# The suite runs with its own settings (catalogue.settings.test), whatever the shell exports.
TEST_SETTINGS := DJANGO_SETTINGS_MODULE=catalogue.settings.test

test: install lint-imports
	$(TEST_SETTINGS) $(PY) -m pytest

# The same suite on PostgreSQL (server on 127.0.0.1:5432, trust auth). The browser tests are left
# out: they serve the catalogue from a SQLite database of their own, which `make test` has run.
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/catalogue
test-postgres: install
	$(TEST_SETTINGS) DATABASE_URL=$(DATABASE_URL_PG) $(PY) -m pytest -m "not browser"

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .hypothesis
