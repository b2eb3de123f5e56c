"""The pupil roster import: a CSV exported from the school's MIS becomes the school's pupils.

Why it works the way it does:

- **All or nothing.** Every line is checked before anything is written; one bad line means
  nothing changes, and every problem is reported with its file line number (the header is
  line 1) so the administrator can fix the file and upload it again.
- **Idempotent.** Pupils are matched by UPN within the school; importing the same file
  twice changes nothing the second time.
- **Leavers are marked, never deleted.** A pupil on roll who is missing from the file gets
  ``left_on`` = today; a leaver who is back in the file is put back on roll. A file that
  would mark more than half the school as leavers is refused unless the uploader said to
  expect it: a class list uploaded by mistake must not take a school off roll.
- **Fast enough for 50,000 rows** (a few seconds on SQLite: ``bench/roster_import.py``).
  Parsing is plain Python over the decoded text; only rows that changed are written, in
  batches (``bulk_create``, one UPDATE per new value of a year group or flag, executemany
  for names), so the number of queries grows by batch, never by row.

Reads for the roster pages (:func:`roster_school_get_for` and friends) are here too, so the
views ask one module; access itself is decided by :mod:`haven.access.policy`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import QuerySet

from haven.access.policy import Capability, can, deny
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.fields import model_field, pk_column
from haven.organisations.models import School

from .models import Pupil, RosterImport, SenStatus, Sex, YearGroup
from .upn import normalise_upn, upn_problem

if TYPE_CHECKING:
    from haven.accounts.models import User

ProgressCallback = Callable[[int, int], None]

PROGRESS_EVERY = 1000  # rows between progress updates: often enough to see, rare enough to be cheap
CREATE_BATCH = 1000
EXECUTEMANY_BATCH = 5000  # rows of parameters handed to the driver at once
PK_BATCH = 500  # ids in one "WHERE id IN (...)": below SQLite's 999 query parameters
MIN_AGE, MAX_AGE = 2, 25
NAME_MAX = 100
MANY_LEAVERS_MIN = 10  # a small school losing a handful of pupils is ordinary

NOT_UTF8 = "the file is not UTF-8: save it from your MIS as CSV UTF-8"
SOMETHING_WENT_WRONG = (
    "Something went wrong on our side and nothing was changed. Try again; if it happens again, "
    "tell whoever supports Haven for your school."
)


# --- Columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One roster column: the pupil field it fills, its name in messages, the headers MIS
    exports use for it (compared by :func:`_header_key`, so case and spacing do not
    matter), and what it accepts, in words for the upload page."""

    field: str
    label: str
    headers: tuple[str, ...]
    accepts: str
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "upn",
        "UPN",
        ("UPN", "Unique Pupil Number", "Pupil UPN"),
        "13 characters, starting with its check letter. Each pupil once only.",
    ),
    Column(
        "legal_surname",
        "Legal surname",
        ("Legal Surname", "Surname", "Last Name", "Family Name"),
        "As on the pupil's record. Up to 100 characters.",
    ),
    Column(
        "legal_forename",
        "Legal forename",
        ("Legal Forename", "Forename", "First Name", "Legal First Name"),
        "As on the pupil's record. Up to 100 characters.",
    ),
    Column(
        "preferred_forename",
        "Preferred forename",
        ("Preferred Forename", "Preferred First Name", "Preferred Name", "Known As"),
        "The name the pupil uses, if different. May be blank.",
        required=False,
    ),
    Column(
        "date_of_birth",
        "Date of birth",
        ("Date of Birth", "DOB", "Birth Date"),
        "dd/mm/yyyy (17/05/2012) or yyyy-mm-dd (2012-05-17). Pupils must be 2 to 25 years old.",
    ),
    Column("sex", "Sex", ("Sex", "Gender", "Legal Sex"), "F, M or U (not known); Female or Male. Blank means U."),
    Column(
        "year_group",
        "Year group",
        ("Year Group", "Year", "NC Year", "NC Year Actual", "National Curriculum Year", "Yr"),
        "N1, N2, R (Reception) or 1 to 14; “Year 7” and “Y7” are fine too.",
    ),
    Column(
        "sen_status",
        "SEN status",
        ("SEN Status", "SEN", "SEN Provision", "SEND", "SEND Status", "SEN Code"),
        "N (none), K (SEN support) or E (EHC plan), or those words. Blank means N.",
        required=False,
    ),
    Column(
        "looked_after",
        "Looked after",
        ("Looked After", "CLA", "In Care", "LAC", "Looked After Child", "Child Looked After"),
        "Y or N (Yes/No, True/False). Blank means N.",
        required=False,
    ),
)
_BY_HEADER = {re.sub(r"[^0-9a-z]+", "", h.lower()): c for c in COLUMNS for h in c.headers}
_ALIAS_RANK = {re.sub(r"[^0-9a-z]+", "", h.lower()): rank for c in COLUMNS for rank, h in enumerate(c.headers)}
# The fields a roster sets on a pupil, in the order compared and written.
ROSTER_FIELDS = tuple(c.field for c in COLUMNS if c.field != "upn")


def _header_key(header: str) -> str:
    """Headers compare case-insensitively, ignoring punctuation and spacing ("D.O.B" is "dob")."""
    return re.sub(r"[^0-9a-z]+", "", header.lower())


# --- Values ------------------------------------------------------------------------------


class BadValue(ValueError):
    """A cell that cannot be read; the message is shown to the administrator as it is."""


def _key(value: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", value.lower())


_SEX = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE}
_SEX |= dict.fromkeys(("", "u", "unknown", "notknown", "notstated"), Sex.UNKNOWN)
_SEN = dict.fromkeys(
    ("", "n", "no", "none", "nosen", "nospecialeducationalneed", "nospecialeducationalneeds"), SenStatus.NONE
)
_SEN |= dict.fromkeys(("k", "sensupport", "support"), SenStatus.SUPPORT)
_SEN |= dict.fromkeys(("e", "ehcp", "ehc", "ehcplan", "educationhealthandcareplan"), SenStatus.EHC_PLAN)
_YES = frozenset({"y", "yes", "true", "t", "1"})
_NO = frozenset({"", "n", "no", "false", "f", "0"})
_YEAR_WORDS = dict.fromkeys(("r", "rec", "reception", "yr", "yearr", "yearreception"), YearGroup.R.value)
_YEAR_WORDS |= dict.fromkeys(("n1", "nursery1", "yearn1"), YearGroup.N1.value)
_YEAR_WORDS |= dict.fromkeys(("n2", "nursery2", "yearn2"), YearGroup.N2.value)
# ASCII: \d would otherwise take digits from other scripts.
_YEAR_NUMBER = re.compile(r"(?:ncyear|year|yr|y)?0?(\d{1,2})", re.ASCII)
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MIDNIGHT = re.compile(r"[ T]00:00(?::00)?$")  # spreadsheets add a time to dates


def _shown(raw: str) -> str:
    """A cell's value quoted in a message, cut short: a damaged file can have huge cells."""
    text = raw.strip()
    return f"“{text if len(text) <= 40 else text[:39] + '…'}”"


def sex_value(raw: str) -> str:
    try:
        return _SEX[_key(raw)]
    except KeyError:
        raise BadValue(f"{_shown(raw)} is not a sex we know: use F, M or U (not known)") from None


def sen_value(raw: str) -> str:
    try:
        return _SEN[_key(raw)]
    except KeyError:
        raise BadValue(
            f"{_shown(raw)} is not an SEN status we know: use N (no special educational need), K (SEN support) "
            "or E (education, health and care plan)"
        ) from None


def looked_after_value(raw: str) -> bool:
    key = _key(raw)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise BadValue(f"{_shown(raw)} is not yes or no: use Y or N (or leave it blank for no)")


def year_group_value(raw: str) -> str:
    key = _key(raw)
    if key in _YEAR_WORDS:
        return _YEAR_WORDS[key]
    match = _YEAR_NUMBER.fullmatch(key)
    if match and 1 <= int(match.group(1)) <= 14:
        return str(int(match.group(1)))
    if not key:
        raise BadValue("the year group is missing")
    raise BadValue(f"{_shown(raw)} is not a year group we know: use N1, N2, R (Reception) or 1 to 14")


def date_of_birth_value(raw: str, *, today: dt.date) -> dt.date:
    """A date written dd/mm/yyyy (as UK MIS exports do) or yyyy-mm-dd, that exists and gives a
    school age (2 to 25) today."""
    text = _MIDNIGHT.sub("", raw.strip())
    if not text:
        raise BadValue("the date of birth is missing")
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) != 4:
            raise BadValue(f"{_shown(raw)} has a short year: write the year in full, like 17/05/2012")
    else:
        raise BadValue(f"{_shown(raw)} is not a date we can read: write it as dd/mm/yyyy, like 17/05/2012")
    try:
        born = dt.date(year, month, day)
    except ValueError:
        raise BadValue(f"{_shown(raw)} is not a real date") from None
    if born > today:
        raise BadValue(f"{_shown(raw)} is in the future")
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not MIN_AGE <= age <= MAX_AGE:
        years = "year" if age == 1 else "years"
        raise BadValue(
            f"{_shown(raw)} makes the pupil {age} {years} old; pupils on a school roll are {MIN_AGE} to {MAX_AGE}"
        )
    return born


def name_value(raw: str, *, label: str, required: bool) -> str:
    """Names are kept as written, in one Unicode form so that "Zoë" always matches "Zoë"."""
    text = unicodedata.normalize("NFC", " ".join(raw.split()))
    if required and not text:
        raise BadValue(f"the {label.lower()} is missing")
    if len(text) > NAME_MAX:
        raise BadValue(f"the {label.lower()} is longer than {NAME_MAX} characters")
    if _CONTROL.search(text):
        # PostgreSQL cannot store NUL, and no name has control characters: the file is damaged.
        raise BadValue(f"the {label.lower()} has a hidden control character in it: retype it or export again")
    return text


# --- Parsing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterProblem:
    """One reason the file cannot be imported. ``line`` is the file line (header = 1), or
    None for a problem with the file as a whole; ``column`` is the header as in the file."""

    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class RosterRow:
    """One pupil as the file gives them, checked."""

    line: int
    upn: str
    values: dict[str, Any]


@dataclass
class RosterParse:
    """What :func:`roster_parse` read: the rows (when there were no problems), the problems,
    and the fields the file has columns for (an absent optional column leaves pupils' values
    alone)."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    fields: tuple[str, ...] = ()
    rows_total: int = 0


def roster_decode(content: bytes) -> str | RosterProblem:
    """UTF-8, with or without the byte-order mark Excel adds. Anything else is refused rather
    than guessed at: a guess turns "Zoë" into "ZoÃ«" in a child's record."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return RosterProblem(1, "", f"{NOT_UTF8} (this file is UTF-16, which Excel calls “Unicode text”)")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Point at the first unreadable character: usually an accented name the MIS wrote
        # in the old Windows encoding.
        line = content[: exc.start].count(b"\n") + 1
        return RosterProblem(line, "", f"{NOT_UTF8} (the first character that cannot be read is on this line)")


def _header_columns(header: Sequence[str]) -> tuple[dict[int, Column], list[RosterProblem]]:
    """Which file column fills which field. When two headers name one field, the more exact
    wins ("Legal Surname" over "Surname", "Sex" over "Gender", which may hold gender
    identity); the same header twice cannot be settled and is reported."""
    chosen: dict[str, tuple[int, int, str]] = {}  # field -> (alias rank, column index, header)
    problems = []
    for index, text in enumerate(header):
        key = _header_key(text)
        column = _BY_HEADER.get(key)
        if column is None:
            continue  # MIS exports carry many other columns; they are not ours to read
        rank = _ALIAS_RANK[key]
        if column.field in chosen and chosen[column.field][0] == rank:
            first, again = chosen[column.field][2], text.strip()
            message = f"two columns give the {column.label.lower()} (“{first}” and “{again}”): keep one"
            problems.append(RosterProblem(1, again, message))
        elif column.field not in chosen or rank < chosen[column.field][0]:
            chosen[column.field] = (rank, index, text.strip())
    missing = [c.label for c in COLUMNS if c.required and c.field not in chosen]
    if missing:
        problems.append(RosterProblem(1, "", f"the header line has no column for: {', '.join(missing)}"))
    by_field = {c.field: c for c in COLUMNS}
    return {index: by_field[name] for name, (_, index, _) in chosen.items()}, problems


def roster_parse(
    content: bytes,
    *,
    today: dt.date,
    progress: ProgressCallback | None = None,
) -> RosterParse:
    """Read and check every line of a roster CSV; nothing is written.

    Problems are collected, not raised, so the administrator sees all of them at once.
    ``progress(rows_checked, rows_total)`` is called every :data:`PROGRESS_EVERY` rows.
    """
    result = RosterParse()
    text = roster_decode(content)
    if isinstance(text, RosterProblem):
        result.problems.append(text)
        return result
    # Strict, so a stray quote mark is reported on its line rather than swallowing the rest.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        result.problems.append(
            RosterProblem(line, "", f"this line cannot be read as CSV: check its quote marks ({exc})")
        )
        return result
    if not records or not any(cell.strip() for cell in records[0][1]):
        result.problems.append(RosterProblem(1, "", "the file is empty: the first line should be the column headers"))
        return result
    header_line, header = records[0]
    columns, problems = _header_columns(header)
    if problems:
        result.problems.extend(problems)
        return result
    present = {c.field for c in columns.values()}
    result.fields = tuple(f for f in ROSTER_FIELDS if f in present)
    body = [(n, r) for n, r in records[1:] if any(cell.strip() for cell in r)]  # blank lines are harmless
    result.rows_total = len(body)
    if not body:
        result.problems.append(RosterProblem(header_line, "", "the file has a header line but no pupils"))
        return result
    _check_rows(body, header, columns, today=today, result=result, progress=progress)
    if result.problems:
        result.rows = []
    return result


def _check_rows(
    body: list[tuple[int, list[str]]],
    header: list[str],
    columns: dict[int, Column],
    *,
    today: dt.date,
    result: RosterParse,
    progress: ProgressCallback | None,
) -> None:
    width = len(header)
    upn_index = next(i for i, c in columns.items() if c.field == "upn")
    cells = [(i, c, header[i].strip()) for i, c in columns.items() if c.field != "upn"]
    first_line_of: dict[str, int] = {}
    problems = result.problems
    if progress:
        progress(0, len(body))
    for done, (line, record) in enumerate(body, start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(body))
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            problems.append(
                RosterProblem(
                    line,
                    "",
                    f"this line has {len(record)} values but the header has {width} columns: "
                    "is there a comma in a name without quotes around it?",
                )
            )
            continue
        record = record + [""] * (width - len(record))
        upn = normalise_upn(record[upn_index])
        upn_header = header[upn_index].strip()
        if not upn:
            problems.append(RosterProblem(line, upn_header, "the UPN is missing"))
        elif not upn.isascii():  # upn_problem reads "١" and "²" as digits
            problems.append(
                RosterProblem(line, upn_header, f"{_shown(upn)} is not a valid UPN: use only A to Z and 0 to 9")
            )
        elif problem := upn_problem(upn):
            problems.append(RosterProblem(line, upn_header, f"{_shown(upn)} is not a valid UPN: {problem}"))
        elif upn in first_line_of:
            problems.append(RosterProblem(line, upn_header, f"the UPN {upn} is also on line {first_line_of[upn]}"))
        else:
            first_line_of[upn] = line
        values: dict[str, Any] = {}
        for index, column, column_header in cells:
            try:
                values[column.field] = _cell_value(column, record[index], today=today)
            except BadValue as exc:
                problems.append(RosterProblem(line, column_header, str(exc)))
        if not problems:
            result.rows.append(RosterRow(line, upn, values))
    if progress:
        progress(len(body), len(body))


def _cell_value(column: Column, raw: str, *, today: dt.date) -> Any:
    match column.field:
        case "legal_surname" | "legal_forename" | "preferred_forename":
            return name_value(raw, label=column.label, required=column.required)
        case "date_of_birth":
            return date_of_birth_value(raw, today=today)
        case "sex":
            return sex_value(raw)
        case "year_group":
            return year_group_value(raw)
        case "sen_status":
            return sen_value(raw)
        case "looked_after":
            return looked_after_value(raw)
    raise AssertionError(column.field)  # pragma: no cover


# --- Writes --------------------------------------------------------------------------------


class _RosterRefused(Exception):
    """Raised inside the apply transaction to roll it back with a reason to report."""

    def __init__(self, problem: RosterProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def roster_import_create(
    *,
    school: School,
    by: User | None,
    filename: str,
    content: bytes,
    allow_many_leavers: bool = False,
    ctx: AuditContext = COMMAND,
) -> RosterImport:
    """Record an upload, waiting to be run. The upload is audited (who, from where); the
    pupils it names are not, as nothing has changed yet."""
    with transaction.atomic(durable=True):
        roster_import = RosterImport.objects.create(
            school=school,
            uploaded_by=by,
            filename=filename[:255],
            content=content,
            allow_many_leavers=allow_many_leavers,
        )
        audit_record(
            Event.ROSTER_UPLOADED,
            ctx=ctx,
            actor=by,
            obj=roster_import,
            school=school,
            extra={"bytes": len(content), "allow_many_leavers": allow_many_leavers},
        )
    return roster_import


def roster_import_submit(
    *,
    school: School,
    by: User,
    filename: str,
    content: bytes,
    allow_many_leavers: bool = False,
    ctx: AuditContext = COMMAND,
) -> RosterImport:
    """Record an upload and queue it for the background worker, once the record is committed
    (the worker runs in another process and must find it)."""
    from .tasks import roster_import_process

    roster_import = roster_import_create(
        school=school,
        by=by,
        filename=filename,
        content=content,
        allow_many_leavers=allow_many_leavers,
        ctx=ctx,
    )
    transaction.on_commit(lambda: roster_import_process.enqueue(roster_import.pk))
    return roster_import


def roster_import_run(
    *,
    roster_import: RosterImport,
    today: dt.date | None = None,
    progress: ProgressCallback | None = None,
    ctx: AuditContext = COMMAND,
) -> RosterImport:
    """Check the uploaded file and, if every line is right, apply it to the school's pupils.

    Steps: claim the import (so a retried task does not run it twice); decode and check every
    line, saving progress as it goes (outside any transaction, so the page can show it);
    then, in one transaction, create, update and mark leavers, and audit the counts. On any
    problem nothing is written and the import is marked failed with every problem listed.
    The uploaded bytes are emptied either way. The background task passes ``ctx=TASK``.
    """
    today = today or clock.localdate()
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.VALIDATING
    )
    roster_import.refresh_from_db()
    if not claimed:
        return roster_import  # already run, or running elsewhere

    def _progress(done: int, total: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(rows_total=total, rows_done=done)
        if progress:
            progress(done, total)

    try:
        parsed = roster_parse(bytes(roster_import.content), today=today, progress=_progress)
        if parsed.problems:
            return _roster_import_fail(roster_import, parsed.problems, ctx=ctx)
        RosterImport.objects.filter(pk=roster_import.pk).update(status=RosterImport.Status.APPLYING)
        roster_import.status = RosterImport.Status.APPLYING
        try:
            _roster_import_apply(roster_import, parsed, today=today, ctx=ctx)
        except _RosterRefused as refused:
            return _roster_import_fail(roster_import, [refused.problem], ctx=ctx)
    except Exception:
        _roster_import_fail(roster_import, [RosterProblem(None, "", SOMETHING_WENT_WRONG)], ctx=ctx)
        raise
    roster_import.refresh_from_db()
    return roster_import


# Fields with few distinct values: a change is written as one UPDATE per value for all the
# pupils who get it (September's move up a year is 14 queries, not 50,000 CASE branches).
# Names and dates of birth change rarely and differ per pupil; they are written row by row
# (:func:`_pupils_update_each`).
_FEW_VALUES = frozenset({"sex", "year_group", "sen_status", "looked_after"})


@dataclass
class _RosterPlan:
    """The writes that make the school's pupils match the file."""

    creates: list[Pupil] = field(default_factory=list)
    set_value: dict[tuple[str, Any], list[int]] = field(default_factory=dict)  # (field, value) -> pupil ids
    detailed: list[Pupil] = field(default_factory=list)  # pupils whose names or date of birth changed
    detailed_fields: list[str] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    leavers: list[int] = field(default_factory=list)
    on_roll: int = 0


def _roster_plan(roster_import: RosterImport, parsed: RosterParse, *, today: dt.date, now: dt.datetime) -> _RosterPlan:
    fields = [f for f in ROSTER_FIELDS if f in parsed.fields]
    existing: dict[str, tuple[int, dt.date | None, tuple[Any, ...]]] = {
        upn.upper(): (pk, left_on, tuple(rest))
        for pk, upn, left_on, *rest in Pupil.objects.filter(school_id=roster_import.school_id)
        .values_list("pk", "upn", "left_on", *fields)
        .iterator(chunk_size=5000)
    }
    detailed_fields = [f for f in fields if f not in _FEW_VALUES]
    plan = _RosterPlan(detailed_fields=detailed_fields)
    for row in parsed.rows:
        current = existing.get(row.upn)
        if current is None:
            plan.creates.append(Pupil(school_id=roster_import.school_id, upn=row.upn, created_at=now, **row.values))
            continue
        pk, left_on, old_values = current
        changed = [(f, new) for f, old, new in zip(fields, old_values, (row.values[f] for f in fields), strict=True)
                   if old != new]  # fmt: skip
        if left_on is not None:
            changed.append(("left_on", None))  # back on roll
        if not changed:
            plan.unchanged += 1
            continue
        plan.updated += 1
        detailed = False
        for name, value in changed:
            if name in _FEW_VALUES or name == "left_on":
                plan.set_value.setdefault((name, value), []).append(pk)
            else:
                detailed = True
        if detailed:
            # Every detailed field, not just the changed ones: the same fields are written
            # for every pupil in the list.
            plan.detailed.append(Pupil(pk=pk, updated_at=now, **{f: row.values[f] for f in detailed_fields}))
    in_file = {row.upn for row in parsed.rows}
    for upn, (pk, left_on, _) in existing.items():
        if left_on is None:
            plan.on_roll += 1
            if upn not in in_file:
                plan.leavers.append(pk)
    if plan.leavers:
        plan.set_value[("left_on", today)] = plan.leavers
    return plan


def _pupils_update_each(pupils: list[Pupil], fields: list[str]) -> None:
    """Write these fields of each pupil: one parameterised UPDATE, run with executemany.

    Django's bulk_update builds a CASE WHEN branch per pupil per field, which costs close to a
    millisecond a pupil in Python (40 s for 50,000 corrected names); executemany costs
    microseconds. The SQL holds only quoted table and column names from the model.
    """
    quote = connection.ops.quote_name
    columns = [model_field(Pupil, name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (identifiers from the model, values as parameters)
        quote(Pupil._meta.db_table),
        ", ".join(f"{quote(str(c.column))} = %s" for c in columns),
        quote(pk_column(Pupil)),
    )
    params = [[c.get_db_prep_save(getattr(p, c.attname), connection) for c in columns] + [p.pk] for p in pupils]
    with connection.cursor() as cursor:
        for start in range(0, len(params), EXECUTEMANY_BATCH):
            cursor.executemany(sql, params[start : start + EXECUTEMANY_BATCH])


def _roster_import_apply(
    roster_import: RosterImport, parsed: RosterParse, *, today: dt.date, ctx: AuditContext
) -> None:
    now = clock.now()
    with transaction.atomic(durable=True):
        # One import per school at a time: a second waits here, then sees the first's result.
        School.objects.select_for_update().filter(pk=roster_import.school_id).first()
        plan = _roster_plan(roster_import, parsed, today=today, now=now)
        if not roster_import.allow_many_leavers and len(plan.leavers) > max(MANY_LEAVERS_MIN, plan.on_roll // 2):
            raise _RosterRefused(
                RosterProblem(
                    None,
                    "",
                    f"this file would mark {len(plan.leavers)} of the {plan.on_roll} pupils on roll as leavers. If "
                    "the file is the whole school, upload it again and tick “I expect many pupils to leave”; if it "
                    "is one class or year, export the whole school instead.",
                )
            )
        Pupil.objects.bulk_create(plan.creates, batch_size=CREATE_BATCH)
        for (name, value), pks in plan.set_value.items():
            for start in range(0, len(pks), PK_BATCH):
                Pupil.objects.filter(pk__in=pks[start : start + PK_BATCH]).update(**{name: value, "updated_at": now})
        if plan.detailed:
            _pupils_update_each(plan.detailed, [*plan.detailed_fields, "updated_at"])
        counts = {
            "created_count": len(plan.creates),
            "updated_count": plan.updated,
            "unchanged_count": plan.unchanged,
            "left_count": len(plan.leavers),
        }
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=RosterImport.Status.DONE,
            rows_total=parsed.rows_total,
            rows_done=parsed.rows_total,
            content=b"",
            finished_at=clock.now(),
            **counts,
        )
        # Counts only: the audit log names records, never children's details.
        audit_record(
            Event.ROSTER_IMPORTED,
            ctx=ctx,
            actor=roster_import.uploaded_by,
            obj=roster_import,
            school=roster_import.school_id,
            changes={"status": (str(roster_import.status), RosterImport.Status.DONE.value)},
            extra={"status": RosterImport.Status.DONE.value, "rows": parsed.rows_total, **counts},
        )


def _roster_import_fail(
    roster_import: RosterImport, problems: Iterable[RosterProblem], *, ctx: AuditContext
) -> RosterImport:
    problems = list(problems)
    kept = [p.as_dict() for p in problems[: RosterImport.ERRORS_KEPT]]
    with transaction.atomic():
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=RosterImport.Status.FAILED,
            errors=kept,
            errors_total=len(problems),
            content=b"",
            finished_at=clock.now(),
        )
        audit_record(
            Event.ROSTER_FAILED,
            ctx=ctx,
            actor=roster_import.uploaded_by,
            obj=roster_import,
            school=roster_import.school_id,
            changes={"status": (str(roster_import.status), RosterImport.Status.FAILED.value)},
            extra={"status": RosterImport.Status.FAILED.value, "errors": len(problems)},
        )
    roster_import.refresh_from_db()
    return roster_import


# --- Reads ---------------------------------------------------------------------------------


def roster_school_get_for(user: User, school_id: int, *, ctx: AuditContext = COMMAND) -> School:
    """The school whose roster the user may manage; otherwise a 404, audited (DESIGN §8:
    administrators of the school or its trust only)."""
    school = School.objects.filter(pk=school_id).first()
    if school is None or not can(user, Capability.MANAGE_PEOPLE, school=school):
        raise deny(ctx, actor=user, object_type="people.roster", object_id=school_id, school=school)
    return school


def roster_import_list_for(user: User, *, school: School) -> QuerySet[RosterImport]:
    """A school's imports, newest first, without the uploaded bytes."""
    if not can(user, Capability.MANAGE_PEOPLE, school=school):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(school=school).select_related("uploaded_by").defer("content", "errors")


def roster_import_get_for(user: User, school_id: int, import_id: int, *, ctx: AuditContext = COMMAND) -> RosterImport:
    """One import of a school whose roster the user may manage; otherwise a 404, audited."""
    school = roster_school_get_for(user, school_id, ctx=ctx)
    roster_import = (
        RosterImport.objects.filter(pk=import_id, school=school)
        .select_related("school", "uploaded_by")
        .defer("content")
        .first()
    )
    if roster_import is None:
        raise deny(ctx, actor=user, object_type="people.rosterimport", object_id=import_id, school=school)
    return roster_import
