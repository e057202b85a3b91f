"""Hostile requests against gunicorn (scripts/fuzz_server.py): every URL pattern with digits of other
scripts, more than 1,000 parameters, hostile cookies, long names and invalid UTF-8 — no 5xx.
``FUZZ_SERVER_REQUESTS`` sets how many (CI's PostgreSQL pass sends 10,000)."""
import os
import subprocess
import sys

from django.db import connection

from scripts.servers import ROOT

REQUESTS = int(os.environ.get("FUZZ_SERVER_REQUESTS", "400"))


def test_no_hostile_request_gets_a_server_error():
    settings = connection.settings_dict
    command = [sys.executable, "scripts/fuzz_server.py", "--requests", str(REQUESTS), "--concurrency", "4"]
    if connection.vendor == "postgresql":
        command += ["--database-url",
                    f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
                    f"{settings['NAME']}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    assert f"{REQUESTS} requests" in result.stdout and "\n0 server errors" in result.stdout
