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
    chain; the head's anchor moves to the last removed record so
    ``verify_audit`` still checks what remains."""
    days = retention_days()
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    removed = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                return removed
            # Only a prefix of the chain: stop at the first record to keep.
            first_kept = (
                AuditRecord.objects.filter(created_at__gte=cutoff)
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            old = AuditRecord.objects.order_by("id")
            if first_kept is not None:
                old = old.filter(id__lt=first_kept)
            ids = list(old.values_list("id", flat=True)[:batch])
            if not ids:
                return removed
            last = AuditRecord.objects.get(id=ids[-1])
            doomed = AuditRecord.objects.filter(id__in=ids)
            doomed._raw_delete(doomed.db)
            AuditChainHead.objects.filter(pk=1).update(anchor_hash=last.hash)
            removed += len(ids)
            logger.info(
                "audit retention removed %s records up to #%s", len(ids), last.pk
            )


@shared_task
def prune_audit_task() -> int:
    return prune()
