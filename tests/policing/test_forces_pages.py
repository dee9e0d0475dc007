"""People, assignment, handover and coverage pages, and their scope."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from policing.models import Assignment
from tests.grids.forces import assign, person, station, zone


@pytest.fixture
def roster(tree):  # type: ignore[no-untyped-def]
    st = station(tree.township)
    z = zone(tree.village, tree.grid, tree.sibling_grid)
    officer = person("community_officer", tree.village, name="周卫东", station=st)
    a = assign(officer, tree.grid)
    other = person("community_officer", tree.other_village, name="丁建国")
    b = assign(other, tree.other_grid)
    return {
        "officer": officer,
        "a": a,
        "other": other,
        "b": b,
        "zone": z,
        "station": st,
    }


def _c(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_people_directory_searches_and_filters_within_scope(
    client, tree, personas, roster
):
    c = _c(client, personas.village)
    html = c.get(reverse("policing:people")).content.decode()
    assert "周卫东" in html and "丁建国" not in html
    assert "周卫东" in c.get(reverse("policing:people"), {"q": "周"}).content.decode()
    assert (
        "周卫东" not in c.get(reverse("policing:people"), {"q": "王"}).content.decode()
    )
    assert (
        "周卫东"
        in c.get(
            reverse("policing:people"), {"role": "community_officer"}
        ).content.decode()
    )
    assert (
        "周卫东"
        not in c.get(
            reverse("policing:people"), {"role": "grid_worker"}
        ).content.decode()
    )


def test_a_person_of_another_township_answers_404(client, tree, personas, roster):
    c = _c(client, personas.outsider)
    assert (
        c.get(reverse("policing:person", args=[roster["officer"].pk])).status_code
        == 404
    )
    assert (
        c.get(reverse("policing:person", args=[roster["other"].pk])).status_code == 200
    )
    o = _c(client, personas.outsider)
    assert (
        o.get(
            reverse("policing:assignment_handover", args=[roster["a"].pk])
        ).status_code
        == 404
    )


def test_field_roles_cannot_change_rosters(client, tree, personas, roster):
    c = _c(client, personas.grid_worker)
    assert c.get(reverse("policing:assignment_create")).status_code == 404
    assert (
        c.get(
            reverse("policing:assignment_handover", args=[roster["a"].pk])
        ).status_code
        == 404
    )
    assert c.get(reverse("policing:people_import")).status_code == 404


def test_handover_through_the_form(client, tree, personas, roster):
    successor = person("community_officer", tree.village, name="李志强")
    c = _c(client, personas.village)
    url = reverse("policing:assignment_handover", args=[roster["a"].pk])
    assert "李志强" in c.get(url).content.decode()
    response = c.post(url, {"to": successor.pk, "on": "2025-07-01", "note": "调任"})
    assert response.status_code == 302
    roster["a"].refresh_from_db()
    assert roster["a"].end_date == dt.date(2025, 6, 30)
    new = Assignment.objects.get(predecessor=roster["a"])
    assert new.person == successor and new.start_date == dt.date(2025, 7, 1)


def test_assignment_form_refuses_an_overlapping_officer_with_a_clear_message(
    client, tree, personas, roster
):
    rival = person("community_officer", tree.village, name="马学军")
    c = _c(client, personas.village)
    response = c.post(
        reverse("policing:assignment_create"),
        {
            "person": rival.pk,
            "grid": tree.grid.code,
            "role": "community_officer",
            "start_date": "2025-03-01",
            "is_primary": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "周卫东" in html and "甲村第1网格" in html
    assert not Assignment.objects.filter(person=rival).exists()
    # As a backup it is accepted.
    response = c.post(
        reverse("policing:assignment_create"),
        {
            "person": rival.pk,
            "grid": tree.grid.code,
            "role": "community_officer",
            "start_date": "2025-03-01",
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.get(person=rival).is_primary is False


def test_assignment_form_cannot_reach_another_townships_grid(
    client, tree, personas, roster
):
    rival = person("community_officer", tree.village)
    c = _c(client, personas.village)
    response = c.post(
        reverse("policing:assignment_create"),
        {
            "person": rival.pk,
            "grid": tree.other_grid.code,
            "role": "community_officer",
            "start_date": "2025-03-01",
        },
    )
    assert response.status_code == 200
    assert not Assignment.objects.filter(person=rival).exists()


def test_coverage_page_lists_gaps_with_fix_links(client, tree, personas, roster):
    c = _c(client, personas.township)
    html = c.get(reverse("policing:coverage"), {"on": "2025-06-01"}).content.decode()
    assert "甲村第2网格" in html  # no officer
    assert f"/policing/assignments/new/?grid={tree.sibling_grid.code}" in html
    assert "丙村" not in html
    assert c.get(reverse("policing:coverage"), {"on": "2025-02-30"}).status_code == 200
    assert (
        c.get(
            reverse("policing:coverage"), {"within": tree.other_village.code}
        ).status_code
        == 404
    )
    narrowed = c.get(
        reverse("policing:coverage"), {"within": tree.sibling_village.code}
    ).content.decode()
    assert "甲村第2网格" not in narrowed


def test_people_api_is_scoped_and_filterable(tree, personas, roster):
    api = APIClient()
    api.force_authenticate(personas.outsider)
    names = {p["name"] for p in api.get("/api/v1/people/").json()["results"]}
    assert names == {"丁建国"}
    assert api.get(f"/api/v1/people/{roster['officer'].pk}/").status_code == 404
    api.force_authenticate(personas.district)
    data = api.get(
        "/api/v1/people/", {"within": tree.township.code, "role": "community_officer"}
    ).json()
    assert [p["name"] for p in data["results"]] == ["周卫东"]
    assert data["results"][0]["phone"].startswith("+86")
    assert api.get("/api/v1/people/", {"active": "false"}).json()["results"] == []


def test_assignments_api_filters_and_handover(tree, personas, roster):
    api = APIClient()
    api.force_authenticate(personas.township)
    rows = api.get(
        "/api/v1/assignments/", {"within": tree.village.code, "date": "2025-06-01"}
    ).json()["results"]
    assert [r["grid"] for r in rows] == [tree.grid.code]
    assert api.get(f"/api/v1/assignments/{roster['b'].pk}/").status_code == 404
    successor = person("community_officer", tree.village)
    response = api.post(
        f"/api/v1/assignments/{roster['a'].pk}/handover/",
        {"to": successor.pk, "on": "2025-07-01"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["predecessor"] == roster["a"].pk
    active = api.get(
        "/api/v1/assignments/", {"active": "true", "date": "2025-07-02"}
    ).json()["results"]
    assert [r["person"] for r in active] == [successor.pk]
    # Overlap: 409 with a clear message.
    rival = person("community_officer", tree.village)
    response = api.post(
        "/api/v1/assignments/",
        {
            "person": rival.pk,
            "grid": tree.grid.code,
            "role": "community_officer",
            "start_date": "2025-08-01",
            "is_primary": True,
        },
    )
    assert response.status_code == 409
    assert (
        "primary community officer" in response.json()["detail"]
        or "社区民警" in response.json()["detail"]
    )
    # A grid worker may read but not write.
    api.force_authenticate(personas.grid_worker)
    response = api.post(
        "/api/v1/assignments/",
        {
            "person": rival.pk,
            "grid": tree.grid.code,
            "role": "community_officer",
            "start_date": "2026-08-01",
            "is_primary": False,
        },
    )
    assert response.status_code in (400, 403)


def test_coverage_api(tree, personas, roster):
    api = APIClient()
    api.force_authenticate(personas.township)
    data = api.get("/api/v1/coverage/", {"on": "2025-06-01"}).json()
    assert data["rules"]["grid_officer"]["total"] == 2
    assert data["rules"]["grid_officer"]["met"] == 1
    assert data["rules"]["grid_officer"]["gaps"][0]["code"] == tree.sibling_grid.code
    assert api.get("/api/v1/coverage/", {"on": "nonsense"}).status_code == 400
    assert api.get("/api/v1/coverage/", {"on": "2025-13-45"}).status_code == 400
    assert (
        api.get("/api/v1/coverage/", {"within": tree.other_village.code}).status_code
        == 404
    )
