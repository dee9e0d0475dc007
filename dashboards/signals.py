"""Mark the (grid, day) of a case for recomputation whenever the case changes.

Every change of a case writes a ``DisputeEvent`` (transitions, intake, the
overdue sweep), so one receiver on its creation sees them all, inside the
transaction that made the change (``events_recorded`` for the events a
set-based write creates without ``post_save``). A direct ``Dispute.save()``
(the admin, data loads) is caught too; bulk updates are left to the nightly
rebuild.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from disputes.models import Dispute, DisputeEvent
from disputes.signals import events_recorded

from .rollup import mark_dirty, mark_dirty_many


@receiver(post_save, sender=DisputeEvent, dispatch_uid="dashboards_event_dirty")
def event_marks_day(
    sender: Any, instance: DisputeEvent, created: bool, **kw: Any
) -> None:
    if created:
        case = instance.dispute
        mark_dirty(case.grid_id, case.created_at)


@receiver(events_recorded, dispatch_uid="dashboards_events_dirty")
def events_mark_days(sender: Any, events: list[DisputeEvent], **kw: Any) -> None:
    # Set-based writes (the overdue sweep) create events without post_save.
    mark_dirty_many((e.dispute.grid_id, e.dispute.created_at) for e in events)


@receiver(post_save, sender=Dispute, dispatch_uid="dashboards_dispute_dirty")
def dispute_marks_day(sender: Any, instance: Dispute, **kw: Any) -> None:
    if not kw.get("raw"):
        mark_dirty(instance.grid_id, instance.created_at)
