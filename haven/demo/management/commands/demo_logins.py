"""Print the demo logins: a table for the terminal (`make run` shows it at every start),
``--json`` for scripts and testers' tools, ``--markdown`` for docs/demo-logins.md.

It reads the database, so it shows what is really there; it lists only the demo's accounts
and refuses under production settings, where the demo's public password must never be.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.access.roles import Role
from haven.demo.world import DEMO_PASSWORD, DemoWorldRefused, demo_logins_list
from haven.organisations.models import School

_ROLE_LABELS = dict(Role.choices)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def _markdown(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return lines


class Command(BaseCommand):
    help = "List the demo accounts (password, role, organisation, TOTP secret) and schools' reporting links."

    def add_arguments(self, parser: CommandParser) -> None:
        out = parser.add_mutually_exclusive_group()
        out.add_argument("--json", action="store_true", help='Print {"users": [...], "schools": [...]} as JSON.')
        out.add_argument("--markdown", action="store_true", help="Print the Markdown of docs/demo-logins.md.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            logins = demo_logins_list()
        except DemoWorldRefused as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(logins, indent=2, ensure_ascii=False))
            return
        if not logins["users"]:
            # `make run` calls this after `load_demo --if-empty`, which skips a database with
            # real schools in it; that is not an error.
            self.stdout.write("No demo world in this database (manage.py load_demo builds one into an empty database).")
            return
        user_rows = [
            [u["email"], _ROLE_LABELS.get(u["role"], u["role"]), u["organisation"], u["totp_secret"] or "-"]
            for u in logins["users"]
        ]
        details = {s.urn: s for s in School.objects.filter(urn__in=[s["urn"] for s in logins["schools"]])}
        school_rows = [
            [
                s["name"],
                s["urn"],
                details[s["urn"]].get_phase_display(),
                str(details[s["urn"]].trust or "Maintained"),
                s["tell_url"],
            ]
            for s in logins["schools"]
        ]
        user_headers = ["Email", "Role", "Organisation", "TOTP secret"]
        school_headers = ["School", "URN", "Phase", "Trust", "Pupil reporting link"]
        if options["markdown"]:
            self.stdout.write("\n".join(self._markdown_page(user_headers, user_rows, school_headers, school_rows)))
            return
        lines = [
            f"Demo logins. Password for every account: {DEMO_PASSWORD}",
            "Every account needs a code from an authenticator app set up with its TOTP secret.",
            "Midshire County Council's accounts come first, then Northshire Council's (its own officer,",
            "trust and schools): each authority's people see only their own.",
            "",
            *_table(user_headers, user_rows),
            "",
            *_table(school_headers, school_rows),
            "",
            "Demo data only: this password and these secrets are public. Never use them for real records.",
        ]
        self.stdout.write("\n".join(lines))

    def _markdown_page(
        self,
        user_headers: list[str],
        user_rows: list[list[str]],
        school_headers: list[str],
        school_rows: list[list[str]],
    ) -> list[str]:
        return [
            "# Demo logins",
            "",
            "`make run` loads a fictional county, Midshire, and its smaller neighbour, Northshire, on",
            "first start (`manage.py load_demo`, DESIGN §10) and prints these logins: Midshire's first,",
            "then Northshire's. Each authority's people see only their own authority's schools and",
            "figures. Every account has the same password:",
            f"**`{DEMO_PASSWORD}`**.",
            "",
            "Every account signs in with two factors, staff and administrators included. Each has a",
            'fixed TOTP secret: add it to an authenticator app (a "setup key", time-based, 6 digits,',
            "30 seconds), or compute a code with `oathtool --totp -b SECRET`; it keeps working after",
            "the demo is rebuilt. Once signed in, you may add a passkey (`/account/passkeys/`) and sign",
            "in with it alone next time.",
            "",
            "**Demo only.** The password and the TOTP secrets are published here on purpose; they are",
            "never loaded into a database whose settings say production (`HAVEN_ENV=production`).",
            "A person with two roles appears once per role.",
            "",
            "Regenerate this page with `.venv/bin/python manage.py demo_logins --markdown > docs/demo-logins.md`",
            "after changing the demo world (a test checks it matches).",
            "",
            "## Accounts",
            "",
            *_markdown(user_headers, user_rows),
            "",
            "## Schools",
            "",
            "The pupil reporting link (`/tell/<code>/`) assumes `make run` on the default port 8000;",
            "`manage.py demo_logins` prints it for the port in use.",
            "",
            *_markdown(school_headers, school_rows),
        ]
