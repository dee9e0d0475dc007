import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_a_village_worker_logs_in_and_sees_the_home_page(
    page, live_server, personas, login
):
    login("village")
    expect(page.locator("#home-role")).to_contain_text("甲村村民委员会")
    expect(page.locator("#whoami")).to_contain_text("村级综治中心人员")
    page.click("text=退出")
    page.wait_for_url(f"{live_server.url}/login/")
    expect(page.locator("h1")).to_have_text("登录")
