"""The Section 175 audit through its pages: the officer opens a round, the school completes
and submits it, the officer reads the aggregate and the CSV and returns it, the school
submits again; who else may read it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.compliance import services
from haven.compliance.models import AuditRound, SchoolAudit
from haven.testing import factories as f

from .conftest import complete_answers, save

pytestmark = pytest.mark.django_db


def form_data(answers: dict[str, dict[str, Any]], *, version: int, action: str, total="40", trained="30") -> dict:
    data = {"version": str(version), "action": action, "staff_total": total, "staff_trained": trained}
    data["training_needs"] = "Two new teaching assistants need induction training."
    for key, row in answers.items():
        for name, value in row.items():
            data[f"{key}-{name}"] = value
    return data


def test_the_whole_journey(client, world):
    officer, dsl, head = world.users["la_officer_a"], world.users["dsl_a"], world.users["head_a"]
    today = timezone.localdate()

    # The officer opens a round.
    sign_in(client, officer)
    assert "Open a new audit" in client.get(reverse("compliance:index")).text
    response = client.post(
        reverse("compliance:round_new"),
        {"title": "Section 175 audit 2026-27", "opens_on": today, "due_on": today + dt.timedelta(days=60)},
    )
    audit_round = AuditRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("compliance:round", args=[audit_round.pk])
    audit = SchoolAudit.objects.get(round=audit_round, school=world.school_a)

    # The DSL sees it on the home page and saves a draft; a stale save is refused, keeping the typing.
    sign_in(client, dsl)
    assert "Section 175 audit 2026-27, due" in client.get("/").text
    url = reverse("compliance:audit", args=[audit.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Save draft" in page.text
    answers = complete_answers(not_met=("rshe",), partly=("hot_spots",), evidence="Termly walk of the corridors.")
    response = client.post(url, form_data(answers, version=1, action="save"))
    assert response.status_code == 302
    response = client.post(url, form_data(answers, version=1, action="save", total="99"))
    assert response.status_code == 400
    assert "Someone else saved this audit" in response.text
    assert 'value="99"' in response.text
    audit.refresh_from_db()
    assert audit.staff_total == 40

    # An incomplete submission is saved but not sent, with what is missing.
    sign_in(client, head)
    partial = {**answers, "dsl_trained": {"answer": ""}}
    response = client.post(url, form_data(partial, version=audit.version, action="submit"))
    assert response.status_code == 400
    assert "1.2: choose Met, Partly met or Not met." in response.text
    audit.refresh_from_db()
    assert audit.status == SchoolAudit.Status.DRAFT

    # The head submits it.
    response = client.post(url, form_data(answers, version=audit.version, action="submit"))
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == SchoolAudit.Status.SUBMITTED
    assert "Save draft" not in client.get(url).text

    # The officer sees it counted, with the training percentage and needs, and in the CSV.
    sign_in(client, officer)
    assert "1 of 2 schools" in client.get(reverse("compliance:index")).text
    page = client.get(reverse("compliance:round", args=[audit_round.pk])).text
    assert "75.0% (30 of 40)" in page
    assert "Two new teaching assistants need induction training." in page
    assert "0 (0.0%)" in page and "1 (100.0%)" in page
    csv = client.get(reverse("compliance:round_csv", args=[audit_round.pk]))
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "Alder Academy,140001,Submitted,no" in text
    assert ",40,30,75.0," in text
    assert "Not met" in text
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="compliance.auditround").exists()

    # The officer returns it; a return without comments is refused.
    response = client.post(url, {"action": "return", "comments": ""})
    assert response.status_code == 400
    response = client.post(url, {"action": "return", "comments": "Please add when the policy was reviewed."})
    assert response.status_code == 302

    # The DSL sees the comments and submits again; the history keeps both submissions and the return.
    sign_in(client, dsl)
    page = client.get(url).text
    assert "Please add when the policy was reviewed." in page
    audit.refresh_from_db()
    response = client.post(url, form_data(answers, version=audit.version, action="submit"))
    assert response.status_code == 302
    page = client.get(url).text
    assert "Submission 1" in page and "Submission 2" in page
    assert page.index("Submission 1") < page.index("Returned") < page.index("Submission 2")

    # The school's governor reads the status; another school's DSL gets 404.
    sign_in(client, world.users["governor_a"])
    assert "Submitted" in client.get(reverse("compliance:index")).text
    assert "Termly walk of the corridors." in client.get(url).text
    sign_in(client, world.users["dsl_b"])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(answers, version=audit.version, action="save")).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, object_id=str(audit.pk)).exists()


def test_the_round_form_keeps_what_was_typed(client, world):
    sign_in(client, world.users["la_officer_a"])
    today = timezone.localdate()
    response = client.post(
        reverse("compliance:round_new"),
        {"title": "Audit typed here", "opens_on": today, "due_on": today - dt.timedelta(days=1)},
    )
    assert response.status_code == 400
    assert "The due date must be after the opening date." in response.text
    assert 'value="Audit typed here"' in response.text


def test_a_deputy_saves_but_is_not_offered_submit(client, world, s175_round, audit_a):
    sign_in(client, world.users["deputy_a"])
    page = client.get(reverse("compliance:audit", args=[audit_a.pk])).text
    assert "Save draft" in page and "Submit to the local authority" not in page


def test_the_round_page_costs_the_same_queries_for_more_schools(client, world, s175_round):
    officer = world.users["la_officer_a"]
    for audit in SchoolAudit.objects.filter(round=s175_round):
        save(world.users[f"dsl_{'a' if audit.school == world.school_a else 'b'}"], audit)
        services.audit_submit(by=world.users[f"dsl_{'a' if audit.school == world.school_a else 'b'}"], audit=audit)
    sign_in(client, officer)
    url = reverse("compliance:round", args=[s175_round.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for n in range(3):
        school = f.SchoolFactory(name=f"More School {n}", authority=world.authority)
        head = f.UserFactory()
        f.MembershipFactory(user=head, role="head", school=school)
        audit = SchoolAudit.objects.create(round=s175_round, school=school)
        save(head, audit)
        services.audit_submit(by=head, audit=audit)
    assert "5 of 5 schools" in client.get(url).text
    assert count() == one


def test_the_home_page_costs_the_same_queries_with_more_audits(client, world, s175_round):
    from haven.access.roles import Role

    dsl = world.users["dsl_a"]
    sign_in(client, dsl)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    f.MembershipFactory(user=dsl, role=Role.DSL, school=world.school_b)
    sign_in(client, dsl)
    assert "Birch Academy: Section 175 audit 2026-27" in client.get("/").text
    assert count() == one


def test_while_a_returned_audit_is_changed_readers_see_the_last_submission(client, world, audit_a):
    save(world.users["dsl_a"], audit_a, complete_answers(partly=("hot_spots",), evidence="Submitted evidence."))
    services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    services.audit_return(by=world.users["la_officer_a"], audit=audit_a, comments="Add the hot-spot dates.")
    audit_a.refresh_from_db()
    save(world.users["dsl_a"], audit_a, complete_answers(partly=("hot_spots",), evidence="Draft evidence."))
    url = reverse("compliance:audit", args=[audit_a.pk])
    for reader in ("la_officer_a", "governor_a"):
        sign_in(client, world.users[reader])
        page = client.get(url).text
        assert "Below is submission 1, as it was sent." in page
        assert "Submitted evidence." in page and "Draft evidence." not in page
    sign_in(client, world.users["dsl_a"])
    page = client.get(url).text
    assert "Draft evidence." in page and "Below is submission 1" not in page
