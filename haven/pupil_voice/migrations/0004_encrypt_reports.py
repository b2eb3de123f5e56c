"""What pupils write (and the replies they read) encrypted at rest under the field key
(haven.core.fieldcrypt); backwards decrypts it again. The column stays ``text``: the fields
change in the migration state only (on SQLite an AlterField would rebuild the table)."""

from django.db import migrations

import haven.core.fields
from haven.core import fieldcrypt

COLUMNS = {
    "pupil_voice_pupilreport": ("what_happened", "who_involved"),
    "pupil_voice_reportmessage": ("body",),
}


def forwards(apps, schema_editor):
    for table, columns in COLUMNS.items():
        fieldcrypt.rewrite_columns(schema_editor.connection, table, columns, fieldcrypt.to_ciphertext)


def backwards(apps, schema_editor):
    for table, columns in COLUMNS.items():
        fieldcrypt.rewrite_columns(schema_editor.connection, table, columns, fieldcrypt.to_plaintext)


class Migration(migrations.Migration):
    dependencies = [("pupil_voice", "0003_defaults_from_the_clock")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pupilreport", name="what_happened", field=haven.core.fields.EncryptedTextField()
                ),
                migrations.AlterField(
                    model_name="pupilreport",
                    name="who_involved",
                    field=haven.core.fields.EncryptedTextField(blank=True),
                ),
                migrations.AlterField(
                    model_name="reportmessage", name="body", field=haven.core.fields.EncryptedTextField()
                ),
            ]
        ),
        migrations.RunPython(forwards, backwards),
    ]
