"""Re-encrypt every encrypted column under FIELD_ENCRYPTION_KEY (key rotation). It lives with
the audit log because the rotation is itself an audited operator action (core.crypto has the
keys; core depends on no app).

Set the new key as FIELD_ENCRYPTION_KEY and the old one in FIELD_ENCRYPTION_OLD_KEYS, stop the
application and the workers, run this, start again (docs/operations.md). One transaction: it
either rotates everything or nothing."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import services as audit
from audit.models import Action
from core import crypto
from core.actors import operator
from core.models import KeyCheck

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt personal data under the current FIELD_ENCRYPTION_KEY and recompute digests."
    # The start-up key check would refuse to run exactly when this is needed.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options):
        models = [m for m in apps.get_models() if getattr(m, "encrypted_fields", None)]
        counts: dict[str, int] = {}
        try:
            with transaction.atomic():
                for model in models:
                    counts[model._meta.label] = self._rotate(model)
                KeyCheck.objects.all().delete()
                crypto.verify_key()  # writes the check value under the current key
                audit.record(
                    actor=operator("rotate_encryption_key"),
                    action=Action.UPDATE,
                    target_repr="FIELD_ENCRYPTION_KEY",
                    changes={"rotated": counts},
                )
        except crypto.KeyMismatch as exc:
            raise CommandError(
                f"{exc} Put the key the data was written with in FIELD_ENCRYPTION_OLD_KEYS."
            ) from None
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
        self.stdout.write("done: remove FIELD_ENCRYPTION_OLD_KEYS once backups under it expire")

    def _rotate(self, model) -> int:
        fields: dict[str, str | None] = model.encrypted_fields
        columns = [*fields, *(d for d in fields.values() if d)]
        rows = model._base_manager.only("pk", *fields).order_by("pk")
        done, changed = 0, []
        for row in rows.iterator(chunk_size=BATCH):
            for token_field, digest_field in fields.items():
                plaintext = crypto.decrypt(getattr(row, token_field))
                setattr(row, token_field, crypto.encrypt(plaintext))
                if digest_field:
                    setattr(row, digest_field, crypto.digest(plaintext) if plaintext else "")
            changed.append(row)
            if len(changed) >= BATCH:
                model._base_manager.bulk_update(changed, columns)
                done, changed = done + len(changed), []
        if changed:
            model._base_manager.bulk_update(changed, columns)
            done += len(changed)
        return done
