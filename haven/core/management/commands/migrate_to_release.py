"""Roll the database schema back to the previous release's (haven.core.releases).

Run it with the new release still installed: the reverse of each new migration is in the new
release's code. Then install the previous release and restart. Steps, each printed: the
release and the migrations that will be unapplied, newest first; a confirmation (unless
``--no-input``); the migrations, each reversed in its own transaction.

Failure modes: a migration that cannot be reversed without destroying records (audit events
recorded since the upgrade, say) refuses with ``IrreversibleError`` naming itself; the ones
already reversed stay reversed and ``manage.py migrate`` goes forward again. The way back
then is the pre-upgrade backup (README, "Upgrading and rolling back").
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor

from haven.core.backup import haven_version
from haven.core.releases import ReleaseFileError, previous_release, record_release, rollback_targets


class Command(BaseCommand):
    help = (
        "Migrate the database back to the previous release's schema (haven/core/release_migrations.json), "
        "to roll back an upgrade. Run it before reinstalling the previous release."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plan", action="store_true", help="List what would be unapplied; change nothing.")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Do not ask to confirm.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--record",
            metavar="VERSION",
            help="At a release: write this checkout's last migrations into the file as VERSION's, and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connections[options["database"]])
        graph = executor.loader.graph
        if options["record"]:
            release = record_release(graph, version=options["record"], commit=haven_version()["commit"] or "")
            self.stdout.write(f"Recorded {len(release.migrations)} apps' last migrations as release {release.version}.")
            return
        release = previous_release()
        try:
            targets = rollback_targets(graph, release)
        except ReleaseFileError as exc:
            raise CommandError(str(exc)) from exc
        plan = executor.migration_plan(targets)
        if any(not backwards for _, backwards in plan):
            raise CommandError(
                f"This database is behind release {release.version} (it has migrations still to apply): "
                "there is nothing to roll back. Run manage.py migrate first."
            )
        if not plan:
            self.stdout.write(f"The schema is already release {release.version}'s: nothing to roll back.")
            return
        self.stdout.write(f"Rolling the schema back to release {release.version}, unapplying {len(plan)} migrations:")
        if options["plan"]:
            for migration, _ in plan:
                self.stdout.write(f"  {migration.app_label}.{migration.name}")
            return
        if options["interactive"]:
            answer = input("Have you taken a backup, and stopped the web server and the worker? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing changed.")
        try:
            for migration, _ in plan:
                # One at a time, newest first, each from a fresh reading of what is applied: Django
                # renders the models once per call from the first migration it unapplies onwards,
                # so one call for the whole plan costs minutes where these cost seconds.
                self.stdout.write(f"  unapplying {migration.app_label}.{migration.name}")
                step = MigrationExecutor(connections[options["database"]])
                step.migrate([], plan=[(step.loader.graph.nodes[migration.app_label, migration.name], True)])
        except IrreversibleError as exc:
            raise CommandError(
                f"{exc}\nThe migrations reversed before this one stay reversed; manage.py migrate goes forward again."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"The schema is release {release.version}'s. Now install that release."))
