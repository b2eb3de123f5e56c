"""manage.py import_roster: the same import from the command line, with progress, line-numbered
problems and an exit status that says whether it worked."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from haven.audit.models import Action, AuditEvent
from haven.people import roster
from haven.people.models import Pupil, RosterImport
from haven.people.tests.test_roster_parse import pupil_line, roster_csv, upn


def import_roster(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_roster_and_prints_progress(world, tmp_path, monkeypatch):
    monkeypatch.setattr(roster, "PROGRESS_EVERY", 10)
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv((pupil_line(n) for n in range(25)), bom=True))
    out, err = import_roster(world.school_a.urn, str(path), "--by", "ADMIN_A@example.org")
    assert "Importing roster.csv for Alder Academy (URN 140001)" in out
    assert "Checked 25 of 25 lines." in out
    assert "Imported 25 pupils: 25 added, 0 changed, 0 unchanged, 1 marked as left." in out
    assert err == ""
    assert Pupil.objects.filter(school=world.school_a, left_on__isnull=True).count() == 25
    ri = RosterImport.objects.get()
    assert ri.uploaded_by == world.users["admin_a"]
    assert AuditEvent.objects.get(action=Action.IMPORT).actor == world.users["admin_a"]


def test_it_lists_every_problem_by_line_and_fails(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([pupil_line(1), pupil_line(2, Year_Group="Year 15"), pupil_line(3, UPN=upn(1))]))
    with pytest.raises(CommandError, match=r"Nothing was imported: 2 problem\(s\) in roster.csv"):
        import_roster(world.school_a.urn, str(path))
    assert not Pupil.objects.filter(upn=upn(1)).exists()


def test_its_problem_lines_are_printed_to_stderr(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([pupil_line(1), pupil_line(2, Year_Group="Year 15"), pupil_line(3, UPN=upn(1))]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", world.school_a.urn, str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "line 3, Year Group: “Year 15” is not a year group we know: use N1, N2, R (Reception) or 1 to 14",
        f"line 4, UPN: the UPN {upn(1)} is also on line 2",
    ]


def test_a_whole_file_problem_is_printed_as_such(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv(pupil_line(n) for n in range(30)))
    import_roster(world.school_a.urn, str(path))
    path.write_bytes(roster_csv([pupil_line(1)]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", world.school_a.urn, str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("whole file: this file would mark 29 of the 30 pupils on roll as leavers.")
    out, _ = import_roster(world.school_a.urn, str(path), "--allow-many-leavers")
    assert "29 marked as left" in out


def test_the_exit_status_is_not_zero_on_problems(world, tmp_path):
    """Run as a real command: what a cron job or a script sees."""
    from django.core.management import ManagementUtility

    path = tmp_path / "roster.csv"
    path.write_bytes(b"UPN,Surname\r\nX,Y\r\n")
    utility = ManagementUtility(["manage.py", "import_roster", world.school_a.urn, str(path)])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code == 1


def test_an_unknown_school_is_refused(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([pupil_line(1)]))
    with pytest.raises(CommandError, match=r"No school has URN 999999\."):
        import_roster("999999", str(path))


def test_a_missing_file_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_roster(world.school_a.urn, str(tmp_path / "nope.csv"))
    assert RosterImport.objects.count() == 0


def test_an_unknown_uploader_is_refused(world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([pupil_line(1)]))
    with pytest.raises(CommandError, match=r"No user has the email address who@example\.org\."):
        import_roster(world.school_a.urn, str(path), "--by", "who@example.org")
