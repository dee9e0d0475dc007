"""Webhooks: fan the outbox out into deliveries, sign them and send them.

Both steps are safe when two runs overlap: fan-out relies on the unique
(subscription, event) constraint, and each delivery is claimed by a
conditional update of its ``next_attempt_at`` before it is sent, so a second
runner skips it. A runner that dies mid-request loses nothing: the claim is a
lease and the delivery becomes due again when it ends.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

USER_AGENT = "Hongsibu-Webhooks/1.0"
# How long a claimed delivery stays invisible to other runners.
CLAIM_LEASE = timedelta(minutes=2)
SNIPPET_CHARS = 500


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# --- Signing ---------------------------------------------------------------------
def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>.<body>"``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does: recompute, compare in constant time, and refuse
    old timestamps (replays)."""
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def event_body(event: OutboxEvent, delivery: WebhookDelivery) -> bytes:
    """The JSON document sent for an event (documented in docs/api.md)."""
    document = {
        "id": str(delivery.uuid),
        "event": event.event_type,
        "event_id": event.pk,
        "created_at": event.created_at,
        "area": {"code": event.area.code, "name": event.area.name},
        "data": event.payload,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


# --- Fan-out ---------------------------------------------------------------------
def fan_out(*, limit: int = 500) -> int:
    """Create the deliveries of pending outbox events; returns how many."""
    now = timezone.now()
    give_up = now + timedelta(hours=setting("WEBHOOK_RETRY_HOURS", 24))
    created = 0
    with transaction.atomic():
        events = OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("id")
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            events = events.select_for_update(skip_locked=True)
        events = list(events.select_related("area")[:limit])
        if not events:
            return 0
        subscriptions = WebhookSubscription.objects.all()
        rows = [
            WebhookDelivery(
                subscription=sub,
                event=event,
                next_attempt_at=now,
                give_up_at=give_up,
            )
            for event in events
            for sub in subscriptions.matching(event)
        ]
        # ignore_conflicts: an overlapping run may have created some already.
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        created = len(rows)
        OutboxEvent.objects.filter(
            pk__in=[e.pk for e in events], dispatched_at__isnull=True
        ).update(dispatched_at=now)
    return created


# --- Delivery --------------------------------------------------------------------
def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to one hour between attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A receiver answers, it does not send us elsewhere (nor to an internal
    address)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST with a short timeout; returns (status, start of the response)."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("only http and https URLs are allowed")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    timeout = setting("WEBHOOK_TIMEOUT_SECONDS", 5)
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(SNIPPET_CHARS * 4).decode(
                "utf-8", "replace"
            )[:SNIPPET_CHARS]
    except urllib.error.HTTPError as exc:
        snippet = exc.read(SNIPPET_CHARS * 4).decode("utf-8", "replace")
        return exc.code, snippet[:SNIPPET_CHARS]


def claim(delivery_id: int, seen_next_attempt_at: datetime, now: datetime) -> bool:
    """Take a due delivery for this runner; False when another runner did."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            state=WebhookDelivery.State.PENDING,
            next_attempt_at=seen_next_attempt_at,
        ).update(next_attempt_at=now + CLAIM_LEASE)
    )


def attempt(delivery: WebhookDelivery) -> WebhookAttempt:
    """Send one claimed delivery once, log the attempt and schedule what
    follows (done, retry after a back-off, or given up after 24 hours)."""
    event = delivery.event
    subscription = delivery.subscription
    body = event_body(event, delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Hongsibu-Event": event.event_type,
        "X-Hongsibu-Delivery": str(delivery.uuid),
        "X-Hongsibu-Timestamp": timestamp,
        "X-Hongsibu-Signature": sign(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    status: int | None = None
    snippet = error = ""
    try:
        status, snippet = post(subscription.url, body, headers)
    except Exception as exc:  # any failure of the receiver is logged, not raised
        error = f"{type(exc).__name__}: {exc}"[:SNIPPET_CHARS]
    duration = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    log = WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        status_code=status,
        response_snippet=snippet,
        error=error,
        duration_ms=duration,
    )
    attempts = delivery.attempts + 1
    update: dict[str, Any] = {"attempts": attempts, "last_status": status}
    if log.succeeded:
        update |= {"state": WebhookDelivery.State.DELIVERED, "delivered_at": now}
    else:
        retry_at = now + backoff(attempts)
        if retry_at > delivery.give_up_at:
            update["state"] = WebhookDelivery.State.FAILED
            logger.warning(
                "webhook delivery %s to %s given up after %s attempts",
                delivery.uuid,
                subscription.url,
                attempts,
            )
        else:
            update["next_attempt_at"] = retry_at
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**update)
    return log


def deliver_due(*, limit: int = 100, budget_seconds: float | None = None) -> int:
    """Send what is due; stops after ``limit`` deliveries or when the time
    budget is spent, so a slow receiver cannot hold the worker. Returns the
    number of attempts made."""
    budget = budget_seconds or setting("WEBHOOK_RUN_BUDGET_SECONDS", 40)
    deadline = time.monotonic() + budget
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.due(now)
        .order_by("next_attempt_at", "id")
        .values_list("id", "next_attempt_at")[:limit]
    )
    done = 0
    for delivery_id, seen in due:
        if time.monotonic() > deadline:
            break
        if not claim(delivery_id, seen, timezone.now()):
            continue
        delivery = WebhookDelivery.objects.select_related(
            "event__area", "subscription"
        ).get(pk=delivery_id)
        attempt(delivery)
        done += 1
    return done


def replay(delivery: WebhookDelivery) -> None:
    """Send a delivery again (administrator's replay): due now, with a fresh
    24-hour retry window."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.PENDING,
        next_attempt_at=now,
        give_up_at=now + timedelta(hours=setting("WEBHOOK_RETRY_HOURS", 24)),
        delivered_at=None,
    )
