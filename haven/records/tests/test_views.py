"""The pages: sending a leaver's file, the list, one transfer, the file itself."""

from __future__ import annotations

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import sign_in
from haven.access.roles import Role
from haven.audit.models import Action, AuditEvent
from haven.records.models import FileTransfer
from haven.records.services import transfer_send
from haven.testing import factories as f


def _form(world, **kw):
    data = {
        "to_school": str(world.school_b.pk),
        "to_school_name": "",
        "to_contact": "",
        "left_on": timezone.localdate().isoformat(),
        "confirm": "on",
    }
    data.update(kw)
    return data


def test_the_form_lists_other_schools_by_name_and_explains_what_is_sent(client, world, leaver):
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("records:transfer_new", args=[leaver.pk]))
    assert r.status_code == 200
    html = r.text
    assert "Keeping Children Safe in Education" in html
    assert "Restricted cases you are not named on are not included" in html
    assert "your school's MIS sends it separately" in html
    assert html.index("Birch Academy (URN 140002)") < html.index("Northshire Primary (URN 140003)")
    assert "Alder Academy (URN 140001)" not in html
    assert f'value="{leaver.left_on.isoformat()}"' in html


def test_form_errors_keep_what_was_typed(client, world, leaver):
    sign_in(client, world.users["dsl_a"])
    url = reverse("records:transfer_new", args=[leaver.pk])
    far = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    r = client.post(
        url,
        _form(world, to_school="outside", to_school_name="St Elsewhere High", to_contact="", left_on=far, confirm=""),
    )
    assert r.status_code == 400
    assert 'value="St Elsewhere High"' in r.text
    assert f'value="{far}"' in r.text
    assert "within the next three months" in r.text
    assert "Give a contact at the new school" in r.text
    assert 'value="outside" selected' in r.text
    assert "There is a problem" in r.text
    assert not FileTransfer.objects.exists()
    # The service's refusal is shown on the form too.
    transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    r = client.post(url, _form(world))
    assert r.status_code == 400
    assert "already been sent there" in r.text
    assert FileTransfer.objects.count() == 1


def test_the_whole_journey_between_two_schools_on_haven(client, world, leaver, django_capture_on_commit_callbacks):
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("records:pupil_detail", args=[leaver.pk]))
    assert "Send this child's file to their new school" in r.text
    assert client.get("/").text.count("1 child who left with a file still to send") == 1
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("records:transfer_new", args=[leaver.pk]), _form(world), follow=True)
    t = FileTransfer.objects.get()
    assert r.redirect_chain[-1][0] == reverse("records:transfer_detail", args=[t.pk])
    assert "File sent to Birch Academy" in r.text
    assert "child who left with a file still to send" not in client.get("/").text

    client.logout()
    sign_in(client, world.users["dsl_b"])
    assert "1 child protection file sent to you to read and confirm" in client.get("/").text
    r = client.get(reverse("records:transfer_list"))
    assert "PupilA Example" in r.text and "Waiting for you to read and confirm" in r.text
    r = client.get(reverse("records:transfer_file", args=[t.pk]))
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r["Cache-Control"] == "no-store"
    assert r["Content-Disposition"] == f'inline; filename="child-protection-file-{t.pk}.pdf"'
    body = b"".join(r.streaming_content)
    assert "PupilA Example" in PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, object_type="records.filetransfer", object_id=str(t.pk), school=world.school_b
    ).exists()
    r = client.post(reverse("records:transfer_detail", args=[t.pk]), {"action": "confirm"}, follow=True)
    assert "Receipt confirmed" in r.text
    assert "sent to you to read and confirm" not in client.get("/").text

    client.logout()
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("records:transfer_detail", args=[t.pk]))
    assert "Receipt confirmed" in r.text and "Dsl B" in r.text
    assert AuditEvent.objects.filter(
        action=Action.VIEW, object_type="records.filetransfer", object_id=str(t.pk), school=world.school_a
    ).exists()
    r = client.get(reverse("records:pupil_detail", args=[leaver.pk]))
    assert "Sent to Birch Academy" in r.text


def test_outside_haven_the_sender_records_receipt(client, world, leaver):
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        reverse("records:transfer_new", args=[leaver.pk]),
        _form(world, to_school="outside", to_school_name="St Elsewhere High", to_contact="Ms Ray, DSL, 01234 567890"),
    )
    t = FileTransfer.objects.get()
    assert r.status_code == 302 and t.to_school is None
    url = reverse("records:transfer_detail", args=[t.pk])
    r = client.post(url, {"action": "confirm", "confirmed_by": "", "received_on": timezone.localdate().isoformat()})
    assert r.status_code == 400
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(url, {"action": "confirm", "confirmed_by": "Ms Ray", "received_on": tomorrow})
    assert r.status_code == 400 and "cannot be in the future" in r.text and 'value="Ms Ray"' in r.text
    r = client.post(
        url, {"action": "confirm", "confirmed_by": "Ms Ray", "received_on": timezone.localdate().isoformat()}
    )
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == FileTransfer.Status.RECEIVED and t.receipt_confirmed_by == "Ms Ray"


def test_withdrawing_needs_a_reason_and_hides_it_from_the_new_school(client, world, leaver):
    t = transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("records:transfer_detail", args=[t.pk])).status_code == 200
    r = client.post(reverse("records:transfer_detail", args=[t.pk]), {"action": "withdraw", "reason": "Mine now"})
    assert r.status_code == 302
    assert FileTransfer.objects.get().status == FileTransfer.Status.SENT  # the new school cannot withdraw it
    client.logout()
    sign_in(client, world.users["dsl_a"])
    url = reverse("records:transfer_detail", args=[t.pk])
    r = client.post(url, {"action": "withdraw", "reason": ""})
    assert r.status_code == 400
    r = client.post(url, {"action": "withdraw", "reason": "Sent to the wrong school."}, follow=True)
    assert "Transfer withdrawn" in r.text and "Sent to the wrong school." in r.text
    client.logout()
    sign_in(client, world.users["dsl_b"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("records:transfer_file", args=[t.pk])).status_code == 404
    assert "PupilA" not in client.get(reverse("records:transfer_list")).text


def test_the_list_is_for_safeguarding_leads_and_heads_only(client, world):
    for who in ("staff_a", "governor_a", "admin_a", "trust_lead_a", "la_officer_a"):
        client.logout()
        sign_in(client, world.users[who])
        assert client.get(reverse("records:transfer_list")).status_code == 404, who
    client.logout()
    sign_in(client, world.users["head_a"])
    assert client.get(reverse("records:transfer_list")).status_code == 200


def test_overdue_receipts_say_chase(client, world, leaver):
    t = transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    FileTransfer.objects.filter(pk=t.pk).update(
        sent_at=timezone.now() - dt.timedelta(days=30), confirm_by=timezone.localdate() - dt.timedelta(days=20)
    )
    sign_in(client, world.users["dsl_a"])
    assert "Chase the new school" in client.get(reverse("records:transfer_list")).text


def test_the_home_page_costs_the_same_queries_for_more_schools(client, world, leaver):
    dsl = world.users["dsl_a"]
    transfer_send(by=dsl, pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    sign_in(client, dsl)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for school in (world.school_b, world.school_m):
        f.MembershipFactory(user=dsl, role=Role.DSL, school=school)
    sign_in(client, dsl)
    assert "1 child protection file sent to you to read and confirm" in client.get("/").text
    assert count() == one


def test_the_list_costs_the_same_queries_for_one_or_many_transfers(client, world, make_concern):
    dsl = world.users["dsl_a"]

    def leaver():
        pupil = f.PupilFactory(school=world.school_a)
        make_concern(children=[(pupil, "affected")])
        pupil.left_on = timezone.localdate() - dt.timedelta(days=3)
        pupil.save()
        return pupil

    def add(n: int) -> None:
        for _ in range(n):
            transfer_send(by=dsl, pupil=leaver(), left_on=timezone.localdate(), to_school=world.school_b)
            leaver()  # and one still to send

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("records:transfer_list")).status_code == 200
        return len(ctx.captured_queries)

    add(1)
    sign_in(client, dsl)
    one = count()
    add(4)
    assert count() == one
    assert client.get(reverse("records:transfer_list")).text.count("Birch Academy") == 5


def test_a_file_with_a_restricted_case_opens_only_for_those_named_and_the_new_schools_leads(client, world, leaver):
    from haven.cases import services as case_services
    from haven.concerns.models import Concern

    dsl = world.users["dsl_a"]
    concern = Concern.objects.filter(children__pupil=leaver).first()
    assert concern is not None
    case = case_services.case_open(by=dsl, concern=concern)
    case_services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=True, named_users=[], shared_with_trust=False
    )
    transfer = transfer_send(by=dsl, pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    file_url = f"/records/transfers/{transfer.pk}/file.pdf"
    expected = {"dsl_a": 200, "deputy_a": 404, "head_a": 404, "dsl_b": 200, "deputy_b": 200, "head_b": 404}
    for key, status in expected.items():
        sign_in(client, world.users[key])
        assert client.get(file_url).status_code == status, key
        page = client.get(f"/records/transfers/{transfer.pk}/")
        assert page.status_code == 200, key
        assert (file_url in page.text) == (status == 200), key
        client.logout()
    refused = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, object_type="records.filetransfer.file")
    assert refused.count() == 3
