"""Exchange with other systems: the event outbox (webhook deliveries build on it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
