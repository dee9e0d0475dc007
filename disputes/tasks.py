"""Background work of the dispute workflow: notifications after each
transition, whistle summonses, and the every-minute deadline sweep."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def notify_event_task(event_id: int) -> int:
    """Tell the people who must act next (and the handler) about an event."""
    from .notifications import notify_for_event

    return notify_for_event(event_id)


@shared_task
def notify_events_task(event_ids: list[int]) -> int:
    """``notify_event_task`` for the events of a set-based transition (the
    overdue sweep's escalations): one message instead of one per event."""
    from .notifications import notify_for_event

    return sum(notify_for_event(event_id) for event_id in event_ids)


@shared_task
def notify_whistle_task(whistle_id: int) -> int:
    """Tell every summoned person (and the department liaisons) to report in."""
    from .notifications import notify_for_whistle

    return notify_for_whistle(whistle_id)


@shared_task
def sweep_overdue_task() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): run every registered deadline
    sweep (disputes, whistle report-ins, and whatever other apps register)."""
    from core.sweep import run_sweeps

    results = run_sweeps()
    return {name: list(counts) for name, counts in results.items()}
