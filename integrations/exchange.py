"""The dispute exchange format (docs/schemas/dispute.schema.json): one dispute
with its division codes and event history, as other systems receive it.

Records are built from plain rows (``values_list``), never from model
instances: an export of a whole province streams hundreds of thousands of
cases, and building a model per case and per event, and converting each time
through ``timezone.localtime``, cost six times the SQL (docs/benchmarks.md,
finding 8). Cases are read in keyset pages by id (no OFFSET), each page's
events in one more query.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from grids.models import Area


def iso(value: datetime | None, tz: tzinfo | None = None) -> str | None:
    """ISO 8601 in ``tz`` (the current time zone by default): what
    ``timezone.localtime(value).isoformat()`` gives, without looking the zone
    up again for every value."""
    if not value:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat()


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
        self._above: dict[str, dict[str, Any]] = {}

    def of(self, grid: Area) -> dict[str, Any]:
        return self.of_grid(grid.path, grid.code, grid.name)

    def of_grid(self, path: str, code: str, name: str) -> dict[str, Any]:
        above = self._above.get(path)
        if above is None:
            found: dict[str, Any] = dict.fromkeys(self.LEVELS)
            step = Area.steplen
            for end in range(step, len(path), step):
                prefix = path[:end]
                level = self.level_of.get(prefix)
                if level:
                    found[level] = self.by_path[prefix]
            above = self._above[path] = found
        return {
            "grid": code,
            "grid_name": name,
            "village": above["village"],
            "township": above["township"],
            "district": above["district"],
        }


def dispute_model() -> Any:
    return apps.get_model("disputes", "Dispute")


# The columns of one case, in the order ``records`` unpacks them.
DISPUTE_COLUMNS = (
    "id",
    "number",
    "grid__path",
    "grid__code",
    "grid__name",
    "category__code",
    "risk",
    "source",
    "title",
    "description",
    "occurred_at",
    "created_at",
    "stage",
    "due_at",
    "overdue_at",
    "reached_level",
    "resolved_level",
    "resolved_at",
    "resolution_method",
    "closed_at",
    "satisfied",
    "external_system",
    "external_id",
)
EVENT_COLUMNS = (
    "dispute_id",
    "id",
    "action",
    "from_stage",
    "to_stage",
    "actor__username",
    "created_at",
    "reason",
    "data",
)


def events_by_case(ids: list[int], tz: tzinfo) -> dict[int, list[dict[str, Any]]]:
    """The exchange events of these cases, oldest first, in one query."""
    event_model = apps.get_model("disputes", "DisputeEvent")
    found: dict[int, list[dict[str, Any]]] = {}
    rows = (
        event_model.objects.filter(dispute_id__in=ids)
        .order_by("dispute_id", "created_at", "id")
        .values_list(*EVENT_COLUMNS)
    )
    for dispute_id, pk, action, from_stage, to_stage, actor, at, reason, data in rows:
        found.setdefault(dispute_id, []).append(
            {
                "id": pk,
                "action": action,
                "from_stage": from_stage or "",
                "to_stage": to_stage or "",
                "actor": actor,
                "at": iso(at, tz),
                "reason": reason or "",
                "data": data if isinstance(data, dict) else {},
            }
        )
    return found


def _id_chunks(queryset: QuerySet, size: int) -> Iterator[list[int]]:
    """The ids of ``queryset`` in order, ``size`` at a time, from one query
    (a server-side cursor on PostgreSQL). Keyset pages straight on the cases
    (``id > last ORDER BY id LIMIT n``) walk the primary key through every
    other area's cases: 35 s for a county's 43,545 cases among a million."""
    chunk: list[int] = []
    for pk in queryset.order_by("id").values_list("id", flat=True).iterator(size * 4):
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def records(queryset: QuerySet, *, chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """Exchange records of ``queryset`` in id order, a chunk at a time: the
    ids from one query, then two queries per chunk (the cases, their
    events), whatever its size."""
    divisions = Divisions()
    tz = timezone.get_current_timezone()
    rows = queryset.order_by("id").values_list(*DISPUTE_COLUMNS)
    for chunk_ids in _id_chunks(queryset, chunk_size):
        chunk = list(rows.filter(pk__in=chunk_ids))
        events = events_by_case([row[0] for row in chunk], tz)
        for (
            pk,
            number,
            grid_path,
            grid_code,
            grid_name,
            category,
            risk,
            source,
            title,
            description,
            occurred_at,
            created_at,
            stage,
            due_at,
            overdue_at,
            reached_level,
            resolved_level,
            resolved_at,
            resolution_method,
            closed_at,
            satisfied,
            external_system,
            external_id,
        ) in chunk:
            yield {
                "id": pk,
                "number": number,
                "division": divisions.of_grid(grid_path, grid_code, grid_name),
                "category": category,
                "risk": risk,
                "source": source,
                "title": title,
                "description": description,
                "occurred_at": iso(occurred_at, tz),
                "created_at": iso(created_at, tz),
                "stage": stage,
                "due_at": iso(due_at, tz),
                "overdue_at": iso(overdue_at, tz),
                "reached_level": reached_level,
                "resolved_level": resolved_level or None,
                "resolved_at": iso(resolved_at, tz),
                "resolution_method": resolution_method or "",
                "closed_at": iso(closed_at, tz),
                "satisfied": satisfied,
                "external_system": external_system or "",
                "external_id": external_id or "",
                "events": events.get(pk, []),
            }
        if len(chunk) < chunk_size:
            return
