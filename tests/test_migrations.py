"""A database made before the floors were redesigned (tests/data/legacy: the catalogue loaded and
then edited by a curator in the admin, as commit d95f71b served it) migrates without losing a row:
every row of every table is still there, with the same values, and the one fact that moved (which
document establishes a programme) reads the same from its new place. Run for real: `manage.py
migrate` in a subprocess, on SQLite and on PostgreSQL."""
import gzip
import os
import shutil
import sqlite3
import subprocess
import sys

import psycopg
import pytest
from django.db import connection

from scripts.servers import ROOT, manage

LEGACY = ROOT / "tests" / "data" / "legacy"
MOVED = {("pilots_programme", "document_id"), ("pilots_historicalprogramme", "document_id")}


def rows_by_table(conn, tables):
    """Every row of ``tables`` as {column: value}, per table."""
    found = {}
    for table in tables:
        cursor = conn.execute(f'SELECT * FROM "{table}"')
        columns = [c[0] for c in cursor.description]
        found[table] = [dict(zip(columns, row)) for row in cursor.fetchall()]
    return found


CATALOGUE_TABLES = ("measures_", "pilots_", "catalogue_")


def assert_every_row_kept(before, after):
    """Every row still there with its values (new columns aside); the catalogue's own tables
    gained no rows either (Django's own, such as django_migrations, do)."""
    for table, rows in before.items():
        assert table in after, f"{table} is gone"
        if table.startswith(CATALOGUE_TABLES):
            assert len(after[table]) == len(rows), table
        if not rows:
            continue
        columns = [c for c in rows[0] if (table, c) not in MOVED]
        kept = {tuple(repr(row[c]) for c in columns) for row in rows}
        now = {tuple(repr(row[c]) for c in columns) for row in after[table]}
        assert kept <= now, (table, sorted(kept - now)[:3])
    documents = {d["id"]: d for d in after["measures_document"]}
    for programme in before["pilots_programme"]:
        if programme["document_id"] is not None:
            assert documents[programme["document_id"]]["programme_id"] == programme["id"]
    assert any(p["document_id"] for p in before["pilots_programme"])  # the dump has such a reference


def check_the_migrated_catalogue(env):
    """The migrated database answers as the catalogue does: a curator's edits are found."""
    script = """
from django.test import Client
client = Client()
alias = client.get("/api/measures/", {"q": "中国证券监管机构"}).json()
assert [r["number"] for r in alias["results"]] == [10], alias
edited = client.get("/api/measures/", {"q": "馆员补记"}).json()
assert [r["number"] for r in edited["results"]] == [9], edited
place = client.get("/api/applies/", {"place": "甬城"})
assert place.status_code == 200 and place.json()["place"]["code"] == "330200", place.content
document = client.get("/documents/guohan-2025-86/").content.decode()
assert "/pilots/factor-market-reform-pilots/" in document
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); exec(open(0).read())"],
                            input=script, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr


def migrate(env):
    result = manage("migrate", "--noinput", "-v0", env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def migrated_env(url):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0", "DATABASE_URL": url}


def test_a_sqlite_database_made_before_the_redesign_keeps_every_row(tmp_path):
    path = tmp_path / "legacy.sqlite3"
    with gzip.open(LEGACY / "catalogue.sqlite3.gz") as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                  if not name.startswith(("sqlite_", "measures_measure_fts"))]
        before = rows_by_table(db, tables)
    env = migrated_env(f"sqlite:///{path}")
    migrate(env)
    with sqlite3.connect(path) as db:
        after = rows_by_table(db, tables)
    assert_every_row_kept(before, after)
    check_the_migrated_catalogue(env)


@pytest.mark.postgres
def test_a_postgresql_database_made_before_the_redesign_keeps_every_row():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite (make test-postgres)")
    settings = connection.settings_dict
    server = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']}"
    name = f"{settings['NAME']}_legacy"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with gzip.open(LEGACY / "catalogue.postgresql.sql.gz", "rt", encoding="utf-8") as dump:
            restored = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{server} dbname={name}"],
                                      input=dump.read(), capture_output=True, text=True, timeout=300)
        assert restored.returncode == 0, restored.stderr
        with psycopg.connect(f"{server} dbname={name}") as db:
            tables = [t for (t,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
            before = rows_by_table(db, tables)
        env = migrated_env(f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
                           f"{settings['PORT'] or 5432}/{name}")
        migrate(env)
        with psycopg.connect(f"{server} dbname={name}") as db:
            after = rows_by_table(db, tables)
        assert_every_row_kept(before, after)
        check_the_migrated_catalogue(env)
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
