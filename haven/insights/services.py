"""Writes to the enquiry log: one enquiry from the form, and the two CSV imports (historic
monthly counts, and enquiry rows from an earlier log). Imports are all or nothing, with
every problem named by its line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.access.policy import may_keep_enquiry_log
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.models import Category
from haven.concerns.services import text_checked
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.organisations.models import Authority, School
from haven.resources import anonymise

from .models import CallerRole, Channel, Enquiry, MonthlyCount

if TYPE_CHECKING:
    from haven.accounts.models import User

# What must never be in an enquiry: a child's name from the school's roster, a UPN, a date
# of birth. A name that is also an ordinary word can be confirmed; a UPN cannot.
ENQUIRY_KINDS = {"pupil_name", "upn", "date"}
MAX_IMPORT_LINES = 20_000


def _require_officer(by: User, authority: Authority) -> None:
    if not may_keep_enquiry_log(by, authority.pk):
        raise ApplicationError("Only the authority's advice officers keep its enquiry log.", code="forbidden")


def identifying_flags(school: School, texts: dict[str, str], roster: anonymise.Roster | None = None) -> list[Any]:
    """What in the texts could identify a child at that school (pupil names, UPNs, dates)."""
    roster = roster or anonymise.roster_for(school)
    return [
        f
        for f in anonymise.check(texts, roster)
        if f.kind in ENQUIRY_KINDS
        # A single word in lower case ("will", "may", "grace") is an ordinary word in running
        # text, not a name; written with a capital, or as forename and surname, it is flagged.
        and not (f.kind == "pupil_name" and f.text.islower() and " " not in f.text.strip())
    ]


@transaction.atomic
def enquiry_record(
    *,
    by: User,
    authority: Authority,
    school: School,
    at: dt.datetime,
    caller_role: str,
    channel: str,
    category_ids: Sequence[int],
    summary: str,
    advice: str,
    risk_assessment_supported: bool = False,
    follow_up_on: dt.date | None = None,
    confirmed: Iterable[str] = (),
    ctx: AuditContext = COMMAND,
    imported: bool = False,
    roster: anonymise.Roster | None = None,
) -> Enquiry:
    _require_officer(by, authority)
    if school.authority_id != authority.pk:
        raise ApplicationError("That school is not in this authority's area.", field="school")
    if caller_role not in CallerRole.values:
        raise ApplicationError("Choose the caller's role.", field="caller_role")
    if channel not in Channel.values:
        raise ApplicationError("Choose how the school got in touch.", field="channel")
    if at > clock.now() + dt.timedelta(minutes=5):
        raise ApplicationError("The enquiry cannot be in the future.", field="at")
    summary = text_checked(summary, field="summary", label="what the school asked", required=True)
    advice = text_checked(advice, field="advice", label="the advice given", required=True)
    day = timezone.localdate(at)
    categories = list(
        Category.objects.filter(pk__in=category_ids, valid_from__lte=day)
        .filter(Q(authority__isnull=True) | Q(authority=authority))
        .exclude(valid_to__lt=day)
    )
    if not categories or len(categories) != len(set(category_ids)):
        raise ApplicationError("Choose at least one category in use on that date.", field="categories")
    flags = anonymise.unresolved(identifying_flags(school, {"summary": summary, "advice": advice}, roster), confirmed)
    if flags:
        raise ApplicationError(
            "Take out anything that could identify a child: "
            + "; ".join(f"{f.label.lower()}, “{f.text}”" for f in flags)
            + ". Enquiries are kept without children's names.",
            field="summary",
            code="identifying",
        )
    enquiry = Enquiry.objects.create(
        authority=authority,
        school=school,
        at=at,
        caller_role=caller_role,
        channel=channel,
        summary=summary,
        advice=advice,
        risk_assessment_supported=risk_assessment_supported,
        follow_up_on=follow_up_on,
        recorded_by=by,
        imported=imported,
    )
    enquiry.categories.set(categories)
    if not imported:
        audit_record(Event.ENQUIRY_RECORDED, ctx=ctx, actor=by, obj=enquiry, authority=authority)
    return enquiry


@transaction.atomic
def enquiry_follow_up_done(*, by: User, enquiry: Enquiry, ctx: AuditContext = COMMAND) -> Enquiry:
    _require_officer(by, enquiry.authority)
    if enquiry.follow_up_done_at:
        raise ApplicationError("The follow-up is already marked done.")
    enquiry.follow_up_done_at = clock.now()
    enquiry.follow_up_done_by = by
    enquiry.save(update_fields=["follow_up_done_at", "follow_up_done_by"])
    audit_record(
        Event.ENQUIRY_FOLLOWED_UP,
        ctx=ctx,
        actor=by,
        obj=enquiry,
        authority=enquiry.authority_id,
        changes={"follow_up_done": (False, True)},
        extra={"follow_up_done": True},
    )
    return enquiry


# --- Imports ------------------------------------------------------------------------------


class ImportProblems(ApplicationError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"Nothing was imported: {len(problems)} problem(s) to fix.", field="file")
        self.problems = problems


_MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}


def parse_month(text: str) -> dt.date | None:
    """ "September 2020", "Sep 2020", "2020-09" or "09/2020" -> 1 September 2020."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
        year, month = int(m.group(2)), int(m.group(1))
    elif m := re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{4})", text):
        name = m.group(1).lower()
        month = _MONTHS.get(name) or next((v for k, v in _MONTHS.items() if len(name) >= 3 and k.startswith(name)), 0)
        year = int(m.group(2))
    else:
        return None
    if not 1 <= month <= 12 or not 1990 <= year <= 2100:
        return None
    return dt.date(year, month, 1)


def _decoded(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportProblems(["The file is not text: save it as CSV (UTF-8) and try again."])


@dataclass
class _Table:
    """A CSV file read for an import: the header's line number, the columns as written and
    as normalised, and each data line with its own line number (comments and blank lines
    skipped, so a problem names the line the officer sees in the file)."""

    header_line: int
    written: list[str]
    names: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _column_name(written: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", written.strip().lower()).strip("_")


def _read(data: bytes | str) -> _Table:
    text = _decoded(data) if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header_line, written, names, rows = 0, [], [], []
    for cells in reader:
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue  # a blank line, or a comment such as "# Source: the review, table 2"
        if not header_line:
            header_line, written = reader.line_num, cells
            names = [_column_name(w) for w in written]
            continue
        rows.append((reader.line_num, dict(zip(names, cells, strict=False))))
        if len(rows) > MAX_IMPORT_LINES:
            raise ImportProblems([f"The file has more than {MAX_IMPORT_LINES:,} lines; import fewer at a time."])
    if not header_line:
        raise ImportProblems(["The file is empty."])
    return _Table(header_line, written, names, rows)


def _count(value: str, line: int, label: str, problems: list[str]) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        problems.append(f"Line {line}: {label} must be a whole number (at most 9 digits), not “{value}”.")
        return None
    return int(value)


MONTH_COLUMNS = ("month",)
TOTAL_COLUMNS = ("total", "enquiries", "total_enquiries", "total_no_of_enquiries_to_esas", "total_no_enquiries_to_esas")
SEXUAL_COLUMNS = ("sexual", "sv_h", "svh", "shb", "hsb", "no_of_shb_enquiries", "no_of_sv_h_enquiries")
# What was counted that month (the review's tables say SHB, then SV&H from May 2021).
MEASURE_COLUMNS = ("measure", "category")


def _column(row: dict[str, str], names: Sequence[str]) -> str | None:
    for name in names:
        if name in row:
            return row[name]
    return None


def _is_percentage(written: str) -> bool:
    """A percentage column copied from a report: read past, because Haven works percentages
    out from the counts (the review's own were wrong)."""
    return "%" in written or "percent" in written.lower() or "per cent" in written.lower()


def _unknown_columns(table: _Table, known: set[str], read: str) -> list[str]:
    """Columns the import does not read, each named as written: refused rather than
    ignored, so a "category" that meant the measure is never silently dropped."""
    problems = []
    for i, (written, name) in enumerate(zip(table.written, table.names, strict=True)):
        if name in known or _is_percentage(written):
            continue
        if not name:
            if any((row.get(name) or "").strip() for _, row in table.rows):
                problems.append(f"Line {table.header_line}: column {i + 1} has values but no name.")
            continue
        problems.append(f"Line {table.header_line}: Haven does not read a column called “{written.strip()}”.")
    if problems:
        problems.append(f"The columns read are {read}.")
    return problems


@transaction.atomic
def monthly_counts_import(*, by: User, authority: Authority, data: bytes | str, ctx: AuditContext = COMMAND) -> int:
    """Historic monthly counts: month, total, sexual (or SV&H, SHB, HSB), optional measure
    (or category). A month already in the log is refused, so nothing is overwritten by
    accident; a totals line copied from a report is skipped (the table works its own totals
    out), as are lines starting with #. A column the import does not read is refused by name."""
    _require_officer(by, authority)
    table = _read(data)
    problems: list[str] = []
    seen: dict[dt.date, int] = {}
    parsed = []
    header = set(table.names)
    if not header & set(MONTH_COLUMNS) or not header & set(TOTAL_COLUMNS) or not header & set(SEXUAL_COLUMNS):
        raise ImportProblems(
            [f"Line {table.header_line}: the columns must include month, total and sexual (or SV&H, SHB, HSB)."]
        )
    known = {*MONTH_COLUMNS, *TOTAL_COLUMNS, *SEXUAL_COLUMNS, *MEASURE_COLUMNS}
    problems += _unknown_columns(
        table,
        known,
        "month, total, sexual (or SV&H, SHB, HSB), measure (or category), and a percentage, "
        "which is worked out again from the counts",
    )
    if problems:
        raise ImportProblems(problems)
    sexual_column = next(c for c in SEXUAL_COLUMNS if c in header)
    default_measure = {"shb": "SHB", "no_of_shb_enquiries": "SHB", "hsb": "HSB"}.get(sexual_column, "SV&H")
    for n, row in table.rows:
        raw_month = (_column(row, MONTH_COLUMNS) or "").strip()
        if raw_month.lower().startswith("total"):
            continue  # a totals line copied from a report: the table works its own totals out
        month = parse_month(raw_month)
        if month is None:
            problems.append(f"Line {n}: “{raw_month}” is not a month with its year (write it like “September 2020”).")
        elif month in seen:
            problems.append(f"Line {n}: {month:%B %Y} is also on line {seen[month]}.")
        else:
            seen[month] = n
        total = _count(_column(row, TOTAL_COLUMNS) or "", n, "the total", problems)
        sexual = _count(row.get(sexual_column) or "", n, "the number about sexual harm", problems)
        if total is not None and sexual is not None and sexual > total:
            problems.append(f"Line {n}: {sexual} enquiries about sexual harm is more than the total of {total}.")
        measure = (_column(row, MEASURE_COLUMNS) or "").strip() or default_measure
        if len(measure) > 60:
            problems.append(f"Line {n}: the measure “{measure[:60]}…” is longer than 60 characters.")
        parsed.append((n, month, total, sexual, measure))
    held = set(MonthlyCount.objects.filter(authority=authority, month__in=list(seen)).values_list("month", flat=True))
    for n, month, *_ in parsed:
        if month in held:
            problems.append(
                f"Line {n}: {month:%B %Y} is already in the log; remove it from the file to keep the other."
            )
    if not parsed and not problems:
        problems.append("The file has no months in it.")
    if problems:
        raise ImportProblems(problems)
    counts = []
    for _, m, t, s, meas in parsed:
        assert m is not None and t is not None and s is not None  # else a problem was raised above
        counts.append(MonthlyCount(authority=authority, month=m, total=t, sexual=s, measure=meas, imported_by=by))
    MonthlyCount.objects.bulk_create(counts)
    audit_record(
        Event.MONTHLY_COUNTS_IMPORTED,
        ctx=ctx,
        actor=by,
        obj=authority,
        authority=authority,
        extra={"monthly_counts": len(parsed)},
    )
    return len(parsed)


def _yes(value: str) -> bool | None:
    return {
        "yes": True,
        "y": True,
        "true": True,
        "1": True,
        "no": False,
        "n": False,
        "false": False,
        "0": False,
        "": False,
    }.get((value or "").strip().lower())


ENQUIRY_COLUMNS = (
    "date",
    "time",
    "school_urn",
    "caller_role",
    "channel",
    "categories",
    "summary",
    "advice",
    "risk_assessment",
    "follow_up_on",
)


@transaction.atomic
def enquiries_import(*, by: User, authority: Authority, data: bytes | str, ctx: AuditContext = COMMAND) -> int:
    """Enquiry rows from an earlier log: date, time, school_urn, caller_role, channel,
    categories (codes separated by ;), summary, advice, risk_assessment (yes/no),
    follow_up_on. Every line is checked, children's names included, before any is saved."""
    _require_officer(by, authority)
    table = _read(data)
    required = {"date", "school_urn", "caller_role", "channel", "categories", "summary", "advice"}
    missing = required - set(table.names)
    if missing:
        raise ImportProblems([f"Line {table.header_line}: missing column(s): {', '.join(sorted(missing))}."])
    optional = {"time", "risk_assessment", "follow_up_on"}
    if unknown_columns := _unknown_columns(table, required | optional, ", ".join(ENQUIRY_COLUMNS)):
        raise ImportProblems(unknown_columns)
    schools = {s.urn: s for s in School.objects.filter(authority=authority)}
    codes = {c.code: c for c in Category.objects.filter(authority__isnull=True)} | {
        c.code: c for c in Category.objects.filter(authority=authority)
    }
    roles = {v: v for v in CallerRole.values} | {str(label).lower(): v for v, label in CallerRole.choices}
    channels = {v: v for v in Channel.values} | {str(label).lower(): v for v, label in Channel.choices}
    rosters: dict[int, anonymise.Roster] = {}
    problems: list[str] = []
    ready = []
    for n, row in table.rows:
        line: list[str] = []
        day: dt.date | None
        try:
            day = dt.date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            line.append(f"“{row.get('date', '')}” is not a date like 2021-05-04")
            day = None
        time_text = (row.get("time") or "09:00").strip() or "09:00"
        try:
            time = dt.time.fromisoformat(time_text)
        except ValueError:
            line.append(f"“{time_text}” is not a time like 14:30")
            time = dt.time(9, 0)
        school = schools.get((row.get("school_urn") or "").strip())
        if school is None:
            line.append(f"no school with URN “{row.get('school_urn', '')}” in {authority.name}")
        role = roles.get((row.get("caller_role") or "").strip().lower())
        if role is None:
            line.append(f"unknown caller role “{row.get('caller_role', '')}”")
        channel = channels.get((row.get("channel") or "").strip().lower())
        if channel is None:
            line.append(f"unknown channel “{row.get('channel', '')}”")
        wanted = [c.strip() for c in (row.get("categories") or "").split(";") if c.strip()]
        unknown = [c for c in wanted if c not in codes]
        if not wanted or unknown:
            line.append(f"unknown categories: {', '.join(unknown) or 'none given'}")
        elif day is not None and any(
            cat.valid_from > day or (cat.valid_to and cat.valid_to < day) for cat in (codes[c] for c in wanted)
        ):
            line.append("a category that was not in use on that date")
        summary, advice = (row.get("summary") or "").strip(), (row.get("advice") or "").strip()
        if not summary or not advice:
            line.append("a summary and the advice given are both needed")
        if school and summary:
            roster = rosters.setdefault(school.pk, anonymise.roster_for(school))
            flags = identifying_flags(school, {"summary": summary, "advice": advice}, roster)
            if flags:
                line.append(
                    "it may identify a child (" + ", ".join(f"{f.label.lower()} “{f.text}”" for f in flags) + ")"
                )
        ra = _yes(row.get("risk_assessment", ""))
        if ra is None:
            line.append("risk_assessment must be yes or no")
        follow = (row.get("follow_up_on") or "").strip()
        try:
            follow_on = dt.date.fromisoformat(follow) if follow else None
        except ValueError:
            line.append(f"“{follow}” is not a follow-up date like 2021-05-11")
            follow_on = None
        if line:
            problems.append(f"Line {n}: " + "; ".join(line) + ".")
            continue
        # Each of these when missing added its line above.
        assert day is not None and school is not None and role is not None and channel is not None and ra is not None
        at = timezone.make_aware(dt.datetime.combine(day, time))
        ready.append((school, at, role, channel, [codes[c].pk for c in wanted], summary, advice, ra, follow_on))
    if not ready and not problems:
        problems.append("The file has no enquiries in it.")
    if problems:
        raise ImportProblems(problems)
    for school, at, role, channel, cats, summary, advice, ra, follow_on in ready:
        enquiry_record(
            by=by,
            authority=authority,
            school=school,
            at=at,
            caller_role=role,
            channel=channel,
            category_ids=cats,
            summary=summary,
            advice=advice,
            risk_assessment_supported=ra,
            follow_up_on=follow_on,
            imported=True,
            roster=rosters.get(school.pk),
        )
    audit_record(
        Event.ENQUIRIES_IMPORTED,
        ctx=ctx,
        actor=by,
        obj=authority,
        authority=authority,
        extra={"enquiries": len(ready)},
    )
    return len(ready)
