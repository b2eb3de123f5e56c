"""The roster import pages: who may use them, and upload to result through the browser's eyes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.people import forms
from haven.people.models import Pupil, RosterImport
from haven.people.roster import roster_import_create, roster_import_run
from haven.people.tests.test_roster_parse import pupil_line, roster_csv, upn


def page_url(school) -> str:
    return reverse("people:roster_import", kwargs={"school_id": school.pk})


def detail_url(roster_import) -> str:
    return reverse(
        "people:roster_import_detail", kwargs={"school_id": roster_import.school_id, "import_id": roster_import.pk}
    )


def upload(content: bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_administrator_uploads_a_roster_and_sees_it_imported(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    page = client.get(page_url(world.school_a))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url(world.school_a), {"file": upload(roster_csv(pupil_line(n) for n in range(3)), "export.csv")}
        )
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(roster_import)
    assert roster_import.uploaded_by == world.users["admin_a"]
    assert roster_import.filename == "export.csv"

    detail = client.get(response["Location"])
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "The pupils have been imported" in text
    assert "<dt>Added</dt><dd>3</dd>" in text
    assert "<dt>Marked as left</dt><dd>1</dd>" in text
    assert 'http-equiv="refresh"' not in text  # finished: no more reloading
    assert Pupil.objects.filter(school=world.school_a, left_on__isnull=True).count() == 3
    # The import page lists it.
    assert "export.csv" in client.get(page_url(world.school_a)).content.decode()


def test_the_upload_is_audited_with_the_uploaders_address(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world.school_a), {"file": upload(roster_csv([pupil_line(1)]))}, REMOTE_ADDR="10.1.2.3")
    created = AuditEvent.objects.get(action=Action.CREATE, object_type="people.rosterimport")
    assert (created.actor, created.ip_address, created.school_id) == (
        world.users["admin_a"],
        "10.1.2.3",
        world.school_a.pk,
    )
    assert (created.event, created.channel) == (Event.ROSTER_UPLOADED, Channel.PAGE)


def test_the_background_task_audits_the_import_as_a_task(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(world.school_a), {"file": upload(roster_csv([pupil_line(1)]))}, REMOTE_ADDR="10.1.2.3")
    imported = AuditEvent.objects.get(action=Action.IMPORT, object_type="people.rosterimport")
    assert (imported.event, imported.channel) == (Event.ROSTER_IMPORTED, Channel.TASK)
    assert imported.extra["changes"] == {"status": ["applying", "done"]}
    assert imported.actor == world.users["admin_a"]  # the uploader, though the task wrote it
    assert (imported.ip_address, imported.user_agent) == (None, "")  # no request behind a task


def test_a_trust_administrator_may_import_for_the_trusts_school(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["trust_admin_a"])
    assert client.get(page_url(world.school_a)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(world.school_a), {"file": upload(roster_csv([pupil_line(1)]))})
    assert response.status_code == 302
    assert RosterImport.objects.get().status == RosterImport.Status.DONE
    assert Pupil.objects.filter(school=world.school_a, upn=upn(1)).exists()


@pytest.mark.parametrize(
    "who", ["dsl_a", "deputy_a", "head_a", "staff_a", "governor_a", "admin_b", "trust_admin_b", "trust_lead_a",
            "la_officer_a", "nobody"]
)  # fmt: skip
def test_anyone_else_gets_404_and_the_attempt_is_audited(client, world, who):
    sign_in(client, world.users[who])
    existing = roster_import_create(school=world.school_a, by=None, filename="r.csv", content=b"")
    assert client.get(page_url(world.school_a)).status_code == 404
    assert client.get(page_url(world.school_a), {"download": "example"}).status_code == 404
    assert client.post(page_url(world.school_a), {"file": upload(roster_csv([pupil_line(1)]))}).status_code == 404
    assert client.get(detail_url(existing)).status_code == 404
    assert RosterImport.objects.count() == 1
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=world.users[who], school=world.school_a)
    assert denied.count() == 4
    assert set(denied.values_list("event", "channel")) == {(Event.ACCESS_REFUSED, Channel.PAGE)}


def test_a_school_that_does_not_exist_is_the_same_404(client, world):
    sign_in(client, world.users["admin_a"])
    assert client.get(reverse("people:roster_import", kwargs={"school_id": 999999})).status_code == 404


def test_an_import_of_another_school_is_404_through_this_schools_address(client, world):
    theirs = roster_import_create(school=world.school_b, by=None, filename="r.csv", content=b"")
    sign_in(client, world.users["admin_a"])
    url = reverse("people:roster_import_detail", kwargs={"school_id": world.school_a.pk, "import_id": theirs.pk})
    assert client.get(url).status_code == 404
    assert client.get(detail_url(theirs)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(page_url(world.school_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_a_file_that_is_too_big_is_refused_with_a_clear_error(client, world, monkeypatch):
    monkeypatch.setattr(forms, "MAX_ROSTER_BYTES", 100)
    sign_in(client, world.users["admin_a"])
    response = client.post(page_url(world.school_a), {"file": upload(b"x" * 101)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "The file is 101\xa0bytes; the largest we accept is 0 MB." in text
    # The field points screen readers at its hint and its error, and both are on the page.
    found = re.search(r'<input type="file"[^>]* aria-describedby="([^"]+)"', text)
    assert found
    described_by = found.group(1).split()
    assert len(described_by) == 2
    for element_id in described_by:
        assert f'id="{element_id}"' in text
    assert 'aria-invalid="true"' in text
    assert RosterImport.objects.count() == 0


def test_a_file_that_is_not_csv_is_refused(client, world):
    sign_in(client, world.users["admin_a"])
    response = client.post(page_url(world.school_a), {"file": upload(b"PK\x03\x04", "roster.xlsx")})
    assert "The file must be a CSV file (its name ends .csv)." in response.content.decode()
    assert RosterImport.objects.count() == 0


def test_no_file_is_refused(client, world):
    sign_in(client, world.users["admin_a"])
    response = client.post(page_url(world.school_a), {})
    assert "Choose the CSV file exported from your MIS." in response.content.decode()


def test_the_page_explains_the_columns_and_offers_an_example(client, world):
    sign_in(client, world.users["admin_a"])
    text = client.get(page_url(world.school_a)).content.decode()
    for words in ("Legal surname", "Date of birth", "DOB", "NC Year", "CLA", "N1, N2, R (Reception) or 1 to 14"):
        assert words in text
    assert '<label for="id_file">Roster file</label>' in text
    assert 'accept=".csv,text/csv"' in text
    assert "<script>" not in text and "style=" not in text


def test_the_example_file_imports_cleanly(client, world):
    sign_in(client, world.users["admin_a"])
    response = client.get(page_url(world.school_a), {"download": "example"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    ri = roster_import_run(
        roster_import=roster_import_create(school=world.school_a, by=None, filename="e.csv", content=response.content)
    )
    assert ri.status == RosterImport.Status.DONE
    assert ri.created_count == 2


def test_a_failed_import_lists_every_problem_with_its_line(client, world):
    content = roster_csv([pupil_line(1), pupil_line(2, Date_of_Birth="31/02/2012"), pupil_line(1)])
    ri = roster_import_run(
        roster_import=roster_import_create(school=world.school_a, by=world.users["admin_a"], filename="r.csv",
                                           content=content)
    )  # fmt: skip
    sign_in(client, world.users["admin_a"])
    text = client.get(detail_url(ri)).content.decode()
    assert "Nothing was imported" in text
    assert "There are 2 problems with the file" in text
    assert "<tr><td>3</td><td>Date of Birth</td><td>“31/02/2012” is not a real date</td></tr>" in text
    assert f"<tr><td>4</td><td>UPN</td><td>The UPN {upn(1)} is also on line 2</td></tr>" in text
    assert "Upload a corrected file" in text


def test_a_whole_file_problem_says_so(client, world):
    ri = roster_import_run(
        roster_import=roster_import_create(school=world.school_a, by=None, filename="r.csv", content=b"\xff\xfeU")
    )
    sign_in(client, world.users["admin_a"])
    text = client.get(detail_url(ri)).content.decode()
    assert "<tr><td>1</td><td>–</td><td>The file is not UTF-8: save it from your MIS as CSV UTF-8" in text


def test_a_running_import_shows_progress_and_refreshes_itself(client, world):
    ri = roster_import_create(school=world.school_a, by=None, filename="r.csv", content=b"")
    RosterImport.objects.filter(pk=ri.pk).update(
        status=RosterImport.Status.VALIDATING, rows_total=50000, rows_done=12000
    )
    sign_in(client, world.users["admin_a"])
    text = client.get(detail_url(ri)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in text
    assert '<progress id="progress" class="progress" max="50000" value="12000">' in text
    assert "Checked 12,000 of 50,000 lines" in text
    assert 'http-equiv="refresh"' not in client.get(detail_url(ri), {"refresh": "off"}).content.decode()


def test_a_queued_import_shows_that_it_is_waiting(client, world):
    ri = roster_import_create(school=world.school_a, by=None, filename="r.csv", content=b"")
    sign_in(client, world.users["admin_a"])
    text = client.get(detail_url(ri)).content.decode()
    assert "Waiting to start" in text
    assert '<progress id="progress" class="progress">' in text
    assert '<meta http-equiv="refresh" content="2">' in text


def test_the_import_page_lists_only_this_schools_imports(client, world):
    roster_import_create(school=world.school_a, by=None, filename="ours.csv", content=b"")
    roster_import_create(school=world.school_b, by=None, filename="theirs.csv", content=b"")
    sign_in(client, world.users["admin_a"])
    text = client.get(page_url(world.school_a)).content.decode()
    assert "ours.csv" in text
    assert "theirs.csv" not in text


def test_an_import_stuck_in_the_queue_stops_refreshing_and_says_so(client, world):
    ri = roster_import_create(school=world.school_a, by=None, filename="r.csv", content=b"")
    RosterImport.objects.filter(pk=ri.pk).update(uploaded_at=timezone.now() - dt.timedelta(minutes=16))
    sign_in(client, world.users["admin_a"])
    text = client.get(detail_url(ri)).content.decode()
    assert "This is taking much longer than it should." in text
    assert 'http-equiv="refresh"' not in text
