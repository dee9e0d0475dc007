"""The one call every app makes to put a message in someone's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import Notification


@dataclass(frozen=True)
class Message:
    """One message for a set of recipients (users or user ids)."""

    recipients: Iterable[Any]
    kind: str
    title: str
    body: str = ""
    url: str = ""
    dedup_key: str = ""


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
    return notify_all([Message(recipients, kind, title, body, url, dedup_key)])


def notify_all(messages: Iterable[Message]) -> int:
    """``notify`` for many messages with one ``INSERT ... ON CONFLICT DO
    NOTHING`` (the same dedup rule); returns how many (message, recipient)
    pairs were considered."""
    rows = []
    for m in messages:
        ids = {getattr(r, "pk", r) for r in m.recipients}
        ids.discard(None)
        rows += [
            Notification(
                recipient_id=user_id,
                kind=m.kind,
                title=str(m.title)[:200],
                body=str(m.body),
                url=m.url,
                dedup_key=m.dedup_key,
            )
            for user_id in sorted(ids)
        ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
