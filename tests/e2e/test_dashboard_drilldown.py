"""Drill-down in the browser: district dashboard → township → village → a
figure → the filtered case list."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dashboards.rollup import refresh
from disputes.models import Dispute, DisputeCategory


def _cases(tree, personas) -> None:  # type: ignore[no-untyped-def]
    category, _created = DisputeCategory.objects.get_or_create(
        code="neighbours", defaults={"name": "邻里纠纷"}
    )
    for grid, risk in (
        (tree.grid, "blue"),
        (tree.grid, "red"),
        (tree.sibling_grid, "yellow"),
    ):
        case, _ = Dispute.intake(
            by=personas.district,
            grid=grid,
            category=category,
            risk=risk,
            title="院墙排水争执",
        )
    case.resolve(by=personas.district, outcome="调解成功", method="on_the_spot")
    refresh()


@pytest.mark.django_db(transaction=True)
def test_district_to_village_to_the_case_list(page, live_server, tree, personas, login):
    _cases(tree, personas)
    login("district")
    page.goto(f"{live_server.url}/dashboards/")
    expect(page.locator("#dashboard-title")).to_contain_text("测试区")
    expect(page.locator('[data-figure="collected"] .figure-link')).to_have_text("3")
    # a definition is one hover away
    page.hover('[data-figure="on_time_rate"] .bi-info-circle')
    expect(page.locator(".popover")).to_contain_text("按时办结数")
    # the charts and the map are drawn
    expect(page.locator("#chart-monthly svg")).to_have_count(1)
    expect(page.locator("#chart-funnel svg")).to_have_count(1)

    page.click(f'tr[data-child="{tree.township.code}"] a.child-link')
    expect(page.locator("#dashboard-title")).to_contain_text("一号镇")
    page.click(f'tr[data-child="{tree.village.code}"] a.child-link')
    expect(page.locator("#dashboard-title")).to_contain_text("甲村")
    expect(page.locator('[data-figure="collected"] .figure-link')).to_have_text("3")
    expect(page.locator(f'tr[data-child="{tree.grid.code}"]')).to_be_visible()

    page.click('[data-figure="resolved"] .figure-link')
    page.wait_for_url("**/disputes/**")
    url = urlparse(page.url)
    assert url.path == "/disputes/"
    query = parse_qs(url.query)
    assert query["subtree"] == [tree.village.code]
    today = timezone.localdate()
    assert query["created_after"] == [today.replace(day=1).isoformat()]
    assert query["created_before"] == [today.isoformat()]
    assert set(query["stage"]) == {"feedback", "follow_up", "closed"}


@pytest.mark.django_db(transaction=True)
def test_the_period_selector_and_the_map(page, live_server, tree, personas, login):
    _cases(tree, personas)
    login("village")
    page.goto(f"{live_server.url}/dashboards/")
    expect(page.locator("#dashboard-title")).to_contain_text("甲村")
    page.select_option("#period-kind", "year")
    page.wait_for_url("**period=year**")
    expect(page.locator('[data-figure="collected"] .figure-link')).to_have_text("3")
    expect(page.locator("#grid-map")).to_be_visible()
    page.select_option("#map-metric", "overdue")
