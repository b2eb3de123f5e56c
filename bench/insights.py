"""Insights at county scale: the county dashboard and the monthly enquiry table on PostgreSQL.

    .venv/bin/python bench/insights.py            # 500 schools, 10 years, 10,000,000 concerns' roll-ups
    .venv/bin/python bench/insights.py --small    # 20 schools, 2 years (a smoke run)
    .venv/bin/python bench/insights.py --runs 50  # requests per scenario (after 5 warm-up)

The dashboards never read the concerns table: they read the roll-up tables the task worker
keeps (haven/insights/rollups.py). So the data set is what ten years of 10,000,000 concerns
over 500 schools leave in those tables, loaded with COPY: one row per school, month, main kind,
place and sexual-or-not for concerns (summing to the stated number of concerns), per role,
year group, sex, SEND and looked-after for children, and per route for decisions; plus the
authority's enquiry log (about 400 enquiries a month for ten years, as in the county review)
and each school's pupils (for the under-recording signal). Nothing in haven/ changes.

Each scenario is a real request through Django's test client (middleware, two-factor
session, view, template), signed in as the county's LA officer, timed in process; the
figure beside it is one plain SQL aggregate over the roll-up table for the same window,
and the ratio says how much the page costs beyond reading its numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.concerns import OUT, PG_BASE, configure_django, db_recreate  # noqa: E402

FAMILIES = [
    ("bullying", 0.34, False),
    ("online_bullying", 0.2, False),
    ("physical", 0.16, False),
    ("prejudice", 0.1, False),
    ("relationship_abuse", 0.04, False),
    ("sexual_harassment", 0.05, True),
    ("sexual_violence", 0.015, True),
    ("nudes", 0.025, True),
    ("harmful_sexual_behaviour", 0.02, True),
    ("hazing", 0.01, False),
    ("hate", 0.02, False),
    ("cce", 0.02, False),
]
LOCATIONS = [
    ("corridor", 0.22),
    ("online", 0.24),
    ("playground", 0.15),
    ("classroom", 0.14),
    ("toilets", 0.1),
    ("journey", 0.06),
    ("dining_hall", 0.05),
    ("changing_rooms", 0.04),
]
SEASON = {9: 1.3, 10: 1.1, 11: 1.2, 12: 0.8, 1: 0.9, 2: 0.9, 3: 1.2, 4: 0.8, 5: 1.1, 6: 1.1, 7: 0.9, 8: 0.1}


def _months(years: int, end: dt.date) -> list[dt.date]:
    out, m = [], end.replace(day=1)
    for _ in range(years * 12):
        out.append(m)
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def generate(schools_n: int, years: int, concerns_total: int, rng: random.Random) -> dict[str, int]:
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from haven.access.roles import Role
    from haven.accounts.models import AuthenticatorApp, Membership, User
    from haven.organisations.models import Authority, School

    authority = Authority.objects.create(name="Benchshire County Council", la_code="990")
    schools = School.objects.bulk_create(
        [
            School(
                name=f"Bench School {i:03d}",
                urn=f"{700000 + i}",
                phase=rng.choice(["primary"] * 3 + ["secondary"]),
                authority=authority,
                report_code=f"bench{i:07d}",
            )
            for i in range(schools_n)
        ]
    )
    officer = User.objects.create_user(email="officer@bench.example", password=None, full_name="Bench Officer")
    Membership.objects.create(user=officer, role=Role.LA_OFFICER, authority=authority)
    AuthenticatorApp.objects.create(user=officer, name="bench", confirmed=True)
    months = _months(years, dt.date.today())
    weights = [rng.uniform(0.3, 2.0) for _ in schools]
    per_month = concerns_total / sum(SEASON[m.month] for m in months) / sum(weights)
    dsn = f"{PG_BASE}/{connection.settings_dict['NAME']}"
    counts = {"concerns": 0, "concern_rows": 0, "child_rows": 0, "route_rows": 0, "enquiries": 0, "pupils": 0}
    connection.close()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY insights_concernrollup (school_id, month, family, location, sexual, concerns, acknowledged, "
            "hours_to_acknowledge) FROM STDIN"
        ) as copy:
            for s, w in zip(schools, weights, strict=True):
                for m in months:
                    n_month = max(0, round(per_month * w * SEASON[m.month] * rng.uniform(0.7, 1.3)))
                    cells = [
                        [family, loc, sexual, round(n_month * fw * lw * rng.uniform(0.5, 1.5))]
                        for family, fw, sexual in FAMILIES
                        for loc, lw in LOCATIONS
                    ]
                    # The cells' rounding must not change the month's number: the difference
                    # goes to (or comes from) the largest cells.
                    cells.sort(key=lambda c: -c[3])
                    gap = n_month - sum(c[3] for c in cells)
                    i = 0
                    while gap:
                        step = max(-cells[i % len(cells)][3], gap // 10 or (1 if gap > 0 else -1))
                        cells[i % len(cells)][3] += step
                        gap -= step
                        i += 1
                    for family, loc, sexual, n in cells:
                        if n > 0:
                            copy.write_row((s.pk, m, family, loc, sexual, n, n, n * rng.uniform(1, 8)))
                            counts["concerns"] += n
                            counts["concern_rows"] += 1
        with cur.copy(
            "COPY insights_childrollup (school_id, month, role, year_group, sex, send, looked_after, children) "
            "FROM STDIN"
        ) as copy:
            for s in schools:
                years_of = ["1", "2", "3", "4", "5", "6"] if s.phase == "primary" else ["7", "8", "9", "10", "11"]
                for m in months:
                    for role in ("affected", "alleged_harmer"):
                        for y in years_of:
                            for sex in ("F", "M"):
                                send = rng.random() < 0.2
                                copy.write_row((s.pk, m, role, y, sex, send, rng.random() < 0.03, rng.randint(0, 6)))
                                counts["child_rows"] += 1
        with cur.copy(
            "COPY insights_routerollup (school_id, month, route, decisions, hours_to_decide) FROM STDIN"
        ) as copy:
            for s in schools:
                for m in months:
                    for route in ("internal", "early_help", "police", "social_care"):
                        n = rng.randint(0, 8)
                        if n:
                            copy.write_row((s.pk, m, route, n, n * rng.uniform(4, 72)))
                            counts["route_rows"] += 1
        with cur.copy(
            "COPY people_pupil (school_id, upn, legal_forename, legal_surname, preferred_forename, date_of_birth, "
            "year_group, sex, gender_identity, sen_status, looked_after, child_in_need, child_protection_plan, "
            "young_carer, missing_education, created_at, updated_at) FROM STDIN"
        ) as copy:
            now = dt.datetime.now(dt.UTC)
            for s in schools:
                for i in range(rng.randint(150, 400) if s.phase == "primary" else rng.randint(600, 1200)):
                    copy.write_row(
                        (
                            s.pk,
                            f"B{s.pk:06d}{i:06d}",
                            "Pupil",
                            f"Bench{i}",
                            "",
                            dt.date(2012, 1, 1),
                            "7",
                            "U",
                            "",
                            "N",
                            False,
                            False,
                            False,
                            False,
                            False,
                            now,
                            now,
                        )
                    )
                    counts["pupils"] += 1
        cur.execute("SELECT id FROM concerns_category WHERE parent_id IS NULL AND authority_id IS NULL ORDER BY id")
        category_ids = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT setval(pg_get_serial_sequence('insights_enquiry', 'id'), 1, false)")
        enquiry_rows = []
        for m in _months(years, dt.date.today()):
            for _ in range(round(400 * SEASON[m.month] * rng.uniform(0.8, 1.2))):
                day = m + dt.timedelta(days=rng.randint(0, 27))
                at = dt.datetime.combine(day, dt.time(rng.randint(8, 17), 0), tzinfo=dt.UTC)
                enquiry_rows.append((authority.pk, rng.choice(schools).pk, at))
        with cur.copy(
            "COPY insights_enquiry (id, authority_id, school_id, at, caller_role, channel, summary, advice, "
            "risk_assessment_supported, recorded_by_id, recorded_at, imported) FROM STDIN"
        ) as copy:
            for i, (a, s, at) in enumerate(enquiry_rows, start=1):
                copy.write_row(
                    (
                        i,
                        a,
                        s,
                        at,
                        "dsl",
                        "phone",
                        "A question about a Year 9 pupil.",
                        "Advice given.",
                        False,
                        officer.pk,
                        at,
                        True,
                    )
                )
        with cur.copy("COPY insights_enquiry_categories (enquiry_id, category_id) FROM STDIN") as copy:
            for i in range(1, len(enquiry_rows) + 1):
                copy.write_row((i, rng.choice(category_ids[:8]) if rng.random() > 0.03 else category_ids[4]))
        cur.execute("SELECT setval(pg_get_serial_sequence('insights_enquiry', 'id'), %s)", [len(enquiry_rows)])
        counts["enquiries"] = len(enquiry_rows)
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        counts.update(fill_areas(conn))
        conn.execute("VACUUM ANALYZE")
    return counts


AREA_SQL = {
    "school_month_rows": "INSERT INTO insights_schoolmonthrollup (school_id, month, sexual, concerns) "
    "SELECT school_id, month, sexual, SUM(concerns) FROM insights_concernrollup GROUP BY 1, 2, 3",
    "area_concern_rows": "INSERT INTO insights_areaconcernrollup (authority_id, phase, month, family, location, "
    "sexual, concerns, acknowledged, hours_to_acknowledge) SELECT s.authority_id, s.phase, r.month, r.family, "
    "r.location, r.sexual, SUM(r.concerns), SUM(r.acknowledged), SUM(r.hours_to_acknowledge) "
    "FROM insights_concernrollup r JOIN organisations_school s ON s.id = r.school_id GROUP BY 1, 2, 3, 4, 5, 6",
    "area_child_rows": "INSERT INTO insights_areachildrollup (authority_id, phase, month, year_group, sex, send, "
    "looked_after, children) SELECT s.authority_id, s.phase, r.month, r.year_group, r.sex, r.send, "
    "r.looked_after, SUM(r.children) FROM insights_childrollup r JOIN organisations_school s "
    "ON s.id = r.school_id GROUP BY 1, 2, 3, 4, 5, 6, 7",
}


def fill_areas(conn) -> dict[str, int]:
    """The area and school-month roll-ups, as haven.insights.rollups.recount_areas and refresh
    leave them, counted here in one statement each from the school roll-ups just loaded."""
    counts = {}
    for key, sql in AREA_SQL.items():
        table = sql.split()[2]
        conn.execute(f"DELETE FROM {table}")
        counts[key] = conn.execute(sql).rowcount
    return counts


def _timed(fn, runs: int) -> list[float]:
    for _ in range(5):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def measure(runs: int) -> list[tuple[str, list[float], list[float], float]]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from haven.accounts.models import AuthenticatorApp, User
    from haven.organisations.models import Authority

    call_command("collectstatic", interactive=False, verbosity=0)  # production's manifest storage
    setup_test_environment()
    officer = User.objects.get(email="officer@bench.example")
    client = Client(headers={"x-forwarded-proto": "https"}, secure=True)
    client.force_login(officer)
    session = client.session
    session["otp_device_id"] = AuthenticatorApp.objects.get(user=officer).persistent_id
    session.save()
    authority = Authority.objects.get(la_code="990")
    end = dt.date.today().replace(day=1)
    year = (end - dt.timedelta(days=330)).replace(day=1)
    decade = (end - dt.timedelta(days=3650)).replace(day=1)

    def sql(query: str, params: list) -> float:
        def run() -> None:
            with connection.cursor() as cur:
                cur.execute(query, params)
                cur.fetchall()

        return statistics.median(_timed(run, 20))

    rollup_sql = (
        "SELECT r.month, r.sexual, SUM(r.concerns) FROM insights_concernrollup r JOIN organisations_school s "
        "ON s.id = r.school_id WHERE s.authority_id = %s AND r.month BETWEEN %s AND %s GROUP BY 1, 2"
    )
    enquiry_sql = (
        "SELECT date_trunc('month', at), COUNT(*) FROM insights_enquiry WHERE authority_id = %s AND at >= %s "
        "AND at < %s GROUP BY 1"
    )
    results = []
    for label, url, base_q, params in (
        ("county dashboard, last 12 months", "/insights/", rollup_sql, [authority.pk, year, end]),
        (
            "county dashboard, 10 years",
            f"/insights/?from={decade:%Y-%m}&to={end:%Y-%m}",
            rollup_sql,
            [authority.pk, decade, end],
        ),
        ("monthly enquiry table, 12 months", "/enquiries/by-month/", enquiry_sql, [authority.pk, year, end]),
        (
            "monthly enquiry table, 10 years",
            f"/enquiries/by-month/?from={decade:%Y-%m}&to={end:%Y-%m}",
            enquiry_sql,
            [authority.pk, decade, end],
        ),
    ):

        def get(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        times = _timed(get, runs)
        results.append((label, times, [], sql(base_q, params)))
    area_sql = (
        "SELECT month, sexual, SUM(concerns) FROM insights_areaconcernrollup WHERE authority_id = %s "
        "AND month BETWEEN %s AND %s GROUP BY 1, 2"
    )
    for label, since in (("12 months", year), ("10 years", decade)):
        results.append(
            (f"(plain SQL over the area roll-up, {label})", [], [], sql(area_sql, [authority.pk, since, end]))
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="measure the existing database again")
    args = parser.parse_args()
    db = "haven_bench_insights_small" if args.small else "haven_bench_insights"
    data_dir = OUT / f"data-{db}"
    data_dir.mkdir(parents=True, exist_ok=True)
    configure_django(db, data_dir)
    rng = random.Random(2026)
    if args.keep:  # a data set from an earlier version: bring its schema and derived tables up to date
        import psycopg
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        with psycopg.connect(f"{PG_BASE}/{db}", autocommit=True) as conn:
            print("Derived roll-ups: " + ", ".join(f"{k} {v:,}" for k, v in fill_areas(conn).items()))
            conn.execute("VACUUM ANALYZE")
    else:
        started = time.monotonic()
        db_recreate(db)
        counts = generate(
            20 if args.small else 500, 2 if args.small else 10, 200_000 if args.small else 10_000_000, rng
        )
        print(f"Generated in {time.monotonic() - started:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    out = io.StringIO()
    print(f"{'scenario':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'SQL ms':>8} {'p95/SQL':>8}", file=out)
    for label, times, _, sql_ms in measure(args.runs):
        if not times:
            print(f"{label:60} {sql_ms:8.1f} ms", file=out)
            continue
        p95 = _p(times, 95)
        print(
            f"{label:36} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} {sql_ms:8.1f} "
            f"{p95 / sql_ms:8.1f}",
            file=out,
        )
    print(out.getvalue())
    (OUT / f"insights-{dt.datetime.now():%Y%m%d-%H%M%S}.txt").write_text(out.getvalue())


if __name__ == "__main__":
    main()
