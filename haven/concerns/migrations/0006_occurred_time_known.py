"""Whether the time a concern happened is known (issue 17). Before, the form had no way to say
"not known" but a blank time, saved as midnight UK time: those web and pupil-report concerns at
exactly 00:00:00 are marked as known to the day only, so the chronology no longer shows them
happening at midnight. (Reversing drops the column, which loses nothing else.)

On SQLite, adding or removing a NOT NULL column rebuilds the table, which drops its triggers:
the full-text search's insert trigger (0003) is made again after each rebuild, both ways."""

from django.db import migrations, models


def day_only_where_midnight(apps, schema_editor):
    Concern = apps.get_model("concerns", "Concern")
    # Extracted in the current time zone (Europe/London), on both databases.
    Concern.objects.filter(
        source__in=["web", "pupil_voice"],
        occurred_at__hour=0,
        occurred_at__minute=0,
        occurred_at__second=0,
    ).update(occurred_time_known=False)


def fts_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS concern_fts_concern")
    schema_editor.execute(FTS_TRIGGER)


FTS_TRIGGER = """CREATE TRIGGER concern_fts_concern AFTER INSERT ON concerns_concern BEGIN
         INSERT INTO concern_fts(concern_id, body)
         VALUES (new.id, new.what_happened || ' ' || new.child_words || ' ' || new.actions_taken);
       END"""


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0005_defaults_from_the_clock"),
    ]

    operations = [
        # Forward: noop is safe, nothing is rebuilt yet; reversed last, after the column goes.
        migrations.RunPython(migrations.RunPython.noop, fts_trigger),
        migrations.AddField(
            model_name="concern",
            name="occurred_time_known",
            field=models.BooleanField(
                default=True, help_text="False when only the day is known: occurred_at is then the start of that day."
            ),
        ),
        # Reverse: noop is safe, the AddField's reverse drops the column it set.
        migrations.RunPython(day_only_where_midnight, migrations.RunPython.noop),
        # Reverse: noop is safe, the first operation's reverse makes the trigger again at the end.
        migrations.RunPython(fts_trigger, migrations.RunPython.noop),
    ]
