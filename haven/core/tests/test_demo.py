"""The demo world (DESIGN §10) and its logins: the right shape, the same every time, never in
production, and every printed login really signs in."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import TWO_FACTOR_ROLES, Membership, Role, User
from haven.core.demo import DEMO_PASSWORD, DemoWorldRefused, birth_range, demo_world_build
from haven.organisations.models import Authority, Pyramid, School, Trust
from haven.people.models import Pupil
from haven.people.upn import upn_problem

DOCS = Path(__file__).resolve().parents[3] / "docs" / "demo-logins.md"
# Age on 31 August 2026, the day before the 2026/27 academic year: Reception are 4, Year 7 are 11.
AGE_DAY = dt.date(2026, 8, 31)


def _years_after_reception(year_group: str) -> int:
    """Counted independently of the builder: N1 is -2, N2 -1, Reception 0, Year 7 is 7."""
    before_year_1 = {"N1": -2, "N2": -1, "R": 0}
    return before_year_1[year_group] if year_group in before_year_1 else int(year_group)


def _digest() -> str:
    """Everything a tester could notice, by natural keys (primary keys differ between builds)."""
    rows = {
        "schools": list(
            School.objects.order_by("urn").values_list(
                "urn", "name", "phase", "trust__name", "pyramid__name", "authority__la_code", "report_code"
            )
        ),
        "pupils": list(
            Pupil.objects.order_by("school__urn", "upn").values_list(
                "school__urn",
                "upn",
                "legal_forename",
                "legal_surname",
                "preferred_forename",
                "date_of_birth",
                "year_group",
                "sex",
                "sen_status",
                "looked_after",
                "child_in_need",
                "child_protection_plan",
                "young_carer",
                "missing_education",
                "created_at",
            )
        ),
        "users": list(User.objects.order_by("email").values_list("email", "full_name", "job_title", "date_joined")),
        "memberships": list(
            Membership.objects.order_by("user__email", "role", "school__urn", "trust__name").values_list(
                "user__email", "role", "school__urn", "trust__name", "authority__la_code", "started_at"
            )
        ),
        "devices": list(TOTPDevice.objects.order_by("user__email").values_list("user__email", "key", "confirmed")),
    }
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def _logins() -> dict:
    out = StringIO()
    call_command("demo_logins", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def demo(db):
    return demo_world_build()


def test_it_builds_the_county_trusts_and_six_schools(demo):
    assert list(Authority.objects.values_list("name", "la_code")) == [("Midshire County Council", "881")]
    assert set(Trust.objects.values_list("name", flat=True)) == {"Oakfield Learning Trust", "Riverside Academies Trust"}
    assert Pyramid.objects.count() == 2
    schools = list(School.objects.select_related("trust"))
    assert len(schools) == 6
    assert {s.phase for s in schools} >= {"primary", "secondary", "special"}
    assert sum(s.is_maintained for s in schools) == 2
    assert all(len(s.urn) == 6 and s.urn.isdigit() and s.pyramid_id for s in schools)


def test_it_builds_1500_pupils_with_valid_upns_and_ages_that_fit_their_year(demo):
    pupils = list(Pupil.objects.select_related("school"))
    assert len(pupils) == 1500
    assert [p.upn for p in pupils if upn_problem(p.upn)] == []
    assert all(p.upn[1:4] == "881" for p in pupils)
    misplaced = [
        (p.upn, p.year_group, p.date_of_birth)
        for p in pupils
        if p.age_on(AGE_DAY) != _years_after_reception(p.year_group) + 4
    ]
    assert misplaced == []


def test_year_7_in_2026_27_were_born_september_2014_to_august_2015():
    assert birth_range("7") == (dt.date(2014, 9, 1), dt.date(2015, 8, 31))
    assert birth_range("R") == (dt.date(2021, 9, 1), dt.date(2022, 8, 31))


def test_year_groups_match_each_schools_phase_and_secondaries_are_larger(demo):
    by_school: dict[str, set[str]] = {}
    sizes: dict[str, int] = {}
    for school in School.objects.all():
        by_school[school.phase] = by_school.get(school.phase, set()) | set(
            school.pupils.values_list("year_group", flat=True)
        )
        sizes[school.name] = school.pupils.count()
    assert by_school["primary"] == {"R", "1", "2", "3", "4", "5", "6"}
    assert by_school["secondary"] <= {"7", "8", "9", "10", "11", "12", "13"}
    assert "R" not in by_school["special"] and "14" in by_school["special"]
    secondary = min(sizes[n] for n in ("Oakfield Park Academy", "Riverside High School"))
    assert secondary > max(sizes[n] for n in sizes if n not in ("Oakfield Park Academy", "Riverside High School"))


def test_vulnerability_rates_are_plausible(demo):
    mainstream = Pupil.objects.exclude(school__phase="special")
    n = mainstream.count()
    assert 0.10 < mainstream.filter(sen_status="K").count() / n < 0.17
    assert 0.015 < mainstream.filter(sen_status="E").count() / n < 0.05
    assert Pupil.objects.filter(school__phase="special").exclude(sen_status="E").count() < 15
    everyone = Pupil.objects.all()
    assert 5 <= everyone.filter(looked_after=True).count() <= 30
    assert 25 <= everyone.filter(child_in_need=True).count() <= 70
    assert 5 <= everyone.filter(child_protection_plan=True).count() <= 30
    assert 15 <= everyone.filter(young_carer=True).count() <= 50
    assert not everyone.filter(child_in_need=True, child_protection_plan=True).exists()
    assert set(everyone.values_list("sex", flat=True)) == {"F", "M"}
    assert everyone.exclude(preferred_forename="").count() > 30


def test_every_school_has_every_school_role_and_the_county_and_trusts_theirs(demo):
    for school in School.objects.all():
        roles = set(Membership.objects.filter(school=school).values_list("role", flat=True))
        assert roles >= {Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.GOVERNOR, Role.ADMIN}, school
    for trust in Trust.objects.all():
        assert set(Membership.objects.filter(trust=trust).values_list("role", flat=True)) == {
            Role.TRUST_LEAD,
            Role.GOVERNOR,
            Role.ADMIN,
        }
    county = list(Membership.objects.filter(authority__la_code="881").values_list("role", flat=True))
    assert sorted(county) == [Role.ADMIN, Role.LA_OFFICER, Role.LA_OFFICER]
    assert Membership.objects.filter(school__phase="secondary", role=Role.STAFF).count() >= 6
    assert all(u.email.endswith(".example") for u in User.objects.all())


def test_two_factor_roles_have_a_confirmed_device_and_others_none(demo):
    for user in User.objects.prefetch_related("memberships", "totpdevice_set"):
        devices = [d for d in user.totpdevice_set.all() if d.confirmed]
        needs = any(m.role in TWO_FACTOR_ROLES for m in user.memberships.all())
        assert len(devices) == (1 if needs else 0), user.email


def test_two_builds_give_identical_rows(db):
    with transaction.atomic():
        demo_world_build()
        first = _digest()
        transaction.set_rollback(True)
    assert not School.objects.exists()
    demo_world_build()
    assert _digest() == first


def test_another_seed_gives_another_world(db):
    with transaction.atomic():
        demo_world_build()
        first = _digest()
        transaction.set_rollback(True)
    demo_world_build(seed=7)
    assert _digest() != first


def test_it_loads_in_a_few_seconds(db):
    started = time.monotonic()
    call_command("load_demo", stdout=StringIO())
    assert time.monotonic() - started < 10


def test_load_demo_if_empty_is_a_no_op_the_second_time(db):
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "1,500 pupils" in out.getvalue()
    before = _digest()
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()
    assert _digest() == before and School.objects.count() == 6


def test_load_demo_refuses_a_database_with_data_in_it(demo):
    with pytest.raises(CommandError, match="empty"):
        call_command("load_demo", stdout=StringIO())
    assert School.objects.count() == 6


def test_load_demo_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", "--if-empty", stdout=StringIO())
    with pytest.raises(DemoWorldRefused):
        demo_world_build()
    assert not School.objects.exists() and not User.objects.exists()


def test_load_demo_if_empty_still_refuses_production_when_the_world_is_there(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", "--if-empty", stdout=StringIO())


def test_demo_logins_refuses_production(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_logins", "--json", stdout=StringIO())


def test_demo_logins_without_a_demo_world_says_so_and_succeeds(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "No demo world" in out.getvalue()
    assert _logins() == {"users": [], "schools": []}


def test_demo_logins_json_matches_the_schema(demo, monkeypatch):
    monkeypatch.setenv("HAVEN_PORT", "8123")
    logins = _logins()
    assert set(logins) == {"users", "schools"}
    assert all(set(u) == {"email", "password", "role", "organisation", "totp_secret"} for u in logins["users"])
    assert len(logins["users"]) == Membership.objects.count()  # one row per membership
    two_roles = [u for u in logins["users"] if u["email"] == "deputy.dsl@oakfield-park.example"]
    assert {(u["role"], u["organisation"]) for u in two_roles} == {
        ("deputy_dsl", "Oakfield Park Academy"),
        ("governor", "St Aidan's CE Primary School"),
    }
    assert {u["role"] for u in logins["users"]} == set(Role.values)
    assert [u["totp_secret"] for u in logins["users"] if u["role"] in {"staff", "admin"}] == [None] * sum(
        u["role"] in {"staff", "admin"} for u in logins["users"]
    )
    assert len(logins["schools"]) == 6
    for school in logins["schools"]:
        assert set(school) == {"name", "urn", "tell_url"}
        code = School.objects.get(urn=school["urn"]).report_code
        assert school["tell_url"] == f"http://127.0.0.1:8123/tell/{code}/"


def test_every_printed_password_signs_in(demo):
    request = RequestFactory().post("/")
    logins = _logins()["users"]
    assert {u["password"] for u in logins} == {DEMO_PASSWORD}
    for email in sorted({u["email"] for u in logins}):
        user = authenticate(request, email=email, password=DEMO_PASSWORD)
        assert user is not None and user.email == email
    assert authenticate(request, email="dsl@oakfield-park.example", password="wrong password") is None


def test_every_printed_totp_secret_gives_codes_the_device_accepts(demo):
    checked = set()
    for login in _logins()["users"]:
        if login["totp_secret"] is None or login["email"] in checked:
            continue
        checked.add(login["email"])
        device = TOTPDevice.objects.get(user__email=login["email"], confirmed=True)
        key = base64.b32decode(login["totp_secret"] + "=" * (-len(login["totp_secret"]) % 8))
        totp = TOTP(key, step=device.step, t0=device.t0, digits=device.digits)
        totp.time = time.time()
        assert device.verify_token(str(totp.token()).zfill(device.digits)), login["email"]
    assert len(checked) == TOTPDevice.objects.count() == 30


def test_the_text_table_shows_the_password_once_and_every_account(demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert text.count(DEMO_PASSWORD) == 1
    assert all(u.email in text for u in User.objects.all())
    assert "Willowbrook School" in text and "/tell/" in text


def test_docs_demo_logins_matches_the_command(demo, monkeypatch):
    monkeypatch.delenv("HAVEN_PORT", raising=False)
    out = StringIO()
    call_command("demo_logins", "--markdown", stdout=out)
    assert DOCS.read_text() == out.getvalue(), (
        "docs/demo-logins.md is stale: run `.venv/bin/python manage.py demo_logins --markdown > docs/demo-logins.md` "
        "on a fresh demo database"
    )
