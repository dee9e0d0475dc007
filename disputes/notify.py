"""The one call every app makes to put a message in someone's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import Notification


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedup_key: str = "",
) -> int:
    """Insert one notification per recipient, idempotently.

    ``recipients`` are users or user ids (duplicates and None are ignored).
    With a ``dedup_key`` the same key never reaches the same person twice
    (a unique constraint, ``INSERT ... ON CONFLICT DO NOTHING``), so a job that
    runs again after a crash can simply notify again. Returns how many
    recipients were considered.
    """
    ids = {getattr(r, "pk", r) for r in recipients}
    ids.discard(None)
    if not ids:
        return 0
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            title=str(title)[:200],
            body=str(body),
            url=url,
            dedup_key=dedup_key,
        )
        for user_id in sorted(ids)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
