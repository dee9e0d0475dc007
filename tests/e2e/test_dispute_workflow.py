"""A case walked in the browser from intake on a phone to closed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from disputes.models import Dispute, DisputeCategory
from tests.conftest import PASSWORD
from tests.disputes.conftest import ensure_reference_data
from tests.e2e.conftest import PHONE


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def take(page: Page, slug: str, fields: dict[str, str] | None = None) -> None:
    """Open an action on the case page, fill it and submit it."""
    page.click(f"[data-open-action='{slug}']")
    form = page.locator(f"#act-{slug}")
    expect(form).to_be_visible()
    for name, value in (fields or {}).items():
        field = form.locator(f"[name='{name}']")
        if field.first.get_attribute("type") == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator(f"button[data-action='{slug}']").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_case_from_intake_on_a_phone_to_closed(browser, live_server, personas, tree):
    ensure_reference_data()
    base = live_server.url

    # The grid worker records the case at the door, on a phone.
    phone = browser.new_context(**PHONE)
    worker = phone.new_page()
    log_in(worker, base, "gw")
    worker.goto(f"{base}/disputes/new/")
    expect(worker.locator("#id_grid")).to_have_value(str(tree.grid.pk))
    width = worker.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the intake form must fit a phone screen"
    worker.select_option("#id_category", label="灌溉用水纠纷")
    worker.fill("#id_title", "上下游两户灌溉轮次争执")
    worker.fill("#id_description", "上游农户提前开闸，下游农户不满")
    worker.fill("#id_party-0-name", "马建国")
    worker.fill("#id_party-0-phone", "13900000000")
    worker.fill("#id_party-0-id_number", "11010519491231002X")
    worker.fill("#id_party-1-name", "杨富贵")
    worker.select_option("#id_party-1-role", "respondent")
    worker.click("#intake-submit")
    worker.wait_for_url(re.compile(r"/disputes/\d+/$"))
    expect(worker.locator("#case-stage")).to_have_attribute("data-stage", "grid")
    expect(worker.locator("#parties")).to_contain_text("139****0000")
    expect(worker.locator("#parties")).to_contain_text("110***********002X")
    expect(worker.locator("#parties")).not_to_contain_text("13900000000")
    case_url = worker.url

    # Not settled on the spot: up to the village.
    take(worker, "escalate", {"reason": "双方情绪激动，需村级调解"})
    expect(worker.locator("#case-stage")).to_have_attribute(
        "data-stage", "village_review"
    )
    expect(worker.locator("#no-actions")).to_be_visible()

    # The village center resolves it (desktop).
    office = browser.new_context()
    village = office.new_page()
    log_in(village, base, "village")
    village.goto(f"{base}/disputes/my-work/")
    expect(village.locator("#case-table")).to_contain_text("上下游两户灌溉轮次争执")
    village.goto(case_url)
    take(
        village,
        "resolve",
        {"method": "peoples_mediation", "outcome": "约定轮灌时间表，双方签字"},
    )
    expect(village.locator("#case-stage")).to_have_attribute("data-stage", "feedback")

    # Back on the phone: the worker sees the notification, confirms the
    # outcome and makes the follow-up visit.
    worker.goto(f"{base}/disputes/notifications/")
    expect(worker.locator("#notification-list")).to_contain_text("已化解")
    worker.goto(case_url)
    take(worker, "acknowledge-feedback")
    expect(worker.locator("#case-stage")).to_have_attribute("data-stage", "follow_up")
    take(worker, "follow-up", {"satisfied": "yes", "notes": "双方均表示满意"})
    expect(worker.locator("#case-stage")).to_have_attribute("data-stage", "closed")
    expect(worker.locator("#timeline li")).to_have_count(5)

    case = Dispute.objects.get()
    assert (case.stage, case.resolved_level, case.satisfied) == (
        "closed",
        "village",
        True,
    )
    phone.close()
    office.close()


@pytest.mark.django_db(transaction=True)
def test_a_stale_page_says_the_case_changed(browser, live_server, personas, tree):
    ensure_reference_data()
    case, _ = Dispute.intake(
        by=personas.grid_worker,
        grid=tree.grid,
        category=DisputeCategory.objects.get(code="debts"),
        title="借款到期未还",
    )
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, "gw")
    page.goto(f"{base}/disputes/{case.pk}/")
    # Someone else acts first.
    case.escalate(by=personas.officer, reason="民警先行上报")
    take(page, "resolve", {"method": "on_the_spot", "outcome": "当场化解"})
    expect(page.locator(".alert-danger")).to_contain_text("案件已变化")
    expect(page.locator("#case-stage")).to_have_attribute(
        "data-stage", "village_review"
    )
    context.close()
