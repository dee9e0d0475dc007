"""Retention of the audit trail.

By default nothing is ever deleted (``AUDIT_RETENTION_DAYS`` unset). When an
operator sets a retention period, records older than it are removed from the
start of the chain, but never a record younger than ``AUDIT_MINIMUM_RETENTION_DAYS``
(184 days: six months, as the Cybersecurity Law requires), whatever is set.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .chain import chain_pending
from .models import AuditChainHead, AuditRecord

logger = logging.getLogger(__name__)

MINIMUM_RETENTION_DAYS = 184


def retention_days() -> int | None:
    days = getattr(settings, "AUDIT_RETENTION_DAYS", None)
    if days is None:
        return None
    return max(int(days), MINIMUM_RETENTION_DAYS)


def prune(now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Remove records older than the retention period from the start of the
    chain (in chain order, ``seq``); the head's anchor moves to the last
    removed record so ``verify_audit`` still checks what remains. Records not
    yet chained are never removed."""
    days = retention_days()
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    removed = 0
    while True:
        with transaction.atomic():
            # Blocks the chainer for this batch: the anchor and the start of
            # the chain move together.
            head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                return removed
            chained = AuditRecord.objects.in_chain_order()
            # Only a prefix of the chain: stop at the first record to keep.
            first_kept = (
                chained.filter(created_at__gte=cutoff)
                .values_list("seq", flat=True)
                .first()
            )
            old = chained
            if first_kept is not None:
                old = old.filter(seq__lt=first_kept)
            rows = list(old.values_list("id", "seq", "hash")[:batch])
            if not rows:
                return removed
            last_id, last_seq, last_hash = rows[-1]
            doomed = AuditRecord.objects.filter(id__in=[row[0] for row in rows])
            doomed._raw_delete(doomed.db)
            AuditChainHead.objects.filter(pk=1).update(anchor_hash=last_hash)
            removed += len(rows)
            logger.info(
                "audit retention removed %s records up to #%s (position %s)",
                len(rows),
                last_id,
                last_seq,
            )


@shared_task
def prune_audit_task() -> int:
    return prune()


@shared_task
def chain_audit_task() -> int:
    """Chain what the writers' own chaining left (a busy head, a crash between
    commit and chaining), so the chain lags the writes by seconds at most."""
    return chain_pending(wait=True)
