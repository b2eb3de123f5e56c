"""Applying a roster: all or nothing, idempotent by UPN, leavers marked and never deleted,
audited with counts, and with a query count that grows by batch, not by row."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.audit import services as audit_services
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.people import roster
from haven.people.models import Pupil, RosterImport
from haven.people.roster import SOMETHING_WENT_WRONG, RosterProblem, roster_import_create, roster_import_run
from haven.people.tasks import roster_import_process
from haven.people.tests.test_roster_parse import HEADER, pupil_line, roster_csv, upn
from haven.testing import factories as f


def run(world, content: bytes, *, school=None, allow_many_leavers: bool = False) -> RosterImport:
    roster_import = roster_import_create(
        school=school or world.school_a,
        by=world.users["admin_a"],
        filename="roster.csv",
        content=content,
        allow_many_leavers=allow_many_leavers,
    )
    return roster_import_run(roster_import=roster_import)


def counts(ri: RosterImport) -> tuple[int, int, int, int]:
    return ri.created_count, ri.updated_count, ri.unchanged_count, ri.left_count


def pupils_of(school) -> dict[str, Pupil]:
    return {p.upn: p for p in Pupil.objects.filter(school=school)}


def test_a_roster_creates_its_pupils(world):
    ri = run(world, roster_csv([pupil_line(1), pupil_line(2, Preferred_Forename="Bobby", Looked_After="Y")]))
    assert ri.status == RosterImport.Status.DONE
    assert counts(ri) == (2, 0, 0, 1)  # the world's pupil at school A is not in the file
    assert (ri.rows_total, ri.rows_done, ri.errors, ri.errors_total) == (2, 2, [], 0)
    assert bytes(ri.content) == b""  # the uploaded copy of the children's details is gone
    assert ri.finished_at is not None
    pupil = pupils_of(world.school_a)[upn(2)]
    assert (pupil.legal_surname, pupil.legal_forename, pupil.preferred_forename) == ("Surname2", "Forename2", "Bobby")
    assert (pupil.date_of_birth, pupil.sex, pupil.year_group) == (dt.date(2012, 5, 17), "M", "7")
    assert (pupil.sen_status, pupil.looked_after, pupil.left_on) == ("N", True, None)


def test_importing_the_same_file_twice_changes_nothing(world):
    content = roster_csv(pupil_line(n) for n in range(5))
    run(world, content)
    before = {p.upn: p.updated_at for p in Pupil.objects.filter(school=world.school_a)}
    again = run(world, content)
    assert again.status == RosterImport.Status.DONE
    assert counts(again) == (0, 0, 5, 0)
    assert {p.upn: p.updated_at for p in Pupil.objects.filter(school=world.school_a)} == before


def test_changed_details_are_updated_by_upn(world):
    run(world, roster_csv(pupil_line(n) for n in range(3)))
    ri = run(world, roster_csv([pupil_line(0), pupil_line(1, Year_Group="8", SEN_Status="E"), pupil_line(2)]))
    assert counts(ri) == (0, 1, 2, 0)
    pupil = pupils_of(world.school_a)[upn(1)]
    assert (pupil.year_group, pupil.sen_status) == ("8", "E")
    assert Pupil.objects.filter(school=world.school_a, upn=upn(1)).count() == 1


def test_each_pupil_keeps_the_details_that_did_not_change(world):
    run(world, roster_csv(pupil_line(n, Preferred_Forename=f"P{n}") for n in range(4)))
    ri = run(world, roster_csv([
        pupil_line(0, Legal_Surname="Newname", Preferred_Forename="P0"),
        pupil_line(1, Date_of_Birth="18/05/2012", Preferred_Forename="P1"),
        pupil_line(2, Year_Group="8", Looked_After="Y", Preferred_Forename="P2"),
        pupil_line(3, Preferred_Forename=""),
    ]))  # fmt: skip
    assert counts(ri) == (0, 4, 0, 0)
    got = {
        p.upn: (p.legal_surname, p.legal_forename, p.preferred_forename, p.date_of_birth, p.year_group, p.looked_after)
        for p in Pupil.objects.filter(school=world.school_a, upn__in=[upn(n) for n in range(4)])
    }
    may17, may18 = dt.date(2012, 5, 17), dt.date(2012, 5, 18)
    assert got == {
        upn(0): ("Newname", "Forename0", "P0", may17, "7", False),
        upn(1): ("Surname1", "Forename1", "P1", may18, "7", False),
        upn(2): ("Surname2", "Forename2", "P2", may17, "8", True),
        upn(3): ("Surname3", "Forename3", "", may17, "7", False),
    }


def test_pupils_missing_from_the_file_are_marked_as_left_not_deleted(world):
    run(world, roster_csv(pupil_line(n) for n in range(3)))
    ri = run(world, roster_csv([pupil_line(0), pupil_line(2)]))
    assert counts(ri) == (0, 0, 2, 1)
    pupils = pupils_of(world.school_a)
    assert pupils[upn(1)].left_on == timezone.localdate()
    assert pupils[upn(0)].left_on is None
    assert world.pupils["a"].upn in pupils  # marked left by the first import, still there


def test_a_leaver_keeps_the_date_they_left(world):
    run(world, roster_csv(pupil_line(n) for n in range(3)))
    Pupil.objects.filter(upn=upn(1)).update(left_on=dt.date(2024, 7, 19))
    ri = run(world, roster_csv([pupil_line(0), pupil_line(2)]))
    assert counts(ri) == (0, 0, 2, 0)
    assert pupils_of(world.school_a)[upn(1)].left_on == dt.date(2024, 7, 19)


def test_a_returning_pupil_is_put_back_on_roll(world):
    run(world, roster_csv(pupil_line(n) for n in range(3)))
    run(world, roster_csv([pupil_line(0), pupil_line(2)]))
    ri = run(world, roster_csv(pupil_line(n) for n in range(3)))
    assert counts(ri) == (0, 1, 2, 0)
    assert pupils_of(world.school_a)[upn(1)].left_on is None


def test_one_bad_line_among_good_ones_writes_nothing(world):
    lines = [pupil_line(n) for n in range(50)]
    lines[36] = pupil_line(36, Date_of_Birth="31/02/2012")
    ri = run(world, roster_csv(lines))
    assert ri.status == RosterImport.Status.FAILED
    assert ri.errors == [{"line": 38, "column": "Date of Birth", "message": "“31/02/2012” is not a real date"}]
    assert ri.errors_total == 1
    assert counts(ri) == (0, 0, 0, 0)
    assert list(Pupil.objects.filter(school=world.school_a)) == [world.pupils["a"]]
    assert Pupil.objects.get(pk=world.pupils["a"].pk).left_on is None
    assert bytes(ri.content) == b""


def test_a_failure_while_writing_rolls_everything_back(world, monkeypatch):
    run(world, roster_csv(pupil_line(n) for n in range(3)))

    real_audit_record = audit_services.audit_record

    def audit_fails_after_every_pupil_write(event, **kwargs):
        if event == Event.ROSTER_IMPORTED:
            raise RuntimeError("disk full")
        return real_audit_record(event, **kwargs)

    monkeypatch.setattr(roster, "audit_record", audit_fails_after_every_pupil_write)
    roster_import = roster_import_create(
        school=world.school_a,
        by=world.users["admin_a"],
        filename="roster.csv",
        content=roster_csv([pupil_line(0, Year_Group="8", Legal_Surname="New"), pupil_line(3), pupil_line(4)]),
    )
    with pytest.raises(RuntimeError):
        roster_import_run(roster_import=roster_import)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.errors == [{"line": None, "column": "", "message": SOMETHING_WENT_WRONG}]
    pupils = pupils_of(world.school_a)
    assert upn(3) not in pupils  # created before the failure, rolled back with it
    assert pupils[upn(1)].left_on is None
    assert (pupils[upn(0)].year_group, pupils[upn(0)].legal_surname) == ("7", "Surname0")


def test_a_file_that_would_empty_the_school_is_refused_unless_expected(world):
    run(world, roster_csv(pupil_line(n) for n in range(30)))
    ri = run(world, roster_csv(pupil_line(n) for n in range(5)))
    assert ri.status == RosterImport.Status.FAILED
    assert ri.errors == [
        RosterProblem(
            None,
            "",
            "this file would mark 25 of the 30 pupils on roll as leavers. If the file is the whole school, upload it "
            "again and tick “I expect many pupils to leave”; if it is one class or year, export the whole school "
            "instead.",
        ).as_dict()
    ]
    assert Pupil.objects.filter(school=world.school_a, left_on__isnull=True).count() == 30
    ri = run(world, roster_csv(pupil_line(n) for n in range(5)), allow_many_leavers=True)
    assert counts(ri) == (0, 0, 5, 25)


def test_a_few_leavers_from_a_small_school_need_no_confirmation(world):
    run(world, roster_csv(pupil_line(n) for n in range(12)))
    assert counts(run(world, roster_csv(pupil_line(n) for n in range(2)))) == (0, 0, 2, 10)


def test_a_column_not_in_the_file_is_left_as_it_was(world):
    run(world, roster_csv([pupil_line(1, SEN_Status="K", Looked_After="Y", Preferred_Forename="Bo")]))
    header = ("UPN", "Surname", "Forename", "DOB", "Sex", "Year")
    row = [upn(1), "Surname1", "Forename1", "17/05/2012", "F", "8"]
    ri = run(world, roster_csv([row], header=header))
    assert counts(ri) == (0, 1, 0, 0)
    pupil = pupils_of(world.school_a)[upn(1)]
    assert (pupil.year_group, pupil.sen_status, pupil.looked_after, pupil.preferred_forename) == ("8", "K", True, "Bo")


def test_other_schools_are_untouched_and_may_share_a_upn(world):
    f.PupilFactory(school=world.school_b, upn=upn(1), legal_surname="Elsewhere")
    run(world, roster_csv([pupil_line(1)]))
    assert Pupil.objects.get(school=world.school_b, upn=upn(1)).legal_surname == "Elsewhere"
    assert Pupil.objects.get(pk=world.pupils["b"].pk).left_on is None
    assert pupils_of(world.school_a)[upn(1)].legal_surname == "Surname1"


def test_the_import_is_audited_with_counts_and_never_names(world):
    ri = run(world, roster_csv([pupil_line(1, Legal_Surname="Featherstonehaugh")]))
    event = AuditEvent.objects.get(action=Action.IMPORT, object_id=str(ri.pk))
    assert event.event == Event.ROSTER_IMPORTED
    assert event.object_type == "people.rosterimport"
    assert event.actor == world.users["admin_a"]
    assert event.school_id == world.school_a.pk
    assert event.extra == {"status": "done", "rows": 1, "created_count": 1, "updated_count": 0,
                           "unchanged_count": 0, "left_count": 1,
                           "changes": {"status": ["applying", "done"]}}  # fmt: skip
    assert "Featherstonehaugh" not in json.dumps(event.extra)
    assert AuditEvent.objects.filter(action=Action.CREATE, object_id=str(ri.pk)).exists()


def test_a_failed_import_is_audited_with_its_problem_count(world):
    ri = run(world, roster_csv([pupil_line(1, Sex="Q"), pupil_line(2, Year_Group="99")]))
    event = AuditEvent.objects.get(action=Action.IMPORT, object_id=str(ri.pk))
    assert event.event == Event.ROSTER_FAILED
    assert event.extra == {"status": "failed", "errors": 2, "changes": {"status": ["validating", "failed"]}}


def test_at_most_a_thousand_problems_are_kept(world):
    ri = run(world, roster_csv(pupil_line(n, Sex="Q") for n in range(1200)))
    assert ri.errors_total == 1200
    assert len(ri.errors) == 1000
    assert ri.errors_not_shown == 200
    assert ri.errors[-1]["line"] == 1001


def test_an_import_runs_only_once(world):
    ri = run(world, roster_csv([pupil_line(1)]))
    assert roster_import_run(roster_import=ri).status == RosterImport.Status.DONE
    assert AuditEvent.objects.filter(action=Action.IMPORT, object_id=str(ri.pk)).count() == 1


def test_progress_is_saved_as_lines_are_checked(world, monkeypatch):
    monkeypatch.setattr(roster, "PROGRESS_EVERY", 10)
    seen = []
    roster_import = roster_import_create(
        school=world.school_a, by=None, filename="r.csv", content=roster_csv(pupil_line(n) for n in range(25))
    )

    def progress(done: int, total: int) -> None:
        saved = RosterImport.objects.get(pk=roster_import.pk)
        seen.append((done, total, saved.rows_done, saved.rows_total, saved.status))

    roster_import_run(roster_import=roster_import, progress=progress)
    assert seen == [(n, 25, n, 25, "validating") for n in (0, 10, 20, 25)]


def test_the_background_task_runs_the_import(world):
    roster_import = roster_import_create(
        school=world.school_a, by=world.users["admin_a"], filename="r.csv", content=roster_csv([pupil_line(1)])
    )
    result = roster_import_process.enqueue(roster_import.pk)
    assert result.return_value == "done"
    assert upn(1) in pupils_of(world.school_a)
    uploaded, imported = AuditEvent.objects.filter(object_id=str(roster_import.pk)).order_by("seq")
    assert (uploaded.event, uploaded.channel) == (Event.ROSTER_UPLOADED, "command")
    assert (imported.event, imported.channel) == (Event.ROSTER_IMPORTED, "task")


def _queries_for(world, content: bytes, *, school) -> int:
    roster_import = roster_import_create(school=school, by=None, filename="r.csv", content=content)
    with CaptureQueriesContext(connection) as queries:
        roster_import_run(roster_import=roster_import)
    assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImport.Status.DONE
    return len(queries)


def test_an_unchanged_roster_takes_the_same_queries_for_100_or_900_pupils(world):
    small, large = f.SchoolFactory(authority=world.authority), f.SchoolFactory(authority=world.authority)
    small_file, large_file = (
        roster_csv(pupil_line(n) for n in range(100)),
        roster_csv(pupil_line(n) for n in range(900)),
    )
    _queries_for(world, small_file, school=small)
    _queries_for(world, large_file, school=large)
    assert _queries_for(world, small_file, school=small) == _queries_for(world, large_file, school=large)


def test_creating_and_updating_takes_queries_by_batch_not_by_row(world):
    """Writes go in batches (SQLite allows 999 parameters a query, so about 55 new pupils or 80
    updates a batch); a thousand pupils must not mean a thousand queries."""
    small, large = f.SchoolFactory(authority=world.authority), f.SchoolFactory(authority=world.authority)
    first = {school: _queries_for(world, roster_csv(pupil_line(n) for n in range(rows)), school=school)
             for school, rows in ((small, 100), (large, 1000))}  # fmt: skip
    assert first[large] - first[small] <= 900 // 40
    changed = {school: _queries_for(world, roster_csv(pupil_line(n, Year_Group="8") for n in range(rows)), school=school)
               for school, rows in ((small, 100), (large, 1000))}  # fmt: skip
    assert changed[large] - changed[small] <= 900 // 40


def test_the_header_list_matches_the_example_columns():
    assert [c.label.lower() for c in roster.COLUMNS] == [h.lower() for h in HEADER]
