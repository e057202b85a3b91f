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


def key_of(link):
    """The measure a row is about, from its address (the files carry no database key)."""
    return int(str(link).rstrip("/").rsplit("/", 1)[1])


TITLE, TEXT, LINK = 1, 9, 10  # columns


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
        for cell, value in zip([row[TITLE], row[TEXT]], written[key_of(row[LINK])], strict=True):
            assert cell == ("'" + value if value in RISKY else value), (cell, value)

    sheet = xlsx_sheet(client.get("/measures/export.xlsx", {"document": document.slug}))
    table = list(sheet.iter_rows(min_row=2))
    assert len(table) == len(measures)
    seen = set()
    for row in table:
        assert row[LINK].hyperlink.target == row[LINK].value  # a link, not a formula
        for cell, value in zip([row[TITLE], row[TEXT]], written[key_of(row[LINK].value)], strict=True):
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
    assert row[TITLE].value == "知識產權民事、刑事、行政案件“三合一”審判"
    assert row[TEXT].data_type == "s" and row[TEXT].value.startswith("=HYPERLINK")
    assert all(c.data_type in ("s", "n", "d") for r in sheet.iter_rows() for c in r if c.value is not None)


# --- responses ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_file_names_types_and_no_cap_header_under_the_cap(client):
    response = client.get("/measures/export.csv", {"region": "hang-yong-wen"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="measures_hang-yong-wen_')
    assert not response.has_header("X-Export-Truncated")
    assert len(csv_rows(response)) == 4
    response = client.get("/measures/export.xlsx", {"region": "hang-yong-wen"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="measures_hang-yong-wen_')
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
    assert [key_of(r[LINK]) for r in csv_rows(client.get("/measures/export.csv", params))[1:]] == expected
    sheet = xlsx_sheet(client.get("/measures/export.xlsx", params))
    assert [key_of(row[LINK]) for row in sheet.iter_rows(min_row=2, values_only=True)] == expected


@pytest.mark.django_db
def test_past_the_cap_the_file_and_a_header_say_where_it_stops(client, settings):
    settings.EXPORT_MAX_ROWS = 5
    total = Measure.objects.count()
    first = list(Measure.objects.order_by("source_order").values_list("pk", flat=True)[:5])
    response = client.get("/measures/export.csv")
    assert response["X-Export-Truncated"] == f"5 of {total}"
    rows = csv_rows(response)
    assert len(rows) == 1 + 5 + 1 and [key_of(r[LINK]) for r in rows[1:6]] == first
    assert len(rows[-1]) == 1 and f"共 {total} 项" in rows[-1][0] and "前 5 项" in rows[-1][0]

    response = client.get("/measures/export.xlsx", {"lang": "en"})
    assert response["X-Export-Truncated"] == f"5 of {total}"
    table = list(xlsx_sheet(response).iter_rows(values_only=True))
    assert len(table) == 1 + 5 + 1 and [key_of(r[LINK]) for r in table[1:6]] == first
    assert table[0][TITLE] == "Title"
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
    assert [key_of(r[LINK]) for r in data] == keys[:shown], label  # every row, in order: nothing cut
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


# --- what the files say about themselves: names, columns, format, notes ----------------------

COLUMN_NAMES = ["序号", "标题", "文号", "发文日期", "类别", "指导部门", "推广范围", "地区", "效力", "正文", "链接", "引用"]


def beijing_today():
    import datetime
    import zoneinfo

    return datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")


def names_of(response):
    """(the UTF-8 name of filename*, the ASCII fallback) of a Content-Disposition."""
    import re
    from urllib.parse import unquote

    header = response["Content-Disposition"]
    plain = re.search(r'filename="([^"]+)"', header).group(1)
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)
    assert plain.isascii() and header.startswith("attachment;")
    return unquote(encoded), plain


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("params, name, plain", [
    ({}, "举措_{day}", "measures_{day}"),
    ({"department": "most", "scope": "nationwide"}, "举措_科技部_全国_{day}", "measures_most_nationwide_{day}"),
    ({"document": "guohan-2025-86", "status": "in_force"}, "举措_國函〔2025〕86號_有效_{day}",
     "measures_guohan-2025-86_in_force_{day}"),
    ({"q": "知识产权 质押"}, "举措_知识产权-质押_{day}", "measures_{day}"),
    ({"region": "hang-yong-wen", "lang": "en"}, "Measures_杭甬溫_{day}", "measures_hang-yong-wen_{day}"),
])
def test_file_names_say_what_the_file_holds_and_the_day_in_beijing(client, fmt, params, name, plain):
    response = client.get(f"/measures/export.{fmt}", params)
    assert response.status_code == 200
    day = beijing_today()
    assert names_of(response) == (f"{name.format(day=day)}.{fmt}", f"{plain.format(day=day)}.{fmt}")


@pytest.mark.django_db
def test_csv_and_xlsx_have_the_same_columns_and_no_database_key(client):
    rows = csv_rows(client.get("/measures/export.csv"))
    sheet = xlsx_sheet(client.get("/measures/export.xlsx"))
    assert rows[0] == COLUMN_NAMES
    assert [c.value for c in sheet[1]] == COLUMN_NAMES
    keys = set(Measure.objects.values_list("pk", flat=True))
    measure = Measure.objects.select_related("document", "region").get(number=11)
    row = next(r for r in rows[1:] if key_of(r[LINK]) == measure.pk)
    assert row == [
        "11", measure.title, measure.document.number, "", measure.category.name,
        "、".join(d.name for d in measure.ordered_departments), measure.scope_label,
        "、".join(r.name for r in measure.scope_regions), "效力未说明", measure.text,
        f"http://testserver/measures/{measure.pk}/", measure.citation,
    ]
    # No column is the database key (the number is the source's, where there is one).
    numbers = [r[0] for r in rows[1:]]
    assert set(numbers) - {""} <= {str(n) for n in Measure.objects.values_list("number", flat=True) if n}
    assert len(keys) == len(rows) - 1


@pytest.mark.django_db
def test_a_regions_task_keeps_its_title_verbatim_and_names_its_region(client):
    task = Measure.objects.select_related("region", "document").filter(region__slug="hang-yong-wen").first()
    rows = csv_rows(client.get("/measures/export.csv", {"region": "hang-yong-wen", "scope": "region"}))
    row = next(r for r in rows[1:] if key_of(r[LINK]) == task.pk)
    assert row[TITLE] == task.title and row[7] == task.region.name
    assert row[11] == task.citation and task.region.name in row[11]
    assert row[2] == task.document.number and row[3] == task.document.date.isoformat()


@pytest.mark.django_db
def test_the_workbook_is_formatted_for_reading(client):
    from openpyxl import load_workbook

    response = client.get("/measures/export.xlsx", {"document": "guohan-2025-86"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    count = Measure.objects.filter(document__slug="guohan-2025-86").count()
    assert workbook.sheetnames == ["举措", "说明"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:L{count + 1}"
    assert all(cell.font.b for cell in sheet[1]) and not sheet["B2"].font.b
    assert sheet.column_dimensions["J"].width >= 60 and sheet.column_dimensions["A"].width <= 8
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet["J2"].alignment.wrap_text and sheet["B2"].alignment.wrap_text
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"
    for row in sheet.iter_rows(min_row=2):
        link = row[LINK]
        assert link.hyperlink is not None and link.hyperlink.target == link.value
        assert link.value.startswith("http://testserver/measures/")
    assert sheet.max_row == count + 1


@pytest.mark.django_db
def test_the_notes_sheet_states_filters_time_version_and_sources(client):
    from measures.models import Document

    response = client.get("/measures/export.xlsx", {"department": "most", "scope": "programme"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    notes = {row[0]: row[1:] for row in workbook["说明"].iter_rows(values_only=True) if row[0]}
    assert notes["筛选条件：指导部门"][0] == "科技部"
    assert notes["筛选条件：推广范围"][0] == "试验区域"
    assert notes["导出时间"][0].startswith(beijing_today())
    assert "45 项举措，2 份文件" in notes["数据版本"][0]
    written = workbook["举措"].max_row - 1
    assert notes["举措数"][0] == str(written)
    assert notes["来源文件"][:4] == ("标题", "文号", "发文日期", "链接")
    sources = [row for row in workbook["说明"].iter_rows(values_only=True) if row[0] is None and row[1]]
    document = Document.objects.get(slug="innovation-reform-list-2")
    assert sources == [(None, document.title, None, None, f"http://testserver/documents/{document.slug}/")]
    # Unfiltered: says so.
    response = client.get("/measures/export.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    notes = {row[0]: row[1] for row in workbook["说明"].iter_rows(values_only=True) if row[0]}
    assert notes["筛选条件"] == "无（全部举措）"


@pytest.mark.django_db
def test_the_data_version_moves_when_a_measure_is_edited():
    from measures.selectors import data_version

    before = data_version()
    assert (before.measures, before.documents) == (45, 2)
    measure = Measure.objects.first()
    measure.text += "。"
    measure.save()
    after = data_version()
    assert after.changed_at is not None and (before.changed_at is None or after.changed_at > before.changed_at)
