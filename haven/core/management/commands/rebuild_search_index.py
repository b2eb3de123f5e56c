"""Write the blind search indexes (haven.core.blindindex: concerns and amendments, case
studies) afresh from the decrypted text: after history was loaded without the services, or
to check that search finds what it should. ``rotate_field_key`` does this too."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from haven.core import blindindex


class Command(BaseCommand):
    help = "Rebuild the blind search indexes of concerns, amendments and case studies."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            written = blindindex.rebuild_all()
        for name, rows in written.items():
            self.stdout.write(f"Search index of {name} written afresh: {rows} rows.")
