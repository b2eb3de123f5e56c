"""Antivirus scanning of uploads (ASVS V5.4.3) against a real clamd: Debian's clamav-daemon,
started for this module on a unix socket and a loopback port in a temporary directory, with a
signature database of one signature, the EICAR test file's (no freshclam, no download), so it
starts in well under a second. scripts/test.sh installs clamav-daemon when it is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from haven.concerns.models import Attachment, Category, Concern
from haven.concerns.tests.test_attachment_contents import _form
from haven.core import clamd
from haven.people.models import RosterImport
from haven.people.tests.test_roster_parse import pupil_line, roster_csv

# The EICAR anti-virus test file: harmless text every scanner reports as a virus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Haven.Test.EICAR"
NARRATIVE = "Sam said a photo of him was being passed round."


def _clamd_binary() -> str:
    found = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)
    assert found, "clamd is not installed: apt-get install clamav-daemon (scripts/test.sh does it)"
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def clamd_daemon(tmp_path_factory):
    """A clamd of our own: (unix socket path, "127.0.0.1:port")."""
    where = tmp_path_factory.mktemp("clamd")
    (where / "db").mkdir()
    # A body signature (.ndb: name, any file type, anywhere, the bytes in hex), so the test
    # file is found inside a larger file too.
    (where / "db" / "haven-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    sock, port = where / "clamd.sock", _free_port()
    (where / "clamd.conf").write_text(
        f"LocalSocket {sock}\nTCPSocket {port}\nTCPAddr 127.0.0.1\nDatabaseDirectory {where / 'db'}\n"
        f"Foreground yes\nLogFile {where / 'clamd.log'}\nPidFile {where / 'clamd.pid'}\n"
    )
    process = subprocess.Popen(  # noqa: S603 (Debian's clamd, our own configuration)
        [_clamd_binary(), "-c", str(where / "clamd.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if clamd.instream(str(sock), [b"ready?"]) == "stream: OK":
                    break
            except OSError:
                time.sleep(0.05)
        else:
            log = (where / "clamd.log").read_text() if (where / "clamd.log").exists() else ""
            raise AssertionError(f"clamd did not start within 30 seconds:\n{log}")
        yield str(sock), f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def scanning(settings, clamd_daemon, tmp_path):
    settings.HAVEN_CLAMD = clamd_daemon[0]
    settings.MEDIA_ROOT = tmp_path
    return clamd_daemon


def _bullying_pk() -> int:
    return Category.objects.get(code="bullying", authority__isnull=True).pk


def _post_concern(client, world, upload):
    sign_in(client, world.users["staff_a"])
    return client.post(reverse("concerns:new"), _form(world, _bullying_pk(), upload))


def test_clamd_answers_ok_for_a_clean_file_and_names_the_test_signature(clamd_daemon):
    unix, tcp = clamd_daemon
    for where in (unix, tcp):
        assert clamd.instream(where, [b"What Sam told me, in his words."]) == "stream: OK"
        assert (
            clamd.instream(where, [b"a letter " * 20_000, EICAR, b" more"]) == f"stream: {SIGNATURE}.UNOFFICIAL FOUND"
        )


def test_an_infected_attachment_is_refused_beside_the_field_and_the_form_is_kept(client, world, scanning):
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", b"My notes.\n" + EICAR))
    assert r.status_code == 400
    field_error = r.context["form"].errors["attachments"]
    assert field_error == [
        f"notes.txt was not kept: the virus checker found something harmful in it ({SIGNATURE}.UNOFFICIAL). "
        "Do not open it again. Tell your IT support, and describe what it showed in words instead."
    ]
    beside = r.text[r.text.index('id="id_attachments_error"') :]
    assert beside.index("the virus checker found") < beside.index('name="attachments"')  # above its input
    assert NARRATIVE in r.text  # what was typed is kept
    assert not Concern.objects.exists() and not Attachment.objects.exists()


def test_a_clean_attachment_is_scanned_and_kept_whole(client, world, scanning):
    content = b"What Sam told me, in his words.\n" * 1000
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", content))
    assert r.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.size == len(content)  # rewound after the scan: every byte kept
    assert attachment.file.read() == content


def test_scanning_over_tcp_works_as_over_the_socket(client, world, scanning, settings):
    settings.HAVEN_CLAMD = scanning[1]
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", EICAR))
    assert r.status_code == 400 and "the virus checker found something harmful" in r.text
    assert not Concern.objects.exists()


def test_with_clamd_unreachable_the_file_is_refused_never_kept_unscanned(client, world, settings, tmp_path):
    settings.HAVEN_CLAMD = str(tmp_path / "no-clamd-here.sock")
    settings.MEDIA_ROOT = tmp_path
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", b"What Sam told me."))
    assert r.status_code == 400
    assert r.context["form"].errors["attachments"] == [
        "notes.txt could not be checked for viruses just now, so Haven has not kept it. Everything else you "
        "entered is still here: try attaching it again in a few minutes, or tell your IT support if this keeps "
        "happening."
    ]
    assert NARRATIVE in r.text
    assert not Concern.objects.exists()


def test_with_clamd_on_a_closed_port_the_file_is_refused(client, world, settings, tmp_path):
    settings.HAVEN_CLAMD = f"127.0.0.1:{_free_port()}"
    settings.MEDIA_ROOT = tmp_path
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", b"What Sam told me."))
    assert r.status_code == 400 and "could not be checked for viruses" in r.text
    assert not Concern.objects.exists()


def test_without_a_scanner_configured_files_are_checked_as_before(client, world, settings, tmp_path):
    settings.HAVEN_CLAMD = ""
    settings.MEDIA_ROOT = tmp_path
    r = _post_concern(client, world, SimpleUploadedFile("notes.txt", EICAR))  # plain text, to the other checks
    assert r.status_code == 302
    assert Attachment.objects.get().original_name == "notes.txt"


def test_a_concern_without_attachments_needs_no_scanner(client, world, settings, tmp_path):
    settings.HAVEN_CLAMD = str(tmp_path / "no-clamd-here.sock")
    sign_in(client, world.users["staff_a"])
    form = _form(world, _bullying_pk(), None)
    form.pop("attachments")
    assert client.post(reverse("concerns:new"), form).status_code == 302


def test_an_infected_roster_file_is_refused_beside_the_field(client, world, scanning):
    sign_in(client, world.users["admin_a"])
    content = roster_csv([pupil_line(1)]) + EICAR
    r = client.post(
        reverse("people:roster_import", kwargs={"school_id": world.school_a.pk}),
        {"file": SimpleUploadedFile("roster.csv", content, content_type="text/csv"), "allow_many_leavers": "on"},
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert form.errors["file"][0].startswith("roster.csv was not kept: the virus checker found something harmful")
    assert form["allow_many_leavers"].value() is True  # the rest of the form kept
    assert not RosterImport.objects.exists()


def test_a_clean_roster_file_is_scanned_and_imported_whole(client, world, scanning, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    content = roster_csv(pupil_line(n) for n in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("people:roster_import", kwargs={"school_id": world.school_a.pk}),
            {"file": SimpleUploadedFile("roster.csv", content, content_type="text/csv")},
        )
    assert r.status_code == 302
    assert RosterImport.objects.get().status == RosterImport.Status.DONE


def test_a_bad_setting_stops_haven_naming_the_variable(tmp_path):
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path), "HAVEN_CLAMD": "clamd-somewhere"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "HAVEN_CLAMD must be clamd's unix socket path (/run/clamav/clamd.ctl) or host:port" in out.stderr


def test_an_infected_enquiry_import_is_refused_beside_the_field(client, world, scanning):
    from haven.insights.models import MonthlyCount

    sign_in(client, world.users["la_officer_a"])
    content = b"Month,Total,Sexual\n2024-09,40,2\n" + EICAR
    r = client.post(
        reverse("insights:import"), {"kind": "monthly", "file": SimpleUploadedFile("months.csv", content, "text/csv")}
    )
    assert r.status_code == 400
    assert r.context["form"].errors["file"][0].startswith("months.csv was not kept: the virus checker found")
    assert r.context["form"]["kind"].value() == "monthly"  # the rest of the form kept
    assert not MonthlyCount.objects.exists()
