# `make run`: set up everything and serve the catalogue (SQLite); `make test`: the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= catalogue.settings.dev

.PHONY: install run migrate load test test-postgres fixtures clean

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
