"""Simultaneous actions on one case: exactly one wins, the others get 409.
Needs real row locks and concurrent connections: PostgreSQL only."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.exceptions import Conflict, InvalidTransition
from disputes.models import Dispute

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks"
    ),
]

THREADS = 8


def race(target, count: int = THREADS) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[i] = target(i)
        except Exception as exc:  # collected and asserted below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_many_simultaneous_escalations_exactly_one_wins(make_case, personas):
    case = make_case()
    results = race(
        lambda i: Dispute.objects.get(pk=case.pk).escalate(
            by=personas.grid_worker, reason=f"并发 {i}"
        )
    )
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1
    assert all(isinstance(r, InvalidTransition | Conflict) for r in losses), losses
    assert all(r.status_code == 409 for r in losses)
    case.refresh_from_db()
    assert case.stage == "village_review"
    assert case.events.filter(action="escalate").count() == 1


def test_different_actions_on_the_same_version_exactly_one_wins(make_case, personas):
    # Each actor acts on the version their page showed; whoever commits first
    # wins and everyone else is told the case changed.
    case = make_case()
    v = case.version

    def fresh() -> Dispute:
        return Dispute.objects.get(pk=case.pk)

    actions = [
        lambda: fresh().escalate(
            by=personas.grid_worker, reason="上报", expected_version=v
        ),
        lambda: fresh().resolve(
            by=personas.officer,
            outcome="当场调解",
            method="on_the_spot",
            expected_version=v,
        ),
        lambda: fresh().reject(by=personas.district, reason="重复", expected_version=v),
        lambda: fresh().withdraw(
            by=personas.grid_worker, reason="撤回", expected_version=v
        ),
    ] * 2
    results = race(lambda i: actions[i](), count=len(actions))
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1
    assert all(isinstance(r, InvalidTransition | Conflict) for r in losses), losses
    assert case.events.exclude(action="created").count() == 1


def test_simultaneous_intakes_get_distinct_numbers(make_case):
    results = race(lambda i: make_case(title=f"并发登记 {i}").number)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == THREADS
    # gap-free: the numbers of the run are consecutive
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(numbers[0], numbers[0] + THREADS))


def test_simultaneous_intakes_are_audited_and_chained(make_case):
    from audit.chain import chain_pending
    from audit.models import AuditRecord
    from audit.verify import verify_chain

    results = race(lambda i: make_case(title=f"并发登记 {i}").pk)
    assert not [r for r in results if isinstance(r, Exception)], results
    chain_pending(wait=True)  # the beat task's turn, for any left behind
    assert not AuditRecord.objects.unchained().exists()
    created = AuditRecord.objects.filter(model="disputes.dispute", action="create")
    assert {int(pk) for pk in created.values_list("object_pk", flat=True)} >= set(
        results
    )
    report = verify_chain()
    assert report.ok, report.problems


def test_overlapping_sweeps_mark_and_notify_once(make_case, personas):
    import datetime as dt

    from django.utils import timezone

    from core.sweep import run_sweeps
    from disputes.models import DeadlinePolicy, DisputeEvent, Notification

    DeadlinePolicy.objects.update(auto_escalate=False)
    cases = [make_case() for _ in range(5)]
    later = timezone.now() + dt.timedelta(days=3)
    race(lambda i: run_sweeps(later), count=4)
    assert DisputeEvent.objects.filter(action="overdue").count() == len(cases)
    keys = list(
        Notification.objects.filter(kind="dispute.overdue").values_list(
            "recipient", "dedup_key"
        )
    )
    assert len(keys) == len(set(keys)) > 0
