"""Queue a check of every approved resource's link (for cron or a scheduler)."""

from typing import Any

from django.core.management.base import BaseCommand

from haven.resources.tasks import check_resource_links


class Command(BaseCommand):
    help = "Check the link of every approved resource in the bank and record which are broken."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = check_resource_links.call()
        self.stdout.write(f"Queued {queued} link checks.")
