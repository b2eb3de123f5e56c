"""Import a school's roster from a CSV file on the server, for a first load or when the web
upload is not an option. The same checks and the same all-or-nothing apply as on the page.

    manage.py import_roster 140001 roster.csv [--by admin@school.org] [--allow-many-leavers]

Exit status 0 when imported; 1 (CommandError) when nothing was imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.accounts.models import User
from haven.organisations.models import School
from haven.people.models import RosterImport
from haven.people.roster import roster_import_create, roster_import_run


class Command(BaseCommand):
    help = "Import a school's pupil roster from an MIS CSV export (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("urn", help="The school's URN (six digits).")
        parser.add_argument("path", type=Path, help="The CSV file, UTF-8, with a header line.")
        parser.add_argument("--by", metavar="EMAIL", help="Record this user as the uploader in the audit log.")
        parser.add_argument(
            "--allow-many-leavers",
            action="store_true",
            help="Import even if more than half the pupils on roll would be marked as leavers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(urn=options["urn"].strip()).first()
        if school is None:
            raise CommandError(f"No school has URN {options['urn']}.")
        by = None
        if options["by"]:
            by = User.objects.filter(email__iexact=options["by"].strip()).first()
            if by is None:
                raise CommandError(f"No user has the email address {options['by']}.")
        path: Path = options["path"]
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from exc

        roster_import = roster_import_create(
            school=school,
            by=by,
            filename=path.name,
            content=content,
            allow_many_leavers=options["allow_many_leavers"],
        )
        self.stdout.write(f"Importing {path.name} for {school.name} (URN {school.urn}), import {roster_import.pk}.")
        roster_import = roster_import_run(roster_import=roster_import, progress=self._progress)

        if roster_import.status != RosterImport.Status.DONE:
            for error in roster_import.errors:
                where = f"line {error['line']}" if error["line"] is not None else "whole file"
                column = f", {error['column']}" if error["column"] else ""
                self.stderr.write(f"{where}{column}: {error['message']}")
            if roster_import.errors_not_shown:
                self.stderr.write(f"... and {roster_import.errors_not_shown} more problems.")
            raise CommandError(f"Nothing was imported: {roster_import.errors_total} problem(s) in {path.name}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {roster_import.rows_total} pupils: {roster_import.created_count} added, "
                f"{roster_import.updated_count} changed, {roster_import.unchanged_count} unchanged, "
                f"{roster_import.left_count} marked as left."
            )
        )

    def _progress(self, done: int, total: int) -> None:
        if done and (done == total or done % 10_000 == 0):
            self.stdout.write(f"Checked {done} of {total} lines.")
