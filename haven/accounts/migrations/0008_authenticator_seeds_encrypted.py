"""Authenticator apps' seeds encrypted at rest (ASVS V13.3.1): the new device, and every seed
django-otp's TOTP device kept in clear moved across, encrypted under the field key, and
removed from the old table, so a stolen database or dump cannot make anyone's codes.

Everyone keeps their authenticator app: the same seed, its last code and drift. A session
verified by an old device is asked for its code again (its device id names the old table).
Going back moves the seeds back into django-otp's table, in clear."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import haven.accounts.models
import haven.core.fields

FIELDS = ("user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift", "last_t")
FIELDS += ("throttling_failure_timestamp", "throttling_failure_count", "last_used_at")


def encrypt_seeds(apps, schema_editor):
    Old = apps.get_model("otp_totp", "TOTPDevice")
    New = apps.get_model("accounts", "AuthenticatorApp")
    for old in Old.objects.all().iterator():
        new = New.objects.create(**{f: getattr(old, f) for f in FIELDS})
        New.objects.filter(pk=new.pk).update(created_at=old.created_at)  # not the moment it moved
        old.delete()


def seeds_back_in_clear(apps, schema_editor):
    Old = apps.get_model("otp_totp", "TOTPDevice")
    New = apps.get_model("accounts", "AuthenticatorApp")
    for new in New.objects.all().iterator():
        old = Old.objects.create(**{f: getattr(new, f) for f in FIELDS})
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
        new.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_sessions"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthenticatorApp",
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
                    "key",
                    haven.core.fields.EncryptedTextField(
                        default=haven.accounts.models._new_totp_key, help_text="The seed, hex-encoded (20 bytes)."
                    ),
                ),
                ("step", models.PositiveSmallIntegerField(default=30)),
                ("t0", models.BigIntegerField(default=0)),
                ("digits", models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ("tolerance", models.PositiveSmallIntegerField(default=1)),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
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
        migrations.RunPython(encrypt_seeds, seeds_back_in_clear),
    ]
