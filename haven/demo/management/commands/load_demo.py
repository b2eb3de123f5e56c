"""Build the demo world (DESIGN §10) into an empty database.

`make run` calls ``load_demo --if-empty`` on every start, so the first start fills a new
data directory and later starts leave it alone. Without ``--if-empty`` the command refuses
a database that already has schools, rather than mixing fictional people into real data;
it always refuses production settings.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from haven.demo.world import (
    DEMO_SEED,
    DemoWorldRefused,
    demo_refuse_in_production,
    demo_world_build,
    demo_world_present,
)
from haven.organisations.models import School


class Command(BaseCommand):
    help = "Load the deterministic, fictional demo world (Midshire and Northshire). Never in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the demo world or any school is already there.",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"Random seed (default {DEMO_SEED}).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            # First, so that production answers with an error even when --if-empty would skip.
            demo_refuse_in_production()
            # The check and the build share one transaction: SQLite's IMMEDIATE transactions
            # queue a second start behind the first, and elsewhere the county's unique name
            # stops a second build half-way.
            with transaction.atomic():
                occupied = demo_world_present() or School.objects.exists()
                if occupied and options["if_empty"]:
                    self.stdout.write("Demo world already loaded (or this database has schools): nothing to do.")
                    return
                if occupied:
                    raise CommandError(
                        "This database already holds schools or the demo county, and the demo world only goes "
                        "into an empty one. Use --if-empty to skip quietly, or point HAVEN_DATA_DIR at a new "
                        "directory."
                    )
                world = demo_world_build(seed=options["seed"])
        except DemoWorldRefused as exc:
            raise CommandError(str(exc)) from exc
        s = world.summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo world (seed {world.seed}) in {time.monotonic() - started:.1f} s: "
                f"{world.authority.name}, {s['trusts']} trusts, {s['schools']} schools, {s['pupils']:,} pupils; "
                + (
                    f"{world.northshire.authority.name}, {s['northshire_trusts']} trust, "
                    f"{s['northshire_schools']} schools, {s['northshire_pupils']:,} pupils; "
                    if world.northshire
                    else ""
                )
                + f"{s['users']} users in {s['memberships']} roles ({s['totp_devices']} with a fixed TOTP secret)"
                + (f", {s['concerns']:,} concerns and {s['cases']:,} cases." if "concerns" in s else ".")
            )
        )
