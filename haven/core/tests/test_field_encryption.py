"""Narratives encrypted at rest (ASVS V14.2.4): a stolen database holds none of them.

Records are made through the real services and pages, then every row of every table is read
straight from the database, as a thief with a dump would. On both databases.
"""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from conftest import sign_in
from haven import settings as haven_settings
from haven.concerns.models import Amendment, Concern, SearchEntry
from haven.concerns.search import concern_text_matches
from haven.concerns.services import amendment_add
from haven.core import fieldcrypt
from haven.pupil_voice import services as voice
from haven.pupil_voice.models import PupilReport, ReportMessage
from haven.pupil_voice.tests.helpers import secrets_from, tell
from haven.resources import search as study_search
from haven.resources.models import CaseStudy
from haven.resources.services import case_study_save

# Words no template, label or seed holds, each with letters past "p" (a token never can).
WHAT = "Quokkaxylo pushed Rutabagus against the lockers"
WORDS = "he said yuzutwister would follow me home"
ACTIONS = "walked vorticity to the office"
AMENDED = "later she named zephyrquill as there too"
PUPIL = "someone called wombatvest keeps taking my bag"
WHO = "quillonmoss in year eight"
PUPIL_MESSAGE = "it was tuesday near the xyster room"
REPLY = "thank you, we will talk about sprockquay"
STUDY = {
    "title": "Comments in a group chat",
    "phase": "secondary",
    "context": "A draft that still names Tuxworthy before the check.",
    "what_happened": "Comments posted about Quixlander in a chat.",
    "school_response": "We spoke to Vulpestrom first.",
    "what_worked": "A restorative session with Yarrowquist.",
    "outcome": "It stopped, said Zumwaltery.",
    "differently": "Ask Wrensquall sooner.",
}
SECRETS = ["quokkaxylo", "rutabagus", "yuzutwister", "vorticity", "zephyrquill", "wombatvest", "quillonmoss"]
SECRETS += ["xyster", "sprockquay", "tuxworthy", "quixlander", "vulpestrom", "yarrowquist", "zumwaltery"]
SECRETS += ["wrensquall"]


def _key() -> bytes:
    return os.urandom(32)


def _every_value_in_the_database() -> str:
    """Every row of every table, as text, read with a plain cursor."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the database
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        out.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        out.append(str(value))
    return "\n".join(out).casefold()


def _raw(sql: str, *params: int | str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def records(client, world, make_concern):
    concern = make_concern(what_happened=WHAT, child_words=WORDS, actions_taken=ACTIONS)
    amendment_add(by=world.users["staff_a"], concern=concern, kind="addition", text=AMENDED)
    report, _ = secrets_from(tell(client, world.school_a.report_code, text=PUPIL, who_involved=WHO))
    voice.pupil_message_add(report=report, body=PUPIL_MESSAGE)
    sign_in(client, world.users["dsl_a"])
    assert client.post(f"/pupil-voice/{report.pk}/message/", {"kind": "reply", "body": REPLY}).status_code == 302
    client.logout()
    case_study_save(by=world.users["dsl_a"], school=world.school_a, data=STUDY)
    return concern, report


def test_a_stolen_database_holds_no_narrative(client, world, records):
    dump = _every_value_in_the_database()
    for word in SECRETS:
        assert word not in dump, word
    # ... and the rows hold ciphertext bound to their column, under the current key.
    concern, report = records
    (what, words, actions), *_ = _raw(
        "SELECT what_happened, child_words, actions_taken FROM concerns_concern WHERE id = %s", concern.pk
    )
    prefix = f"hv1${fieldcrypt.current_key_id()}$"
    assert what.startswith(prefix) and words.startswith(prefix) and actions.startswith(prefix)
    assert _raw("SELECT text FROM concerns_amendment WHERE concern_id = %s", concern.pk)[0][0].startswith(prefix)
    assert _raw("SELECT what_happened FROM pupil_voice_pupilreport WHERE id = %s", report.pk)[0][0].startswith(prefix)


def test_the_app_still_shows_every_narrative(client, world, records):
    concern, report = records
    sign_in(client, world.users["dsl_a"])
    page = client.get(f"/concerns/{concern.reference}/").content.decode()
    for text in ("Quokkaxylo pushed Rutabagus", "yuzutwister", "vorticity", "zephyrquill"):
        assert text in page
    page = client.get(f"/pupil-voice/{report.pk}/").content.decode()
    for text in ("wombatvest", "quillonmoss", "xyster", "sprockquay"):
        assert text in page
    assert Concern.objects.values_list("child_words", flat=True).get(pk=concern.pk) == WORDS


def test_search_finds_encrypted_words_and_the_index_holds_none(world, records):
    concern, _ = records
    found = set(Concern.objects.filter(concern_text_matches("zephyrquill")).values_list("pk", flat=True))
    assert found == {concern.pk}
    tokens = " ".join(SearchEntry.objects.values_list("tokens", flat=True))
    assert tokens and set(tokens) <= set("abcdefghijklmnop ")
    study = CaseStudy.objects.get()
    assert CaseStudy.objects.filter(study_search.text_matches("Yarrowq")).get() == study
    assert study.search_tokens and set(study.search_tokens) <= set("abcdefghijklmnop ")


def test_a_case_study_draft_reads_back_and_its_index_follows_an_edit(client, world, records):
    study = CaseStudy.objects.get()
    assert study.what_worked == STUDY["what_worked"]
    case_study_save(by=world.users["dsl_a"], case_study=study, data={"outcome": "It stopped for good."})
    assert not CaseStudy.objects.filter(study_search.text_matches("zumwaltery")).exists()
    assert CaseStudy.objects.filter(study_search.text_matches("good")).get().outcome == "It stopped for good."


def test_a_value_moved_to_another_column_is_refused(world, records):
    concern, _ = records
    with connection.cursor() as cursor:
        cursor.execute("UPDATE concerns_concern SET child_words = what_happened WHERE id = %s", [concern.pk])
    with pytest.raises(fieldcrypt.FieldKeyError, match="moved here from another column"):
        Concern.objects.get(pk=concern.pk)


def test_a_changed_byte_is_refused(world, records):
    concern, _ = records
    (text,) = _raw("SELECT text FROM concerns_amendment WHERE concern_id = %s", concern.pk)[0]
    changed = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE concerns_amendment SET text = %s WHERE concern_id = %s", [changed, concern.pk])
    with pytest.raises(fieldcrypt.FieldKeyError, match="does not open"):
        list(Amendment.objects.filter(concern=concern))


def test_the_wrong_key_refuses_clearly_and_names_the_key_needed(settings, world, records):
    concern, _ = records
    needed = fieldcrypt.current_key_id()
    settings.FIELD_KEY = _key()
    with pytest.raises(fieldcrypt.FieldKeyError) as refused:
        Concern.objects.get(pk=concern.pk)
    assert needed in str(refused.value) and "HAVEN_FIELD_KEYS_OLD" in str(refused.value)
    with pytest.raises(fieldcrypt.FieldKeyError):
        PupilReport.objects.get()


def test_old_key_values_still_open_and_rotation_moves_them_to_the_new_key(settings, world, records):
    concern, report = records
    old = settings.FIELD_KEY
    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = _key(), [old]
    assert Concern.objects.get(pk=concern.pk).what_happened == WHAT  # read under the old key
    assert fieldcrypt.under_older_keys(connection) >= 7
    out = io.StringIO()
    call_command("rotate_field_key", "--batch", "2", stdout=out)
    assert f"Values not under field key {fieldcrypt.current_key_id()}: 0" in out.getvalue()
    settings.FIELD_KEYS_OLD = []  # the old key is gone: everything still opens
    assert Concern.objects.get(pk=concern.pk).child_words == WORDS
    assert [m.body for m in ReportMessage.objects.filter(report=report).order_by("pk")] == [PUPIL_MESSAGE, REPLY]
    assert PupilReport.objects.get(pk=report.pk).who_involved == WHO
    # the search index was written again under the new key
    assert set(Concern.objects.filter(concern_text_matches("yuzutwister")).values_list("pk", flat=True)) == {concern.pk}


def test_the_database_cannot_be_asked_to_compare_ciphertext(world, records):
    for lookup in ({"what_happened__icontains": "quokka"}, {"child_words": "x"}, {"text__startswith": "later"}):
        model = Amendment if "text__startswith" in lookup else Concern
        with pytest.raises(FieldError, match="encrypted at rest"):
            list(model.objects.filter(**lookup))
    assert not Concern.objects.filter(child_words="").exists()  # the empty string is stored as itself
    assert Concern.objects.filter(child_words__isnull=False).count() == 1


def test_an_empty_value_stays_empty(world, make_concern):
    concern = make_concern(what_happened="Left out at break.", child_words="", actions_taken="")
    assert _raw("SELECT child_words, actions_taken FROM concerns_concern WHERE id = %s", concern.pk) == [("", "")]


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    path = tmp_path / "field_key"
    monkeypatch.delenv("HAVEN_FIELD_KEY", raising=False)
    monkeypatch.setenv("HAVEN_FIELD_KEY_FILE", str(path))
    first = haven_settings._field_key()
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert haven_settings._field_key() == first


def test_a_key_that_is_not_32_bytes_of_base64_stops_the_start(monkeypatch):
    monkeypatch.setenv("HAVEN_FIELD_KEY", base64.b64encode(b"too short").decode())
    with pytest.raises(ImproperlyConfigured, match="32 random bytes in base64"):
        haven_settings._field_key()
    monkeypatch.setenv("HAVEN_FIELD_KEYS_OLD", "not base64 at all!")
    with pytest.raises(ImproperlyConfigured, match="HAVEN_FIELD_KEYS_OLD is not a field key"):
        haven_settings._field_keys_old()


def test_older_keys_come_from_the_environment(monkeypatch):
    keys = [_key(), _key()]
    monkeypatch.setenv("HAVEN_FIELD_KEYS_OLD", ",".join(base64.b64encode(k).decode() for k in keys))
    assert haven_settings._field_keys_old() == keys
