import pytest
from django.urls import reverse

from tests.grids.forces import assign, person, station, zone


@pytest.mark.parametrize(
    "model",
    [
        "grids/area",
        "grids/policezone",
        "policing/station",
        "policing/unit",
        "policing/volunteerteam",
        "policing/person",
        "policing/assignment",
    ],
)
def test_admin_lists_and_forms_open(client, tree, personas, model):
    st = station(tree.township)
    zone(tree.village, tree.grid)
    assign(person("community_officer", tree.village, station=st), tree.grid)
    client.force_login(personas.admin)
    base = f"/admin/{model}/"
    assert client.get(base).status_code == 200
    assert client.get(base + "add/").status_code == 200


def test_admin_refuses_an_overlapping_officer(client, tree, personas):
    first = person("community_officer", tree.village)
    assign(first, tree.grid)
    second = person("community_officer", tree.village)
    client.force_login(personas.admin)
    response = client.post(
        reverse("admin:policing_assignment_add"),
        {
            "person": second.pk,
            "grid": tree.grid.pk,
            "role": "community_officer",
            "start_date": "2025-05-01",
            "is_primary": "on",
        },
    )
    assert response.status_code == 200
    assert first.name in response.content.decode()
