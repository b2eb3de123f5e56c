"""On a phone (390x844), with axe on every page: the DSL goes from the case's summary to its
police section, records the officer in the case (first without the crime reference, refused
beside the field), then a bail condition on the child alleged to have harmed, and sees both in
the case's summary, the officer's phone a tap-to-call link."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.cases.services import case_open
from haven.cases.tests.test_browser_case_sections import taxonomy  # noqa: F401  (a fixture)
from haven.cases.tests.test_browser_concern_to_case import arrive, no_sideways_scroll, sign_in, submit
from haven.police.models import BailCondition
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_dsl_records_the_officer_and_a_bail_condition_on_a_phone(
    transactional_db,
    taxonomy,  # noqa: F811
    live_server,
    world,
    make_concern,
    second_child,
    open_context,
):
    base = live_server.url
    dsl, affected = world.users["dsl_a"], world.pupils["a"]
    case = case_open(
        by=dsl,
        concern=make_concern(children=[(affected, "affected"), (second_child, "alleged_harmer")]),
        title="Messages after school",
    )
    ref = case.reference
    page = open_context(**PHONE)
    sign_in(page, base, dsl, f.totp_device(dsl))

    page.goto(f"{base}/cases/{ref}/")
    arrive(page, f"{base}/cases/{ref}/")
    expect(page.locator(".case-summary")).to_contain_text("No police investigation recorded.")
    sections = page.get_by_role("navigation", name=f"Sections of case {ref}")
    submit(page, sections.get_by_role("link", name="Police"))
    arrive(page, f"{base}/cases/{ref}/police/")
    axe_check(page, label="police section, empty (phone)")
    no_sideways_scroll(page, "the police section")

    submit(page, page.get_by_role("link", name="Record the police investigation"))
    arrive(page, f"{base}/cases/{ref}/police/new/")
    axe_check(page, label="police investigation form (phone)")
    no_sideways_scroll(page, "the police investigation form")
    form = page.locator("main form")
    form.get_by_label("Police force").fill("Midshire Police")
    form.get_by_label("Officer in the case").fill("Priya Shah")
    form.get_by_label("Rank").fill("DC")
    form.get_by_label("Phone").fill("01632 960 123")
    form.get_by_label("Email").fill("priya.shah@midshire.police.uk")
    submit(page, form.get_by_role("button", name="Save"))
    arrive(page, f"{base}/cases/{ref}/police/new/")
    form = page.locator("main form")
    crime = form.get_by_label("Crime reference")
    expect(crime).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{crime.get_attribute('aria-describedby')}")).to_have_text(
        "Error: Crime reference: enter the crime reference the police gave."
    )
    expect(form.get_by_label("Officer in the case")).to_have_value("Priya Shah")  # kept as typed
    axe_check(page, label="police investigation refused (phone)")
    no_sideways_scroll(page, "the police form with its error")
    crime.fill("MP/2026/004512")
    submit(page, form.get_by_role("button", name="Save"))
    arrive(page, f"{base}/cases/{ref}/police/#officer")
    expect(page.get_by_role("status")).to_contain_text("Police details saved.")
    expect(page.get_by_role("link", name="01632 960 123")).to_have_attribute("href", "tel:01632960123")

    submit(page, page.get_by_role("link", name="Record a bail condition"))
    arrive(page, f"{base}/cases/{ref}/police/bail/new/")
    axe_check(page, label="bail condition form (phone)")
    no_sideways_scroll(page, "the bail condition form")
    form = page.locator("main form")
    until = timezone.localdate() + dt.timedelta(days=21)
    form.get_by_label("The child it applies to").select_option(label=second_child.display_name)
    form.get_by_label("The condition").fill("Not to contact the child affected, directly or online.")
    form.get_by_label("In force until").fill(until.isoformat())
    submit(page, form.get_by_role("button", name="Record bail condition"))
    bail = BailCondition.objects.get()
    arrive(page, re.compile(rf"^{re.escape(base)}/cases/{ref}/police/#bail-{bail.pk}$"))
    expect(page.locator(f"#bail-{bail.pk}")).to_contain_text(f"{second_child.display_name} until {until:%-d %b %Y}")
    axe_check(page, label="police section with officer and bail (phone)")
    no_sideways_scroll(page, "the police section with its records")

    submit(page, sections.get_by_role("link", name="Summary"))
    arrive(page, f"{base}/cases/{ref}/")
    facts = page.locator(".case-summary")
    expect(facts).to_contain_text("DC Priya Shah, Midshire Police")
    expect(facts).to_contain_text("Crime reference MP/2026/004512")
    expect(facts).to_contain_text(
        f"Bail on {second_child.display_name} until {until:%-d %b %Y}: Not to contact the child affected"
    )
    expect(facts.get_by_role("link", name="priya.shah@midshire.police.uk")).to_have_attribute(
        "href", "mailto:priya.shah@midshire.police.uk"
    )
    axe_check(page, label="case summary with the police (phone)")
    no_sideways_scroll(page, "the case summary with the police")


SIZES: dict[str, dict[str, Any]] = {"desktop": {"viewport": {"width": 1366, "height": 900}}, "phone": PHONE}


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_every_police_page_passes_axe(
    transactional_db,
    taxonomy,  # noqa: F811
    live_server,
    world,
    make_concern,
    second_child,
    open_context,
    size,
):
    """The section with something in every list (an earlier officer, a condition in force, one
    varied, one ended, two decisions, a past and a coming hearing), and each change's form."""
    from haven.police import services

    base = live_server.url
    dsl, affected, today = world.users["dsl_a"], world.pupils["a"], timezone.localdate()
    case = case_open(by=dsl, concern=make_concern(children=[(affected, "affected"), (second_child, "alleged_harmer")]))
    for name, email in (("Priya Shah", ""), ("Tom Reid", "tom@police.example.org")):
        services.investigation_record(
            by=dsl,
            case=case,
            force="Midshire Police",
            officer_name=name,
            phone="01632 960 123",
            email=email,
            crime_reference="MP/2026/1",
        )
    first = services.bail_condition_record(
        by=dsl, case=case, pupil=second_child, condition="Curfew 7pm to 7am.", until=today + dt.timedelta(days=9)
    )
    services.bail_condition_vary(
        by=dsl, bail=first, condition="Curfew 9pm to 7am.", until=today + dt.timedelta(days=30), reason="Varied."
    )
    ended = services.bail_condition_record(
        by=dsl, case=case, pupil=second_child, condition="Not to go to the park.", until=today + dt.timedelta(days=9)
    )
    services.bail_condition_end(by=dsl, bail=ended, reason="Cancelled.")
    services.charging_decision_record(by=dsl, case=case, outcome="awaiting", decided_on=today)
    services.charging_decision_record(by=dsl, case=case, outcome="charged", decided_on=today, pupil=second_child)
    for days, hearing in ((-7, "First appearance"), (21, "Trial")):
        services.court_date_record(
            by=dsl, case=case, on=today + dt.timedelta(days=days), court="Midshire Youth Court", hearing=hearing
        )
    in_force = BailCondition.objects.get(varies=first)
    page = open_context(**SIZES[size])
    sign_in(page, base, dsl, f.totp_device(dsl))
    ref = case.reference
    for path in (
        "",
        "police/",
        "police/new/",
        "police/bail/new/",
        f"police/bail/{in_force.pk}/vary/",
        f"police/bail/{in_force.pk}/end/",
        "police/charge/new/",
        "police/court/new/",
        "chronology/",
    ):
        page.goto(f"{base}/cases/{ref}/{path}")
        arrive(page, f"{base}/cases/{ref}/{path}")
        axe_check(page, label=f"/cases/<ref>/{path} ({size})")
        if size == "phone":
            no_sideways_scroll(page, f"/cases/<ref>/{path}")
    page.goto(f"{base}/cases/{ref}/police/court/new/")
    submit(page, page.locator("main form").get_by_role("button", name="Record court date"))
    expect(page.get_by_role("alert")).to_contain_text("Court: enter which court")
    axe_check(page, label=f"a court date refused ({size})")
