"""Concerns and cases at county scale: generate a synthetic county on PostgreSQL, then time the
real server on loopback.

    .venv/bin/python bench/concerns.py --small        # smoke run: 10 schools, 20,000 concerns
    .venv/bin/python bench/concerns.py                # 500 schools, 1,000,000 concerns
    .venv/bin/python bench/concerns.py --regenerate   # build the data set again
    .venv/bin/python bench/concerns.py --generate-only | --no-diagnose | --concurrency 0

The data set lives in a database of its own (haven_bench, or haven_bench_small for --small) on the
PostgreSQL server at 127.0.0.1:5432, created and migrated here and reused by later runs while its
size and generator version match; no other database is touched. It is loaded with COPY straight
into the tables (constraints and indexes dropped first, then rebuilt and so checked), then
VACUUM ANALYZE.

The benchmark starts gunicorn as scripts/run.sh does (haven.wsgi, 3 workers x 2 threads) with
HAVEN_ENV=production, on 127.0.0.1 and a free port, behind no proxy: the client sends
X-Forwarded-Proto: https as the TLS-terminating proxy of a real deployment would, so secure
cookies, CSRF origin checks and HSTS are exactly production's. It signs in for real (password,
then a TOTP code computed from the device's key), runs a bounded number of requests per scenario
(warm-up, sequential, then a few threads at once) and prints p50/p95/p99, each also as a multiple
of a minimal view on the same server that reads or inserts one row (bench/baseline.py). Last, an
in-process pass counts and times each page's queries and EXPLAIN ANALYZEs the slowest. Results go
to bench/out/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import cProfile
import datetime as dt
import hashlib
import http.client
import io
import json
import os
import platform
import pstats
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

GENERATOR_VERSION = 6  # 2: audit events with their names and channel (audit 0004); 3: sealed;
# 4: narratives encrypted at rest, with their blind index (concerns 0007); 5: authenticator
# seeds encrypted, in accounts_authenticatorapp (accounts 0008); 6: concerns' body map count
# (concerns 0008; no body marks), and an authenticator app for every user, staff included
PASSWORD = "bench-password-not-a-secret"  # every synthetic user's password (one Argon2 hash)
PG_BASE = "postgresql://postgres@127.0.0.1:5432"
DAY = 86_400
NULL = "\\N"  # COPY's text format
TARGETS_MS = {"submit": 50.0, "dashboard": 150.0, "chronology": 100.0}
CHRONOLOGY_ENTRIES = 300
USER_AGENT = "haven-bench/1 (loopback)"
STAMP = dt.datetime.now().strftime("%Y%m%d-%H%M%S")  # names this run's files in bench/out/
# Indexes this benchmark proposes (see bench/README.md); --proposed-indexes builds them for one run
# in the bench database only, and drops them afterwards. None at the moment: the two it proposed
# (concern_to_triage, task_open_by_due) are migrations now (concerns 0004, cases 0002).
PROPOSED_INDEXES: dict[str, str] = {}


# =============================================================================================
# Configuration: the environment is set before Django is imported.
# =============================================================================================


def configure_django(db: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"{PG_BASE}/{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["HAVEN_ENV"] = "production"
    os.environ.setdefault("HAVEN_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["HAVEN_DATA_DIR"] = str(data_dir)
    os.environ["HAVEN_LOG_LEVEL"] = "WARNING"
    os.environ.pop("HAVEN_BENCH_BASELINE", None)
    import django

    django.setup()


# =============================================================================================
# The bench database: created, described (COMMENT ON DATABASE) and dropped here, nowhere else.
# =============================================================================================


def _check_db_name(name: str) -> str:
    if not re.fullmatch(r"haven_bench[a-z0-9_]*", name):
        raise SystemExit(f"--db must start with haven_bench (got {name!r}): this script only touches its own databases")
    return name


def _admin():
    import psycopg

    return psycopg.connect(f"{PG_BASE}/postgres", autocommit=True)


def db_meta(name: str) -> dict[str, Any] | None:
    with _admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def db_set_meta(name: str, meta: dict[str, Any]) -> None:
    from psycopg import sql

    with _admin() as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(json.dumps(meta)))
        )


def db_recreate(name: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def db_drop(name: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with _admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# =============================================================================================
# Synthetic county
# =============================================================================================

# Phases: year groups in order, age on entry, (min, max) pupils on roll, concerns per pupil (relative).
PHASES: dict[str, tuple[list[str], int, tuple[int, int], float]] = {
    "primary": (["R", "1", "2", "3", "4", "5", "6"], 4, (180, 480), 0.7),
    "secondary": (["7", "8", "9", "10", "11", "12", "13"], 11, (700, 1600), 1.3),
    "all_through": (["R", *[str(y) for y in range(1, 14)]], 4, (1200, 2000), 1.1),
    "special": ([str(y) for y in range(1, 14)], 5, (60, 180), 3.0),
    "alternative": (["7", "8", "9", "10", "11"], 11, (30, 90), 5.0),
}
PHASE_MIX = [("primary", 75), ("secondary", 18), ("special", 3), ("alternative", 2), ("all_through", 2)]
SMALL_PHASES = ["secondary", "primary", "primary", "secondary", "primary", "special", "primary", "secondary"]

# Category code: (relative frequency, severity, share recorded as online). Sexual violence and
# sexual harassment only exist from 1 May 2021 (taxonomy.SVH_FROM), so earlier concerns use the rest.
CATEGORY_MIX: dict[str, tuple[float, float, float]] = {
    "bullying": (18, 1.0, 0.05),
    "online_bullying": (11, 1.0, 0.95),
    "prejudice": (0.5, 1.2, 0.1),
    "racist": (4, 1.3, 0.2),
    "homophobic": (2.5, 1.3, 0.2),
    "biphobic": (0.4, 1.3, 0.2),
    "transphobic": (0.8, 1.3, 0.2),
    "disability": (1.2, 1.3, 0.1),
    "sexist": (1.5, 1.2, 0.2),
    "sexual_violence": (0.2, 3.5, 0.0),
    "rape": (0.25, 4.0, 0.0),
    "assault_by_penetration": (0.15, 4.0, 0.0),
    "sexual_assault": (1.5, 3.5, 0.0),
    "causing_sexual_activity": (0.3, 3.0, 0.1),
    "sexual_harassment": (0.5, 1.5, 0.2),
    "sexual_comments": (5, 1.4, 0.3),
    "sexual_jokes": (3, 1.3, 0.3),
    "sexual_physical": (2, 1.8, 0.0),
    "online_sexual_harassment": (3, 1.8, 0.95),
    "upskirting": (0.3, 2.5, 0.0),
    "nudes": (3.5, 2.5, 0.9),
    "harmful_sexual_behaviour": (3, 2.2, 0.1),
    "relationship_abuse": (2, 2.0, 0.3),
    "physical": (16, 1.2, 0.0),
    "hazing": (0.5, 1.3, 0.0),
    "hate": (2, 1.5, 0.3),
    "cce": (1.5, 3.5, 0.2),
    "cse": (0.8, 3.5, 0.4),
    "radicalisation": (0.4, 3.0, 0.6),
}
OFFLINE_LOCATIONS = [
    ("classroom", 22),
    ("corridor", 15),
    ("playground", 18),
    ("toilets", 7),
    ("changing_rooms", 3),
    ("dining_hall", 5),
    ("library", 1),
    ("transport", 4),
    ("journey", 6),
    ("trip", 1),
    ("community", 14),
    ("other", 3),
]
PLATFORMS = [
    ("Snapchat", 30),
    ("WhatsApp", 20),
    ("TikTok", 14),
    ("Instagram", 12),
    ("Roblox", 6),
    ("Discord", 5),
    ("Fortnite", 4),
    ("YouTube", 3),
    ("Facebook", 2),
    ("Xbox Live", 2),
    ("Telegram", 2),
]
LOCATION_DETAILS = [
    "By the lockers",
    "Science corridor",
    "Year 9 block",
    "Bus 12",
    "Field, by the fence",
    "Outside the sports hall",
    "Boys' toilets, ground floor",
    "Girls' toilets, first floor",
    "Queue for lunch",
    "Park near the school gates",
    "Maths room 4",
    "Behind the music block",
]


def _words(text: str) -> list[str]:
    return text.split()


FORENAMES = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence Emily Ella Poppy "
    "Evie Elsie Charlotte Zoë Chloé Siân Aoife Maja Amira Fatima Aaliyah Noah Muhammad Oliver George Leo "
    "Arthur Oscar Theodore Freddie Harry Archie Jack Henry Charlie Finley Alfie Thomas Jacob Tommy Lucas "
    "Theo Rory Kai Ethan Jayden Mohammed Yusuf Ibrahim Oskar Kacper Tomasz Dylan Reuben"
)
SURNAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason Mitchell Rose Davis "
    "Rodriguez Cox Alexander Morgan Moore Martin Price Hughes Edwards Hussain Ali Begum Ahmed Kaur Singh "
    "Nowak Kowalski Murphy Kelly O’Brien Byrne Ryan Okafor Adeyemi Mensah Nguyen Chen Wang Kaya Yilmaz "
    "Fernandes Silva Costa Harris Turner Parker Collins Bennett Cook Bell Ward Bailey Cooper Richardson"
)
JOB_TITLES = [
    "Teacher",
    "Teaching assistant",
    "Form tutor",
    "Head of Year",
    "Learning mentor",
    "Midday supervisor",
    "Pastoral lead",
    "SENCo",
    "Office manager",
    "Site supervisor",
    "Cover supervisor",
]

WHAT = [
    "During break a pupil came to me upset and said another pupil had been calling them names for several weeks.",
    "I saw two pupils pushing a younger pupil against the wall near the lockers; I stepped in and separated them.",
    "A pupil showed me messages on their phone from a group chat in which other pupils were mocking them.",
    "At the end of the lesson a pupil stayed behind and told me that someone had touched them without consent.",
    "A parent phoned the office to say their child had received unkind messages late in the evening.",
    "A pupil said older pupils had asked them to carry a parcel to an address after school.",
    "I overheard a group of pupils using a homophobic slur towards another pupil in the corridor.",
    "A pupil came into registration with a bruise on their arm and said it happened at the weekend.",
    "A pupil told me an image of them was being shared on Snapchat and they had not agreed to it.",
    "Two pupils were involved in a fight on the field at lunchtime; both were taken to the pastoral office.",
    "A pupil was crying in the toilets and said they did not want to go home tonight.",
    "I noticed the pupil has been very withdrawn this week and has not been eating at lunch.",
    "A pupil reported that comments of a sexual nature were made to them in the dining hall queue.",
    "A pupil said they were being excluded from their friendship group and that it had spread online.",
    "A member of the public reported pupils in school uniform shouting racist abuse at the bus stop.",
    "During PE a pupil disclosed that someone at home had hurt them; I listened and did not ask leading questions.",
    "A pupil told me their older sibling is being picked up from school by adults they do not know.",
    "A pupil searched for extremist material on a school computer; the filtering system flagged it.",
    "A pupil lifted another pupil's skirt in the corridor and others filmed it on their phones.",
    "A new pupil said they had to do a 'dare' to be accepted by a group, which involved being hit.",
]
CHILD_WORDS = [
    "They keep calling me names and everyone laughs.",
    "I didn't want him to do that, I told him to stop.",
    "Please don't tell my mum, she'll go mad.",
    "It's been happening since Christmas.",
    "They said if I told anyone they'd send the picture to everyone.",
    "I'm scared to walk home on my own.",
    "He said I owed them for the trainers.",
    "It was only a joke, everyone does it.",
    "She grabbed me and wouldn't let go.",
    "They put it on the group chat and now the whole year has seen it.",
    "I don't want to go back to that lesson.",
    "It's fine, it doesn't matter any more.",
]
ACTIONS = [
    "Listened, reassured the pupil they had done the right thing, and told them I would pass this on to the DSL.",
    "Separated the pupils and took the pupil affected to the pastoral office.",
    "Did not look at the images. Told the pupil not to delete anything and passed the phone to the DSL.",
    "Spoke to both pupils separately and wrote down what each said.",
    "Informed the head of year by email and recorded this concern.",
    "Made sure the pupil was supervised at lunch and the end of the day.",
    "Checked the CCTV request process with the site team.",
]
NFA_RATIONALE = [
    "Spoken to both pupils; a one-off falling out, resolved. Form tutor to keep an eye. No further action.",
    "Behaviour policy applied by the head of year; no safeguarding concern identified.",
    "Parent informed; pupil happy with the outcome. Monitoring through form tutor.",
    "Information logged for pattern-spotting; nothing further needed at this stage.",
    "Already known to early help; information shared with the lead professional.",
    "Checked with the pupil a week later: no further problems reported.",
]
CLOSE_RATIONALE = [
    "Actions complete; the pupil reports feeling safe. Case closed, to be reopened if anything changes.",
    "Social care assessment completed with no further involvement; school support continues under the pastoral plan.",
    "Police enquiries concluded; safety plan reviewed and ended with the family's agreement.",
    "Support sessions finished; no further incidents for six weeks.",
]
WISHES = [
    "The pupil wants to stay in their classes and for the other pupil to be moved.",
    "The pupil asked that their parents are told by the DSL, not by them.",
    "The pupil does not want the police involved; explained why the school must consider it.",
    "The pupil wants a trusted adult to check in each morning.",
]
NOTES = [
    "Spoke to the pupil at break: things are calmer.",
    "Met with parents; they are supportive of the plan.",
    "Shared information with the school nurse with consent.",
    "Timetable changed so the pupils no longer share a maths set.",
    "Checked in with the form tutor: attendance is improving.",
    "Called the social worker for an update; strategy meeting booked.",
]
CONSIDERATION_NOTES = [
    "Discussed with the pupil in a quiet space.",
    "Both pupils are in the same year group.",
    "No evidence of a pattern before this incident.",
    "Pupil has SEND; communication plan followed.",
    "Older pupil involved; possible power imbalance.",
    "",
]
DECISION_RATIONALE = {
    "internal": "Managed within school under the behaviour and anti-bullying policies, with pastoral support.",
    "early_help": "Family needs support beyond school; early help assessment offered and accepted.",
    "police": "Possible offence; reported to the police in line with the policy's starting point.",
    "social_care": "Risk of significant harm; referred to children's social care through the MASH.",
}
PARENTS_NOT_INFORMED = [
    "Informing parents would put the pupil at greater risk; advice taken from the MASH.",
    "Police asked the school not to inform parents until they have spoken to the family.",
]
REFERRAL_NOTES = ["Referral form sent through the portal.", "Phoned the MASH, followed up in writing.", ""]
OUTCOMES = [
    "No further action by the agency; advice given to the school.",
    "Assessment completed; family offered early help.",
    "Strategy discussion held; section 47 enquiry not needed.",
    "Police spoke to the pupils and parents; no further police action.",
    "Allocated to a worker; child in need plan agreed.",
]
SUPPORT = [
    "Weekly sessions with the learning mentor.",
    "Referral to the school counsellor.",
    "Safe space at break and lunch in the library.",
    "Check-in with a trusted adult each morning.",
    "Online safety session with the pupil and parents.",
]
SANCTIONS = ["Internal isolation for two days.", "After-school detention.", "Fixed-term suspension (one day)."]
AMENDMENTS = [
    "Correction: the incident happened in the afternoon, not the morning.",
    "Addition: a second pupil has since told me they saw what happened.",
    "Addition: the parent called back with more information about the weekend.",
    "Correction: the year group was wrong; the pupil is in the year above.",
]
TASKS = [
    "Speak to the pupil's form tutor",
    "Review the safety plan",
    "Call the parent back",
    "Check for a referral outcome",
    "Ask the IT team for the filtering log",
    "Update the pupil's timetable",
]
CONSIDERATION_ITEMS = [
    "wishes",
    "crime",
    "ages",
    "development",
    "power",
    "pattern",
    "relationship",
    "ongoing_risk",
    "exploitation",
]


def _escape(text: str) -> str:
    """A value in COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _texts(rng: random.Random, parts: list[str], k: tuple[int, int], size: int, sep: str = " ") -> list[str]:
    return [sep.join(rng.sample(parts, rng.randint(*k))) for _ in range(size)]


def _sealed_pool(texts: list[str], column: str) -> list[tuple[str, frozenset[str]]]:
    """Each text as the database holds it (haven.core.fieldcrypt: encrypted under the field
    key, bound to its column) with its blind-index tokens (haven.core.blindindex). Encrypted
    once per text and reused across rows, so equal texts have equal ciphertexts here: this
    is synthetic data, and the load stays fast; the services give each value its own nonce."""
    from haven.core import blindindex, fieldcrypt

    out = []
    for text in texts:
        if not text:
            out.append(("", frozenset()))
            continue
        tokens = frozenset(blindindex.document_tokens([text]).split())
        out.append((_escape(fieldcrypt.encrypt(text, aad=column)), tokens))
    return out


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass
class School:
    id: int
    index: int
    urn: str
    name: str
    phase: str
    authority_id: int
    la_code: int
    trust_id: int | None
    pyramid_id: int | None
    roll: int
    weight: float
    n_concerns: int = 0


@dataclass
class Case:
    id: int
    school: School
    opened_at: int
    opened_by: int
    last: int
    close_after: int
    concerns: list[Any] = field(default_factory=list)
    children: dict[int, tuple[str, int]] = field(default_factory=dict)  # pupil -> (role, added at)
    closed_at: int | None = None
    number: int = 0


class Concern:
    __slots__ = (
        "ack",
        "ack_by",
        "by",
        "case",
        "cats",
        "designated",
        "detail",
        "id",
        "kids",
        "loc",
        "occ",
        "platform",
        "rec",
        "ref",
        "roles",
        "sev",
        "source",
        "status",
        "told",
        "urgent",
    )


class Sink:
    """One table's COPY stream on its own connection (the loads run side by side)."""

    def __init__(self, stack: contextlib.ExitStack, dsn: str, table: str, columns: str) -> None:
        import psycopg
        from psycopg.copy import QueuedLibpqWriter

        self.table = table
        self.rows = 0
        self.buf: list[str] = []
        conn = stack.enter_context(psycopg.connect(dsn))
        conn.execute("SET synchronous_commit = off")
        cur = conn.cursor()
        self.copy = stack.enter_context(cur.copy(f"COPY {table} ({columns}) FROM STDIN", writer=QueuedLibpqWriter(cur)))

    def add(self, line: str) -> None:
        self.buf.append(line)
        if len(self.buf) >= 4000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.rows += len(self.buf)
            self.copy.write("".join(self.buf))
            self.buf.clear()


LOAD_TABLES: dict[str, str] = {  # table: the columns COPY fills (the others take their defaults)
    "accounts_user": (
        "id, password, last_login, is_superuser, email, full_name, job_title, is_active, date_joined, session_salt"
    ),
    "accounts_membership": "id, role, started_at, ended_at, authority_id, school_id, trust_id, user_id",
    "accounts_authenticatorapp": (
        "name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id, "
        "throttling_failure_count, created_at"
    ),
    "people_pupil": (
        "id, upn, legal_forename, legal_surname, preferred_forename, date_of_birth, year_group, sex, "
        "gender_identity, sen_status, looked_after, child_in_need, child_protection_plan, young_carer, "
        "missing_education, left_on, created_at, updated_at, school_id"
    ),
    "concerns_concern": (
        "id, reference, recorded_at, occurred_at, location, location_detail, online_platform, "
        "what_happened, child_words, actions_taken, child_told_next_steps, urgent, source, status, "
        "acknowledged_at, closed_rationale, acknowledged_by_id, case_id, recorded_by_id, school_id, "
        "occurred_time_known, body_mark_count"
    ),
    "concerns_concern_categories": "concern_id, category_id",
    "concerns_concernchild": "concern_id, pupil_id, role",
    "concerns_amendment": "kind, text, created_at, author_id, concern_id",
    "concerns_searchentry": "concern_id, tokens",
    "concerns_alert": "kind, sent_at, recipient_id, concern_id",
    "cases_case": (
        "id, reference, title, status, opened_at, closed_at, restricted, shared_with_trust, version, "
        "opened_by_id, school_id"
    ),
    "cases_case_restricted_to": "case_id, user_id",
    "cases_casechild": "role, added_at, case_id, pupil_id",
    "cases_caseevent": "kind, text, at, by_id, case_id, pupil_id",
    "cases_considerationanswer": "item, answer, notes, at, by_id, case_id",
    "cases_decision": "route, rationale, withdrawn, statutory_override, at, by_id, case_id",
    "cases_parentsinformed": "informed, informed_on, rationale, at, by_id, case_id, pupil_id",
    "cases_referral": (
        "id, agency, organisation_name, referred_on, agency_reference, notes, at, by_id, case_id, pupil_id"
    ),
    "cases_referraloutcome": "outcome, outcome_on, agency_reference, at, by_id, referral_id",
    "cases_support": "description, at, by_id, case_id, pupil_id",
    "cases_sanction": "description, decided_on, at, by_id, case_id, pupil_id",
    "cases_task": "title, due_on, created_at, done_at, assignee_id, case_id, created_by_id, done_by_id",
    "audit_auditevent": (
        "chain, seq, at, actor_email, action, object_type, object_id, user_agent, extra, prev_hash, hash, "
        "actor_id, school_id, event, channel, format, seal"
    ),
}


class Generator:
    """Builds the county school by school and streams every row to its table's COPY."""

    def __init__(self, *, schools: int, concerns: int, seed: int, now: int, categories: dict[str, int]) -> None:
        from django.contrib.auth.hashers import make_password

        self.rng = random.Random(seed)
        self.n_schools = schools
        self.n_concerns = concerns
        self.now = now
        self.password = make_password(PASSWORD)
        self.categories = categories
        self.counts: dict[str, int] = {}
        # Days: a 10-year window, plus slack before (staff joining) and after (task due dates).
        self.first_day = now // DAY - 3652
        self.base_day = self.first_day - 800
        self.days = [dt.date(1970, 1, 1) + dt.timedelta(days=d) for d in range(self.base_day, now // DAY + 90)]
        self.daystr = [d.isoformat() for d in self.days]
        window = self.days[self.first_day - self.base_day : now // DAY - self.base_day + 1]
        self.window = window
        self.window_ay = [d.year if d.month >= 9 else d.year - 1 for d in window]
        self.day_cw = _cum([self._day_weight(d, window[0]) for d in window])
        today = self.days[now // DAY - self.base_day]
        self.ay_now = today.year if today.month >= 9 else today.year - 1
        self.svh_from_day = (dt.date(2021, 5, 1) - dt.date(1970, 1, 1)).days
        codes = [c for c in CATEGORY_MIX if c in categories]
        svh = {"sexual_violence", "rape", "assault_by_penetration", "sexual_assault", "causing_sexual_activity"}
        svh |= {"sexual_harassment", "sexual_comments", "sexual_jokes", "sexual_physical"}
        svh |= {"online_sexual_harassment", "upskirting"}
        self.cat_codes_all = codes
        self.cat_cw_all = _cum([CATEGORY_MIX[c][0] for c in codes])
        self.cat_codes_pre = [c for c in codes if c not in svh]
        self.cat_cw_pre = _cum([CATEGORY_MIX[c][0] for c in self.cat_codes_pre])
        self.police_codes = {"rape", "assault_by_penetration", "sexual_assault"}
        mean_sev = sum(CATEGORY_MIX[c][0] * CATEGORY_MIX[c][1] for c in codes) / sum(CATEGORY_MIX[c][0] for c in codes)
        self.case_base = 0.30 / mean_sev  # so that about 30 % of concerns end up in a case
        self.loc_names = [n for n, _ in OFFLINE_LOCATIONS]
        self.loc_cw = _cum([w for _, w in OFFLINE_LOCATIONS])
        self.plat_names = [n for n, _ in PLATFORMS]
        self.plat_cw = _cum([w for _, w in PLATFORMS])
        rng = self.rng
        self.p_what = _sealed_pool(_texts(rng, WHAT, (2, 4), 4000), "concerns_concern.what_happened")
        self.p_words = _sealed_pool(_texts(rng, CHILD_WORDS, (1, 2), 500), "concerns_concern.child_words")
        self.p_actions = _sealed_pool(_texts(rng, ACTIONS, (1, 2), 300), "concerns_concern.actions_taken")
        self.p_amendments = _sealed_pool(list(AMENDMENTS), "concerns_amendment.text")
        self.p_details = [_escape(d) for d in LOCATION_DETAILS]
        self.names_f = [_escape(n) for n in FORENAMES]
        self.names_s = [_escape(n) for n in SURNAMES]
        self.audit_samples: list[tuple[int, str]] = []
        self.bench: dict[str, Any] = {}

    @staticmethod
    def _day_weight(d: dt.date, start: dt.date) -> float:
        w = 1.08 ** ((d - start).days / 365)  # more is recorded every year
        if d.weekday() >= 5:
            w *= 0.08
        md = (d.month, d.day)
        if (7, 23) <= md <= (8, 31):
            w *= 0.12
        elif md >= (12, 21) or md <= (1, 3):
            w *= 0.15
        elif (4, 1) <= md <= (4, 14):
            w *= 0.2
        elif (10, 24) <= md <= (10, 31) or (2, 14) <= md <= (2, 20) or (5, 27) <= md <= (5, 31):
            w *= 0.3
        return w

    # -- formatting ---------------------------------------------------------------------------

    def ts(self, t: int | None) -> str:
        if t is None:
            return "\\N"
        d, s = divmod(t, DAY)
        return f"{self.daystr[d - self.base_day]} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00"

    def iso(self, t: int) -> str:
        """As Django gives the value back (datetime.isoformat in UTC), for the audit hash."""
        d, s = divmod(t, DAY)
        return f"{self.daystr[d - self.base_day]}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00"

    def date(self, t: int) -> str:
        return self.daystr[t // DAY - self.base_day]

    def count(self, table: str, n: int = 1) -> None:
        self.counts[table] = self.counts.get(table, 0) + n

    # -- organisations ------------------------------------------------------------------------

    def plan(self) -> tuple[list[tuple], list[tuple], list[tuple], list[School]]:
        rng = self.rng
        n_auth = max(1, round(self.n_schools / 50))
        authorities = [(i + 1, f"Bench County {i + 1} Council", f"{800 + i:03d}") for i in range(n_auth)]
        n_trusts = max(1, self.n_schools // 12)
        trusts = [(t + 1, f"Bench Learning Trust {t + 1}", 1 + t % n_auth) for t in range(n_trusts)]
        trusts_of = {a[0]: [t[0] for t in trusts if t[2] == a[0]] for a in authorities}
        pyramids = [(p + 1, 1 + p % n_auth, f"Pyramid {p + 1}") for p in range(n_auth * 4)]
        pyramids_of = {a[0]: [p[0] for p in pyramids if p[1] == a[0]] for a in authorities}
        schools = []
        phase_names = [p for p, _ in PHASE_MIX]
        phase_cw = _cum([w for _, w in PHASE_MIX])
        for i in range(self.n_schools):
            if self.n_schools < 50:
                phase = SMALL_PHASES[i % len(SMALL_PHASES)]
            else:
                phase = rng.choices(phase_names, cum_weights=phase_cw)[0]
            _, _, (lo, hi), rate = PHASES[phase]
            authority_id = 1 + i % n_auth
            trust_id = rng.choice(trusts_of[authority_id]) if trusts_of[authority_id] and rng.random() < 0.45 else None
            roll = rng.randint(lo, hi)
            name = f"{rng.choice(SURNAMES)} {'Academy' if trust_id else phase.replace('_', '-').title() + ' School'}"
            schools.append(
                School(
                    id=i + 1,
                    index=i,
                    urn=f"{140000 + i}",
                    name=f"{name} ({i + 1})",
                    phase=phase,
                    authority_id=authority_id,
                    la_code=int(authorities[authority_id - 1][2]),
                    trust_id=trust_id,
                    pyramid_id=rng.choice(pyramids_of[authority_id]),
                    roll=roll,
                    weight=roll * rate * rng.lognormvariate(0, 0.35),
                )
            )
        # Concerns shared out by weight (largest remainder), so the total is exact.
        total = sum(s.weight for s in schools)
        quotas = [self.n_concerns * s.weight / total for s in schools]
        for s, q in zip(schools, quotas, strict=True):
            s.n_concerns = int(q)
        rest = self.n_concerns - sum(s.n_concerns for s in schools)
        for s in sorted(schools, key=lambda s: -(quotas[s.index] - int(quotas[s.index])))[:rest]:
            s.n_concerns += 1
        # The DSL benchmarked works at the school nearest 2,000 concerns; the staff member who
        # submits works at the next nearest (so the benchmark's own writes never change the pages read).
        by_distance = sorted(schools, key=lambda s: (abs(s.n_concerns - 2000), s.index))
        self.bench_school, self.submit_school = by_distance[0], by_distance[1]
        self.largest_school = max(schools, key=lambda s: s.n_concerns)
        return authorities, trusts, pyramids, schools

    # -- people ---------------------------------------------------------------------------------

    def users_for(self, s: School, sinks: dict[str, Sink]) -> dict[str, Any]:
        from haven.core import fieldcrypt

        rng = self.rng
        n_staff = max(8, s.roll // 12)
        bench = s in (self.bench_school, self.submit_school, self.largest_school)
        n_deputies = 2 if bench or s.roll >= 300 else 1
        roles = [("dsl", "Designated safeguarding lead"), ("head", "Headteacher"), ("admin", "Office manager")]
        roles += [("deputy_dsl", "Deputy DSL")] * n_deputies
        roles += [("staff", rng.choice(JOB_TITLES)) for _ in range(n_staff)]
        users: dict[str, Any] = {"staff": [], "deputy_dsl": [], "email": {}}
        joined = self.ts((self.first_day - rng.randint(0, 700)) * DAY + 9 * 3600)
        add_user, add_member, add_device = (
            sinks["accounts_user"].add,
            sinks["accounts_membership"].add,
            sinks["accounts_authenticatorapp"].add,
        )
        for k, (role, title) in enumerate(roles):
            uid = self.next_user
            self.next_user += 1
            email = f"{role.replace('_', '')}{k}.{s.urn}@bench.haven.example"
            full = f"{rng.choice(self.names_f)} {rng.choice(self.names_s)}"
            add_user(
                f"{uid}\t{self.password}\t\\N\tf\t{email}\t{full}\t{_escape(title)}\tt\t{joined}\t"
                f"{rng.getrandbits(128):032x}\n"
            )
            add_member(f"{self.next_member}\t{role}\t{joined}\t\\N\t\\N\t{s.id}\t\\N\t{uid}\n")
            self.next_member += 1
            # Every role gives two factors (accounts.policy.TWO_FACTOR_ROLES), staff included.
            seed = _escape(fieldcrypt.encrypt(f"{rng.getrandbits(160):040x}", aad="accounts_authenticatorapp.key"))
            add_device(f"Authenticator\tt\t{seed}\t30\t0\t6\t1\t0\t-1\t{uid}\t0\t{joined}\n")
            self.count("accounts_authenticatorapp")
            users["email"][uid] = email
            users.setdefault("names", {})[uid] = full
            if role in ("staff", "deputy_dsl"):
                users[role].append(uid)
            else:
                users[role] = uid
        self.count("accounts_user", len(roles))
        self.count("accounts_membership", len(roles))
        leads = [users["dsl"], *users["deputy_dsl"]]
        users["leads"] = leads
        users["leads_cw"] = _cum([3.0] + [2.0] * len(users["deputy_dsl"]))
        recorders = [*users["staff"], *leads, users["head"]]
        users["recorders"] = recorders
        users["recorders_cw"] = _cum([1 / (i + 3) ** 0.6 for i in range(len(recorders))])
        return users

    def pupils_for(self, s: School, sinks: dict[str, Sink]) -> dict[int, list[list[int]]]:
        """Cohorts from those on roll ten years ago to this year's intake; leavers are kept."""
        rng = self.rng
        years, entry_age, _, _ = PHASES[s.phase]
        n_years = len(years)
        per_cohort = max(8, s.roll // n_years)
        first_ay = self.window_ay[0]
        on_roll: dict[int, list[list[int]]] = {}
        add = sinks["people_pupil"].add
        estab = 2000 + s.index % 8000
        self.cohorts: dict[int, list[int]] = {}
        for entry in range(first_ay - n_years + 1, self.ay_now + 1):
            size = max(5, int(per_cohort * rng.uniform(0.85, 1.1)))
            left = entry + n_years - 1 < self.ay_now
            year_group = years[min(self.ay_now - entry, n_years - 1)]
            left_on = f"{entry + n_years}-07-22" if left else "\\N"
            created = self.ts(
                max(self.first_day * DAY, (dt.date(entry, 9, 1) - dt.date(1970, 1, 1)).days * DAY) + 8 * 3600
            )
            born_from = dt.date(entry - entry_age - 1, 9, 1)
            ids = []
            for k in range(size):
                pid = self.next_pupil
                self.next_pupil += 1
                ids.append(pid)
                dob = (born_from + dt.timedelta(days=rng.randrange(365))).isoformat()
                r = rng.random()
                sen = "N" if r < 0.84 else "K" if r < 0.97 else "E"
                sex = "F" if rng.random() < 0.49 else "M" if rng.random() < 0.98 else "U"
                forename = rng.choice(self.names_f)
                preferred = rng.choice(self.names_f) if rng.random() < 0.05 else ""
                flags = "\t".join("t" if rng.random() < p else "f" for p in (0.01, 0.03, 0.01, 0.02, 0.003))
                upn = _make_upn(s.la_code, estab, entry, k)
                add(
                    f"{pid}\t{upn}\t{forename}\t{rng.choice(self.names_s)}\t{preferred}\t{dob}\t{year_group}\t{sex}\t\t"
                    f"{sen}\t{flags}\t{left_on}\t{created}\t{created}\t{s.id}\n"
                )
            self.cohorts[entry] = ids
            for ay in range(entry, entry + n_years):
                on_roll.setdefault(ay, []).append(ids)
        self.count("people_pupil", self.next_pupil - self.first_pupil_of_school)
        return on_roll

    # -- concerns -------------------------------------------------------------------------------

    def pick_categories(self, day_number: int) -> list[str]:
        rng = self.rng
        codes, cw = (
            (self.cat_codes_all, self.cat_cw_all)
            if day_number >= self.svh_from_day
            else (self.cat_codes_pre, self.cat_cw_pre)
        )
        first = rng.choices(codes, cum_weights=cw)[0]
        if rng.random() < 0.25:
            second = rng.choices(codes, cum_weights=cw)[0]
            if second != first:
                return [first, second]
        return [first]

    def make_concern(self, day_index: int, kids: list[int], roles: list[str], users: dict[str, Any]) -> Concern:
        rng = self.rng
        c = Concern()
        day_number = self.first_day + day_index
        sod = rng.randint(8 * 3600, 15 * 3600 + 1800) if rng.random() < 0.75 else rng.randint(15 * 3600, 22 * 3600)
        occ = min(day_number * DAY + sod, self.now - 3600)
        r = rng.random()
        delay = (
            rng.randint(300, 5400) if r < 0.55 else rng.randint(5400, 72_000) if r < 0.85 else rng.randint(DAY, 6 * DAY)
        )
        rec = min(occ + delay, self.now - rng.randint(120, 4 * 3600))
        c.occ, c.rec = min(occ, rec), rec
        codes = self.pick_categories(day_number)
        c.cats = [self.categories[code] for code in codes]
        c.sev = max(CATEGORY_MIX[code][1] for code in codes)
        online = max(CATEGORY_MIX[code][2] for code in codes)
        if rng.random() < online:
            c.loc, c.platform, c.detail = "online", rng.choices(self.plat_names, cum_weights=self.plat_cw)[0], ""
        else:
            c.loc = rng.choices(self.loc_names, cum_weights=self.loc_cw)[0]
            c.platform = ""
            c.detail = rng.choice(self.p_details) if rng.random() < 0.3 else ""
        c.kids, c.roles = kids, roles
        c.urgent = rng.random() < (0.05 + 0.08 * (c.sev >= 3))
        c.by = rng.choices(users["recorders"], cum_weights=users["recorders_cw"])[0]
        c.told = "yes" if r < 0.6 else "no" if r < 0.65 else "na"
        c.source = "web" if rng.random() < 0.95 else "pupil_voice" if rng.random() < 0.6 else "api"
        c.designated = False
        c.case = None
        return c

    def concerns_for(self, s: School, users: dict[str, Any], on_roll: dict[int, list[list[int]]]) -> list[Concern]:
        rng = self.rng
        specs: list[Concern] = []
        designated = None
        n_bulk = s.n_concerns
        if s is self.bench_school:
            years = PHASES[s.phase][0]
            entry = self.ay_now - min(len(years) - 2, 5)
            cohort = self.cohorts[entry]
            designated = cohort[len(cohort) // 2]
            self.bench["designated_pupil"] = designated
            n_designated = min(65, n_bulk // 4)
            n_bulk -= n_designated
            first_index = (dt.date(entry, 9, 21) - self.window[0]).days
            picked = 0
            while picked < n_designated:
                day_index = rng.choices(range(len(self.window)), cum_weights=self.day_cw)[0]
                if day_index < first_index:
                    continue
                kids, roles = [designated], [rng.choices(["affected", "alleged_harmer", "witness"], [65, 25, 10])[0]]
                for peer in rng.sample(cohort, rng.choice([0, 1, 1, 2])):
                    if peer != designated:
                        kids.append(peer)
                        roles.append("alleged_harmer" if roles[0] == "affected" else "affected")
                c = self.make_concern(day_index, kids, roles, users)
                c.designated = True
                specs.append(c)
                picked += 1
        day_indexes = rng.choices(range(len(self.window)), cum_weights=self.day_cw, k=n_bulk)
        window_ay = self.window_ay
        for day_index in day_indexes:
            cohorts = on_roll[window_ay[day_index]]
            r = rng.random()
            n_kids = 1 if r < 0.55 else 2 if r < 0.85 else 3
            home = cohorts[rng.randrange(len(cohorts))]
            kids: list[int] = []
            for _ in range(n_kids * 4):
                cohort = home if not kids or rng.random() < 0.8 else cohorts[rng.randrange(len(cohorts))]
                pupil = cohort[int(len(cohort) * rng.random() ** 2.2)]
                if pupil != designated and pupil not in kids:
                    kids.append(pupil)
                    if len(kids) == n_kids:
                        break
            roles = ["affected" if rng.random() < 0.85 else "other"]
            for _ in kids[1:]:
                r = rng.random()
                roles.append("alleged_harmer" if r < 0.65 else "witness" if r < 0.85 else "affected")
            specs.append(self.make_concern(day_index, kids, roles, users))
        specs.sort(key=lambda c: (c.rec, c.occ))
        for n, c in enumerate(specs, 1):
            c.id = self.next_concern
            self.next_concern += 1
            c.ref = f"C-{s.urn}-{n:05d}"
        return specs

    def triage(self, specs: list[Concern], users: dict[str, Any]) -> list[Concern]:
        """Statuses as a working school has them: recent concerns waiting, older ones closed or in a case."""
        rng = self.rng
        in_case = []
        recent = self.now - 21 * DAY
        for c in specs:
            if c.urgent:
                ack = c.rec + rng.randint(180, 2700) if rng.random() < 0.95 else c.rec + rng.randint(3700, 9000)
            else:
                r = rng.random()
                ack = c.rec + (
                    rng.randint(1200, 6 * 3600)
                    if r < 0.5
                    else rng.randint(6 * 3600, 3 * DAY)
                    if r < 0.9
                    else rng.randint(3 * DAY, 10 * DAY)
                )
            c.ack_by = rng.choices(users["leads"], cum_weights=users["leads_cw"])[0]
            r = rng.random()
            if ack > self.now or (c.rec > recent and r < 0.25):
                c.status, c.ack, c.ack_by = "new", None, None
            elif c.rec > recent and r < 0.6:
                c.status, c.ack = "acknowledged", ack
            elif rng.random() < (0.6 if c.designated else min(0.95, self.case_base * c.sev)):
                c.status, c.ack = "in_case", ack
                in_case.append(c)
            elif c.rec <= recent and rng.random() < 0.012:
                c.status, c.ack = "acknowledged", ack  # the backlog nobody closed
            else:
                c.status, c.ack = "nfa", ack
        return in_case

    def group_cases(self, s: School, in_case: list[Concern], users: dict[str, Any]) -> list[Case]:
        """A concern joins the open case of its first child if the last activity was recent."""
        rng = self.rng
        cases: list[Case] = []
        open_by_pupil: dict[int, Case] = {}
        for c in sorted(in_case, key=lambda c: c.ack):
            case = open_by_pupil.get(c.kids[0])
            if case is None or c.ack - case.last >= min(75 * DAY, case.close_after):
                case = Case(
                    id=self.next_case,
                    school=s,
                    opened_at=c.ack,
                    opened_by=c.ack_by,
                    last=c.ack,
                    close_after=rng.randint(20 * DAY, 120 * DAY),
                )
                self.next_case += 1
                cases.append(case)
            else:
                case.last = c.ack
                case.close_after = rng.randint(20 * DAY, 120 * DAY)
            case.concerns.append(c)
            c.case = case
            for kid, role in zip(c.kids, c.roles, strict=True):
                case.children.setdefault(kid, (role, c.ack))
                open_by_pupil[kid] = case
        for n, case in enumerate(sorted(cases, key=lambda k: k.opened_at), 1):
            case.number = n
            closed = case.last + case.close_after
            case.closed_at = closed if closed < self.now - DAY else None
        return cases

    def emit_concerns(self, s: School, specs: list[Concern], users: dict[str, Any], sinks: dict[str, Sink]) -> None:
        rng = self.rng
        add = sinks["concerns_concern"].add
        add_cat = sinks["concerns_concern_categories"].add
        add_kid = sinks["concerns_concernchild"].add
        add_amend = sinks["concerns_amendment"].add
        add_alert = sinks["concerns_alert"].add
        add_search = sinks["concerns_searchentry"].add
        p_what, p_words, p_actions = self.p_what, self.p_words, self.p_actions
        nfa = [_escape(t) for t in NFA_RATIONALE]
        amendments = self.p_amendments
        nothing: tuple[str, frozenset[str]] = ("", frozenset())
        n_cat = n_kid = n_amend = n_alert = 0
        for c in specs:
            words = rng.choice(p_words) if rng.random() < 0.6 else nothing
            actions = rng.choice(p_actions) if rng.random() < 0.7 else nothing
            what = rng.choice(p_what)
            closed = rng.choice(nfa) if c.status == "nfa" else ""
            case_id = c.case.id if c.case else "\\N"
            ack_by = c.ack_by if c.ack_by else "\\N"
            add(
                f"{c.id}\t{c.ref}\t{self.ts(c.rec)}\t{self.ts(c.occ)}\t{c.loc}\t{c.detail}\t{c.platform}\t"
                f"{what[0]}\t{words[0]}\t{actions[0]}\t{c.told}\t{'t' if c.urgent else 'f'}\t{c.source}\t"
                f"{c.status}\t{self.ts(c.ack)}\t{closed}\t{ack_by}\t{case_id}\t{c.by}\t{s.id}\tt\t0\n"
            )
            add_search(f"{c.id}\t{' '.join(sorted(what[1] | words[1] | actions[1]))}\n")
            for cat in c.cats:
                add_cat(f"{c.id}\t{cat}\n")
            n_cat += len(c.cats)
            for kid, role in zip(c.kids, c.roles, strict=True):
                add_kid(f"{c.id}\t{kid}\t{role}\n")
            n_kid += len(c.kids)
            if rng.random() < (0.08 if c.designated else 0.05):
                for _ in range(1 if rng.random() < 0.8 else 2):
                    at = min(c.rec + rng.randint(3600, 5 * DAY), self.now - 60)
                    author = c.by if rng.random() < 0.7 else users["dsl"]
                    kind = "correction" if rng.random() < 0.4 else "addition"
                    text, tokens = rng.choice(amendments)
                    add_amend(f"{kind}\t{text}\t{self.ts(at)}\t{author}\t{c.id}\n")
                    add_search(f"{c.id}\t{' '.join(sorted(tokens))}\n")
                    n_amend += 1
                    if c.designated:
                        self.designated_entries += 1
            if c.urgent:
                for lead in users["leads"]:
                    add_alert(f"urgent\t{self.ts(c.rec + 2)}\t{lead}\t{c.id}\n")
                    n_alert += 1
                if c.ack is not None and c.ack - c.rec > 3600:
                    add_alert(f"escalation\t{self.ts(c.rec + 3600)}\t{users['head']}\t{c.id}\n")
                    n_alert += 1
            if c.designated:
                self.designated_entries += 1
        self.count("concerns_concern", len(specs))
        self.count("concerns_concern_categories", n_cat)
        self.count("concerns_concernchild", n_kid)
        self.count("concerns_amendment", n_amend)
        self.count("concerns_searchentry", len(specs) + n_amend)
        self.count("concerns_alert", n_alert)

    def emit_cases(self, s: School, cases: list[Case], users: dict[str, Any], sinks: dict[str, Sink]) -> None:
        rng, now = self.rng, self.now
        designated = self.bench.get("designated_pupil") if s is self.bench_school else None
        out = {t: sinks[t].add for t in LOAD_TABLES if t.startswith("cases_")}
        n: dict[str, int] = {}
        leads, leads_cw = users["leads"], users["leads_cw"]
        closes = [_escape(t) for t in CLOSE_RATIONALE]
        wishes = [_escape(t) for t in WISHES]
        notes = [_escape(t) for t in NOTES]
        c_notes = [_escape(t) for t in CONSIDERATION_NOTES]
        outcomes = [_escape(t) for t in OUTCOMES]
        supports = [_escape(t) for t in SUPPORT]
        sanctions = [_escape(t) for t in SANCTIONS]
        tasks = [_escape(t) for t in TASKS]
        r_notes = [_escape(t) for t in REFERRAL_NOTES]
        not_informed = [_escape(t) for t in PARENTS_NOT_INFORMED]

        def emit(table: str, line: str, *, chronology: bool = False) -> None:
            out[table](line)
            n[table] = n.get(table, 0) + 1
            if chronology:
                self.designated_entries += 1

        for case in cases:
            o = case.opened_at
            end = case.closed_at if case.closed_at is not None else now - 60
            mine = designated is not None and designated in case.children  # in the designated child's chronology

            def when(lo: int, hi: int, o: int = o, end: int = end) -> int:
                return min(o + rng.randint(lo, hi), end)

            by = rng.choices(leads, cum_weights=leads_cw)[0]
            first = case.concerns[0]
            title = ", ".join(code.replace("_", " ").capitalize() for code in self._codes(first.cats))[:200]
            restricted = rng.random() < 0.02 and not mine
            shared = bool(s.trust_id) and rng.random() < 0.05
            status = "closed" if case.closed_at is not None else "open"
            versions = 1
            ev = "cases_caseevent"
            emit(
                ev,
                f"opened\tOpened from concern {first.ref}\t{self.ts(o)}\t{case.opened_by}\t{case.id}\t\\N\n",
                chronology=mine,
            )
            for c in case.concerns:
                emit(ev, f"concern_added\t{c.ref}\t{self.ts(c.ack)}\t{c.ack_by}\t{case.id}\t\\N\n", chronology=mine)
            if restricted:
                named = f"{users['names'][users['dsl']]}, {users['names'][users['head']]}"
                emit(ev, f"restricted\t{_escape(named)}\t{self.ts(when(600, 3600))}\t{by}\t{case.id}\t\\N\n")
                emit("cases_case_restricted_to", f"{case.id}\t{users['dsl']}\n")
                emit("cases_case_restricted_to", f"{case.id}\t{users['head']}\n")
            if shared:
                emit(ev, f"shared\t\t{self.ts(when(600, 7200))}\t{by}\t{case.id}\t\\N\n", chronology=mine)
            if rng.random() < 0.4:
                emit(
                    ev,
                    f"wishes\t{rng.choice(wishes)}\t{self.ts(when(3600, 7 * DAY))}\t{by}\t{case.id}\t\\N\n",
                    chronology=mine,
                )
                versions += 1
            for _ in range(rng.choices([0, 1, 2], [60, 25, 15])[0]):
                emit(
                    ev,
                    f"note\t{rng.choice(notes)}\t{self.ts(when(3600, 60 * DAY))}\t{by}\t{case.id}\t\\N\n",
                    chronology=mine,
                )
            if case.closed_at is not None:
                emit(
                    ev,
                    f"closed\t{rng.choice(closes)}\t{self.ts(case.closed_at)}\t{by}\t{case.id}\t\\N\n",
                    chronology=mine,
                )
                versions += 1
            for pupil, (role, added) in case.children.items():
                emit("cases_casechild", f"{role}\t{self.ts(added)}\t{case.id}\t{pupil}\n")
            if rng.random() < 0.65:
                for item in rng.sample(CONSIDERATION_ITEMS, rng.randint(4, 9)):
                    answer = rng.choices(["yes", "no", "unsure", "considered"], [25, 45, 10, 20])[0]
                    emit(
                        "cases_considerationanswer",
                        f"{item}\t{answer}\t{rng.choice(c_notes)}\t{self.ts(when(3600, 5 * DAY))}\t{by}\t{case.id}\n",
                        chronology=mine,
                    )
                    versions += 1
            routes: list[tuple[str, int]] = []
            if rng.random() < 0.92:
                police_start = any(code in self.police_codes for code in self._codes(first.cats))
                if police_start and rng.random() < 0.9:
                    chosen = ["police", "social_care"] if rng.random() < 0.6 else ["police"]
                elif first.sev >= 3:
                    chosen = ["social_care"] if rng.random() < 0.6 else ["social_care", "police"]
                else:
                    r = rng.random()
                    chosen = ["internal"] if r < 0.7 else ["early_help"] if r < 0.9 else ["social_care"]
                    if rng.random() < 0.15:
                        chosen.append("early_help" if chosen[0] != "early_help" else "internal")
                at = when(2 * 3600, 4 * DAY)
                for route in chosen:
                    override = (
                        "The pupils are both under 10 and the police advised a school-led response."
                        if police_start and route != "police" and "police" not in chosen
                        else ""
                    )
                    emit(
                        "cases_decision",
                        f"{route}\t{_escape(DECISION_RATIONALE[route])}\tf\t{override}\t{self.ts(at)}\t{by}\t{case.id}\n",
                        chronology=mine,
                    )
                    routes.append((route, at))
                    versions += 1
                for pupil, (role, _) in case.children.items():
                    if role not in ("affected", "alleged_harmer"):
                        continue
                    for_me = mine and pupil == designated
                    if rng.random() < 0.88:
                        line = f"t\t{self.date(at)}\t\t{self.ts(at + 1800)}\t{by}\t{case.id}\t{pupil}\n"
                    else:
                        line = f"f\t\\N\t{rng.choice(not_informed)}\t{self.ts(at + 1800)}\t{by}\t{case.id}\t{pupil}\n"
                    emit("cases_parentsinformed", line, chronology=for_me)
            affected = [p for p, (role, _) in case.children.items() if role == "affected"]
            harmers = [p for p, (role, _) in case.children.items() if role == "alleged_harmer"]
            agencies = [(r, at) for r, at in routes if r in ("police", "social_care", "early_help")]
            if rng.random() < 0.08:
                agencies.append(("camhs" if rng.random() < 0.5 else "external", when(DAY, 20 * DAY)))
            for agency, at in agencies:
                rid = self.next_referral
                self.next_referral += 1
                org = "Kooth" if agency == "external" else ""
                ref = f"REF-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else ""
                pupil = affected[0] if affected and rng.random() < 0.8 else "\\N"
                emit(
                    "cases_referral",
                    f"{rid}\t{agency}\t{org}\t{self.date(at)}\t{ref}\t{rng.choice(r_notes)}\t{self.ts(at + 600)}\t"
                    f"{by}\t{case.id}\t{pupil}\n",
                    chronology=mine,
                )
                if at + 15 * DAY < now and rng.random() < 0.92:
                    outcome_at = min(at + rng.randint(2 * DAY, 40 * DAY), now - DAY)
                    emit(
                        "cases_referraloutcome",
                        f"{rng.choice(outcomes)}\t{self.date(outcome_at)}\t{ref}\t{self.ts(outcome_at)}\t{by}\t{rid}\n",
                        chronology=mine,
                    )
            if affected and rng.random() < 0.4:
                for pupil in affected[:2]:
                    for _ in range(rng.randint(1, 2)):
                        emit(
                            "cases_support",
                            f"{rng.choice(supports)}\t{self.ts(when(DAY, 30 * DAY))}\t{by}\t{case.id}\t{pupil}\n",
                            chronology=mine and pupil == designated,
                        )
            for pupil in harmers:
                if rng.random() < 0.3:
                    at = when(0, 5 * DAY)
                    emit(
                        "cases_sanction",
                        f"{rng.choice(sanctions)}\t{self.date(at)}\t{self.ts(at)}\t{by}\t{case.id}\t{pupil}\n",
                        chronology=mine and pupil == designated,
                    )
            if rng.random() < 0.6:
                for _ in range(rng.randint(1, 3)):
                    created = when(0, 10 * DAY)
                    due = created + rng.randint(3, 21) * DAY
                    assignee = rng.choice(leads)
                    if case.closed_at is not None:
                        done = min(created + rng.randint(DAY, 20 * DAY), case.closed_at)
                    elif rng.random() < 0.55 and created + DAY < now:
                        done = min(created + rng.randint(DAY, 20 * DAY), now - 60)
                    else:
                        done = None
                    emit(
                        "cases_task",
                        f"{rng.choice(tasks)}\t{self.date(due)}\t{self.ts(created)}\t{self.ts(done)}\t{assignee}\t"
                        f"{case.id}\t{by}\t{assignee if done else NULL}\n",
                        chronology=mine,
                    )
            emit(
                "cases_case",
                f"{case.id}\tK-{s.urn}-{case.number:05d}\t{_escape(title) or 'Case'}\t{status}\t{self.ts(o)}\t"
                f"{self.ts(case.closed_at)}\t{'t' if restricted else 'f'}\t{'t' if shared else 'f'}\t{versions}\t"
                f"{case.opened_by}\t{s.id}\n",
            )
        if designated is not None:
            # Top up the designated child's chronology to exactly CHRONOLOGY_ENTRIES with case notes.
            theirs = [c for c in cases if designated in c.children]
            if not theirs:
                raise SystemExit("the designated child has no case: change --seed")
            missing = CHRONOLOGY_ENTRIES - self.designated_entries
            for k in range(max(0, missing)):
                case = theirs[k % len(theirs)]
                end = case.closed_at if case.closed_at is not None else now - 60
                at = rng.randint(case.opened_at, end)
                emit(
                    "cases_caseevent",
                    f"note\t{rng.choice(notes)}\t{self.ts(at)}\t{users['dsl']}\t{case.id}\t\\N\n",
                    chronology=True,
                )
            self.bench["designated_cases"] = len(theirs)
        for table, k in n.items():
            self.count(table, k)

    def _codes(self, cat_ids: list[int]) -> list[str]:
        return [self.category_codes[c] for c in cat_ids]

    def emit_audit(
        self, s: School, specs: list[Concern], cases: list[Case], users: dict[str, Any], sinks: dict[str, Sink]
    ) -> tuple[int, str]:
        """One entry per concern recorded and case opened, chained by hash exactly as audit_record does."""
        events = [
            (
                c.rec,
                c.by,
                "concerns.concern",
                c.id,
                {"urgent": c.urgent, "children": len(c.kids), "attachments": 0, "source": c.source},
            )
            for c in specs
        ]
        events += [(k.opened_at, k.opened_by, "cases.case", k.id, {"case": k.id}) for k in cases]
        events.sort(key=lambda e: (e[0], e[2], e[3]))
        chain = f"school:{s.id}"
        prev = "0" * 64
        add = sinks["audit_auditevent"].add
        from haven.audit.seal import seal_of  # Django is set up by now (configure_django)

        emails = users["email"]
        names = {"concerns.concern": "concern.submitted", "cases.case": "case.opened"}  # haven.audit.events
        for seq, (at, actor, otype, oid, extra) in enumerate(events, 1):
            email = emails[actor]
            event = names[otype]
            canonical = json.dumps(
                {
                    "chain": chain,
                    "seq": seq,
                    "at": self.iso(at),
                    "actor": actor,
                    "actor_email": email,
                    "action": "create",
                    "object_type": otype,
                    "object_id": str(oid),
                    "school": s.id,
                    "trust": None,
                    "authority": None,
                    "ip_address": None,
                    "user_agent": "",
                    "extra": extra,
                    "prev_hash": prev,
                    "format": 2,
                    "event": event,
                    "channel": "page",
                },
                sort_keys=True,
                separators=(",", ":"),
                default=str,
            )
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            seal = seal_of(digest)  # format 2 entries are sealed, as audit_record seals them
            add(
                f"{chain}\t{seq}\t{self.ts(at)}\t{email}\tcreate\t{otype}\t{oid}\t\t{json.dumps(extra)}\t{prev}\t"
                f"{digest}\t{actor}\t{s.id}\t{event}\tpage\t2\t{seal}\n"
            )
            prev = digest
        self.count("audit_auditevent", len(events))
        return len(events), prev

    # -- the whole county -----------------------------------------------------------------------

    def run(self, dsn: str, schools: list[School], progress: Callable[[str], None]) -> dict[str, Any]:
        self.category_codes = {v: k for k, v in self.categories.items()}
        self.next_user = self.next_member = self.next_pupil = self.next_concern = self.next_case = 1
        self.next_referral = 1
        self.designated_entries = 0
        chains: list[tuple[int, int, str]] = []
        counters: list[tuple[str, int]] = []
        bench_ids = {self.bench_school.id, self.submit_school.id, self.largest_school.id}
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            sinks = {t: Sink(stack, dsn, t, cols) for t, cols in LOAD_TABLES.items()}
            for k, s in enumerate(schools, 1):
                self.first_pupil_of_school = self.next_pupil
                users = self.users_for(s, sinks)
                on_roll = self.pupils_for(s, sinks)
                specs = self.concerns_for(s, users, on_roll)
                in_case = self.triage(specs, users)
                cases = self.group_cases(s, in_case, users)
                self.emit_concerns(s, specs, users, sinks)
                self.emit_cases(s, cases, users, sinks)
                length, last = self.emit_audit(s, specs, cases, users, sinks)
                chains.append((s.id, length, last))
                counters += [(f"C:{s.id}", len(specs)), (f"K:{s.id}", len(cases))]
                if s.id in bench_ids:
                    self.bench.setdefault("schools", {})[s.id] = {"concerns": len(specs), "cases": len(cases)}
                if k % max(1, len(schools) // 10) == 0 or k == len(schools):
                    rate = self.next_concern / (time.perf_counter() - started)
                    progress(f"  {k:>4}/{len(schools)} schools, {self.next_concern - 1:>9,} concerns ({rate:,.0f}/s)")
            for sink in sinks.values():
                sink.flush()
            progress("  finishing the COPY streams")
        # ExitStack closed each COPY, then committed and closed each connection.
        return {"chains": chains, "counters": counters}


def _make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    from haven.people.upn import make_upn

    return make_upn(la_code, establishment, year, serial)


# -- loading: constraints and indexes off, COPY, back on --------------------------------------------


def _constraints_and_indexes(conn: Any, tables: list[str]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    fks = conn.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2""",
        [tables],
    ).fetchall()
    uniques = conn.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2""",
        [tables],
    ).fetchall()
    indexes = conn.execute(
        """SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) AND NOT EXISTS (
             SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
           ORDER BY 1, 2""",
        [tables],
    ).fetchall()
    return fks, uniques, indexes


def _rebuild(dsn: str, fks: list[tuple], uniques: list[tuple], indexes: list[tuple], progress: Callable) -> None:
    import psycopg

    def build(statement: str) -> float:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            started = time.perf_counter()
            conn.execute(statement)
            return time.perf_counter() - started

    statements = [d for _, _, d in indexes]
    statements += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in uniques]
    # Largest first, two at a time (two cores); each PostgreSQL build may add parallel workers.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(build, sorted(statements, key=lambda s: ("concerns_concern " not in s, "gin" not in s))))
    progress(f"  rebuilt {len(indexes)} indexes and {len(uniques)} unique constraints")
    # Foreign keys one at a time (each takes a lock on the table it references); each is checked.
    for t, n, d in fks:
        build(f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}')
    progress(f"  re-added and checked {len(fks)} foreign keys")


def generate(args: argparse.Namespace, db: str, progress: Callable[[str], None]) -> dict[str, Any]:
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from bench.baseline import CREATE_TABLE

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    progress(f"Creating database {db} and migrating")
    db_recreate(db)
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    timings["create and migrate"] = time.perf_counter() - t0
    dsn = f"{PG_BASE}/{db}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(CREATE_TABLE)
        categories = dict(conn.execute("SELECT code, id FROM concerns_category WHERE authority_id IS NULL").fetchall())
    now = int(time.time())
    gen = Generator(schools=args.schools, concerns=args.concerns, seed=args.seed, now=now, categories=categories)
    authorities, trusts, pyramids, schools = gen.plan()
    with psycopg.connect(dsn) as conn:
        with conn.cursor().copy("COPY organisations_authority (id, name, la_code) FROM STDIN") as copy:
            for row in authorities:
                copy.write_row(row)
        with conn.cursor().copy("COPY organisations_trust (id, name, authority_id) FROM STDIN") as copy:
            for row in trusts:
                copy.write_row(row)
        with conn.cursor().copy("COPY organisations_pyramid (id, authority_id, name) FROM STDIN") as copy:
            for row in pyramids:
                copy.write_row(row)
        columns = "id, name, urn, phase, report_code, authority_id, pyramid_id, trust_id"
        with conn.cursor().copy(f"COPY organisations_school ({columns}) FROM STDIN") as copy:
            for s in schools:
                code = f"b{s.index:05d}" + "".join(gen.rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(7))
                copy.write_row((s.id, s.name, s.urn, s.phase, code, s.authority_id, s.pyramid_id, s.trust_id))
        conn.commit()
        fks, uniques, indexes = _constraints_and_indexes(conn, list(LOAD_TABLES))
        for t, n, _ in fks:
            conn.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{n}"')
        for t, n, _ in uniques:
            conn.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{n}"')
        for _, n, _ in indexes:
            conn.execute(f"DROP INDEX {n}")
        conn.commit()
    progress(
        f"Generating {args.concerns:,} concerns in {args.schools} schools "
        f"({len(authorities)} authorities, {len(trusts)} trusts) with COPY"
    )
    t1 = time.perf_counter()
    result = gen.run(dsn, schools, progress)
    timings["generate and COPY"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        with conn.cursor().copy("COPY core_counter (key, value) FROM STDIN") as copy:
            for row in result["counters"]:
                copy.write_row(row)
        with conn.cursor().copy("COPY audit_auditchain (key, last_hash, length) FROM STDIN") as copy:
            for school_id, length, last in result["chains"]:
                copy.write_row((f"school:{school_id}", last, length))
        for table in [*LOAD_TABLES, "organisations_authority", "organisations_trust", "organisations_pyramid"]:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), m) FROM (SELECT max(id) AS m FROM {table}) x "
                "WHERE m IS NOT NULL"
            )
        conn.execute("SELECT setval(pg_get_serial_sequence('organisations_school', 'id'), %s)", [len(schools)])
        conn.commit()
    _rebuild(dsn, fks, uniques, indexes, progress)
    timings["indexes and constraints"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    progress("VACUUM ANALYZE")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - t3
    with psycopg.connect(dsn) as conn:
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    timings["total"] = time.perf_counter() - t0
    counts = dict(sorted(gen.counts.items()))
    in_case = _scalar("SELECT count(*) FROM concerns_concern WHERE case_id IS NOT NULL")
    meta = {
        "generator": GENERATOR_VERSION,
        "schools": args.schools,
        "concerns": args.concerns,
        "seed": args.seed,
        "generated_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "database_size": size,
        "rows": counts,
        "concerns_in_cases_percent": round(100 * in_case / max(1, args.concerns), 1),
        "bench_school": gen.bench_school.id,
        "submit_school": gen.submit_school.id,
        "largest_school": gen.largest_school.id,
        "designated_pupil": gen.bench["designated_pupil"],
        "designated_cases": gen.bench.get("designated_cases"),
        "designated_entries": gen.designated_entries,
        "school_sizes": {str(k): v for k, v in gen.bench.get("schools", {}).items()},
    }
    check_generated(meta, progress)
    db_set_meta(db, meta)
    return meta


def _scalar(query: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def check_generated(meta: dict[str, Any], progress: Callable[[str], None]) -> None:
    """Read the data back through the product's own code: the audit hashes, the designated child's
    chronology as the DSL sees it, and the row counts."""
    from django.db import connection

    from haven.accounts.models import Membership
    from haven.audit.models import AuditEvent
    from haven.audit.seal import seal_is_valid
    from haven.chronology.selectors import pupil_chronology_for
    from haven.concerns.models import Concern

    connection.close()
    school = meta["bench_school"]
    events = list(AuditEvent.objects.filter(chain=f"school:{school}").order_by("seq"))
    prev = "0" * 64
    for e in events:
        if e.prev_hash != prev or e.compute_hash() != e.hash or not seal_is_valid(e.hash, e.seal):
            raise SystemExit(f"audit chain school:{school} does not verify at seq {e.seq}")
        prev = e.hash
    dsl = Membership.objects.get(school_id=school, role="dsl").user
    _, entries = pupil_chronology_for(dsl, meta["designated_pupil"])
    meta["designated_entries"] = len(entries)
    if len(entries) != CHRONOLOGY_ENTRIES:
        progress(f"  note: the designated child's chronology has {len(entries)} entries, not {CHRONOLOGY_ENTRIES}")
    assert Concern.objects.count() == meta["concerns"], "concern count"
    progress(
        f"  checked: audit chain school:{school} ({len(events):,} entries) verifies; the designated child's "
        f"chronology has {len(entries)} entries"
    )


# =============================================================================================
# Server and client
# =============================================================================================


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn as scripts/run.sh starts it, on 127.0.0.1 and a free port; stopped by its own pid."""

    def __init__(self, *, workers: int, threads: int, data_dir: Path) -> None:
        self.port = free_port()
        logs = data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log = logs / "gunicorn.log"
        cmd = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "haven.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            str(logs / "access.log"),
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(cmd, env=os.environ.copy(), cwd=ROOT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {self.log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class Response:
    status: int
    headers: Any
    body: bytes
    seconds: float


class Browser:
    """A cookie-keeping HTTP/1.1 client on one keep-alive connection, as a browser tab behind the
    TLS-terminating proxy (X-Forwarded-Proto: https)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        # gunicorn closes idle keep-alive connections after 2 s: reconnect before that, outside the timing.
        if self.conn is None or time.monotonic() - self.last_used > 1.0:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.connect()
        return self.conn

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "") -> Response:
        conn = self._connection()
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/xhtml+xml",
            "Accept-Encoding": "identity",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            self.conn = None
            raise
        seconds = time.perf_counter() - started
        self.last_used = time.monotonic()
        for header in resp.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if resp.will_close:
            conn.close()
            self.conn = None
        return Response(resp.status, resp.headers, data, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str] | list[tuple[str, str]]) -> Response:
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: list[tuple[str, str]]) -> Response:
        boundary = f"----havenbench{secrets.token_hex(8)}"
        out = io.BytesIO()
        for name, value in fields:
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(value.encode() + b"\r\n")
        # The form's file field, empty, as a browser sends it when nothing is attached.
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n".encode()
        )
        out.write(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, out.getvalue(), f"multipart/form-data; boundary={boundary}")


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(response: Response) -> str:
    m = CSRF_FIELD.search(response.body)
    if not m:
        raise SystemExit(f"no CSRF token in the page (status {response.status})")
    return m.group(1).decode()


def sign_in(port: int, email: str, totp_key: str | None) -> Browser:
    """Sign in as a person does: the sign-in form, then the code from their authenticator app."""
    from django_otp.oath import TOTP

    from haven.accounts.models import User

    b = Browser(port)
    r = b.get("/account/sign-in/")
    r = b.post_form("/account/sign-in/", {"csrfmiddlewaretoken": csrf_token(r), "email": email, "password": PASSWORD})
    if r.status != 302:
        raise SystemExit(f"sign-in as {email} failed: status {r.status}")
    if totp_key:
        r = b.get("/account/two-factor/")
        token = csrf_token(r)
        device = User.objects.get(email=email).authenticatorapp_set.get()
        totp = TOTP(bytes.fromhex(totp_key), device.step, device.t0, device.digits, device.drift)
        while totp.t() <= device.last_t:  # a code already used (a run less than 30 s ago): wait for the next
            time.sleep(1)
        r = b.post_form("/account/two-factor/", {"csrfmiddlewaretoken": token, "token": f"{totp.token():06d}"})
        if r.status != 302:
            raise SystemExit(f"two-factor step for {email} failed: status {r.status}")
    r = b.get("/")
    if r.status != 200:
        raise SystemExit(f"home page after signing in as {email}: status {r.status}")
    return b


# =============================================================================================
# Scenarios and measurement
# =============================================================================================


@dataclass
class Scenario:
    key: str
    label: str
    send: Callable[[Browser, int], Response]
    ok: Callable[[Response], bool]
    baseline: Scenario | None = None  # timed just before each request of this one, on the same connection
    target_ms: float | None = None
    who: str = "readers"


def _percentiles(ms: list[float]) -> tuple[float, float, float]:
    if len(ms) < 2:
        v = ms[0] if ms else 0.0
        return v, v, v
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return q[49], q[94], q[98]


@dataclass
class Result:
    key: str
    label: str
    phase: str
    n: int
    failures: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float
    per_second: float
    first_failure: str = ""
    base_p50: float | None = None  # the interleaved baseline's own percentiles in this phase
    base_p95: float | None = None
    vs_p50: float | None = None
    vs_p95: float | None = None
    target_ms: float | None = None
    others_cores: float = 0.0  # CPU used by other processes on the machine during the phase
    load_1min: float = 0.0

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "PASS" if self.p95 < self.target_ms and not self.failures else "MISS"


class CpuMeter:
    """CPU used during a phase by this harness (client, gunicorn, the bench database's backends)
    and by everything else on the machine (other people's tests, say), from /proc."""

    def __init__(self, server_pid: int, db: str) -> None:
        self.server_pid = server_pid
        self.db = db
        self.tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _machine() -> tuple[int, int]:
        with open("/proc/stat") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
        total = sum(parts[:8])
        return total, total - parts[3] - parts[4]  # minus idle and iowait

    @staticmethod
    def _proc(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return 0

    def _ours(self) -> int:
        pids = {os.getpid(), self.server_pid}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == self.server_pid:
                    pids.add(int(entry))
        with _admin() as conn:
            pids |= {r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db])}
        return sum(self._proc(p) for p in pids)

    def snapshot(self) -> tuple[int, int, int]:
        total, busy = self._machine()
        return total, busy, self._ours()

    @staticmethod
    def others_cores(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
        total = b[0] - a[0]
        if total <= 0:
            return 0.0
        return max(0.0, (b[1] - a[1]) - (b[2] - a[2])) / total * (os.cpu_count() or 1)

    def wait_for_quiet(self, limit: float, seconds: float, progress: Callable[[str], None]) -> float:
        """Wait (at most ``seconds``) until other processes use less than ``limit`` cores over 2 s."""
        deadline = time.monotonic() + seconds
        while True:
            a = self.snapshot()
            time.sleep(2)
            busy = self.others_cores(a, self.snapshot())
            if busy < limit or time.monotonic() >= deadline:
                if busy >= limit:
                    progress(f"    machine still busy ({busy:.1f} cores used by other processes): measuring anyway")
                return busy


def run_phase(
    scn: Scenario, browsers: list[Browser], *, warmup: int, n: int, offset: int, phase: str, meter: CpuMeter
) -> Result:
    """Warm up, then n requests split over the browsers (one thread each), timing every one; before
    each, the scenario's baseline on the same connection, so both see the same machine."""
    lock = threading.Lock()
    times: list[float] = []
    base_times: list[float] = []
    failures = [0]
    first: list[str] = []

    def timed(s: Scenario, b: Browser, i: int) -> tuple[bool, float, str]:
        try:
            r = s.send(b, i)
            good = s.ok(r)
            return good, r.seconds, "" if good else f"status {r.status} {r.headers.get('Location')}: {r.body[:300]!r}"
        except (http.client.HTTPException, OSError) as exc:
            return False, 0.0, repr(exc)

    def one(b: Browser, i: int, record: bool) -> None:
        results = []
        if scn.baseline is not None:
            results.append((base_times, *timed(scn.baseline, b, i)))
        results.append((times, *timed(scn, b, i)))
        if record:
            with lock:
                for into, good, seconds, why in results:
                    if good:
                        into.append(seconds)
                    else:
                        failures[0] += 1
                        if not first:
                            first.append(why)

    for i in range(warmup):
        one(browsers[i % len(browsers)], offset + i, False)
    per = [n // len(browsers) + (1 if k < n % len(browsers) else 0) for k in range(len(browsers))]
    barrier = threading.Barrier(len(browsers))

    def worker(k: int) -> None:
        barrier.wait()
        base = offset + warmup + sum(per[:k])
        for i in range(per[k]):
            one(browsers[k], base + i, True)

    before = meter.snapshot()
    started = time.perf_counter()
    if len(browsers) == 1:
        worker(0)
    else:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(browsers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.perf_counter() - started
    after = meter.snapshot()
    ms = sorted(t * 1000 for t in times)
    p50, p95, p99 = _percentiles(ms)
    res = Result(
        key=scn.key,
        label=scn.label,
        phase=phase,
        n=len(ms),
        failures=failures[0],
        p50=p50,
        p95=p95,
        p99=p99,
        mean=statistics.fmean(ms) if ms else 0.0,
        max=ms[-1] if ms else 0.0,
        per_second=len(ms) / wall,
        first_failure=first[0] if first else "",
        target_ms=scn.target_ms if phase == "sequential" else None,  # targets are for one user at a time
        others_cores=round(CpuMeter.others_cores(before, after), 2),
        load_1min=round(os.getloadavg()[0], 2),
    )
    if base_times:
        b50, b95, _ = _percentiles(sorted(t * 1000 for t in base_times))
        res.base_p50, res.base_p95 = b50, b95
        res.vs_p50, res.vs_p95 = p50 / b50, p95 / b95
    return res


@dataclass
class Facts:
    """What the benchmark needs from the data set, read back from the database."""

    bench_school: int
    submit_school: int
    largest_school: int
    designated_pupil: int
    designated_entries: int
    readers: list[tuple[str, str]]  # (email, TOTP key) of the DSL, deputies and head
    largest_dsl: tuple[str, str]
    writers: list[tuple[str, str]]  # (email, TOTP key) of staff who record concerns
    case_refs: list[str]
    submit_pupils: list[int]
    categories: list[int]
    school_concerns: int
    school_cases: int
    to_triage: int
    open_cases: int
    largest_concerns: int
    case_sizes: dict[str, float]


def load_facts(meta: dict[str, Any]) -> Facts:
    from django.db.models import Count, Q

    from haven.accounts.models import Membership
    from haven.cases.models import Case
    from haven.concerns.models import Concern
    from haven.concerns.services import categories_valid_for
    from haven.organisations.models import School
    from haven.people.models import Pupil

    school, submit, largest = meta["bench_school"], meta["submit_school"], meta["largest_school"]

    def readers_of(school_id: int) -> list[tuple[str, str]]:
        rows = []
        for role in ("dsl", "deputy_dsl", "head"):
            for m in Membership.objects.filter(school_id=school_id, role=role).select_related("user").order_by("pk"):
                rows.append((m.user.email, m.user.authenticatorapp_set.get().key))
        return rows

    writers = [
        (m.user.email, m.user.authenticatorapp_set.get().key)
        for m in Membership.objects.filter(school_id=submit, role="staff").select_related("user").order_by("pk")[:8]
    ]
    # The cases a DSL opens: the school's 40 most recently opened that the deputies may also read.
    cases = list(
        Case.objects.filter(school_id=school, restricted=False)
        .annotate(n_concerns=Count("concerns", distinct=True), n_children=Count("children", distinct=True))
        .order_by("-opened_at")[:40]
    )
    rng = random.Random(7)
    pupils = list(Pupil.objects.filter(school_id=submit, left_on__isnull=True).values_list("pk", flat=True))
    return Facts(
        bench_school=school,
        submit_school=submit,
        largest_school=largest,
        designated_pupil=meta["designated_pupil"],
        designated_entries=meta["designated_entries"],
        readers=readers_of(school),
        largest_dsl=readers_of(largest)[0],
        writers=writers,
        case_refs=[c.reference for c in cases],
        submit_pupils=rng.sample(pupils, min(400, len(pupils))),
        categories=list(
            categories_valid_for(School.objects.get(pk=submit), dt.date.today()).values_list("pk", flat=True)
        ),
        school_concerns=Concern.objects.filter(school_id=school).count(),
        school_cases=Case.objects.filter(school_id=school).count(),
        to_triage=Concern.objects.filter(school_id=school, case__isnull=True).exclude(status="nfa").count(),
        open_cases=Case.objects.filter(school_id=school, status="open").count(),
        largest_concerns=Concern.objects.filter(school_id=largest).count(),
        case_sizes={
            "concerns_mean": round(statistics.fmean(c.n_concerns for c in cases), 1) if cases else 0,
            "concerns_max": max((c.n_concerns for c in cases), default=0),
            "children_mean": round(statistics.fmean(c.n_children for c in cases), 1) if cases else 0,
            "open": sum(1 for c in cases if c.status == "open"),
            "with_decisions": Case.objects.filter(pk__in=[c.pk for c in cases])
            .filter(~Q(decisions=None))
            .distinct()
            .count(),
        },
    )


def concern_fields(facts: Facts, i: int, csrf: str) -> list[tuple[str, str]]:
    """A valid concern as the form posts it: one or two children chosen from the roll, by id."""
    rng = random.Random(i)
    now = dt.datetime.now()
    when = now - dt.timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
    loc = rng.choice(["classroom", "corridor", "playground", "online", "toilets", "community"])
    kids = rng.sample(facts.submit_pupils, 2 if rng.random() < 0.4 else 1)
    fields = [
        ("csrfmiddlewaretoken", csrf),
        ("school", str(facts.submit_school)),
        ("occurred_on", when.date().isoformat()),
        ("occurred_time", when.strftime("%H:%M")),
        ("location", loc),
        ("online_platform", "Snapchat" if loc == "online" else ""),
        ("location_detail", ""),
        ("what_happened", rng.choice(WHAT) + " " + rng.choice(WHAT)),
        ("child_words", rng.choice(CHILD_WORDS)),
        ("actions_taken", rng.choice(ACTIONS)),
        ("child_told_next_steps", "yes"),
        ("child_1_query", f"#{kids[0]}"),
        ("child_1_role", "affected"),
    ]
    if len(kids) > 1:
        fields += [("child_2_query", f"#{kids[1]}"), ("child_2_role", "alleged_harmer")]
    for cat in rng.sample(facts.categories, 2 if rng.random() < 0.25 else 1):
        fields.append(("categories", str(cat)))
    return fields


def scenarios(facts: Facts, csrf: dict[int, str]) -> list[Scenario]:
    def page(marker: bytes) -> Callable[[Response], bool]:
        return lambda r: r.status == 200 and marker in r.body

    def submitted(r: Response) -> bool:
        # The concern's page for a verified user, the list of their concerns otherwise (bd1de3a).
        location = r.headers.get("Location") or ""
        return r.status == 302 and (location.startswith("/concerns/C-") or location == "/concerns/")

    read = Scenario(
        "baseline_read",
        "baseline: read one row",
        lambda b, i: b.get(f"/bench/read/?id={facts.bench_school}"),
        lambda r: r.status == 200 and not r.body.startswith(b"none"),
    )
    write = Scenario(
        "baseline_write",
        "baseline: insert one row",
        lambda b, i: b.post_form("/bench/write/", {"csrfmiddlewaretoken": csrf[id(b)], "note": f"bench {i}"}),
        lambda r: r.status == 302 and r.headers.get("Location") == "/bench/read/",
        who="writers",
    )
    entries = f"{facts.designated_entries} entries".encode()
    return [
        read,
        write,
        Scenario(
            "dashboard",
            "DSL dashboard GET /cases/",
            lambda b, i: b.get("/cases/"),
            page(b"Concerns to triage"),
            read,
            TARGETS_MS["dashboard"],
        ),
        Scenario(
            "case",
            "case page GET /cases/<ref>/",
            lambda b, i: b.get(f"/cases/{facts.case_refs[i % len(facts.case_refs)]}/"),
            page(b"K-"),
            read,
        ),
        Scenario(
            "chronology",
            f"child's chronology ({facts.designated_entries} entries)",
            lambda b, i: b.get(f"/pupils/{facts.designated_pupil}/chronology/"),
            page(entries),
            read,
            TARGETS_MS["chronology"],
        ),
        Scenario(
            "submit",
            "submit a concern POST /concerns/new/",
            lambda b, i: b.post_multipart("/concerns/new/", concern_fields(facts, i, csrf[id(b)])),
            submitted,
            write,
            TARGETS_MS["submit"],
            who="writers",
        ),
        Scenario(
            "dashboard_largest",
            f"dashboard, largest school ({facts.largest_concerns:,} concerns)",
            lambda b, i: b.get("/cases/"),
            page(b"Concerns to triage"),
            read,
            who="largest",
        ),
    ]


def _migrate_reused(progress: Callable[[str], None]) -> None:
    """Apply migrations added since the data set was built (an index, say), so that the benchmark
    measures the schema the code has; a data set that cannot take them needs --regenerate."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    if plan:
        progress(f"Applying {len(plan)} new migrations: {', '.join(f'{m.app_label}.{m.name}' for m, _ in plan)}")
        call_command("migrate", verbosity=0, interactive=False)
    connection.close()


def _proposed_indexes(db: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/{db}", autocommit=True) as conn:
        for name, statement in PROPOSED_INDEXES.items():
            conn.execute(statement if create else f"DROP INDEX IF EXISTS {name}")
        if create:
            conn.execute("ANALYZE concerns_concern, cases_task")


def benchmark(args: argparse.Namespace, meta: dict[str, Any], data_dir: Path, progress: Callable) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from haven.concerns.models import Concern

    facts = load_facts(meta)
    if args.proposed_indexes:
        _proposed_indexes(meta["db"], create=True)
        progress(f"Built the proposed indexes for this run: {', '.join(PROPOSED_INDEXES)}")
    progress("collectstatic (production's manifest storage)")
    call_command("collectstatic", interactive=False, verbosity=0)
    submitted_before = Concern.objects.filter(school_id=facts.submit_school).count()
    connection.close()
    progress(f"Starting gunicorn: {args.workers} workers x {args.threads} threads on 127.0.0.1")
    server = Server(workers=args.workers, threads=args.threads, data_dir=data_dir)
    meter = CpuMeter(server.proc.pid, meta["db"])
    results: list[Result] = []
    try:
        n_sessions = max(1, args.concurrency)
        pools = {
            "readers": [sign_in(server.port, email, key) for email, key in facts.readers[:n_sessions]],
            "writers": [sign_in(server.port, email, key) for email, key in facts.writers[:n_sessions]],
            "largest": [sign_in(server.port, *facts.largest_dsl)],
        }
        csrf = {id(b): csrf_token(b.get("/concerns/new/")) for b in pools["writers"]}
        connection.close()
        progress(
            f"Signed in on port {server.port}: {len(pools['readers'])} readers (DSL, deputies, head: password and "
            f"TOTP code), {len(pools['writers'])} staff (the same), the largest school's DSL"
        )
        offset = 0
        for scn in scenarios(facts, csrf):
            if args.only and scn.key not in args.only:
                continue
            pool = pools[scn.who]
            phases = [("sequential", pool[:1], args.warmup)]
            if args.concurrency > 1 and len(pool) > 1:
                phases.append((f"{args.concurrency} at once", pool[: args.concurrency], 0))
            for phase, browsers, warmup in phases:
                if args.quiet_wait:
                    meter.wait_for_quiet(args.quiet_cores, args.quiet_wait, progress)
                res = run_phase(scn, browsers, warmup=warmup, n=args.requests, offset=offset, phase=phase, meter=meter)
                offset += warmup + args.requests
                results.append(res)
                vs = f"  {res.vs_p95:5.1f}x baseline p95" if res.vs_p95 else ""
                progress(
                    f"  {res.label:<44} {phase:<11} p50 {res.p50:7.1f}  p95 {res.p95:7.1f}  p99 {res.p99:7.1f} ms"
                    f"{vs}  fail {res.failures}  (others used {res.others_cores:.1f} cores)"
                )
    finally:
        server.stop()
    # Every successful submission must be a new row at the staff member's school, and only those.
    created = Concern.objects.filter(school_id=facts.submit_school).count() - submitted_before
    expected = sum(r.n for r in results if r.key == "submit") + (
        args.warmup if any(r.key == "submit" for r in results) else 0
    )
    for r in results:
        if r.key == "submit" and created != expected:
            r.failures += abs(expected - created)
            r.first_failure = r.first_failure or f"{created} concerns created for {expected} successful submissions"
    return {
        "facts": facts.__dict__,
        "submitted": {"created": created, "expected": expected},
        "results": [r.__dict__ | {"verdict": r.verdict} for r in results],
    }


# =============================================================================================
# In-process diagnosis: queries per page, their time, the slowest explained; a profile.
# =============================================================================================


class QueryTimer:
    """Every query a request makes, with its own time (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any, float]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - started))


def diagnose(meta: dict[str, Any], out_dir: Path, progress: Callable, only: set[str] | None = None) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from haven.accounts.models import AuthenticatorApp, User

    facts = load_facts(meta)
    connection.close()

    def client_for(email: str, verified: bool) -> Client:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_USER_AGENT=USER_AGENT)
        user = User.objects.get(email=email)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if verified:
            session = client.session
            session["otp_device_id"] = AuthenticatorApp.objects.get(user=user).persistent_id
            session.save()
        return client

    dsl = client_for(facts.readers[0][0], True)
    staff = client_for(facts.writers[0][0], True)
    big = client_for(facts.largest_dsl[0], True)

    def submit(i: int) -> Any:
        fields: dict[str, Any] = {}
        for k, v in concern_fields(facts, 10_000_000 + i, "not checked by the test client"):
            fields.setdefault(k, []).append(v)
        return staff.post("/concerns/new/", fields)

    pages: dict[str, Callable[[int], Any]] = {
        "baseline_read": lambda i: dsl.get(f"/bench/read/?id={facts.bench_school}"),
        "baseline_write": lambda i: staff.post("/bench/write/", {"note": "diagnose"}),
        "dashboard": lambda i: dsl.get("/cases/"),
        "case": lambda i: dsl.get(f"/cases/{facts.case_refs[i % len(facts.case_refs)]}/"),
        "chronology": lambda i: dsl.get(f"/pupils/{facts.designated_pupil}/chronology/"),
        "submit": submit,
        "dashboard_largest": lambda i: big.get("/cases/"),
    }
    report: dict[str, Any] = {}
    explain_lines: list[str] = []
    profile_lines: list[str] = []
    for key, fetch in pages.items():
        if only and key not in only:
            continue
        for i in range(3):
            fetch(i)  # warm
        runs = []
        for i in range(7):
            timer = QueryTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = fetch(0 if key == "case" else 100 + i)
                total = time.perf_counter() - started
            runs.append((total, timer.queries, response.status_code))
        runs.sort(key=lambda r: r[0])
        total, queries, status = runs[len(runs) // 2]
        sql_ms = sum(q[2] for q in queries) * 1000
        groups: dict[str, list[float]] = {}
        for sql, _, seconds in queries:
            groups.setdefault(_query_group(sql), []).append(seconds * 1000)
        slow = sorted(queries, key=lambda q: -q[2])[:5]
        report[key] = {
            "status": status,
            "ms": round(total * 1000, 1),
            "queries": len(queries),
            "sql_ms": round(sql_ms, 1),
            "python_ms": round(total * 1000 - sql_ms, 1),
            "by_group": {g: {"n": len(v), "ms": round(sum(v), 2)} for g, v in sorted(groups.items())},
            "slowest": [{"ms": round(q[2] * 1000, 2), "sql": q[0][:600]} for q in slow],
        }
        for sql, params, seconds in slow[:3]:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
            explain_lines += [f"== {key}: {seconds * 1000:.2f} ms in the page", sql, f"params: {params}", *plan, ""]
        profiler = cProfile.Profile()
        profiler.enable()
        fetch(0 if key == "case" else 200)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=io.StringIO())
        whole = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
        own = [
            (f"{Path(file).relative_to(ROOT)}:{line}({func})", ct)
            for (file, line, func), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
            if file.startswith(str(ROOT / "haven")) or (file.endswith("django/shortcuts.py") and func == "render")
        ]
        own.sort(key=lambda kv: -kv[1])
        report[key]["profile_share"] = {name: f"{100 * ct / whole:.0f} %" for name, ct in own[:12]}
        text = io.StringIO()
        stats.stream = text  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        profile_lines += [f"== {key}", text.getvalue()]
        progress(
            f"  {key:<18} {report[key]['ms']:7.1f} ms in-process: {len(queries):3d} queries, "
            f"SQL {sql_ms:6.1f} ms, Python {report[key]['python_ms']:6.1f} ms"
        )
    (out_dir / f"explain-{meta['db']}-{STAMP}.txt").write_text("\n".join(explain_lines))
    (out_dir / f"profile-{meta['db']}-{STAMP}.txt").write_text("\n".join(profile_lines))
    return report


def _query_group(sql: str) -> str:
    low = sql.lower()
    for marker, group in (
        ("django_session", "session"),
        ("audit_", "audit"),
        ("otp_", "auth (user, device)"),
        ('from "accounts_user"', "auth (user, device)"),
        ("accounts_membership", "access (memberships)"),
        ("core_counter", "reference counter"),
    ):
        if marker in low:
            return group
    m = re.search(r'(?:from|into|update) "?([a-z_]+)"?', low)
    return m.group(1) if m else low.split()[0]


# =============================================================================================
# Report
# =============================================================================================


def print_table(results: list[dict[str, Any]], file: Any = sys.stdout) -> None:
    head = (
        f"{'scenario':<44} {'phase':<11} {'n':>4} {'fail':>4} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>5} "
        f"{'base p50/p95':>13} {'x p50':>6} {'x p95':>6} {'target p95':>11} {'others':>6}"
    )
    print(head, file=file)
    print("-" * len(head), file=file)
    for r in results:
        base = f"{r['base_p50']:.1f}/{r['base_p95']:.1f}" if r.get("base_p50") else ""
        vs50 = f"{r['vs_p50']:.1f}x" if r.get("vs_p50") else ""
        vs95 = f"{r['vs_p95']:.1f}x" if r.get("vs_p95") else ""
        target = f"<{r['target_ms']:.0f} {r['verdict']}" if r.get("target_ms") else ""
        print(
            f"{r['label']:<44} {r['phase']:<11} {r['n']:>4} {r['failures']:>4} {r['p50']:>6.1f} {r['p95']:>6.1f} "
            f"{r['p99']:>6.1f} {r['per_second']:>5.0f} {base:>13} {vs50:>6} {vs95:>6} {target:>11} "
            f"{r['others_cores']:>6.1f}",
            file=file,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--small", action="store_true", help="smoke run: 10 schools, 20,000 concerns")
    parser.add_argument("--schools", type=int, help="schools (default 500; 10 with --small)")
    parser.add_argument("--concerns", type=int, help="concerns (default 1,000,000; 20,000 with --small)")
    parser.add_argument("--db", help="database name (default haven_bench, or haven_bench_small with --small)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--regenerate", action="store_true", help="build the data set again even if it matches")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--requests", type=int, help="timed requests per scenario and phase (300; 100 with --small)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4, help="threads for the concurrent phase (0: skip)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (scripts/run.sh: 3)")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker (scripts/run.sh: 2)")
    parser.add_argument("--no-diagnose", action="store_true", help="skip the in-process query and profile pass")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each phase, wait up to this many seconds for a quiet machine",
    )
    parser.add_argument(
        "--quiet-cores", type=float, default=0.3, help="quiet: other processes use fewer cores than this"
    )
    parser.add_argument(
        "--only",
        type=lambda v: set(v.split(",")),
        help="comma-separated scenarios: baseline_read, baseline_write, dashboard, case, chronology, submit, "
        "dashboard_largest (each keeps its interleaved baseline)",
    )
    parser.add_argument(
        "--proposed-indexes", action="store_true", help="build the proposed indexes for this run, drop them after"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    args.schools = args.schools or (10 if args.small else 500)
    args.concerns = args.concerns or (20_000 if args.small else 1_000_000)
    args.requests = args.requests or (100 if args.small else 300)
    db = _check_db_name(args.db or ("haven_bench_small" if args.small else "haven_bench"))
    if args.requests < 20 or args.requests > 100_000 or args.warmup < 0 or args.concurrency > 16:
        raise SystemExit("--requests 20..100000, --warmup >= 0, --concurrency <= 16")
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = OUT / f"data-{db}"
    configure_django(db, data_dir)
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", flush=True)

    meta = db_meta(db)
    wanted = {"generator": GENERATOR_VERSION, "schools": args.schools, "concerns": args.concerns, "seed": args.seed}
    if args.regenerate or not meta or any(meta.get(k) != v for k, v in wanted.items()):
        meta = generate(args, db, progress)
        progress(f"Generated in {meta['seconds']['total']:.0f} s: {meta['seconds']}")
    else:
        age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(meta["generated_at"])
        progress(f"Reusing {db} generated {meta['generated_at']} ({age.days} days ago); --regenerate to rebuild")
        if age.days > 14:
            progress("  note: 'recent' activity (to triage, open cases, repeat flags) has aged; consider --regenerate")
        _migrate_reused(progress)
    meta["db"] = db
    progress(
        f"Data set: {meta['schools']} schools, {meta['concerns']:,} concerns ({meta['concerns_in_cases_percent']} % in "
        f"cases), {meta['database_size']}; rows: {meta['rows']}"
    )
    report: dict[str, Any] = {
        "dataset": meta,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": _scalar("SHOW server_version"),
            "shared_buffers": _scalar("SHOW shared_buffers"),
            "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        },
        "settings": {"requests": args.requests, "warmup": args.warmup, "concurrency": args.concurrency},
    }
    if not args.generate_only:
        report["settings"]["proposed_indexes"] = args.proposed_indexes
        try:
            report |= benchmark(args, meta, data_dir, progress)
            if not args.no_diagnose:
                progress("In-process pass: queries and time per page (Django test client, same settings and data)")
                report["diagnosis"] = diagnose(meta, OUT, progress, args.only)
        finally:
            if args.proposed_indexes:
                _proposed_indexes(db, create=False)
        f = report["facts"]
        print()
        print(
            f"Bench school {f['bench_school']}: {f['school_concerns']:,} concerns, {f['school_cases']:,} cases "
            f"({f['open_cases']} open), {f['to_triage']} concerns to triage; chronology of pupil "
            f"{f['designated_pupil']}: {f['designated_entries']} entries; "
            f"largest school {f['largest_concerns']:,} concerns."
        )
        print(
            "Times in ms at the client over loopback (request sent to last byte read). 'base': the minimal view "
            "(read one row for pages, insert one row for submit) timed just before each request on the same "
            "connection; 'x': the page's percentile over the baseline's; 'others': cores used by other processes."
        )
        print_table(report["results"])
    path = OUT / f"concerns-{db}-{STAMP}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults: {path.relative_to(ROOT)}")
    if args.drop:
        db_drop(db)
        print(f"Dropped {db}")


if __name__ == "__main__":
    main()
