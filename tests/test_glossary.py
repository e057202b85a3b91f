"""The 繁體 interface speaks Taiwan / Hong Kong usage: every msgstr of the zh_Hant catalogue
(django.po and the *.part.po beside it) is checked against locale/zh_Hant/glossary.tsv."""
import ast
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hant"
CATALOGUES = sorted((LOCALE / "LC_MESSAGES").glob("*.po"))


def glossary():
    rows = []
    for line in (LOCALE / "glossary.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("simplified\t"):
            continue
        simplified, accepted, rejected, excepted, _note = (line.split("\t") + [""] * 5)[:5]
        rows.append((simplified, accepted, [r for r in rejected.split("|") if r],
                     [e for e in excepted.split("|") if e]))
    return rows


def entries(path):
    """(msgid, [msgstr, …]) of a PO file; the header and obsolete entries left out."""
    found, current, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        keyword = re.match(r'(msgid_plural|msgid|msgstr(?:\[\d+\])?|msgctxt)\s+(".*")$', line)
        if keyword:
            name, text = keyword.group(1), ast.literal_eval(keyword.group(2))
            if name == "msgid":
                if current:
                    found.append(current)
                current = {"msgid": text, "msgstr": []}
            field = name
            if name.startswith("msgstr"):
                current["msgstr"].append(text)
            elif name in ("msgid", "msgid_plural"):
                current[name] = text if name == "msgid" else current["msgid"] + "\n" + text
        elif line.startswith('"') and current is not None:
            text = ast.literal_eval(line)
            if field.startswith("msgstr"):
                current["msgstr"][-1] += text
            elif field == "msgid":
                current["msgid"] += text
    if current:
        found.append(current)
    return [(e["msgid"], e["msgstr"]) for e in found if e["msgid"]]


def test_the_glossary_and_the_catalogues_are_read():
    rows = glossary()
    assert len(rows) >= 15 and all(accepted for _, accepted, _, _ in rows)
    assert LOCALE / "LC_MESSAGES" / "django.po" in CATALOGUES
    assert len(entries(LOCALE / "LC_MESSAGES" / "django.po")) > 200


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_no_msgstr_uses_a_rejected_machine_form(path):
    wrong = [(msgid, msgstr, rejected)
             for msgid, msgstrs in entries(path) for msgstr in msgstrs
             for _, _, forms, _ in glossary() for rejected in forms if rejected in msgstr]
    assert not wrong, wrong


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_a_glossary_term_in_a_msgid_is_translated_with_its_accepted_form(path):
    wrong = [(msgid, msgstr, accepted)
             for msgid, msgstrs in entries(path) for msgstr in msgstrs
             for simplified, accepted, _, excepted in glossary()
             if simplified in msgid and not any(e in msgid for e in excepted) and accepted not in msgstr]
    assert not wrong, wrong


def test_the_check_catches_a_machine_conversion(tmp_path):
    po = tmp_path / "x.po"
    po.write_text('msgid "来源文件"\nmsgstr "來原始檔"\n\nmsgid "导出"\nmsgstr ""\n"導出"\n', encoding="utf-8")
    pairs = entries(po)
    assert pairs == [("来源文件", ["來原始檔"]), ("导出", ["導出"])]
    rejected = {form for _, _, forms, _ in glossary() for form in forms}
    assert all(any(form in msgstrs[0] for form in rejected) for _, msgstrs in pairs)
