"""Chaining the audit trail after commit.

``audit.log.append`` inserts a record inside the writer's transaction with no
chain fields, so a write never waits for another one; the chain is built here,
after commit, in a short transaction of its own: the head row is locked, every
committed record not yet chained is given the next ``seq``, the hash of the
record before it and its own hash, in id order, and the head moves on.

Two things call ``chain_pending``: the first append of each transaction
schedules it with ``transaction.on_commit`` (``schedule``), and the
``chain-audit`` beat task catches whatever was left (a chainer that found the
head busy gives up at once rather than queueing). Tamper evidence therefore
lags the write by at most one beat interval; ``verify_audit`` reports records
left unchained for longer than ``AUDIT_CHAIN_GRACE_SECONDS`` as a problem.

This is the only code allowed past the append-only guards of ``AuditRecord``,
and only to set the chain fields of records that have none.
"""

from __future__ import annotations

import logging

from django.db import models, transaction

from .models import AuditChainHead, AuditRecord

logger = logging.getLogger(__name__)

# Records chained per transaction: one SELECT and one UPDATE each.
BATCH = 1000


def schedule() -> None:
    """Chain after the current transaction commits (at once outside one).
    Registered once per transaction, however many records it appends."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is _after_commit for _sids, func, _robust in connection.run_on_commit
    ):
        return
    # robust: the caller's data is committed by then; a failure here must not
    # turn its response into an error (the beat task chains the records).
    transaction.on_commit(_after_commit, robust=True)


def _after_commit() -> None:
    chain_pending()


def chain_pending(*, batch: int = BATCH, wait: bool = False) -> int:
    """Chain every committed record that has no place in the chain yet, in id
    order; returns how many. When another chainer holds the head it returns
    at once (``wait=False``): that one, the next write or the beat task chains
    the rest."""
    chained = 0
    while True:
        with transaction.atomic():
            head = _lock_head(wait)
            if head is None:
                return chained
            pending = list(AuditRecord.objects.unchained().order_by("id")[:batch])
            if not pending:
                return chained
            last_hash, seq = head.last_hash, head.count
            for record in pending:
                seq += 1
                record.seq = seq
                record.prev_hash = last_hash
                record.hash = record.compute_hash()
                last_hash = record.hash
            # The one write past AuditQuerySet's guard: a plain QuerySet, and
            # only rows still unchained (a chained record is never rewritten).
            updated = (
                models.QuerySet(AuditRecord)
                .filter(seq__isnull=True)
                .bulk_update(pending, ["seq", "prev_hash", "hash"])
            )
            if updated != len(pending):
                raise RuntimeError("audit records were chained twice")
            AuditChainHead.objects.filter(pk=1).update(last_hash=last_hash, count=seq)
        chained += len(pending)
        if len(pending) < batch:
            return chained


def _lock_head(wait: bool) -> AuditChainHead | None:
    rows = AuditChainHead.objects.filter(pk=1)
    locked = (
        rows.select_for_update() if wait else rows.select_for_update(skip_locked=True)
    )
    head = locked.first()
    if head is None and not rows.exists():
        # A new database: the head is created once, then locked.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1)], ignore_conflicts=True
        )
        head = locked.first()
    return head
