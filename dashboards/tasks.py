"""Keeping the dashboards' summary tables current (see dashboards.rollup)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def refresh_stats_task() -> dict:
    """Every 30 seconds (CELERY_BEAT_SCHEDULE): recompute the (grid, day)
    pairs whose cases changed and the open-now snapshot."""
    from .rollup import refresh

    return refresh()


@shared_task
def rebuild_stats_task() -> dict:
    """Nightly: recompute every summary row from the cases."""
    from .rollup import rebuild

    return rebuild()
