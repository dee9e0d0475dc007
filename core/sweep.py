"""A small, generic deadline sweep that any app registers with.

Each registered :class:`Sweep` names the rows that are past due and not yet
marked. A run works in two phases:

1. **mark**: one set-based conditional UPDATE stamps ``mark_field`` (for
   example ``overdue_at``) on every due row whose mark is still empty. Two
   overlapping runs cannot both mark a row: the second UPDATE finds the mark
   set and skips it.
2. **handle**: every row marked but not yet handled (``handled_field`` empty),
   whoever marked it, is locked, handed to ``handle`` (events, notifications,
   escalation) and stamped handled, all in one transaction per row.

A run killed between the phases, or in the middle of phase 2, leaves rows
marked-but-unhandled; the next run handles them. Handlers notify through
``disputes.notify.notify`` with dedup keys, so a row handled again after a
crash at the worst moment still notifies nobody twice.

Apps register in their ``AppConfig.ready()``::

    from core.sweep import Sweep, register
    register(Sweep(name="hazards.overdue", due=Hazard.objects.due_for_sweep,
                   handle=Hazard.handle_overdue))
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from audit.log import audited_update

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class Sweep:
    """One deadline job.

    ``due(now)`` returns the queryset of rows past due whose ``mark_field`` is
    still NULL (the engine adds that condition again, so it may be omitted).
    ``handle(obj, now)`` receives each marked row, locked, inside a transaction;
    it must be idempotent for notifications (use dedup keys).
    ``pending(now)`` optionally narrows which marked-but-unhandled rows are
    still worth handling (for example: the case is still open).
    """

    name: str
    due: Callable[[dt.datetime], QuerySet]
    handle: Callable[[Any, dt.datetime], None]
    mark_field: str = "overdue_at"
    handled_field: str = "overdue_handled_at"
    extra_marks: dict[str, Any] = field(default_factory=dict)
    pending: Callable[[dt.datetime], QuerySet] | None = None

    def model(self) -> type[Model]:
        return self.due(timezone.now()).model

    # Phase 1
    def mark(self, now: dt.datetime) -> int:
        """One conditional, set-based write: ``UPDATE ... SET mark = now WHERE
        pk IN (due rows) AND mark IS NULL``. A row another run marked first
        fails the condition and is left alone. The rows it changed go into the
        audit log as one record."""
        unmarked = {f"{self.mark_field}__isnull": True}
        due = self.due(now).filter(**unmarked).values("pk")
        return audited_update(
            self.model()._default_manager.filter(pk__in=due, **unmarked),
            **{self.mark_field: now, **self.extra_marks},
        )

    # Phase 2
    def unhandled(self, now: dt.datetime) -> QuerySet:
        base = (
            self.pending(now)
            if self.pending is not None
            else self.model()._default_manager.all()
        )
        return base.filter(
            **{
                f"{self.mark_field}__isnull": False,
                f"{self.handled_field}__isnull": True,
            }
        )

    def handle_marked(self, now: dt.datetime) -> int:
        handled = 0
        ids = list(
            self.unhandled(now)
            .order_by(self.mark_field, "pk")
            .values_list("pk", flat=True)[: BATCH_SIZE * 20]
        )
        skip_locked = connection.features.has_select_for_update_skip_locked
        for pk in ids:
            try:
                handled += self._handle_one(pk, now, skip_locked)
            except Exception:
                # One bad row must not starve the others; it stays
                # marked-but-unhandled and is retried by the next run.
                logger.exception("sweep %s could not handle row %s", self.name, pk)
        return handled

    def _handle_one(self, pk: Any, now: dt.datetime, skip_locked: bool) -> int:
        with transaction.atomic():
            manager = self.model()._default_manager
            obj = (
                manager.select_for_update(skip_locked=skip_locked).filter(pk=pk).first()
            )
            if obj is None:  # another run holds it
                return 0
            if not self.unhandled(now).filter(pk=pk).exists():
                return 0  # handled meanwhile, or no longer relevant
            mark = getattr(obj, self.mark_field)
            self.handle(obj, now)
            # Only if the handler did not reset the mark (for example an
            # escalation starting a new stage with a fresh deadline).
            audited_update(
                manager.filter(
                    pk=pk,
                    **{self.mark_field: mark, f"{self.handled_field}__isnull": True},
                ),
                **{self.handled_field: now},
            )
            return 1

    def run(self, now: dt.datetime) -> tuple[int, int]:
        marked = self.mark(now)
        handled = self.handle_marked(now)
        return marked, handled


_registry: dict[str, Sweep] = {}


def register(sweep: Sweep) -> Sweep:
    """Add (or replace, by name) a sweep; call from ``AppConfig.ready()``."""
    _registry[sweep.name] = sweep
    return sweep


def registered() -> list[Sweep]:
    return list(_registry.values())


def run_sweeps(now: dt.datetime | None = None) -> dict[str, tuple[int, int]]:
    """Run every registered sweep once; returns ``{name: (marked, handled)}``.

    A failing sweep is logged and does not stop the others; its rows stay
    marked-but-unhandled for the next run.
    """
    now = now or timezone.now()
    results: dict[str, tuple[int, int]] = {}
    for sweep in registered():
        try:
            results[sweep.name] = sweep.run(now)
        except Exception:
            logger.exception("sweep %s failed; the next run resumes it", sweep.name)
            results[sweep.name] = (0, 0)
    if any(marked or handled for marked, handled in results.values()):
        logger.info("sweeps: %s", results)
    return results
