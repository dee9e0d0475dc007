"""Drilling down the tree in a browser: district → township → village → grid."""

import pytest
from playwright.sync_api import expect

from grids.models import Area
from tests.e2e.conftest import PHONE
from tests.grids.forces import assign, person


@pytest.mark.django_db(transaction=True)
def test_district_staff_drill_down_to_a_grid_and_see_its_officer(
    page, live_server, tree, personas, login
):
    Area.objects.filter(pk=tree.grid.pk).update(
        boundary={
            "type": "Polygon",
            "coordinates": [
                [
                    [106.0, 37.3],
                    [106.1, 37.3],
                    [106.1, 37.4],
                    [106.0, 37.4],
                    [106.0, 37.3],
                ]
            ],
        }
    )
    assign(
        person(
            "community_officer", tree.village, name="周卫东", phone="+8613912345678"
        ),
        tree.grid,
    )
    login("district")
    page.click("a[data-nav='grids:tree']")
    expect(page.locator("#area-name")).to_have_text("测试区")
    page.click(f"#children a[data-code='{tree.township.code}']")
    expect(page.locator("#area-name")).to_have_text("一号镇")
    page.click(f"#children a[data-code='{tree.village.code}']")
    expect(page.locator("#area-name")).to_have_text("甲村村民委员会")
    expect(
        page.locator(f"#grids a[data-code='{tree.sibling_grid.code}']")
    ).to_contain_text("无社区民警")
    page.click(f"#grids a[data-code='{tree.grid.code}']")
    expect(page.locator("#grid-name")).to_have_text("甲村第1网格")
    expect(page.locator("#on-duty")).to_contain_text("周卫东")
    expect(page.locator("#on-duty a[href='tel:+8613912345678']")).to_be_visible()
    # The boundary is drawn (an SVG path) without any tile layer.
    expect(page.locator("#area-map path.leaflet-interactive")).to_have_count(1)
    expect(page.locator("#area-map .leaflet-tile")).to_have_count(0)
    expect(page.locator("#breadcrumbs")).to_contain_text("一号镇")
    page.click("#breadcrumbs a:text('一号镇')")
    expect(page.locator("#area-name")).to_have_text("一号镇")


@pytest.mark.django_db(transaction=True)
def test_a_grid_worker_on_a_phone_lands_on_their_grid(
    browser, live_server, tree, personas
):
    from tests.conftest import PASSWORD

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "gw")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/areas/")
    expect(page.locator("#grid-name")).to_have_text("甲村第1网格")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()
