"""The statutory guidance in force (issue 17): the editions the list now names are added, and
the seeded entries they replaced are withdrawn, saying by what and why (haven/resources/seed.py
SUPERSEDED, dated GUIDANCE_CHECKED_ON)."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from haven.resources.seed import resource_bank_seed, resource_bank_withdraw_superseded

    Resource = apps.get_model("resources", "Resource")
    resource_bank_seed(Resource=Resource, Category=apps.get_model("concerns", "Category"))
    resource_bank_withdraw_superseded(Resource=Resource)


def backwards(apps, schema_editor):
    # The withdrawn editions are listed again (the status they had); the newer editions stay,
    # as 0003's entries do: curators may have worked on them since.
    from haven.resources.seed import SUPERSEDED

    Resource = apps.get_model("resources", "Resource")
    Resource.objects.filter(seed_key__in=list(SUPERSEDED), status="withdrawn").update(status="approved")


class Migration(migrations.Migration):
    dependencies = [("resources", "0004_defaults_from_the_clock")]

    operations = [
        migrations.AlterField(
            model_name="resource",
            name="status",
            field=models.CharField(
                choices=[
                    ("proposed", "Waiting for the local authority"),
                    ("changes_requested", "Changes asked for"),
                    ("approved", "In the resource bank"),
                    ("rejected", "Not accepted"),
                    ("withdrawn", "Replaced by a newer edition"),
                ],
                default="proposed",
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
