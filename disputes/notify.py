"""The one call every app makes to put a message in someone's inbox."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.constants import OnConflict
from django.utils import timezone

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
        if not ids:
            continue
        title, body = str(m.title)[:200], str(m.body)
        rows += [
            (user_id, m.kind, title, body, m.url, m.dedup_key)
            for user_id in sorted(ids)
        ]
    if rows:
        _insert_ignoring_conflicts(rows)
    return len(rows)


_COLUMNS = ("recipient", "kind", "title", "body", "url", "dedup_key", "created_at")


def _insert_ignoring_conflicts(rows: list[tuple[Any, ...]]) -> None:
    """What ``Notification.objects.bulk_create(..., ignore_conflicts=True)``
    writes, from plain tuples: a sweep batch notifies thousands of people, and
    building a model instance and preparing its values field by field costs
    more than the statement. The values are plain strings and ids, and one
    ``created_at`` for the batch (the transaction's time, as its rows share)."""
    meta = Notification._meta
    fields = [meta.get_field(name) for name in _COLUMNS]
    created_at = fields[-1].get_db_prep_save(timezone.now(), connection)
    statement = "{} {} ({}) VALUES ".format(
        connection.ops.insert_statement(on_conflict=OnConflict.IGNORE),
        connection.ops.quote_name(meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
    )
    suffix = connection.ops.on_conflict_suffix_sql(
        fields, OnConflict.IGNORE, None, None
    )
    one = "({})".format(", ".join(["%s"] * len(fields)))
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params = [value for row in chunk for value in (*row, created_at)]
            sql = statement + ", ".join([one] * len(chunk))
            cursor.execute(f"{sql} {suffix}".rstrip(), params)
