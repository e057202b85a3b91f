"""Time the same URLs in two checkouts of the project, alternately, on the same database.

    git worktree add /tmp/before 1308a26
    DEBUG=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/catalogue_bench1m \
        python scripts/compare_checkouts.py /tmp/before . "/places/330200/" "/api/applies/?place=宁波"

A shared machine's speed drifts (runs of the same code have differed by a quarter within an hour),
so a change is judged against the code before it timed in the same minutes, not against
figures from another day. Each round times every URL in each checkout in turn, in a process of that
checkout's own: the median of --repeat cold requests (cache cleared before each), through Django's
test client as ``manage.py benchmark`` does. Both checkouts must share the database's schema.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

# Run inside each checkout (its own code on sys.path): prints the median in milliseconds.
TIMER = """
import os, statistics, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings.dev")
import django
django.setup()
from django.core.cache import cache
from django.test import Client
client = Client(HTTP_HOST="localhost")
url, repeat = sys.argv[1], int(sys.argv[2])
for _ in range(2):  # warm: dictionary, place index, connection
    cache.clear()
    client.get(url)
timings = []
for _ in range(repeat):
    cache.clear()
    started = time.perf_counter()
    status = client.get(url).status_code
    timings.append((time.perf_counter() - started) * 1000)
print(status, statistics.median(timings))
"""


def time_url(checkout, url, repeat):
    result = subprocess.run([sys.executable, "-c", TIMER, url, str(repeat)], cwd=checkout, check=True,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    status, median = result.stdout.split()[-2:]
    return int(status), float(median)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--repeat", type=int, default=7, help="cold requests per URL, checkout and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    checkouts = [args.before.resolve(), args.after.resolve()]
    print(f"{'url':50} {'round':>5} {'before ms':>10} {'after ms':>10} {'before/after':>13}")
    for round_number in range(1, args.rounds + 1):
        for url in args.urls:
            (status_before, before), (status_after, after) = (time_url(c, url, args.repeat) for c in checkouts)
            note = "" if status_before == status_after == 200 else f"  (status {status_before} / {status_after})"
            print(f"{url:50} {round_number:5d} {before:10.1f} {after:10.1f} {before / after:12.2f}x{note}")


if __name__ == "__main__":
    main()
