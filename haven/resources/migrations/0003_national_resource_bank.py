"""The national list of the resource bank, from the seeds (haven/resources/seed.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from haven.resources.seed import resource_bank_seed

    resource_bank_seed(
        Resource=apps.get_model("resources", "Resource"), Category=apps.get_model("concerns", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_full_text_search"), ("concerns", "0002_national_taxonomy")]
    # Reverse: noop is safe: curators may have corrected these entries since (deleting them
    # would lose that), seeding again skips entries already there, and 0001's reverse drops the table.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
