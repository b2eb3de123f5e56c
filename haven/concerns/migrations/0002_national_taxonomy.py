from django.db import migrations


def load(apps, schema_editor):
    from haven.concerns.taxonomy import load as load_taxonomy

    load_taxonomy(apps.get_model("concerns", "Category"))


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]
    # Reverse: noop is safe: recorded concerns point at these categories (deleting them would
    # break the records), loading again updates them in place, and 0001's reverse drops the table.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
