"""Background work for people: the roster import runs here, not in the request, because a
50,000-line file takes longer than a browser should wait."""

from __future__ import annotations

from django_tasks import task

from haven.audit.context import TASK

from .models import RosterImport
from .roster import roster_import_run


@task()
def roster_import_process(roster_import_id: int) -> str:
    """Run one queued roster import; returns its final status. Running it twice is harmless:
    the second run finds the import already claimed and does nothing."""
    roster_import = RosterImport.objects.select_related("school", "uploaded_by").get(pk=roster_import_id)
    return roster_import_run(roster_import=roster_import, ctx=TASK).status
