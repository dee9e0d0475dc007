"""The one call domain code makes to publish an event to other systems."""

from __future__ import annotations

from typing import Any

from .models import OutboxEvent


def emit(event_type: str, *, area: Any, payload: dict[str, Any]) -> OutboxEvent:
    """Write an event to the outbox inside the caller's transaction.

    Call it from the transition that makes the change, inside its atomic block;
    ``area`` is the grids.Area the event concerns (a dispute's grid).
    """
    if event_type not in OutboxEvent.Type.values:
        raise ValueError(f"unknown event type {event_type}")
    return OutboxEvent.objects.create(event_type=event_type, area=area, payload=payload)
