"""Query counts of the lists do not grow with the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import make_area
from tests.grids.forces import assign, person, station, zone


@pytest.fixture
def many(tree):  # type: ignore[no-untyped-def]
    st = station(tree.township)
    z = zone(tree.village, tree.grid)
    for i in range(12):
        g = make_area(
            tree.village, "grid", f"网格{i}", code=f"{tree.village.code}X{i:02d}"
        )
        assign(person("grid_worker", tree.village, station=st), g)
        assign(person("police_assistant", tree.village, station=st), z)
    return tree


@pytest.mark.parametrize(
    "url",
    ["/api/v1/areas/", "/api/v1/grids/", "/api/v1/people/", "/api/v1/assignments/"],
)
def test_list_queries_do_not_grow_with_page_size(many, personas, url):
    api = APIClient()
    api.force_authenticate(personas.district)

    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(2) == count(10)


def test_person_form_creates_and_edits_within_scope(client, tree, personas):
    from django.urls import reverse

    from policing.models import Person

    client.force_login(personas.village)
    response = client.post(
        reverse("policing:person_create"),
        {
            "name": "马小兰",
            "role": "grid_worker",
            "phone": "13912345678",
            "area": tree.village.code,
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    p = Person.objects.get(name="马小兰")
    assert str(p.phone) == "+8613912345678"
    # A bad phone and another township's area are refused.
    response = client.post(
        reverse("policing:person_create"),
        {
            "name": "王五",
            "role": "grid_worker",
            "phone": "12345",
            "area": tree.other_village.code,
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "area"}
    assert client.get(reverse("policing:person_edit", args=[p.pk])).status_code == 200
