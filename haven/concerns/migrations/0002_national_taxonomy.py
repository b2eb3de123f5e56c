from django.db import migrations


def load(apps, schema_editor):
    from haven.concerns.taxonomy import load as load_taxonomy

    load_taxonomy(apps.get_model("concerns", "Category"))


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
