"""Plans where the DSL meets them: the case page, the dashboard, the chronologies, review
reminders by email, PDFs (tagged, real text, audited) and another school's refusal."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.safety_plans.models import ReviewReminder, SafetyPlan
from haven.safety_plans.services import plan_create, plan_sign_off
from haven.safety_plans.tasks import plan_review_reminders_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_plan(world, plan_case):
    plan = plan_create(
        by=world.users["dsl_a"],
        case=plan_case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A, teacher",
            "schools_affected": world.school_a.name,
            "review_date": timezone.localdate() + dt.timedelta(days=10),
            "worried_about": "Some children said unkind things to you.",
            "go_to": "Ms Patel.",
        },
        risk_lines=[
            {"hazard": "Comments between lessons", "hazard_rating": 2, "likelihood": 4, "measures": "Staff on duty"},
            {"hazard": "Group chat messages", "hazard_rating": 3, "likelihood": 6, "contingency": "Tell CEOP"},
        ],
    )
    return plan_sign_off(by=world.users["dsl_a"], plan=plan, based_on=1)


def test_the_case_page_offers_a_plan_for_each_child(client, world, plan_case, second_child, active_plan):
    sign_in(client, world.users["dsl_a"])
    html = client.get(reverse("cases:plans", args=[plan_case.reference])).content.decode()
    assert reverse("safety_plans:detail", args=[active_plan.pk]) in html
    # The child with a plan is not offered another; the other child is.
    assert reverse("safety_plans:new", args=[plan_case.reference, second_child.pk]) in html
    assert reverse("safety_plans:new", args=[plan_case.reference, world.pupils["a"].pk]) not in html
    # The head reads the case but writes no plans.
    client.logout()
    sign_in(client, world.users["head_a"])
    html = client.get(reverse("cases:plans", args=[plan_case.reference])).content.decode()
    assert reverse("safety_plans:detail", args=[active_plan.pk]) in html
    assert "Write a safety plan" not in html


def test_overdue_and_incident_reviews_show_on_the_dashboard(client, world, active_plan, make_concern):
    sign_in(client, world.users["dsl_a"])
    assert "Safety plan reviews due" not in client.get(reverse("cases:dashboard")).content.decode()
    SafetyPlan.objects.filter(pk=active_plan.pk).update(review_date=timezone.localdate() - dt.timedelta(days=2))
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert "Safety plan reviews due" in html and "has passed" in html
    concern = make_concern(children=[(world.pupils["a"], "affected")], days_ago=0)
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert concern.reference in html
    # Another school's DSL sees none of it.
    client.logout()
    sign_in(client, world.users["dsl_b"])
    assert "Safety plan reviews due" not in client.get(reverse("cases:dashboard")).content.decode()


def test_plans_appear_in_the_case_and_child_chronologies(client, world, plan_case, second_child, active_plan):
    sign_in(client, world.users["dsl_a"])
    case_entries = client.get(reverse("cases:chronology", args=[plan_case.reference])).context["entries"]
    titles = [e.title for e in case_entries if e.kind == "plan"]
    name = world.pupils["a"].display_name
    assert titles == [f"Safety plan written for {name} (version 1)", f"Safety plan signed off for {name} (version 1)"]
    mine = client.get(reverse("pupil_chronology", args=[world.pupils["a"].pk])).context["entries"]
    assert sum(e.kind == "plan" for e in mine) == 2
    other = client.get(reverse("pupil_chronology", args=[second_child.pk])).context["entries"]
    assert not any(e.kind == "plan" for e in other)  # the other child's chronology holds only their own plans
    only = client.get(reverse("cases:chronology", args=[plan_case.reference]) + "?kinds=plan").context["entries"]
    assert {e.kind for e in only} == {"plan"}


def test_review_reminders_are_sent_once_for_each_reason(world, active_plan, make_concern, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert plan_review_reminders_send() == 0
    SafetyPlan.objects.filter(pk=active_plan.pk).update(review_date=timezone.localdate() - dt.timedelta(days=1))
    assert plan_review_reminders_send() == 1
    assert plan_review_reminders_send() == 0  # not twice
    message = mail.outbox[-1]
    assert set(message.to) == {world.users["dsl_a"].email, world.users["deputy_a"].email}
    assert "Comments between lessons" not in message.body  # the email never carries the plan's content
    assert reverse("safety_plans:detail", args=[active_plan.pk]) in message.body
    make_concern(children=[(world.pupils["a"], "affected")], days_ago=0)
    call_command("remind_plan_reviews", "--now", stdout=io.StringIO())
    assert ReviewReminder.objects.filter(plan=active_plan).count() == 2
    assert len(mail.outbox) == 2


def test_the_full_plan_pdf_is_tagged_real_text_and_audited(client, world, active_plan):
    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("safety_plans:pdf", args=[active_plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "CONFIDENTIAL",
        "Comments between lessons",
        "Group chat messages",
        "8 MEDIUM",
        "18 HIGH",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "/StructTreeRoot" in reader.root_object  # tagged for screen readers
    event = AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(active_plan.pk)).get()
    assert event.extra["page"] == "full"


def test_the_child_pdf_is_the_childs_own_page(client, world, active_plan):
    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("safety_plans:child_pdf", args=[active_plan.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert f"{world.pupils['a'].forename}'s Safety Plan" in text
    assert "What are we worried about?" in text and "Ms Patel." in text
    assert "Group chat messages" not in text  # the risk table is for adults
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(active_plan.pk)).get().extra["page"] == "child"


@pytest.mark.parametrize("user", ["dsl_b", "staff_a", "admin_a", "la_officer_a", "trust_lead_a", "governor_a"])
def test_others_get_404_and_the_attempt_is_recorded(client, world, active_plan, user):
    sign_in(client, world.users[user])
    for name in ("detail", "pdf", "child", "child_pdf", "edit", "compare"):
        assert client.get(reverse(f"safety_plans:{name}", args=[active_plan.pk])).status_code == 404, name
    assert client.post(reverse("safety_plans:sign_off", args=[active_plan.pk])).status_code == 404
    assert client.post(reverse("safety_plans:close", args=[active_plan.pk]), {"reason": "x"}).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=world.users[user]).exists()
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.ACTIVE


def test_a_trust_lead_reads_a_plan_only_when_the_case_is_shared(client, world, plan_case, active_plan):
    sign_in(client, world.users["trust_lead_a"])
    url = reverse("safety_plans:detail", args=[active_plan.pk])
    assert client.get(url).status_code == 404
    type(plan_case).objects.filter(pk=plan_case.pk).update(shared_with_trust=True)
    assert client.get(url).status_code == 200
    assert client.get(reverse("safety_plans:edit", args=[active_plan.pk])).status_code == 404


def test_a_restricted_case_hides_its_plans_from_the_head(client, world, plan_case, active_plan):
    type(plan_case).objects.filter(pk=plan_case.pk).update(restricted=True)
    plan_case.restricted_to.add(world.users["dsl_a"])
    sign_in(client, world.users["head_a"])
    assert client.get(reverse("safety_plans:detail", args=[active_plan.pk])).status_code == 404
    assert client.get(reverse("safety_plans:list")).context["page"].paginator.count == 0


def test_the_plan_page_reads_in_constant_queries(client, world, active_plan, django_assert_max_num_queries):
    sign_in(client, world.users["dsl_a"])
    url = reverse("safety_plans:detail", args=[active_plan.pk])
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    from haven.safety_plans.models import PlanVersion
    from haven.safety_plans.services import plan_version_add

    version = PlanVersion.objects.get(plan=active_plan)
    content = {f.name: getattr(version, f.name) for f in version._meta.concrete_fields}
    lines = [{"hazard": f"Line {i}", "hazard_rating": 1 + i % 3, "likelihood": 2 + 2 * (i % 3)} for i in range(12)]
    for _ in range(3):
        plan_version_add(
            by=world.users["dsl_a"],
            plan=active_plan,
            content=content,
            risk_lines=lines,
            based_on=active_plan.current_version,
            reason="scheduled",
        )
        active_plan.refresh_from_db()
    with django_assert_max_num_queries(baseline) as many:
        client.get(url)
    assert len(many.captured_queries) == baseline
