"""Whether a document — and so each of its measures — is in force today, and on what basis.

The source's own words stay as written (``Document.term``); ``end_of_term`` reads the last day in
force they imply, which is stored beside them (``Document.expires_on``) so that lists filter on it
in the database. The status itself is never stored: it is read against today's date in the
catalogue's time zone (Asia/Shanghai), so an approval turns from in force to expired on its own.

In order of precedence: superseded (a curator recorded the document that replaces it, with the
public source saying so) > expired (its last day in force is past) > in force (that day is today or
later; or, without an end date, the document has a date and a curator recorded a public source
saying it is in force) > not stated. A term we cannot read gives no end date: it stays "not
stated", shown as written, never guessed.
"""
import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _, gettext_lazy as _lazy

from catalogue.i18n import localized
from catalogue.search.text import normalize


class Status(models.TextChoices):
    IN_FORCE = "in_force", _lazy("有效")
    EXPIRED = "expired", _lazy("已失效")
    SUPERSEDED = "superseded", _lazy("已被替代")
    NOT_STATED = "not_stated", _lazy("效力未说明")


def today():
    """Today in the catalogue's time zone: a document in force "through 2027-09-07" is so until
    midnight in Beijing, wherever the server runs."""
    return timezone.localdate()


# --- reading a term ---------------------------------------------------------------------------

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d+|[〇零一二两三四五六七八九十]+)"
_UNIT = r"(年|个月)"
# Where the count starts must be the document's own date: 即日 (the day it is written) or the day
# it is issued (印发). "自发布之日起" or "自施行之日起" count from a day the document's date need not
# be, so they are not read.
_FROM_ITS_DATE = r"自(?:即日|印发之日)起"
_PATTERNS = [
    re.compile(_FROM_ITS_DATE + _NUMBER + _UNIT + r"内?(?:有效)?"),                    # 自即日起2年内
    re.compile(r"(?:" + _FROM_ITS_DATE + r"(?:施行|执行)[,，]?)?有效期为?" + _NUMBER + _UNIT),  # 有效期3年
    re.compile(r"试行(?:期为?)?" + _NUMBER + _UNIT),                                       # 试行两年
]
_UNTIL = re.compile(r"有效期至(\d{4})年(\d{1,2})月(\d{1,2})日止?")                          # 有效期至2027年9月7日


def _number(text):
    """2, 两, 三, 十二, 二十 → int; None for anything else."""
    if text.isdigit():
        return int(text)
    if text.count("十") > 1:
        return None
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    return _DIGITS[text] if len(text) == 1 else None


@dataclass(frozen=True)
class Term:
    """A term of validity as read from the source: a length counted from the document's date,
    or a last day written out."""

    years: int = 0
    months: int = 0
    until: datetime.date | None = None

    @property
    def needs_start(self):
        return self.until is None

    def last_day(self, start):
        """The last day in force. "N years (months) from D" counts D itself as the first day (自即日起:
        from this very day), so it ends the day before the same date N years (months) later:
        2025-09-08 + 2 years is in force through 2027-09-07 and expired from 2027-09-08. Where that
        date does not exist (31 March + 1 month, 29 February + 1 year), the term runs to the end of
        the shorter month."""
        if self.until is not None:
            return self.until
        if start is None:
            return None
        index = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + index // 12, index % 12 + 1
        days_in_month = calendar.monthrange(year, month)[1]
        if start.day > days_in_month:
            return datetime.date(year, month, days_in_month)
        return datetime.date(year, month, start.day) - datetime.timedelta(days=1)


def parse_term(text):
    """``Term`` for a term as a source writes it, in either script; None when it is not one we read."""
    plain = normalize((text or "").strip()).rstrip("。.;；,， ")
    if not plain:
        return None
    until = _UNTIL.fullmatch(plain)
    if until:
        try:
            return Term(until=datetime.date(*map(int, until.groups())))
        except ValueError:  # 2月30日: not a day
            return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(plain)
        if match:
            count, unit = _number(match[1]), match[2]
            if not count:
                return None
            return Term(years=count) if unit == "年" else Term(months=count)
    return None


def end_of_term(text, start):
    """The last day in force that ``text`` implies for a document dated ``start`` (None when the
    term cannot be read, or counts from a date the document does not give)."""
    term = parse_term(text)
    return term.last_day(start) if term else None


# --- the status -------------------------------------------------------------------------------

# The Document fields a status is worked out from (with ``title``, and the replacement's ``slug`` and
# ``title`` where there is one): what a reader of value rows needs to build a Document for
# ``validity_of`` without loading the whole row.
FIELDS = ("number", "date", "date_as_written", "term", "expires_on", "superseded_by_id",
          "superseded_basis", "superseded_basis_en", "in_force_basis", "in_force_basis_en")


def conditions(on=None):
    """``{status: Q}`` over a document's fields on the day ``on`` (today): the rules of
    ``validity_of``, in the database."""
    on = on or today()
    current = Q(superseded_by__isnull=True)
    vouched = Q(expires_on__isnull=True, date__isnull=False) & ~Q(in_force_basis="")
    return {
        Status.SUPERSEDED: Q(superseded_by__isnull=False),
        Status.EXPIRED: current & Q(expires_on__lt=on),
        Status.IN_FORCE: current & (Q(expires_on__gte=on) | vouched),
        Status.NOT_STATED: current & Q(expires_on__isnull=True) & ~vouched,
    }


def condition(codes, on=None):
    """Documents with any of the statuses ``codes``."""
    every = conditions(on)
    combined = Q(pk__in=[])
    for code in codes:
        combined |= every[code]
    return combined


def status_expression(on=None):
    """A document's status code as an SQL expression (``annotate(status=…)``)."""
    return models.Case(*(models.When(q, then=models.Value(str(code))) for code, q in conditions(on).items()),
                       output_field=models.CharField())


@dataclass(frozen=True)
class Validity:
    code: str
    expires_on: datetime.date | None
    basis: str
    superseded_by: object = None  # the Document that replaces this one

    @property
    def label(self):
        return str(Status(self.code).label)

    @property
    def marked(self):
        """Expired and superseded documents are flagged wherever their measures are listed."""
        return self.code in (Status.EXPIRED, Status.SUPERSEDED)


def _date_text(date):
    if translation.get_language() == "en":
        return date.isoformat()
    return f"{date.year}年{date.month}月{date.day}日"


def _term_basis(document, term):
    """《title》（number）：term as written（from the date）, in the interface's language."""
    values = {"title": document.title, "number": document.number, "term": document.term}
    if term.needs_start and document.date is not None:
        values["date"] = document.date_as_written if translation.get_language() != "en" and \
            document.date_as_written else _date_text(document.date)
        if document.number:
            return _("《%(title)s》（%(number)s）：%(term)s（%(date)s起）") % values
        return _("《%(title)s》：%(term)s（%(date)s起）") % values
    if document.number:
        return _("《%(title)s》（%(number)s）：%(term)s") % values
    return _("《%(title)s》：%(term)s") % values


def validity_of(document, on=None):
    """The status of ``document`` (any object with Document's fields) on ``on`` (today), and why."""
    on = on or today()
    if document.superseded_by_id:
        return Validity(Status.SUPERSEDED, document.expires_on, localized(document, "superseded_basis"),
                        document.superseded_by)
    term = parse_term(document.term)
    expires_on = document.expires_on
    if expires_on is not None:
        code = Status.EXPIRED if expires_on < on else Status.IN_FORCE
        return Validity(code, expires_on, _term_basis(document, term) if term else document.term)
    if document.date is not None and document.in_force_basis:
        return Validity(Status.IN_FORCE, None, localized(document, "in_force_basis"))
    if not document.term:
        basis = _("来源未写明有效期限。")
    elif term is None:
        basis = _("来源写明的期限“%(term)s”无法换算为截止日期。") % {"term": document.term}
    else:
        basis = _("来源写明“%(term)s”，但没有给出起算日期。") % {"term": document.term}
    return Validity(Status.NOT_STATED, None, basis)


def status_label(document, on=None):
    """The label of ``document``'s status today ("有效", "已失效" …) in the interface's language:
    what an export's column shows for each measure (``status_label(measure.document)``)."""
    return validity_of(document, on).label
