"""The scope rule filters rows by the ids of the user's subtree, given to the
database as values, and falls back to the path for very large scopes."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import scope
from disputes.models import Dispute
from tests.factories import make_area


def _visible(user) -> set[int]:  # type: ignore[no-untyped-def]
    return set(Dispute.objects.visible_to(user).values_list("pk", flat=True))


def test_township_scope_is_filtered_by_grid_ids(make_case, tree, personas):
    mine = make_case(grid=tree.grid)
    theirs = make_case(grid=tree.other_grid, by=personas.admin)
    user = personas.township
    with CaptureQueriesContext(connection) as ctx:
        seen = _visible(user)
    assert seen == {mine.pk}
    assert theirs.pk not in seen
    case_sql = ctx.captured_queries[-1]["sql"]
    assert "grids_area" not in case_sql  # no join on the tree for the cases
    assert '"grid_id" IN' in case_sql


def test_scope_ids_follow_a_new_grid(make_case, tree, personas):
    user = personas.village
    assert _visible(user) == set()
    new_grid = make_area(tree.village, "grid", "甲村第3网格", code="649901100201G03")
    case = make_case(grid=new_grid, by=personas.admin)
    assert _visible(user) == {case.pk}


def test_large_scopes_fall_back_to_the_path(make_case, tree, personas, monkeypatch):
    monkeypatch.setattr(scope, "MAX_SCOPE_IDS", 2)
    mine = make_case(grid=tree.grid)
    make_case(grid=tree.other_grid, by=personas.admin)
    user = personas.township  # five areas in its subtree, more than two
    with CaptureQueriesContext(connection) as ctx:
        assert _visible(user) == {mine.pk}
    assert "grids_area" in ctx.captured_queries[-1]["sql"]


def test_outsiders_and_everything(make_case, tree, personas):
    mine = make_case(grid=tree.grid)
    other = make_case(grid=tree.other_grid, by=personas.admin)
    assert _visible(personas.outsider) == {other.pk}
    assert _visible(personas.admin) == {mine.pk, other.pk}
