"""Import rows keep no clear phone (issue 7 item 6): the file's phone and the phone an update
replaced move into Fernet tokens; `values` loses its phone, `before` keeps it masked."""

from django.db import migrations, models


def encrypt_row_phones(apps, schema_editor):
    from core import crypto
    from organisations.id_numbers import mask_phone

    ImportRow = apps.get_model("roster", "ImportRow")
    changed = []
    for row in ImportRow.objects.iterator(chunk_size=2000):
        phone = row.values.pop("phone", "") if isinstance(row.values, dict) else ""
        before = row.before.get("phone", "") if isinstance(row.before, dict) else ""
        if not phone and not before:
            continue
        row.phone_token = crypto.encrypt(phone) if phone else ""
        if before:
            row.before_phone_token = crypto.encrypt(before)
            row.before["phone"] = mask_phone(before)
        changed.append(row)
    ImportRow.objects.bulk_update(
        changed, ["values", "phone_token", "before", "before_phone_token"], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("roster", "0004_constraint_messages"),
        ("organisations", "0006_member_phone_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrow",
            name="phone_token",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="importrow",
            name="before_phone_token",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(encrypt_row_phones, migrations.RunPython.noop),
    ]
