"""Audit events get names in the domain's words (``concern.submitted``, ``route.withdrawn``),
the channel they came through, and a seal under a key outside the database.

Events already recorded keep their hash: they become format 1, whose hash leaves out the
name and channel, and are named by ``haven.audit.events.legacy_event`` from the fields
their hash does cover, which ``verify_audit`` checks again on every run. The append-only
triggers are lifted for the naming (the only change ever made to recorded events) and put
back in the same migration.

Rolling back: while every event is still format 1 (nothing recorded since the upgrade), the
names are derived data and dropping the new columns loses nothing. Once an event of format 2
exists, its hash covers its name and channel and its seal is its only proof: dropping them
would destroy audit history and leave the earlier release unable to verify the chain, so the
reverse refuses (``IrreversibleError``) and the pre-upgrade backup is the way back.
"""

from collections import defaultdict

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

from haven.audit.events import legacy_event

from . import _triggers


def lift_guard(apps, schema_editor):
    _triggers.drop(schema_editor)


def restore_guard(apps, schema_editor):
    _triggers.create(schema_editor)


def name_recorded_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    names: dict[str, list[int]] = defaultdict(list)
    rows = AuditEvent.objects.using(schema_editor.connection.alias).values_list("pk", "action", "object_type", "extra")
    for pk, action, object_type, extra in rows.iterator(chunk_size=5000):
        names[legacy_event(action, object_type, extra or {})].append(pk)
    for name, pks in names.items():
        for start in range(0, len(pks), 5000):
            AuditEvent.objects.filter(pk__in=pks[start : start + 5000]).update(event=name, format=1)


def refuse_to_lose_named_events(apps, schema_editor):
    """The reverse of the naming: allowed only while no event depends on the new columns."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.using(schema_editor.connection.alias)
    named = events.exclude(format=1).count() + events.filter(format=1).exclude(seal="", channel="").count()
    if named:
        raise IrreversibleError(
            f"audit 0004_events_with_names cannot be reversed: {named} audit event(s) were recorded with "
            "names, channels and seals since the upgrade, and removing those columns would destroy audit "
            "history (audit events are append-only). Restore the pre-upgrade backup instead: README, "
            '"Upgrading and rolling back".'
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_defaults_from_the_clock")]

    operations = [
        migrations.RunPython(lift_guard, restore_guard),
        migrations.AddField(
            model_name="auditevent",
            name="event",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="channel",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="format",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["event", "at"], name="audit_audit_event_0893cd_idx"),
        ),
        migrations.RunPython(name_recorded_events, refuse_to_lose_named_events),
        migrations.RunPython(restore_guard, lift_guard),
    ]
