"""Open questions in words, and the case's records in the actions table: only the fields'
descriptions change. No stored answer is rewritten: versions are append-only, and the readers
(rules.consideration_read) read a version written before as it was written."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("safety_plans", "0003_defaults_from_the_clock"),
    ]

    operations = [
        migrations.AlterField(
            model_name="planversion",
            name="actions",
            field=models.JSONField(
                default=dict, help_text="{action: {taken: bool|null, on: ISO date|null, notes, from_case?: [...]}}"
            ),
        ),
        migrations.AlterField(
            model_name="planversion",
            name="considerations",
            field=models.JSONField(default=dict, help_text="{question: {answer, notes} or {text}}"),
        ),
    ]
