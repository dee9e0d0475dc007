"""Coverage figures on small trees with known answers."""

import datetime as dt

import pytest

from grids.models import Area
from policing.coverage import (
    coverage_summary,
    grid_forces,
    grids_without_officer,
    station_sinking,
    zones_short_of_force,
)
from tests.factories import make_area
from tests.grids.forces import D0, assign, person, station, zone

ON = dt.date(2025, 6, 1)


@pytest.fixture
def forces(tree):  # type: ignore[no-untyped-def]
    """T1 has a station; V1 has G1, G2 and a new G4; zone Z1 = G1 + G2.

    On ON: G1 has an officer (the officer of G2 left on 2025-03-31, so G2 and
    G4 have none); Z1 has the officer and one assistant; G3 (other township)
    has an officer and a volunteer.
    """
    g4 = make_area(tree.village, "grid", "甲村第4网格", code="649901100201G04")
    st = station(tree.township)
    st2 = station(tree.other_township, "二号派出所")
    z1 = zone(tree.village, tree.grid, tree.sibling_grid)
    o1 = person("community_officer", tree.village, station=st)
    o2 = person("community_officer", tree.village, station=st)
    # Two desk officers: station 1 has 2 of 4 officers in grids on ON (50%).
    person("police_officer", tree.township, station=st)
    person("police_officer", tree.township, station=st)
    assign(o1, tree.grid)
    assign(o2, tree.sibling_grid, end_date=dt.date(2025, 3, 31))
    assign(o1, z1)
    a1 = person("police_assistant", tree.village)
    assign(a1, z1)
    gw = person("grid_worker", tree.village)
    assign(gw, tree.grid)
    v = person("volunteer_police", tree.village)
    assign(v, tree.grid, is_primary=False)
    o3 = person("community_officer", tree.other_village, station=st2)
    person("police_officer", tree.other_township, station=st2)
    person("police_officer", tree.other_township, station=st2)
    assign(o3, tree.other_grid)
    assign(person("volunteer_police", tree.other_village), tree.other_grid)
    return {"g4": g4, "z1": z1, "st": st, "st2": st2, "o2": o2}


def test_grids_without_an_officer_on_a_date(forces, tree, personas):
    result = grids_without_officer(personas.district, ON)
    assert (result.total, result.met) == (4, 2)
    assert {g.code for g in result.gaps} == {tree.sibling_grid.code, forces["g4"].code}
    assert all("/policing/assignments/new/?grid=" in g.fix_url for g in result.gaps)
    # Before the officer of G2 left, only G4 was uncovered.
    earlier = grids_without_officer(personas.district, dt.date(2025, 2, 1))
    assert [g.code for g in earlier.gaps] == [forces["g4"].code]
    # Before anyone was assigned, nothing was covered.
    assert grids_without_officer(personas.district, D0 - dt.timedelta(days=1)).met == 0


def test_an_inactive_officer_does_not_cover_a_grid(forces, tree, personas):
    from policing.models import Person

    Person.objects.filter(assignments__grid=tree.grid).filter(
        role="community_officer"
    ).update(active=False)
    result = grids_without_officer(personas.district, ON)
    assert tree.grid.code in {g.code for g in result.gaps}


def test_zones_need_one_officer_and_two_assistants(forces, tree, personas):
    result = zones_short_of_force(personas.district, ON)
    assert (result.total, result.met) == (1, 0)
    assert result.rows[0]["officers"] == 1 and result.rows[0]["assistants"] == 1
    assert "1" in result.gaps[0].message
    # A second assistant, posted to one of the zone's grids, completes it.
    assign(person("police_assistant", tree.village), tree.sibling_grid)
    assert zones_short_of_force(personas.district, ON).gaps == []


def test_share_of_officers_sunk_per_station(forces, tree, personas):
    result = station_sinking(personas.district, ON)
    rows = {r["code"]: r for r in result.rows}
    st, st2 = forces["st"], forces["st2"]
    # Station 1: o1 in grids, o2 ended, 2 desk officers: 1 of 4 = 25%.
    assert (rows[st.code]["officers"], rows[st.code]["sunk"]) == (4, 1)
    assert rows[st.code]["share"] == 0.25 and not rows[st.code]["meets"]
    # Station 2: 1 of 3.
    assert (rows[st2.code]["officers"], rows[st2.code]["sunk"]) == (3, 1)
    assert (result.total, result.met) == (7, 2)
    assert {g.code for g in result.gaps} == {st.code, st2.code}
    # On an earlier day o2 was still in G2: 2 of 4 = 50% meets the target.
    earlier = {
        r["code"]: r
        for r in station_sinking(personas.district, dt.date(2025, 2, 1)).rows
    }
    assert earlier[st.code]["share"] == 0.5 and earlier[st.code]["meets"]


def test_grid_force_one_plus_x_plus_n(forces, tree, personas):
    result = grid_forces(personas.district, ON)
    rows = {r["code"]: r for r in result.rows}
    # G1: officer, grid worker (+ the zone's assistant), one volunteer.
    assert (
        rows[tree.grid.code]["officers"],
        rows[tree.grid.code]["x"],
        rows[tree.grid.code]["n"],
    ) == (1, 2, 1)
    # G2: no officer any more, the zone's assistant, no volunteer.
    assert (
        rows[tree.sibling_grid.code]["officers"],
        rows[tree.sibling_grid.code]["x"],
        rows[tree.sibling_grid.code]["n"],
    ) == (0, 1, 0)
    assert (rows[tree.other_grid.code]["x"], rows[tree.other_grid.code]["n"]) == (0, 1)
    assert {g.code for g in result.gaps} == {
        tree.sibling_grid.code,
        forces["g4"].code,
        tree.other_grid.code,
    }


def test_coverage_is_scoped_to_the_viewer(forces, tree, personas):
    outsider = coverage_summary(personas.outsider, ON)["rules"]
    assert outsider["grid_officer"].total == 1
    assert outsider["grid_officer"].gaps == []
    assert [r["code"] for r in outsider["station_sunk"].rows] == [forces["st2"].code]
    village = coverage_summary(personas.village, ON)["rules"]
    assert village["grid_officer"].total == 3
    assert village["zone_force"].total == 1
    assert village["station_sunk"].rows == []  # the station sits above the village
    anonymous = coverage_summary(type("Anon", (), {"is_authenticated": False})(), ON)[
        "rules"
    ]
    assert all(r.total == 0 for r in anonymous.values())


def test_zone_and_grid_counts_use_the_date(forces, tree, personas):
    assert Area.objects.grids().count() == 4
    later = grids_without_officer(personas.district, dt.date(2030, 1, 1))
    assert later.met == 2  # open-ended assignments stay in force


def test_coverage_within_a_subtree_of_the_scope(forces, tree, personas):
    from core.exceptions import NotInScope

    summary = coverage_summary(personas.district, ON, within=tree.other_township)
    assert summary["within"] == tree.other_township
    assert summary["rules"]["grid_officer"].total == 1
    with pytest.raises(NotInScope):
        coverage_summary(personas.outsider, ON, within=tree.village)
