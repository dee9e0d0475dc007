"""The tree browser and the grid page, and their scope."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.grids.forces import assign, person, zone


def _client(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_tree_starts_at_the_viewers_scope_and_drills_down(client, tree, personas):
    c = _client(client, personas.district)
    page = c.get(reverse("grids:tree"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "一号镇" in html and "二号乡" in html
    township = c.get(reverse("grids:area", args=[tree.township.code])).content.decode()
    assert (
        "甲村" in township
        and reverse("grids:area", args=[tree.village.code]) in township
    )
    village = c.get(reverse("grids:area", args=[tree.village.code])).content.decode()
    assert reverse("grids:grid", args=[tree.grid.code]) in village
    assert "甲村第1网格" in village


def test_township_staff_start_at_their_township(client, tree, personas):
    html = (
        _client(client, personas.township).get(reverse("grids:tree")).content.decode()
    )
    assert "甲村" in html and "二号乡" not in html


def test_a_grid_account_goes_straight_to_its_grid(client, tree, personas):
    response = _client(client, personas.grid_worker).get(reverse("grids:tree"))
    assert response.status_code == 302
    assert response.url == reverse("grids:grid", args=[tree.grid.code])


def test_grid_page_shows_who_is_on_duty_with_phones_and_the_map(client, tree, personas):
    z = zone(tree.village, tree.grid)
    officer = person(
        "community_officer", tree.village, name="周卫东", phone="+8613912345678"
    )
    assign(officer, tree.grid)
    assign(officer, z, concurrent_post="兼任甲村党支部副书记")
    assign(person("police_assistant", tree.village, name="田小军"), z)
    html = (
        _client(client, personas.grid_worker)
        .get(reverse("grids:grid", args=[tree.grid.code]))
        .content.decode()
    )
    assert "周卫东" in html and "tel:+8613912345678" in html
    assert html.count(">周卫东<") == 1  # grid and zone posts shown once
    assert "兼任甲村党支部副书记" in html
    assert "田小军" in html
    assert 'id="area-map-data"' in html or "area-map" in html
    assert "<script>" not in html.replace("<script src", "")  # no inline code


@pytest.mark.parametrize("name", ["area", "grid"])
def test_another_townships_areas_answer_404(client, tree, personas, name):
    c = _client(client, personas.outsider)
    code = tree.village.code if name == "area" else tree.grid.code
    assert c.get(reverse(f"grids:{name}", args=[code])).status_code == 404
    assert c.get(reverse("grids:area", args=["nonexistent"])).status_code == 404
    # ... and a village's staff cannot see the sibling village.
    v = _client(client, personas.village)
    assert (
        v.get(reverse("grids:area", args=[tree.sibling_village.code])).status_code
        == 404
    )
    assert (
        v.get(reverse("grids:grid", args=[tree.sibling_grid.code])).status_code == 200
    )


def test_anonymous_visitors_are_sent_to_login(client, tree):
    response = client.get(reverse("grids:tree"))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_grid_export_is_scoped(client, tree, personas):
    body = b"".join(
        _client(client, personas.outsider)
        .get(reverse("grids:grids_export"))
        .streaming_content
    ).decode("utf-8-sig")
    assert tree.other_grid.code in body
    assert tree.grid.code not in body
    assert PASSWORD  # the personas log in with the shared password
