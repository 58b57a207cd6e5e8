"""Member phones encrypted at rest (issue 7 item 6): token, digest and mask replace the clear
column. The data step encrypts every stored phone under the current FIELD_ENCRYPTION_KEY."""

from django.db import migrations, models


def encrypt_phones(apps, schema_editor):
    from core import crypto
    from organisations.id_numbers import mask_phone

    Member = apps.get_model("organisations", "Member")
    changed = []
    for member in Member.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=2000):
        member.phone_encrypted = crypto.encrypt(member.phone)
        member.phone_digest = crypto.digest(member.phone)
        member.phone_masked = mask_phone(member.phone)[:20]
        changed.append(member)
        if len(changed) >= 2000:
            Member.objects.bulk_update(changed, ["phone_encrypted", "phone_digest", "phone_masked"])
            changed = []
    Member.objects.bulk_update(changed, ["phone_encrypted", "phone_digest", "phone_masked"])


def decrypt_phones(apps, schema_editor):
    from core import crypto

    Member = apps.get_model("organisations", "Member")
    changed = []
    for member in Member.objects.exclude(phone_encrypted="").iterator(chunk_size=2000):
        member.phone = crypto.decrypt(member.phone_encrypted)
        changed.append(member)
    Member.objects.bulk_update(changed, ["phone"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="phone_encrypted",
            field=models.TextField(blank=True, editable=False, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name="member",
            name="phone_digest",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="member",
            name="phone_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=20, verbose_name="联系电话"
            ),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.RemoveField(model_name="member", name="phone"),
    ]
