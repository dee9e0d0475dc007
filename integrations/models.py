"""Exchange with other systems: the event outbox (webhook deliveries build on it)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import User
from core.scope import scope_q


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change it describes.

    A change is never committed without its event, even when the broker is
    down; a beat task delivers what is pending.
    """

    class Type(models.TextChoices):
        DISPUTE_CREATED = "dispute.created", "dispute.created"
        DISPUTE_STAGE_CHANGED = "dispute.stage_changed", "dispute.stage_changed"
        DISPUTE_OVERDUE = "dispute.overdue", "dispute.overdue"
        DISPUTE_FOLLOWED_UP = "dispute.followed_up", "dispute.followed_up"
        WHISTLE_CREATED = "whistle.created", "whistle.created"
        WHISTLE_REPORTED_IN = "whistle.reported_in", "whistle.reported_in"

    event_type = models.CharField(_("event type"), max_length=40, choices=Type.choices)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The grid (or other area) the event concerns; webhooks filter on it."
        ),
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set once every matching subscription has its delivery rows (fan-out).
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            # polled by the outbox dispatch beat task
            models.Index(
                fields=["id"],
                name="integrations_outbox_pending",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"


class ServiceAccount(User):
    """Integration clients (accounts with role ``integration``), for the admin
    page where their tokens are issued."""

    class Meta:
        proxy = True
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` seen from one account.

    The row is inserted and committed before the request runs (``in_flight``),
    so a second request with the same key finds it and answers 409; when the
    first finishes, its response is stored and replayed to later retries.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.IN_FLIGHT
    )
    response_status = models.PositiveSmallIntegerField(
        _("response status"), null=True, blank=True
    )
    response_body = models.BinaryField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="integrations_idempotency_key_unique"
            )
        ]
        indexes = [
            # polled by the idempotency key purge beat task
            models.Index(fields=["created_at"], name="integrations_idem_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"


class WebhookSubscriptionQuerySet(models.QuerySet):
    # Queries
    def visible_to(self, user: Any) -> WebhookSubscriptionQuerySet:
        return self.filter(scope_q(user, "area"))

    def matching(self, event: OutboxEvent) -> list[WebhookSubscription]:
        """Active subscriptions for the event's type whose area contains the
        event's area (subscriptions are few; the type test runs in Python so
        it works on SQLite's JSON too)."""
        path = event.area.path
        return [
            sub
            for sub in self.filter(active=True).select_related("area")
            if event.event_type in sub.event_types and path.startswith(sub.area.path)
        ]


class WebhookSubscription(models.Model):
    """Another system's URL that receives the events of an area subtree."""

    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=128,
        help_text=_("Shared secret for the X-Hongsibu-Signature HMAC."),
    )
    event_types = models.JSONField(
        _("event types"),
        default=list,
        help_text=_('A list of event types, for example ["dispute.created"].'),
    )
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Events of this area and everything below it are sent."),
    )
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not isinstance(self.event_types, list) or not self.event_types:
            errors["event_types"] = _("Give at least one event type.")
        else:
            unknown = [t for t in self.event_types if t not in OutboxEvent.Type.values]
            if unknown:
                errors["event_types"] = _("Unknown event types: %(types)s.") % {
                    "types": ", ".join(map(str, unknown))
                }
        if self.url and not self.url.lower().startswith(("http://", "https://")):
            errors["url"] = _("Only http and https URLs can receive webhooks.")
        if errors:
            raise ValidationError(errors)


class WebhookDeliveryQuerySet(models.QuerySet):
    # Queries
    def due(self, now: Any) -> WebhookDeliveryQuerySet:
        return self.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
        )


class WebhookDelivery(models.Model):
    """One event for one subscription, tried until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        OutboxEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    give_up_at = models.DateTimeField(_("give up at"))
    last_status = models.PositiveSmallIntegerField(
        _("last status"), null=True, blank=True
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                name="integrations_delivery_once_per_subscription",
            )
        ]
        indexes = [
            # polled by the webhook delivery beat task
            models.Index(
                fields=["next_attempt_at"],
                name="integrations_delivery_due",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"


class WebhookAttempt(models.Model):
    """The log of one HTTP attempt of a delivery."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(
        _("status code"), null=True, blank=True
    )
    response_snippet = models.TextField(_("response snippet"), blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    # Properties
    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
