"""An assignment handover in the browser, on a phone-sized screen."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from policing.models import Assignment
from tests.e2e.conftest import PHONE
from tests.grids.forces import assign, person


@pytest.mark.django_db(transaction=True)
def test_village_staff_hand_a_grid_over_to_a_new_officer(
    browser, live_server, tree, personas
):
    from tests.conftest import PASSWORD

    old = person("community_officer", tree.village, name="周卫东")
    current = assign(old, tree.grid, concurrent_post="兼任甲村党支部副书记")
    person("community_officer", tree.village, name="李志强")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "village")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/areas/grid/{tree.grid.code}/")
    page.click("#on-duty .handover-link")
    expect(page.locator("#handover-current")).to_contain_text("周卫东")
    page.select_option(
        "#id_to", label=page.locator("#id_to option:has-text('李志强')").inner_text()
    )
    page.fill("#id_on", "2025-07-01")
    page.fill("#id_note", "调任")
    page.click("#handover-form button[type=submit]")
    expect(page.locator("#grid-name")).to_have_text("甲村第1网格")
    expect(page.locator("#on-duty")).to_contain_text("李志强")
    expect(page.locator("#on-duty")).not_to_contain_text("周卫东")
    expect(page.locator("#on-duty")).to_contain_text("兼任甲村党支部副书记")
    expect(page.locator("#history")).to_contain_text("周卫东")
    current.refresh_from_db()
    assert current.end_date == dt.date(2025, 6, 30)
    assert Assignment.objects.get(predecessor=current).person.name == "李志强"
    context.close()
