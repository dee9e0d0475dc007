import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def test_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_speaks_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_page_switches_to_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    response = client.get(reverse("login"))
    assert "Log in" in response.content.decode()


def test_login_with_the_right_password_opens_the_home_page(client, personas):
    response = client.post(
        reverse("login"), {"username": "village", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == personas.village
    assert "甲村村民委员会" in response.content.decode()


def test_login_with_a_wrong_password_shows_an_error(client, personas):
    response = client.post(reverse("login"), {"username": "village", "password": "no"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("grid_worker", ["home"], ["admin:index", "dashboards:home"]),
        ("admin", ["home", "admin:index"], []),
        ("leader", ["home"], ["admin:index"]),
    ],
)
def test_navigation_shows_each_role_what_it_can_use(
    client, personas, persona, present, absent
):
    client.force_login(getattr(personas, persona))
    html = client.get("/").content.decode()
    for name in present:
        assert f'data-nav="{name}"' in html
    for name in absent:
        assert f'data-nav="{name}"' not in html


def test_logout_ends_the_session(client, personas):
    client.force_login(personas.village)
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302
