"""The dispute exchange format (docs/schemas/dispute.schema.json): one dispute
with its division codes and event history, as other systems receive it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from grids.models import Area


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


class Divisions:
    """Division codes above each grid, from one query over the (small) tree of
    districts, townships and villages, so a stream of any length costs no
    query per row."""

    LEVELS = ("district", "township", "village")

    def __init__(self) -> None:
        self.by_path = dict(
            Area.objects.filter(level__in=self.LEVELS).values_list("path", "code")
        )
        self.level_of = dict(
            Area.objects.filter(level__in=self.LEVELS).values_list("path", "level")
        )

    def of(self, grid: Area) -> dict[str, Any]:
        found: dict[str, Any] = dict.fromkeys(self.LEVELS)
        step = Area.steplen
        for end in range(step, len(grid.path), step):
            prefix = grid.path[:end]
            level = self.level_of.get(prefix)
            if level:
                found[level] = self.by_path[prefix]
        return {
            "grid": grid.code,
            "grid_name": grid.name,
            "village": found["village"],
            "township": found["township"],
            "district": found["district"],
        }


def dispute_model() -> Any:
    return apps.get_model("disputes", "Dispute")


def exchange_queryset(queryset: QuerySet) -> QuerySet:
    """What one record needs, fetched per chunk (two queries per chunk)."""
    event_model = apps.get_model("disputes", "DisputeEvent")
    return queryset.select_related("grid", "category").prefetch_related(
        Prefetch(
            "events",
            queryset=event_model.objects.select_related("actor").order_by(
                "created_at", "id"
            ),
        )
    )


def event_record(event: Any) -> dict[str, Any]:
    return {
        "id": event.pk,
        "action": event.action,
        "from_stage": event.from_stage or "",
        "to_stage": event.to_stage or "",
        "actor": event.actor.username if event.actor_id else None,
        "at": iso(event.created_at),
        "reason": event.reason or "",
        "data": event.data if isinstance(event.data, dict) else {},
    }


def dispute_record(dispute: Any, divisions: Divisions) -> dict[str, Any]:
    return {
        "id": dispute.pk,
        "number": dispute.number,
        "division": divisions.of(dispute.grid),
        "category": dispute.category.code,
        "risk": dispute.risk,
        "source": dispute.source,
        "title": dispute.title,
        "description": dispute.description,
        "occurred_at": iso(dispute.occurred_at),
        "created_at": iso(dispute.created_at),
        "stage": dispute.stage,
        "due_at": iso(dispute.due_at),
        "overdue_at": iso(dispute.overdue_at),
        "reached_level": dispute.reached_level,
        "resolved_level": dispute.resolved_level or None,
        "resolved_at": iso(dispute.resolved_at),
        "resolution_method": dispute.resolution_method or "",
        "closed_at": iso(dispute.closed_at),
        "satisfied": dispute.satisfied,
        "external_system": dispute.external_system or "",
        "external_id": dispute.external_id or "",
        "events": [event_record(e) for e in dispute.events.all()],
    }


def records(queryset: QuerySet, *, chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """Exchange records of ``queryset`` in id order, a chunk at a time."""
    divisions = Divisions()
    for dispute in (
        exchange_queryset(queryset).order_by("id").iterator(chunk_size=chunk_size)
    ):
        yield dispute_record(dispute, divisions)
