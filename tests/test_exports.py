"""Exports: streamed in constant memory, never cut without saying so, never a formula.

The unit tests use the test client on the two documents. The last test runs gunicorn on a
database of its own with ``EXPORT_TEST_MEASURES`` synthetic measures (3,000 unless set; 100,000 on
PostgreSQL is the figure the exports are held to) and downloads every export in every reading script, watching the worker's
memory while it streams."""
import csv
import http.client
import io
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from openpyxl import load_workbook

from catalogue.reading import SCRIPTS
from measures import exports
from measures.models import Document, Measure
from measures.selectors import filtered_measures
from scripts.servers import Gunicorn, ScratchDatabase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response):
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


# --- formulas ----------------------------------------------------------------------------------

RISKY = [
    "=1+1", "+1", "-1", "@SUM(A1)", "＝1+1", "＋1", "－1", "＠SUM(A1)",   # ASCII and full-width
    " =1", "  \n ＝HYPERLINK(\"http://evil\")", "\u200b=1", "\u200c\u200d+1", "\u2060-1",
    "\ufeff@x", "\t=1", "\r\n=1",                                         # behind what is skipped
    "\tplain", "\rplain",                                                 # a tab or CR first
]
SAFE = ["1-2", "a=b", "知识产权", "(=1)", "x@y", "_x0041_ as written"]


@pytest.mark.django_db
def test_formulas_are_defused_in_csv_and_written_as_text_in_xlsx(client):
    document = Document.objects.get(slug="guohan-2025-86")
    measures = list(Measure.objects.filter(document=document).order_by("source_order"))
    values = RISKY + SAFE
    assert len(measures) * 2 >= len(values)
    written = {}
    for i, measure in enumerate(measures):
        title, text = values[2 * i % len(values)], values[(2 * i + 1) % len(values)]
        Measure.objects.filter(pk=measure.pk).update(title=title, text=text)  # no reindex needed
        written[measure.pk] = (title, text)

    rows = csv_rows(client.get("/measures/export.csv", {"document": document.slug}))[1:]
    assert len(rows) == len(measures)
    for row in rows:
        for cell, value in zip(row[2:4], written[int(row[0])], strict=True):
            assert cell == ("'" + value if value in RISKY else value), (cell, value)

    sheet = xlsx_sheet(client.get("/measures/export.xlsx", {"document": document.slug}))
    table = list(sheet.iter_rows(min_row=2))
    assert len(table) == len(measures)
    seen = set()
    for row in table:
        assert row[0].data_type == "n"  # the key stays a number
        for cell, value in zip(row[2:4], written[row[0].value], strict=True):
            if value == "_x0041_ as written":
                continue  # a spreadsheet's escape; openpyxl does not read it back (Excel does)
            assert cell.data_type == "s" and cell.value == value, (cell.value, value)
            seen.add(value)
    assert set(RISKY) <= seen


def test_what_counts_as_a_formula():
    assert all(exports.formula_risk(v) for v in RISKY)
    assert not any(exports.formula_risk(v) for v in [*SAFE, "", 12, None])


@pytest.mark.django_db
def test_the_workbook_holds_no_formula_and_the_script_applies(client):
    measure = Measure.objects.get(number=1)
    Measure.objects.filter(pk=measure.pk).update(text="=HYPERLINK(\"http://evil\")" + measure.text)
    sheet = xlsx_sheet(client.get("/measures/export.xlsx", {"q": "三合一", "script": "hant"}))
    assert sheet.title == "举措"
    row = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert row[2].value == "知識產權民事、刑事、行政案件“三合一”審判"
    assert row[3].data_type == "s" and row[3].value.startswith("=HYPERLINK")
    assert all(c.data_type in ("s", "n") for r in sheet.iter_rows() for c in r if c.value is not None)


# --- responses ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_file_names_types_and_no_cap_header_under_the_cap(client):
    response = client.get("/measures/export.csv", {"region": "hang-yong-wen"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="measures.csv"'
    assert not response.has_header("X-Export-Truncated")
    assert len(csv_rows(response)) == 4
    response = client.get("/measures/export.xlsx", {"region": "hang-yong-wen"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="measures.xlsx"'
    assert not response.has_header("X-Export-Truncated")
    assert xlsx_sheet(response).max_row == 4


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_bad_filters_are_a_400_page_and_no_file(client, fmt):
    for params in [{"scope": "mars"}, {"document": "no-such-document"}, {"sort": "sideways"}]:
        response = client.get(f"/measures/export.{fmt}", params)
        assert response.status_code == 400, params
        assert not response.streaming and response["Content-Type"].startswith("text/html")
        assert not response.has_header("Content-Disposition") and not response.has_header("X-Export-Truncated")
    assert client.get(f"/measures/export.{fmt}x").status_code == 404


# --- order, cap, errors ------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"sort": "newest"}, {"q": "知识产权"}, {"q": "知识产权", "sort": "source"},
                                    {"scope": "region", "sort": "newest"}])
def test_batches_keep_the_lists_order(client, monkeypatch, params):
    monkeypatch.setattr(exports, "BATCH_SIZE", 7)
    expected = list(filtered_measures(params).queryset.values_list("pk", flat=True))
    assert len(expected) > 7
    assert [int(r[0]) for r in csv_rows(client.get("/measures/export.csv", params))[1:]] == expected
    sheet = xlsx_sheet(client.get("/measures/export.xlsx", params))
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == expected


@pytest.mark.django_db
def test_past_the_cap_the_file_and_a_header_say_where_it_stops(client, settings):
    settings.EXPORT_MAX_ROWS = 5
    total = Measure.objects.count()
    first = list(Measure.objects.order_by("source_order").values_list("pk", flat=True)[:5])
    response = client.get("/measures/export.csv")
    assert response["X-Export-Truncated"] == f"5 of {total}"
    rows = csv_rows(response)
    assert len(rows) == 1 + 5 + 1 and [int(r[0]) for r in rows[1:6]] == first
    assert len(rows[-1]) == 1 and f"共 {total} 项" in rows[-1][0] and "前 5 项" in rows[-1][0]

    response = client.get("/measures/export.xlsx", {"lang": "en"})
    assert response["X-Export-Truncated"] == f"5 of {total}"
    table = list(xlsx_sheet(response).iter_rows(values_only=True))
    assert len(table) == 1 + 5 + 1 and [r[0] for r in table[1:6]] == first
    assert table[0][2] == "Title"
    note = table[-1][0]
    assert str(total) in note and "first 5" in note and all(v is None for v in table[-1][1:])

    settings.EXPORT_MAX_ROWS = total  # exactly at the cap: complete, nothing to say
    response = client.get("/measures/export.csv")
    assert not response.has_header("X-Export-Truncated") and len(csv_rows(response)) == total + 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_error_mid_stream_ends_the_file_with_an_error_line_and_is_logged(client, monkeypatch, caplog, fmt):
    monkeypatch.setattr(exports, "BATCH_SIZE", 5)
    make_row = exports.Export._row_maker

    def failing_row_maker(self):
        row, calls = make_row(self), []

        def failing(measure):
            calls.append(measure)
            if len(calls) > 7:
                raise RuntimeError("the database went away")
            return row(measure)

        return failing

    monkeypatch.setattr(exports.Export, "_row_maker", failing_row_maker)
    response = client.get(f"/measures/export.{fmt}")
    assert response.status_code == 200  # the headers had gone before the error
    with caplog.at_level(logging.ERROR, logger="measures.exports"):
        if fmt == "csv":
            rows = csv_rows(response)
        else:
            rows = [list(r) for r in xlsx_sheet(response).iter_rows(values_only=True)]
    assert len(rows) == 1 + 5 + 1  # the first batch, then the error line instead of the rest
    assert "导出中途出错" in rows[-1][0] and "前 5 项" in rows[-1][0]
    assert any("failed after 5 of" in r.getMessage() and r.exc_info for r in caplog.records)


@pytest.mark.django_db
def test_the_app_server_is_told_that_the_export_progresses(client, monkeypatch):
    """gunicorn's master kills a worker silent for its timeout; a sync worker says nothing while
    it streams a response, so the export speaks for it as rows are written (catalogue.liveness,
    given the worker's notify by catalogue/gunicorn.conf.py; here every row)."""
    from catalogue import liveness

    notified = []
    monkeypatch.setattr(liveness, "_notify", lambda: notified.append(1))
    monkeypatch.setattr(liveness, "INTERVAL_SECONDS", 0)
    monkeypatch.setattr(exports, "BATCH_SIZE", 10)
    response = client.get("/measures/export.csv")
    b"".join(response.streaming_content)
    assert len(notified) == Measure.objects.count()


# --- real servers, a large catalogue -----------------------------------------------------------

MEASURES = int(os.environ.get("EXPORT_TEST_MEASURES", "3000"))
MEMORY_MARGIN = 50 * 2**20  # what an export may add to a worker's memory
# Low, so that exports longer than the worker timeout prove the heartbeat (see exports.py).
WORKER_TIMEOUT = os.environ.get("EXPORT_TEST_WORKER_TIMEOUT", "4")


@pytest.fixture(scope="module")
def large_catalogue(tmp_path_factory):
    with ScratchDatabase(connection.settings_dict, "exports", tmp_path_factory.mktemp("exports")) as db:
        db.add_synthetic(MEASURES)
        with db.connect() as conn:
            keys = [row[0] for row in conn.execute("SELECT id FROM measures_measure ORDER BY source_order")]
            small = conn.execute("SELECT slug FROM measures_document WHERE slug NOT LIKE 'synthetic-%' "
                                 "ORDER BY position LIMIT 1").fetchone()[0]
        yield db, keys, small


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


class Server:
    """gunicorn with one worker (so that its memory is the export's), and its downloads."""

    def __init__(self, db, workdir, **env):
        self.gunicorn = Gunicorn({"DJANGO_SETTINGS_MODULE": "catalogue.settings.dev", "DEBUG": "0",
                                  "DATABASE_URL": db.url, "GUNICORN_TIMEOUT": WORKER_TIMEOUT, **env}, workers=1)
        self.workdir = workdir

    def __enter__(self):
        self.gunicorn.__enter__()
        self.pid = self.wait_for_worker()
        return self

    def __exit__(self, *exc):
        self.gunicorn.__exit__(*exc)

    def wait_for_worker(self):
        deadline = time.monotonic() + 30
        while not (pids := self.gunicorn.worker_pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(pids) == 1, pids
        return pids[0]

    def download(self, fmt, **params):
        """(status, headers, file, seconds, peak RSS of the worker while it streamed)."""
        path = f"/measures/export.{fmt}?{urlencode(params)}"
        target = self.workdir / f"{fmt}-{'-'.join(params.values()) or 'all'}.{fmt}"
        peak, done = [0], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss(self.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.gunicorn.port, timeout=120)
            conn.request("GET", quote(path, safe="/?=&.%"))
            response = conn.getresponse()
            with open(target, "wb") as out:
                # a chunked response cut short raises IncompleteRead here
                while chunk := response.read(1 << 16):
                    out.write(chunk)
            conn.close()
        finally:
            done.set()
            sampler.join()
        return response.status, dict(response.getheaders()), target, time.monotonic() - started, peak[0]


def read_rows(fmt, path):
    if fmt == "csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return list(csv.reader(f))
    workbook = load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


def check_export(server, fmt, script, keys, cap, idle):
    status, headers, path, seconds, peak = server.download(fmt, script=script)
    label = f"{fmt} {script}"
    assert status == 200, label
    rows = read_rows(fmt, path)
    shown = min(len(keys), cap)
    capped = len(keys) > cap
    assert len(rows) == 1 + shown + capped, (label, len(rows), shown)
    data = rows[1:1 + shown]
    assert [int(r[0]) for r in data] == keys[:shown], label  # every row, in order: nothing cut
    assert str(data[-1][10]).endswith(f"/measures/{keys[shown - 1]}/"), label
    if capped:
        assert headers.get("X-Export-Truncated") == f"{shown} of {len(keys)}", label
        assert f"{len(keys)}" in rows[-1][0] and f"前 {shown} 项" in rows[-1][0], label
    else:
        assert "X-Export-Truncated" not in headers, label
    grown = peak - idle
    print(f"{label}: {shown} rows, {os.path.getsize(path) / 2**20:.1f} MiB in {seconds:.1f} s; "
          f"worker {idle / 2**20:.0f} MiB idle, peak {peak / 2**20:.0f} MiB (+{grown / 2**20:.1f})")
    assert grown <= MEMORY_MARGIN, (label, grown / 2**20)
    os.remove(path)
    return seconds


def warm_up(server, small):
    """A worker's memory before an export: after a small export in each script (which loads
    that script's conversion tables, as any page in it would)."""
    for script in SCRIPTS:
        for fmt in ("csv", "xlsx"):
            assert server.download(fmt, document=small, script=script)[0] == 200
    time.sleep(0.5)
    return rss(server.pid)


def test_exports_of_a_large_catalogue_complete_in_every_script_in_constant_memory(large_catalogue, tmp_path):
    db, keys, small = large_catalogue
    cap = 100_000  # the default cap (settings.EXPORT_MAX_ROWS)
    # Two servers of one worker each, the reading scripts shared between them: both cores work.
    halves = [list(SCRIPTS)[0::2], list(SCRIPTS)[1::2]]

    def run(scripts, workdir):
        workdir.mkdir()
        with Server(db, workdir, EXPORT_MAX_ROWS=str(cap)) as server:
            idle = warm_up(server, small)
            seconds = [check_export(server, fmt, script, keys, cap, idle)
                       for script in scripts for fmt in ("csv", "xlsx")]
            assert server.gunicorn.worker_pids == [server.pid]  # never killed, never replaced
            return seconds

    with ThreadPoolExecutor(2) as pool:
        results = [pool.submit(run, scripts, tmp_path / str(i)) for i, scripts in enumerate(halves)]
        seconds = [s for result in results for s in result.result()]
    if max(seconds) > int(WORKER_TIMEOUT):
        print(f"exports outlived the worker timeout ({WORKER_TIMEOUT} s): the heartbeat kept the worker")


def test_a_capped_export_says_so_in_the_file_and_a_header(large_catalogue, tmp_path):
    db, keys, small = large_catalogue
    cap = len(keys) // 3
    with Server(db, tmp_path, EXPORT_MAX_ROWS=str(cap)) as server:
        idle = warm_up(server, small)
        for fmt in ("csv", "xlsx"):
            check_export(server, fmt, "orig", keys, cap, idle)
