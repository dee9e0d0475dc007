"""Re-encrypt personal data with the current key, in small batches, while the
platform runs.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones
after it) and restart; new writes use it and old rows still decrypt. Then run
this command; when it reports nothing left, drop the old keys.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from core.crypto import EncryptedTextField, current_key_id, decrypt, encrypt, key_id_of


def encrypted_fields() -> list[tuple[type, str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be re-encrypted."
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options) -> None:  # type: ignore[no-untyped-def]
        from audit.log import acting_as, append

        current = current_key_id()
        total = 0
        for model, name in encrypted_fields():
            done = 0
            last_pk = None
            manager = model._base_manager
            while True:
                rows = manager.annotate(_raw=Cast(name, TextField())).order_by("pk")
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.values_list("pk", "_raw")[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1][0]
                stale = [
                    (pk, raw) for pk, raw in batch if raw and key_id_of(raw) != current
                ]
                if dry_run:
                    done += len(stale)
                    continue
                with transaction.atomic():
                    for pk, raw in stale:
                        fresh = encrypt(decrypt(raw))
                        # Only if untouched since read: a concurrent save has
                        # already used the current key.
                        done += manager.filter(pk=pk, **{name: raw}).update(
                            **{name: fresh}
                        )
            if done:
                self.stdout.write(f"{model._meta.label}.{name}: {done} re-encrypted")
                if not dry_run:
                    with acting_as("rotate_encryption_keys"):
                        append(
                            "security",
                            model=model._meta.label_lower,
                            object_repr=f"{name}: {done} rows re-encrypted",
                            detail={"field": name, "rows": done, "key": current},
                        )
            total += done
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(f"{total} values {verb} with key {current}")
