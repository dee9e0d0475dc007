"""Periodic jobs of the integrations app (entries of CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import webhooks
from .models import IdempotencyKey

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


@shared_task
def deliver_webhooks_task() -> dict[str, int]:
    """Fan pending outbox events out to subscriptions, then send what is due."""
    created = webhooks.fan_out()
    sent = webhooks.deliver_due()
    if created or sent:
        logger.info("webhooks: %s deliveries created, %s attempts", created, sent)
    return {"created": created, "attempts": sent}


@shared_task
def purge_idempotency_keys_task() -> int:
    """Idempotency keys are honoured for 24 hours."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_KEY_TTL
    ).delete()
    return deleted
