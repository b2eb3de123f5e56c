"""The stored first answer of an idempotent POST repeats the concern's narrative: it is kept
as JSON text encrypted under the field key (haven.core.fieldcrypt) like the narrative
itself. Backwards decrypts it and makes the column JSON again."""

from django.db import migrations

import haven.core.fields
from haven.core import fieldcrypt


def forwards(apps, schema_editor):
    fieldcrypt.rewrite_columns(
        schema_editor.connection, "api_idempotencykey", ["response_body"], fieldcrypt.to_ciphertext
    )


def backwards(apps, schema_editor):
    fieldcrypt.rewrite_columns(
        schema_editor.connection, "api_idempotencykey", ["response_body"], fieldcrypt.to_plaintext
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0004_token_expiry_reminded")]

    operations = [
        migrations.AlterField(
            model_name="idempotencykey",
            name="response_body",
            field=haven.core.fields.EncryptedTextField(
                help_text="The body of the first answer, as sent (JSON).", null=True
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
