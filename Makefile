# `make run`: set up everything and serve the catalogue (SQLite); `make test`: the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= catalogue.settings.dev

.PHONY: install run serve migrate load test test-postgres loadtest fixtures clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

load: migrate
	$(PY) manage.py load_catalogue

run: load
	@echo "Serving the catalogue on http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production-style serving: gunicorn, jieba loaded before the workers fork. Needs the production
# environment (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL=postgres://…): see docs/OPERATIONS.md.
serve: install
	DJANGO_SETTINGS_MODULE=catalogue.settings.prod $(PY) manage.py collectstatic --noinput -v0
	DJANGO_SETTINGS_MODULE=catalogue.settings.prod BIND=127.0.0.1:$(PORT) $(VENV)/bin/gunicorn -c catalogue/gunicorn.conf.py catalogue.wsgi

# The 5-minute soak at 50 clients (gunicorn + PostgreSQL on loopback).
loadtest: install
	$(PY) scripts/loadtest.py --clients 50 --duration 300

fixtures: install
	$(PY) manage.py build_fixtures

test: install
	$(PY) -m pytest

# The same suite on PostgreSQL (server on 127.0.0.1:5432, trust auth).
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/catalogue
test-postgres: install
	DATABASE_URL=$(DATABASE_URL_PG) $(PY) -m pytest

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .hypothesis
