"""The officers' time-in-grid share on a small dataset with known answers."""

from __future__ import annotations

import datetime as dt

import pytest

from policing.models import TimeEntry
from policing.worktime import officer_time_shares
from tests.policing.fieldwork_data import activity, entry, person, post, station

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def dataset(tree, personas):  # type: ignore[no-untyped-def]
    s = station(tree.township)
    zhou = person("周警官", tree.township, station=s)
    ma = person("马警官", tree.township, station=s)
    far = person("丁警官", tree.other_township)
    # Zhou holds G1 all month; Ma holds G2 until 15 March, then G1.
    post(zhou, tree.grid, dt.date(2026, 1, 1))
    post(ma, tree.sibling_grid, dt.date(2026, 1, 1), dt.date(2026, 3, 15))
    post(ma, tree.grid, dt.date(2026, 3, 16))
    post(far, tree.other_grid, dt.date(2026, 1, 1))

    # Zhou: 4 h patrol in G1 (own), 2 h in G2 (not his), 3 h station shift,
    # 1 h non-police duty: in grid 4 of 10 = 40 %.
    activity(tree.grid, dt.date(2026, 3, 3), 9, 4, [zhou])
    activity(tree.sibling_grid, dt.date(2026, 3, 4), 9, 2, [zhou, ma])
    entry(zhou, dt.date(2026, 3, 5), "3")
    entry(zhou, dt.date(2026, 3, 6), "1", duty=TimeEntry.Duty.NON_POLICE)
    # Not in March: ignored.
    activity(tree.grid, dt.date(2026, 4, 1), 9, 8, [zhou])

    # Ma: 2 h in G2 on 4 March (his then) above, 3 h in G1 on 10 March (not
    # yet his), 3 h in G1 on 20 March (his by then), 2 h grid work entry in
    # G1 on 21 March: in grid 2 + 3 + 2 = 7 of 10 = 70 %.
    activity(tree.grid, dt.date(2026, 3, 10), 14, 3, [ma])
    activity(tree.grid, dt.date(2026, 3, 20), 8, 3, [ma])
    entry(ma, dt.date(2026, 3, 21), "2", duty=TimeEntry.Duty.GRID_WORK, grid=tree.grid)

    activity(tree.other_grid, dt.date(2026, 3, 3), 9, 5, [far])
    return zhou, ma, far


def test_the_share_counts_only_hours_in_grids_held_on_the_day(dataset, personas):
    zhou, ma, _far = dataset
    rows = {r.person_id: r for r in officer_time_shares(personas.district, MARCH)}

    z = rows[zhou.pk]
    assert (z.activity_hours, z.entry_hours, z.total_hours) == (6, 4, 10)
    assert z.in_grid_hours == 4
    assert z.non_police_hours == 1
    assert z.share == pytest.approx(0.4)
    assert z.below_target

    m = rows[ma.pk]
    assert m.total_hours == 10
    assert m.in_grid_hours == 7
    assert m.share == pytest.approx(0.7)
    assert not m.below_target


def test_an_officer_with_nothing_logged_has_no_share_and_is_flagged_apart(
    tree, personas
):
    idle = person("闲警官", tree.township)
    rows = {r.person_id: r for r in officer_time_shares(personas.district, MARCH)}
    assert rows[idle.pk].share is None
    assert rows[idle.pk].nothing_logged
    assert not rows[idle.pk].below_target
    assert rows[idle.pk].needs_attention


def test_each_user_sees_only_the_officers_of_their_scope(dataset, personas):
    zhou, ma, far = dataset
    township = {r.person_id for r in officer_time_shares(personas.township, MARCH)}
    assert township == {zhou.pk, ma.pk}
    outsider = {r.person_id for r in officer_time_shares(personas.outsider, MARCH)}
    assert outsider == {far.pk}
    # A village sees the officers posted to its grids though they are kept
    # by the township.
    village = {r.person_id for r in officer_time_shares(personas.village, MARCH)}
    assert village == {zhou.pk, ma.pk}


def test_the_query_count_does_not_grow_with_officers_or_activities(
    dataset, tree, personas, django_assert_max_num_queries
):
    for i in range(5):
        extra = person(f"警官{i}", tree.township)
        post(extra, tree.grid, dt.date(2026, 1, 1))
        activity(tree.grid, dt.date(2026, 3, 2 + i), 9, 2, [extra])
    # officers, activity hours, time-entry hours, the user's area and the ids
    # of the areas in their scope
    with django_assert_max_num_queries(5):
        officer_time_shares(personas.district, MARCH)
