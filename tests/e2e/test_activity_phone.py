"""An officer logs a patrol on a phone-sized screen; it shows on the grid's
page."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from policing.models import Activity
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE
from tests.policing.fieldwork_data import person, post


@pytest.mark.django_db(transaction=True)
def test_an_activity_recorded_on_a_phone_shows_on_the_grid_page(
    browser, live_server, tree, personas
):
    me = person("周警官", tree.township, user=personas.officer)
    post(me, tree.grid, dt.date(2026, 1, 1))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "officer")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/policing/activities/new/")
        # The grid comes from the officer's posting; nothing to choose.
        expect(page.locator("#id_grid")).to_have_value(str(tree.grid.pk))
        # Kind-specific fields appear only for the kinds that need them.
        page.select_option("#id_kind", "moral_education")
        expect(page.locator("#field-topic")).to_be_visible()
        expect(page.locator("#field-advisee_name")).to_be_hidden()
        page.select_option("#id_kind", "patrol")
        expect(page.locator("#kind-extras")).to_be_hidden()
        page.fill("#id_place", "甲村文化广场东侧")
        page.fill("#id_notes", "夜巡，未发现异常")
        submit = page.locator("#activity-submit")
        submit.scroll_into_view_if_needed()
        # The form fits the phone: no sideways scrolling.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"]
        submit.click()

        # Back on the grid's page, the patrol is listed.
        page.wait_for_url(f"**/areas/grid/{tree.grid.code}/")
        expect(page.locator("#grid-name")).to_have_text(tree.grid.name)
        recent = page.locator("#grid-fieldwork-list")
        expect(recent).to_contain_text("巡逻")
        expect(recent).to_contain_text("甲村文化广场东侧")
        expect(recent).to_contain_text("周警官")
        # And on the grid's full field-work list.
        page.click("#grid-fieldwork >> text=全部工作记录")
        expect(page.locator("#activity-list")).to_contain_text("夜巡，未发现异常")
    finally:
        context.close()
    activity = Activity.objects.get()
    assert activity.grid == tree.grid
    assert activity.recorded_by == me
