"""The previous release's migration state, so that an upgrade can be rolled back.

An upgrade that goes wrong is undone in one of two ways (README, "Upgrading and rolling
back"): migrate the schema back to what the previous release expects, with
``manage.py migrate_to_release`` while the new release is still installed (its migrations
hold the reverse steps), or restore the backup taken before the upgrade.

``release_migrations.json`` names every app's last migration in the previous release. An app
it does not name is newer than that release, and all its migrations are unapplied. The file is
updated once after each release (``manage.py migrate_to_release --record VERSION``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db.migrations.graph import MigrationGraph

RELEASE_FILE = Path(__file__).with_name("release_migrations.json")
ABOUT = (
    "Each app's last migration in the previous release: manage.py migrate_to_release rolls the schema back "
    "to it, and haven/core/tests/test_migrations_reversible.py proves it can. Update it once after each "
    "release (docs/deploy.md, 'At each release')."
)

Target = tuple[str, str | None]


class ReleaseFileError(ValueError):
    """The release file does not fit the migrations on disk."""


@dataclass(frozen=True)
class Release:
    version: str
    commit: str
    migrations: dict[str, str]


def previous_release(path: Path = RELEASE_FILE) -> Release:
    data = json.loads(path.read_text())
    return Release(version=data["release"], commit=data.get("commit", ""), migrations=dict(data["migrations"]))


def rollback_targets(graph: MigrationGraph, release: Release) -> list[Target]:
    """Every app with migrations, at the release's last migration, or at none (``None``: all of
    its migrations unapplied) when the app is newer than the release."""
    apps = sorted({app for app, _ in graph.leaf_nodes()})
    named = sorted(release.migrations.items())
    unknown = [f"{app}.{name}" for app, name in named if app in apps and (app, name) not in graph.nodes]
    if unknown:
        raise ReleaseFileError(
            f"{RELEASE_FILE.name} names migrations that are not on disk: {', '.join(unknown)} "
            f"(was a migration renamed or squashed after release {release.version}?)"
        )
    return [(app, release.migrations.get(app)) for app in apps]


def record_release(graph: MigrationGraph, *, version: str, commit: str, path: Path = RELEASE_FILE) -> Release:
    """After tagging a release: this checkout's last migrations become the next release's way back."""
    release = Release(version=version, commit=commit, migrations=dict(sorted(graph.leaf_nodes())))
    body = {"about": ABOUT, "release": version, "commit": commit, "migrations": release.migrations}
    path.write_text(json.dumps(body, indent=2) + "\n")
    return release
