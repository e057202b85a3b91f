"""Bounded load and soak test on loopback: gunicorn (production settings) + PostgreSQL.

    python scripts/loadtest.py --clients 50 --duration 300      # the 5-minute soak
    python scripts/loadtest.py --clients 20 --duration 20       # the short version CI runs

Sets up its own database (catalogue_load), starts gunicorn, drives a mix of browsing, search and
city lookups from N keep-alive clients for a fixed time, and reports requests per second, latency
percentiles, errors, and each worker's memory over the run. Exits 1 on any error (5xx, connection
failure, unexpected status) or if worker memory grows by more than --max-growth.
"""
import argparse
import http.client
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.servers import STRONG_KEY, Gunicorn, manage  # noqa: E402

MIX = [  # (weight, kind, path)
    (3, "home", "/"),
    (4, "list", "/measures/"),
    (3, "list", "/measures/?department=ndrc&department=most"),
    (2, "list", "/measures/?document=guohan-2025-86&page=2"),
    (5, "search", "/measures/?q=知识产权质押"),
    (3, "search", "/measures/?q=智慧財產權&scope=nationwide"),
    (5, "api", "/api/measures/?q=知識產權"),
    (3, "api", "/api/measures/?q=发改委"),
    (2, "api", "/api/measures/?region=hang-yong-wen"),
    (4, "city", "/places/330200/"),
    (3, "city", "/api/applies/?place=東莞"),
    (2, "city", "/api/applies/?place=北京市通州区"),
    (1, "city", "/places/?place=通州"),
    (2, "detail", "/documents/innovation-reform-list-2/"),
    (2, "detail", "/regions/gba-nine-mainland-cities/"),
    (1, "health", "/healthz"),
]
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


PAGES = [  # --per-page: each page alone, against the floor of a view that touches no data
    ("trivial /ping", "/ping"),
    ("list", "/measures/"),
    ("search", "/measures/?q=知识产权质押"),
    ("api search", "/api/measures/?q=知識產權"),
    ("city", "/places/330200/"),
]


def client_loop(port, stop_at, seed, results, lock, mix=None):
    rng = random.Random(seed)
    mix = mix or MIX
    weights = [w for w, _, _ in mix]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    local = []
    while time.monotonic() < stop_at:
        _, kind, path = rng.choices(mix, weights)[0]
        started = time.monotonic()
        try:
            conn.request("GET", quote(path, safe="/?=&"), headers=HEADERS)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            status = f"error: {exc.__class__.__name__}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.append((kind, status, (time.monotonic() - started) * 1000))
    conn.close()
    with lock:
        results.extend(local)


def setup_database(server, name):
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_clients(port, count, seconds, seed, mix=None):
    results, lock = [], threading.Lock()
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(port, stop_at, seed + i, results, lock, mix))
               for i in range(count)]
    for t in threads:
        t.start()
    return threads, results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--database", default="catalogue_load")
    parser.add_argument("--max-growth", type=float, default=0.15, help="allowed worker RSS growth, warm → end")
    parser.add_argument("--per-page", type=float, default=0,
                        help="also load each page alone for this many seconds, for requests/s against /ping")
    args = parser.parse_args()

    setup_database(args.server, args.database)
    env = {
        "DJANGO_SETTINGS_MODULE": "catalogue.settings.prod", "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": f"{args.server}/{args.database}",
        "STATIC_ROOT": tempfile.mkdtemp(prefix="catalogue-static-"), "SECURE_SSL_REDIRECT": "0",
    }
    full_env = {**os.environ, **env}
    for command in (["migrate", "--noinput"], ["load_catalogue"], ["collectstatic", "--noinput"]):
        manage(*command, "-v0", env=full_env)

    with Gunicorn(env, workers=args.workers) as server:
        # Warm up, so that every worker has built its dictionary and place index before memory is read.
        threads, _ = run_clients(server.port, args.workers * 2, 8, 0)
        for t in threads:
            t.join()
        pids = server.worker_pids
        memory = {pid: [rss_kib(pid)] for pid in pids}
        started = time.monotonic()
        threads, results = run_clients(server.port, args.clients, args.duration, 1000)
        while any(t.is_alive() for t in threads):
            time.sleep(min(10.0, max(0.5, args.duration / 10)))
            for pid in pids:
                memory[pid].append(rss_kib(pid))
        elapsed = time.monotonic() - started
        final_pids = server.worker_pids
        per_page = []
        for label, path in PAGES if args.per_page else []:
            threads, page_results = run_clients(server.port, args.clients, args.per_page, 5000, [(1, label, path)])
            for t in threads:
                t.join()
            bad = sum(1 for r in page_results if r[1] != 200)
            per_page.append((label, len(page_results) / args.per_page, bad))

    errors = [r for r in results if r[1] not in (200, 302)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load: {args.clients} clients for {elapsed:.0f}s, gunicorn with {args.workers} sync workers, PostgreSQL")
    print(f"requests: {len(results)}, {len(results) / elapsed:.1f}/s, errors: {len(errors)}")
    print(f"{'kind':8} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in dict.fromkeys(k for _, k, _ in MIX):
        times = [ms for k, _, ms in results if k == kind]
        if times:
            print(f"{kind:8} {len(times):7d} {statistics.median(times):8.1f} {percentile(times, .95):8.1f} "
                  f"{percentile(times, .99):8.1f}")
    if per_page:
        floor = per_page[0][1]
        print(f"{'page alone':16} {'req/s':>8} {'vs /ping':>9} {'errors':>7}")
        for label, rps, bad in per_page:
            print(f"{label:16} {rps:8.1f} {rps / floor:8.2f}x {bad:7d}")
        errors += [("per-page", "error", 0)] * sum(bad for _, _, bad in per_page)
    memory_ok = set(final_pids) == set(pids)
    for pid, series in memory.items():
        values = [v for v in series if v]
        growth = (values[-1] - values[0]) / values[0] if len(values) > 1 else 0.0
        memory_ok &= growth <= args.max_growth
        print(f"worker {pid}: RSS {values[0] / 1024:.1f} → {values[-1] / 1024:.1f} MiB ({growth:+.1%}); "
              f"samples {[round(v / 1024, 1) for v in values]}")
    if set(final_pids) != set(pids):
        print(f"workers were replaced during the run: {pids} → {final_pids}")
    for kind, status, _ in errors[:10]:
        print(f"error: {kind} {status}")
    ok = bool(results) and not errors and memory_ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
