"""Two primary officers posted to one grid at the same moment: the row lock on
the grid lets exactly one through (PostgreSQL; SQLite serialises writers)."""

import threading

import pytest
from django.db import connection

from core.exceptions import Conflict
from policing.models import Assignment
from tests.grids.forces import D0, person


@pytest.mark.django_db(transaction=True)
def test_concurrent_primary_officers_for_one_grid_let_one_through(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    people = [person("community_officer", tree.village) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post(who) -> None:  # type: ignore[no-untyped-def]
        from django.db import connections

        try:
            barrier.wait()
            Assignment(
                person=who, grid=tree.grid, role="community_officer", start_date=D0
            ).save_checked()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Assignment.objects.filter(grid=tree.grid).count() == 1
