"""Step-up in a real browser (Debian's Chromium through Playwright), with axe on its pages: a
DSL signs in with a code from their app, comes back to the chronology 16 minutes later, asks
for the PDF, is asked for the code again (a wrong one first), gives it and gets the PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect
from pypdf import PdfReader

from haven.accounts.models import AuthenticatorApp
from haven.accounts.sessions import SessionStore
from haven.accounts.stepup import VERIFIED_AT
from haven.cases.services import case_open
from haven.cases.tests.test_browser_concern_to_case import arrive, sign_in, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

PDF_TIMEOUT = 60_000  # WeasyPrint on a busy machine


@pytest.fixture
def taxonomy(transactional_db):
    """The national categories (a data migration loads them; a transactional flush empties them)."""
    load_taxonomy(Category)


def _next_code(device: AuthenticatorApp) -> str:
    """The code the app shows next (the one used to sign in cannot be used twice)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0 - device.step, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _sixteen_minutes_pass(page) -> None:
    """The factor was given 16 minutes ago: moved back in the session store the server reads."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=key)
    at = dt.datetime.fromisoformat(session[VERIFIED_AT])
    session[VERIFIED_AT] = (at - dt.timedelta(minutes=16)).isoformat()
    session.save()
    assert timezone.now() - dt.datetime.fromisoformat(SessionStore(session_key=key)[VERIFIED_AT]) > dt.timedelta(
        minutes=15
    )


def test_a_dsl_is_asked_for_the_code_again_before_printing_a_chronology(
    transactional_db, taxonomy, live_server, world, make_concern, page
):
    base = live_server.url
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    case = case_open(by=dsl, concern=make_concern(), title="Pushing in the corridor")
    sign_in(page, base, dsl, device)

    page.goto(f"{base}/cases/{case.reference}/chronology/")
    pdf_link = page.get_by_role("link", name="Print as PDF")
    pdf_url = f"/cases/{case.reference}/chronology.pdf"
    expect(pdf_link).to_have_attribute("href", pdf_url)
    # Within 15 minutes of signing in the PDF comes straight away.
    response = page.request.get(base + pdf_url, timeout=PDF_TIMEOUT)
    assert response.ok and response.headers["content-type"] == "application/pdf"

    _sixteen_minutes_pass(page)
    submit(page, pdf_link)
    arrive(page, f"{base}/account/confirm/?next=%2Fcases%2F{case.reference}%2Fchronology.pdf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    axe_check(page, label="step-up")
    # The PDF itself is still held back.
    assert page.request.get(base + pdf_url, max_redirects=0).status == 302

    code = page.get_by_label("Code", exact=True)
    code.fill("000000" if _next_code(device) != "000000" else "111111")
    submit(page, page.get_by_role("button", name="Confirm"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text("That code is not right")
    axe_check(page, label="step-up with a wrong code")

    # django-otp backs off for a second after a wrong code, as at sign-in.
    page.wait_for_timeout(2100)
    page.get_by_label("Code", exact=True).fill(_next_code(device))
    with page.expect_response(lambda r: r.url.endswith(pdf_url), timeout=PDF_TIMEOUT) as answer:
        page.get_by_role("button", name="Confirm").click(timeout=PDF_TIMEOUT)
    pdf = answer.value
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    # The session is fresh again: the PDF opens without being asked.
    again = page.request.get(base + pdf_url, timeout=PDF_TIMEOUT)
    assert again.ok and again.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(again.body())).pages)
    assert case.reference in text and "CONFIDENTIAL" in text
