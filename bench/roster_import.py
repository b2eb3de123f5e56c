"""Time the roster import on a school-sized file and more: parse, check and apply.

    .venv/bin/python bench/roster_import.py [--rows 50000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/haven .venv/bin/python bench/roster_import.py

It runs against a throwaway database of the configured kind (an on-disk SQLite file with the
project's pragmas, or a test_ database on the PostgreSQL server), migrated from scratch and
dropped afterwards, so the real data is never touched. Five runs, the first three as schools meet them:
the first import, the same file again (nothing to change), a new term's file (10 % of
pupils changed, 2 % left, 2 % new), September (every pupil up a year), and the worst case
(every pupil's names and date of birth changed).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from haven.organisations.models import Authority, School  # noqa: E402
from haven.people.models import Pupil, RosterImport  # noqa: E402
from haven.people.roster import roster_import_create, roster_import_run, roster_parse  # noqa: E402
from haven.people.upn import make_upn  # noqa: E402

HEADER = ["UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Gender", "NC Year", "SEN", "CLA"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "O’Brien", "Nowak"]
FORENAMES = ["Olivia", "Amelia", "Isla", "Zoë", "Muhammad", "Noah", "Oliver", "Leo", "Chloé", "Siân"]
YEARS = ["R", *[str(y) for y in range(1, 14)]]


def pupil_row(n: int, *, term: int = 0) -> list[str]:
    year = YEARS[(n + term) % len(YEARS)]
    age = 4 + n % len(YEARS)  # fixed by the pupil, whatever their year group
    return [
        make_upn(881, 4000 + n // 1000, 20, n % 1000),
        SURNAMES[n % 10],
        FORENAMES[(n // 10) % 10],
        "Ollie" if n % 17 == 0 else "",
        f"{1 + n % 28:02d}/{1 + n % 12:02d}/{timezone.localdate().year - age - 1}",
        "FM"[n % 2],
        year,
        "NKE"[0 if n % 7 else (n // 7) % 3],
        "Y" if n % 97 == 0 else "N",
    ]


def roster_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def timed_import(school: School, content: bytes, label: str, rows: int) -> None:
    started = time.perf_counter()
    roster_parse(content, today=timezone.localdate())
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ri = roster_import_create(school=school, by=None, filename="bench.csv", content=content)
    ri = roster_import_run(roster_import=ri)
    seconds = time.perf_counter() - started
    if ri.status != RosterImport.Status.DONE:
        raise SystemExit(f"{label}: {ri.status}: {ri.errors[:5]}")
    print(
        f"{label:<28} {rows:>7,} rows  {seconds:6.2f} s  {rows / seconds:>9,.0f} rows/s  "
        f"(parse+check alone {parse_seconds:5.2f} s)  added {ri.created_count:,}, changed {ri.updated_count:,}, "
        f"unchanged {ri.unchanged_count:,}, left {ri.left_count:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    n_rows = args.rows

    tmp = tempfile.TemporaryDirectory(prefix="haven-bench-")
    # A database of our own: never the real one, nor the test suite's (another run may be using it).
    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    else:
        test_settings["NAME"] = f"haven_bench_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Database: {connection.vendor} ({connection.settings_dict['NAME']})")
        authority = Authority.objects.create(name="Bench Authority", la_code="881")
        school = School.objects.create(name="Bench Academy", urn="199999", phase="secondary", authority=authority)

        rows = [pupil_row(n) for n in range(n_rows)]
        first = roster_file(rows)
        print(f"File: {len(first) / 1e6:.1f} MB")
        timed_import(school, first, "first import", n_rows)
        timed_import(school, first, "same file again", n_rows)

        # A new term: 10 % move up a year, 2 % leave, 2 % join.
        leaving = n_rows // 50
        next_term = [pupil_row(n, term=1 if n % 10 == 0 else 0) for n in range(leaving, n_rows)]
        next_term += [pupil_row(n) for n in range(n_rows, n_rows + leaving)]
        timed_import(school, roster_file(next_term), "next term (changes)", len(next_term))
        assert Pupil.objects.filter(school=school).count() == n_rows + leaving

        # September: everyone moves up a year.
        september = [pupil_row(n, term=2) for n in range(leaving, n_rows + leaving)]
        timed_import(school, roster_file(september), "September (all up a year)", len(september))
        # The worst case: every pupil's name and date of birth corrected at once.
        worst = [[r[0], r[1] + "e", r[2] + "a", r[3], "28" + r[4][2:], *r[5:]] for r in september]
        timed_import(school, roster_file(worst), "every name and date changed", len(worst))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()


if __name__ == "__main__":
    main()
