"""Dashboard pages, exports and the stats API: scope, drill-down links,
definitions, Chinese headers."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.definitions import DEFINITIONS

MONTH = {"period": "custom", "from": "2026-11-01", "to": "2026-11-20"}


def get(client, user, name, *args, **params):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def test_home_opens_the_dashboard_of_the_users_own_area(client, tree, personas):
    for user, area in (
        (personas.district, tree.district),
        (personas.township, tree.township),
        (personas.village, tree.village),
        (personas.grid_worker, tree.grid),
    ):
        response = get(client, user, "dashboards:home")
        assert response.status_code == 302
        assert response.url == reverse("dashboards:area", args=[area.code])


def test_anonymous_goes_to_the_login_page(client, tree):
    response = client.get(reverse("dashboards:area", args=[tree.district.code]))
    assert response.status_code == 302
    assert "/login/" in response.url


@pytest.mark.parametrize("name", ["area", "rankings", "report"])
def test_another_area_answers_404(client, tree, personas, name):
    response = get(client, personas.outsider, f"dashboards:{name}", tree.township.code)
    assert response.status_code == 404
    response = get(client, personas.village, f"dashboards:{name}", tree.district.code)
    assert response.status_code == 404


def test_exports_of_another_area_answer_404(client, tree, personas):
    response = get(
        client,
        personas.outsider,
        "dashboards:export",
        tree.village.code,
        "children",
        "xlsx",
    )
    assert response.status_code == 404


def test_the_district_dashboard_shows_figures_definitions_and_links(
    client, tree, personas, dataset
):
    response = get(
        client, personas.district, "dashboards:area", tree.district.code, **MONTH
    )
    assert response.status_code == 200
    html = response.content.decode()
    # each figure has its definition one hover away
    for key in ("resolution_rate", "on_time_rate", "rejected", "follow_up_coverage"):
        assert (
            f'data-bs-content="{DEFINITIONS[key].text}"' in html.replace("&#x27;", "'")
            or str(DEFINITIONS[key].text)[:10] in html
        )
    assert 'data-bs-toggle="popover"' in html
    # the children open their own dashboards
    child_url = reverse("dashboards:area", args=[tree.township.code])
    assert f'href="{child_url}?' in html
    # a figure opens the filtered case list behind it
    resolved_url = next(
        c["url"] for c in response.context["cards"] if c["key"] == "resolved"
    )
    assert f'href="{resolved_url}"'.replace("&", "&amp;") in html
    query = parse_qs(urlparse(resolved_url).query)
    assert urlparse(resolved_url).path == reverse("disputes:list")
    assert query["subtree"] == [tree.district.code]
    assert query["created_after"] == ["2026-11-01"]
    assert query["created_before"] == ["2026-11-20"]
    assert set(query["stage"]) == {"feedback", "follow_up", "closed"}


def test_no_inline_script_code(client, tree, personas, dataset):
    html = get(
        client, personas.district, "dashboards:area", tree.district.code
    ).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    charts = json.loads(
        re.search(
            r'<script id="dashboard-charts" type="application/json">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    assert [f["value"] for f in charts["funnel"]] == [0, 0, 0, 0] or charts["funnel"]
    assert "static/vendor/echarts/echarts.min.js" in html
    assert "static/js/dashboards.js" in html


def test_the_map_data_and_tile_setting(client, tree, personas, dataset, settings):
    settings.MAP_TILE_URL = "https://tiles.example.internal/{z}/{x}/{y}.png"
    response = get(
        client, personas.village, "dashboards:area", tree.village.code, **MONTH
    )
    data = response.context["map_data"]
    assert data["tile_url"] == settings.MAP_TILE_URL
    grids = {g["code"]: g for g in data["grids"]}
    assert set(grids) == {tree.grid.code, tree.sibling_grid.code}
    assert grids[tree.grid.code]["collected"] == 8
    assert grids[tree.grid.code]["per_thousand"] == round(8000 / 300, 2)
    assert grids[tree.grid.code]["overdue"] == 1
    assert grids[tree.grid.code]["url"] == reverse(
        "dashboards:area", args=[tree.grid.code]
    )


def test_a_bad_period_falls_back_to_this_month_with_a_message(client, tree, personas):
    response = get(
        client,
        personas.district,
        "dashboards:area",
        tree.district.code,
        **{"from": "x"},
    )
    assert response.status_code == 200
    assert response.context["period"].kind == "month"
    assert list(response.context["messages"])


@pytest.mark.parametrize(
    "table",
    [
        "children",
        "categories",
        "risks",
        "monthly",
        "durations",
        "grids",
        "ranking_township",
        "ranking_village",
    ],
)
def test_every_table_exports_as_xlsx_with_chinese_headers(
    client, tree, personas, dataset, table
):
    response = get(
        client,
        personas.district,
        "dashboards:export",
        tree.district.code,
        table,
        "xlsx",
        **MONTH,
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    header = rows[0]
    assert all(re.search(r"[\u4e00-\u9fff]", str(h)) for h in header), header


def test_the_children_export_as_csv_carries_the_figures(
    client, tree, personas, dataset
):
    response = get(
        client,
        personas.district,
        "dashboards:export",
        tree.district.code,
        "children",
        "csv",
        **MONTH,
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = [line.split(",") for line in text.strip().splitlines()]
    assert "代码" in lines[0][0] and "名称" in lines[0][1]
    assert lines[0][2:4] == ["采集", "受理"]
    by_code = {line[0]: line for line in lines[1:]}
    assert by_code[tree.township.code][2] == "10"
    assert by_code[tree.other_township.code][2] == "1"


def test_the_monthly_report_prints_figures_and_definitions(
    client, tree, personas, dataset
):
    response = get(
        client,
        personas.township,
        "dashboards:report",
        tree.township.code,
        month="2026-11",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "report-definitions" in html
    assert str(DEFINITIONS["on_time_rate"].label) in html
    assert response.context["period"].start.isoformat() == "2026-11-01"


def test_rankings_page(client, tree, personas, dataset):
    response = get(
        client, personas.district, "dashboards:rankings", tree.district.code, **MONTH
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ranking-township"' in html and 'id="ranking-village"' in html
    assert (
        get(
            client, personas.village, "dashboards:rankings", tree.village.code
        ).status_code
        == 404
    )


def test_score_weights_are_editable_in_the_admin(client, personas):
    client.force_login(personas.admin)
    response = client.get(reverse("admin:dashboards_scoreweights_add"))
    assert response.status_code == 200
    assert "resolution_rate" in response.content.decode()


# --- the API ---------------------------------------------------------------------


def test_stats_api_returns_the_figures(client, tree, personas, dataset):
    client.force_login(personas.district)
    response = client.get(
        "/api/v1/stats/",
        {"area": tree.district.code, "from": "2026-11-01", "to": "2026-11-20"},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["figures"]["collected"] == 11
    assert data["figures"]["on_time_rate"] == 33.3
    assert [c["area"]["code"] for c in data["children"]] == [
        tree.township.code,
        tree.other_township.code,
    ]
    assert data["definitions"]["on_time_rate"]["label"]
    assert {d["level"] for d in data["durations"]} == {
        "grid",
        "village",
        "township",
        "district",
    }


def test_stats_api_defaults_to_the_callers_area(client, tree, personas, dataset):
    client.force_login(personas.village)
    data = client.get("/api/v1/stats/", MONTH).json()
    assert data["area"]["code"] == tree.village.code
    assert data["figures"]["collected"] == 10


def test_stats_api_is_scoped(client, tree, personas):
    client.force_login(personas.outsider)
    response = client.get("/api/v1/stats/", {"area": tree.township.code})
    assert response.status_code == 404
    assert "detail" in response.json()
    client.logout()
    assert client.get("/api/v1/stats/", {"area": tree.township.code}).status_code == 401


def test_stats_api_rejects_a_bad_period(client, tree, personas):
    client.force_login(personas.district)
    response = client.get("/api/v1/stats/", {"from": "2026-13-01"})
    assert response.status_code == 400
    assert "detail" in response.json()


def test_each_figure_link_lists_exactly_the_cases_it_counts(
    client, tree, personas, dataset, frozen
):
    """The case list behind a figure (same FilterSet as the disputes API)
    holds as many cases as the figure says."""
    client.force_login(personas.district)
    for area in (tree.district, tree.township, tree.village):
        response = client.get(reverse("dashboards:area", args=[area.code]), MONTH)
        cards = response.context["cards"] + response.context["apart"]
        linked = [c for c in cards if c["url"]]
        assert {c["key"] for c in linked} >= {
            "collected",
            "accepted",
            "resolved",
            "open_now",
            "overdue_now",
            "rejected",
        }
        for card in linked:
            query = urlparse(card["url"]).query
            api = client.get(f"/api/v1/disputes/?{query}&page_size=500")
            assert api.status_code == 200, card["url"]
            assert len(api.json()["results"]) == card["value"], (area.code, card["key"])
