"""The forces' figures of a dashboard area come from policing.coverage and
policing.figures, narrowed to the area shown."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from dashboards.services import Period, officer_coverage, ranking
from policing.models import Assignment, Person


def _officer_in_g1(tree, personas) -> None:  # type: ignore[no-untyped-def]
    person = Person.objects.create(
        name="周警官", role=Person.Role.COMMUNITY_OFFICER, area=tree.grid
    )
    Assignment.objects.create(
        person=person,
        grid=tree.grid,
        role=Assignment.Role.COMMUNITY_OFFICER,
        start_date=timezone.localdate() - dt.timedelta(days=30),
    )


def test_the_village_dashboard_shows_its_own_coverage(client, tree, personas):
    _officer_in_g1(tree, personas)
    client.force_login(personas.district)
    response = client.get(reverse("dashboards:area", args=[tree.village.code]))
    rules = {r["key"]: r for r in response.context["forces"]["rules"]}
    # two grids in V1 (the district user sees three grids in all)
    assert (rules["grid_officer"]["met"], rules["grid_officer"]["total"]) == (1, 2)
    assert rules["grid_officer"]["rate"] == 50.0
    assert response.context["coverage"]["rate"] == 50.0
    assert f"?within={tree.village.code}" in response.context["coverage_url"]
    district = client.get(reverse("dashboards:area", args=[tree.district.code]))
    rules = {r["key"]: r for r in district.context["forces"]["rules"]}
    assert (rules["grid_officer"]["met"], rules["grid_officer"]["total"]) == (1, 3)


def test_officer_coverage_per_child_and_in_the_ranking(tree, personas):
    _officer_in_g1(tree, personas)
    today = timezone.localdate()
    cov = officer_coverage(tree.district, today)
    assert (cov["grids"], cov["with_officer"]) == (3, 1)
    assert cov["per_child"][tree.township.path]["rate"] == 50.0
    assert cov["per_child"][tree.other_township.path]["rate"] == 0.0
    rows = ranking(
        tree.district, Period("month", today.replace(day=1), today), "village"
    )
    by_code = {r["area"].code: r for r in rows}
    assert by_code[tree.village.code]["officer_coverage"] == 50.0
    # with no cases, the score is the coverage part alone
    assert by_code[tree.village.code]["score"] == 50.0
    assert by_code[tree.village.code]["rank"] == 1


def test_forces_above_the_township_are_kept_a_minute(client, tree, personas):
    """A district's (or province's) forces cover thousands of grids: they are
    computed once a minute; a township's are always fresh."""
    from django.core.cache import cache

    client.force_login(personas.district)

    def officer_rule(code: str) -> tuple[int, int]:
        response = client.get(reverse("dashboards:area", args=[code]))
        rule = {r["key"]: r for r in response.context["forces"]["rules"]}
        return rule["grid_officer"]["met"], rule["grid_officer"]["total"]

    assert officer_rule(tree.district.code) == (0, 3)
    assert officer_rule(tree.township.code) == (0, 2)
    _officer_in_g1(tree, personas)
    assert officer_rule(tree.township.code) == (1, 2)  # fresh
    assert officer_rule(tree.district.code) == (0, 3)  # kept
    cache.clear()  # the minute is over
    assert officer_rule(tree.district.code) == (1, 3)
