"""The one call domain code makes to publish an event to other systems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import OutboxEvent


def _check_type(event_type: str) -> None:
    if event_type not in OutboxEvent.Type.values:
        raise ValueError(f"unknown event type {event_type}")


def emit(event_type: str, *, area: Any, payload: dict[str, Any]) -> OutboxEvent:
    """Write an event to the outbox inside the caller's transaction.

    Call it from the transition that makes the change, inside its atomic block;
    ``area`` is the grids.Area the event concerns (a dispute's grid).
    """
    _check_type(event_type)
    return OutboxEvent.objects.create(event_type=event_type, area=area, payload=payload)


def emit_many(
    event_type: str, events: Iterable[tuple[Any, dict[str, Any]]]
) -> list[OutboxEvent]:
    """``emit`` for many (area, payload) pairs with one insert and one audit
    record, inside the caller's transaction (set-based jobs: the sweep)."""
    from audit.log import audited_bulk_create

    _check_type(event_type)
    return audited_bulk_create(
        OutboxEvent,
        [
            OutboxEvent(event_type=event_type, area=area, payload=payload)
            for area, payload in events
        ],
    )
