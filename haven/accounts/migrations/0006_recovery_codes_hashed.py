"""Recovery codes kept only as salted hashes (ASVS V6.5.2): the new device and its codes, and
every code django-otp's static device kept in clear moved across as its hash, so none is
left in clear.

Going back cannot give the codes back (a hash is not undone): the hashed codes go with the
tables and their owners make new ones from Your account; how many is printed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from haven.accounts.recovery import code_hash


def hash_clear_codes(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    for old in StaticDevice.objects.all().iterator():
        new = RecoveryCodeDevice.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            throttling_failure_timestamp=old.throttling_failure_timestamp,
            throttling_failure_count=old.throttling_failure_count,
            last_used_at=old.last_used_at,
        )
        RecoveryCode.objects.bulk_create(
            [
                RecoveryCode(device=new, code_hash=code_hash(token))
                for token in old.token_set.values_list("token", flat=True)
            ]
        )
        old.token_set.all().delete()
        old.delete()


def drop_hashed_codes(apps, schema_editor):
    """The codes cannot be put back in clear: say whose are gone with the tables."""
    RecoveryCodeDevice = apps.get_model("accounts", "RecoveryCodeDevice")
    people = RecoveryCodeDevice.objects.filter(codes__isnull=False).values("user_id").distinct().count()
    if people:
        print(
            f"\n  Recovery codes of {people} account(s) cannot be rolled back (only their hashes were kept) and are "
            "removed: each person can make new ones from Your account."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_enrolment_links"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCodeDevice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The human-readable name of this device.", max_length=64)),
                ("confirmed", models.BooleanField(default=True, help_text="Is this device ready for use?")),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(default=0, help_text="Number of successive failed attempts."),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True, help_text="The most recent date and time this device was used.", null=True
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code_hash", models.CharField(max_length=128)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="accounts.recoverycodedevice",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
        migrations.RunPython(hash_clear_codes, drop_hashed_codes),
    ]
