"""A small, generic deadline sweep that any app registers with.

Each registered :class:`Sweep` names the rows that are past due and not yet
marked. A run works in two phases:

1. **mark**: one set-based conditional UPDATE stamps ``mark_field`` (for
   example ``overdue_at``) on every due row whose mark is still empty. Two
   overlapping runs cannot both mark a row: the second UPDATE finds the mark
   set and skips it.
2. **handle**: every row marked but not yet handled (``handled_field`` empty),
   whoever marked it, is locked, handed to the handler (events,
   notifications, escalation) and stamped handled. A sweep with a
   ``handle_batch`` gets up to ``BATCH_SIZE`` rows per transaction: one
   statement locks them (``skip_locked``, so overlapping runs split the work)
   and re-checks that they are still unhandled, the handler writes set-based,
   and one audited update stamps them. A sweep with only ``handle`` gets one
   transaction per row.

A run killed between the phases, or in the middle of phase 2, leaves rows
marked-but-unhandled (a batch commits whole or not at all); the next run
handles them. A batch that fails is rolled back and its rows are handled
again one per transaction, so one bad row cannot hold back the others.
Handlers notify through ``disputes.notify`` with dedup keys, so a row handled
again after a crash at the worst moment still notifies nobody twice.

Apps register in their ``AppConfig.ready()``::

    from core.sweep import Sweep, register
    register(Sweep(name="hazards.overdue", due=Hazard.objects.due_for_sweep,
                   handle=Hazard.handle_overdue))
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
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
    ``handle_batch(objs, now)``, when given, replaces ``handle`` in the
    engine: it receives a list of locked rows (with ``related`` fetched) and
    must do for each what ``handle`` does, with a number of statements that
    does not grow with the list.
    """

    name: str
    due: Callable[[dt.datetime], QuerySet]
    handle: Callable[[Any, dt.datetime], None]
    mark_field: str = "overdue_at"
    handled_field: str = "overdue_handled_at"
    extra_marks: dict[str, Any] = field(default_factory=dict)
    pending: Callable[[dt.datetime], QuerySet] | None = None
    handle_batch: Callable[[list[Any], dt.datetime], None] | None = None
    related: tuple[str, ...] = ()

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
        ids = list(
            self.unhandled(now)
            .order_by(self.mark_field, "pk")
            .values_list("pk", flat=True)[: BATCH_SIZE * 20]
        )
        return self.handle_pks(ids, now)

    def handle_pks(self, ids: list[Any], now: dt.datetime) -> int:
        """Handle these marked rows (those still unhandled and not locked by
        another run); returns how many were handled."""
        skip_locked = connection.features.has_select_for_update_skip_locked
        if self.handle_batch is None:
            return sum(self._handle_one(pk, now, skip_locked) for pk in ids)
        handled = 0
        with _collect_young_objects_only():
            for start in range(0, len(ids), BATCH_SIZE):
                batch = ids[start : start + BATCH_SIZE]
                try:
                    handled += self._handle_batch(batch, now, skip_locked)
                except Exception:
                    logger.warning(
                        "sweep %s: a batch of %s rows failed; handling them one by one",
                        self.name,
                        len(batch),
                        exc_info=True,
                    )
                    handled += sum(
                        self._handle_one(pk, now, skip_locked) for pk in batch
                    )
        return handled

    def _handle_one(self, pk: Any, now: dt.datetime, skip_locked: bool) -> int:
        try:
            if self.handle_batch is not None:
                return self._handle_batch([pk], now, skip_locked)
            return self._handle_single(pk, now, skip_locked)
        except Exception:
            # One bad row must not starve the others; it stays
            # marked-but-unhandled and is retried by the next run.
            logger.exception("sweep %s could not handle row %s", self.name, pk)
            return 0

    def _handle_single(self, pk: Any, now: dt.datetime, skip_locked: bool) -> int:
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

    def _handle_batch(self, pks: list[Any], now: dt.datetime, skip_locked: bool) -> int:
        assert self.handle_batch is not None
        with transaction.atomic():
            # One statement locks the rows no other run holds and re-checks
            # that they still need handling.
            of = ("self",) if connection.features.has_select_for_update_of else ()
            objs = list(
                self.unhandled(now)
                .filter(pk__in=pks)
                .select_related(*self.related)
                .select_for_update(skip_locked=skip_locked, of=of)
                .order_by(self.mark_field, "pk")
            )
            if not objs:
                return 0
            marks: dict[Any, list[Any]] = {}
            for obj in objs:
                marks.setdefault(getattr(obj, self.mark_field), []).append(obj.pk)
            self.handle_batch(objs, now)
            # Only rows whose mark the handler did not reset (an escalation
            # starts a new stage with a fresh deadline), as in ``_handle_single``.
            still_marked = reduce(
                or_,
                (
                    Q(pk__in=ids, **{self.mark_field: mark})
                    for mark, ids in marks.items()
                ),
            )
            audited_update(
                self.model()
                ._default_manager.filter(still_marked)
                .filter(**{f"{self.handled_field}__isnull": True}),
                **{self.handled_field: now},
            )
            return len(objs)

    def run(self, now: dt.datetime) -> tuple[int, int]:
        marked = self.mark(now)
        handled = self.handle_marked(now)
        return marked, handled


@contextmanager
def _collect_young_objects_only() -> Iterator[None]:
    """A batch builds thousands of short-lived objects, enough to set off the
    garbage collector's full collection, which walks every object of the
    process (about 0.2 s in a worker with Django loaded, once every batch or
    two). What exists before the batches is set aside (``gc.freeze``, O(1))
    and given back after, so collections meanwhile walk only the batches'
    objects. Left alone where the process already freezes objects itself."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
