"""Hostile requests against a real server: every URL pattern, with the input classes that have
broken web apps before — digits of other scripts and signs as numbers, more than 1,000 parameters,
hostile cookies, very long names, invalid UTF-8 and markup. Any 5xx is a failure.

    python scripts/fuzz_server.py --requests 10000                 # gunicorn on a scratch copy
    python scripts/fuzz_server.py --url http://127.0.0.1:8000      # a server already running

Prints the requests sent, the answers by status and the 5xx found (with the request that made
each); exits 1 if there was any. Deterministic for ``--seed``.
"""
import argparse
import collections
import concurrent.futures
import http.client
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OBJECT_PATHS = ["/measures/{}/", "/documents/{}/", "/categories/{}/", "/departments/{}/", "/pilots/{}/",
                "/regions/{}/", "/places/{}/"]
LIST_PATHS = ["/", "/measures/", "/places/", "/departments/", "/pilots/", "/map/", "/about/",
              "/measures/export.csv", "/measures/export.xlsx", "/measures/export.{}", "/api/measures/",
              "/api/applies/", "/api/openapi.json", "/healthz", "/admin/login/"]
KNOWN = {"document": ["guohan-2025-86", "second-batch-innovation-measures"], "department": ["most", "cnipa", "ndrc"],
         "scope": ["national", "reform_areas", "pilot_region"], "region": ["hang-yong-wen", "hefei"],
         "sort": ["relevance", "source"], "script": ["orig", "hans", "hant", "tw", "hk"],
         "lang": ["zh-hans", "zh-hant", "en"], "q": ["知识产权", "知識產權", "质押 -专利", '"技术经理人"', "智慧財產權"],
         "place": ["宁波", "東莞", "合肥", "通州", "ningbo", "330200"]}
PARAMS = ["q", "page", "document", "category", "department", "scope", "region", "sort", "script", "lang",
          "place", "format", "next"]
UNICODE_DIGITS = ["²", "①", "-²", "٣", "１", "Ⅻ", "𝟙", "৩", "๓", "〇", "二", "+1", " 1", "1 ", "1\u200b",
                  "-0", "0x10", "1e3", "١٠", "9" * 30, "-" + "9" * 30, "NaN", "∞"]
HOSTILE = ["", " ", "'", '"', "\\", "%", "<script>alert(1)</script>", "' OR 1=1 --", "NEAR(a b)", "a*", "(",
           ")", "-", "--a", "C++", "${jndi:x}", "../../etc/passwd", "\u202e", "\ufeff", "\u200b", "🙂" * 20,
           "=HYPERLINK(\"x\")", "＝1+1", "@SUM(1)", "\r\n", "\t", "a AND NOT b", "!!", "a:*", "{}", "[]"]
INVALID_ESCAPES = ["%FF%FE", "%C0%AF", "%ED%A0%80", "%", "%%", "%E4%BD", "%00"]


def random_text(rng, max_len):
    alphabets = ["知识产权质押宁波东莞合肥科技部財產權發改委", "abcXYZ019 -_\"'()*:", "①²٣１Ⅻ〇",
                 "".join(chr(c) for c in range(0x2000, 0x2070)), "".join(chr(c) for c in range(0xFF01, 0xFF5E))]
    alphabet = rng.choice(alphabets)
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))


def value(rng, name):
    kind = rng.random()
    if name == "page" and kind < 0.6:
        return rng.choice(UNICODE_DIGITS)
    if kind < 0.3 and name in KNOWN:
        return rng.choice(KNOWN[name])
    if kind < 0.55:
        return rng.choice(HOSTILE)
    if kind < 0.65:
        return rng.choice(UNICODE_DIGITS)
    if kind < 0.75:
        return random_text(rng, 3000 if name in ("place", "q") else 300)  # long names and queries
    return random_text(rng, 40)


def query(rng):
    roll = rng.random()
    if roll < 0.06:  # more parameters than the server reads, within a request line gunicorn accepts
        return "&".join(rng.choice(["a", "q="]) for _ in range(rng.randint(1001, 1900)))
    if roll < 0.07:  # a request line too long for gunicorn itself (414)
        return "&".join(f"p{i}=1" for i in range(rng.choice([1500, 5000])))
    if roll < 0.12:
        return "&".join(f"{rng.choice(PARAMS)}={rng.choice(INVALID_ESCAPES)}" for _ in range(rng.randint(1, 3)))
    pairs = [(rng.choice(PARAMS), value(rng, "")) for _ in range(rng.randint(0, 4))]
    pairs = [(name, value(rng, name)) for name, _ in pairs]
    return "&".join(f"{quote(name)}={quote(v, safe='')}" for name, v in pairs)


def cookies(rng):
    if rng.random() < 0.6:
        return None
    jar = {
        "script": rng.choice(["tw", "hk", "orig", "", "x" * 5000, "<b>", "tw; lang=en", "\u00e9", "=="]),
        "django_language": rng.choice(["en", "zh-hant", "xx", "", "../../etc", "en" * 2000, "zh-hans\\"]),
        "sessionid": rng.choice(["", "deadbeef", "a" * 4096, "' OR 1=1", "\u00ff"]),
        "csrftoken": rng.choice(["", "x", "z" * 64, "%%%"]),
    }
    names = rng.sample(sorted(jar), rng.randint(1, len(jar)))
    cookie = "; ".join(f"{name}={jar[name]}" for name in names)
    if rng.random() < 0.1:
        cookie += "; " + "; ".join(f"c{i}=v" for i in range(300))
    return cookie.encode("utf-8", "surrogateescape").decode("latin-1")


def request_of(rng):
    if rng.random() < 0.3:
        segment = rng.choice([quote(rng.choice(UNICODE_DIGITS + HOSTILE), safe="") or "x", "999999", "1",
                              quote(random_text(rng, 200), safe="") or "y", "%FF", "330200", "guohan-2025-86"])
        path = rng.choice(OBJECT_PATHS).format(segment)
    else:
        path = rng.choice(LIST_PATHS).format(quote(random_text(rng, 10), safe="") or "pdf")
    q = query(rng)
    headers = {"Accept-Language": rng.choice(["zh-Hans", "zh-Hant", "en", "fr", "*", "", "x" * 300])}
    jar = cookies(rng)
    if jar:
        headers["Cookie"] = jar
    return path + ("?" + q if q else ""), headers


def send(host, port, target, headers, timeout):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for name, val in headers.items():
            conn.putheader(name, val)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        return response.status, body
    except (OSError, http.client.HTTPException) as exc:
        return None, repr(exc).encode()
    finally:
        conn.close()


def fuzz(url, count, seed, concurrency, timeout):
    parts = urlsplit(url)
    rng = random.Random(seed)
    requests = [request_of(rng) for _ in range(count)]
    statuses = collections.Counter()
    failures = []
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        futures = {pool.submit(send, parts.hostname, parts.port, target, headers, timeout): (target, headers)
                   for target, headers in requests}
        for future in concurrent.futures.as_completed(futures):
            status, body = future.result()
            statuses[status] += 1
            if status is None or status >= 500 or b"Traceback" in body:
                failures.append((status, futures[future], body[:300]))
    elapsed = time.monotonic() - started
    print(f"{count} requests in {elapsed:.1f}s ({count / elapsed:.0f}/s), seed {seed}")
    print("answers: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
    for status, (target, headers), body in failures[:20]:
        print(f"FAIL {status} GET {target[:200]} {str(headers)[:200]}\n    {body!r}")
    print(f"{len(failures)} server errors")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30, help="seconds a request may take (the worker's own timeout)")
    parser.add_argument("--url", help="a running server; otherwise gunicorn on a scratch database")
    parser.add_argument("--database-url", help="the database to copy for the scratch server (default: SQLite)")
    args = parser.parse_args(argv)
    if args.url:
        return 1 if fuzz(args.url, args.requests, args.seed, args.concurrency, args.timeout) else 0

    import dj_database_url

    from scripts.servers import Gunicorn, ScratchDatabase

    like = dj_database_url.parse(args.database_url or "sqlite:///unused.sqlite3")
    with tempfile.TemporaryDirectory() as workdir, ScratchDatabase(like, "fuzz", workdir) as database:
        with Gunicorn({"DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0",
                       "DATABASE_URL": database.url}, workers=2) as server:
            failures = fuzz(f"http://127.0.0.1:{server.port}", args.requests, args.seed, args.concurrency,
                            args.timeout)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
