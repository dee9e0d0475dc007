"""The areas and grids API: fields, filters and scope."""

from rest_framework.test import APIClient


def _api(user):  # type: ignore[no-untyped-def]
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_areas_have_code_name_level_and_parent_code(tree, personas):
    data = _api(personas.district).get("/api/v1/areas/", {"page_size": 100}).json()
    by_code = {a["code"]: a for a in data["results"]}
    assert by_code[tree.grid.code]["parent"] == tree.village.code
    assert by_code[tree.village.code]["level"] == "village"
    assert by_code[tree.district.code]["parent"] is None


def test_areas_filter_by_subtree_and_level(tree, personas):
    api = _api(personas.district)
    codes = {
        a["code"]
        for a in api.get(
            "/api/v1/areas/", {"within": tree.township.code, "level": "grid"}
        ).json()["results"]
    }
    assert codes == {tree.grid.code, tree.sibling_grid.code}
    assert api.get("/api/v1/areas/", {"within": "nope"}).json()["results"] == []


def test_grids_list_their_village_and_boundary(tree, personas):
    from grids.models import Area

    Area.objects.filter(pk=tree.grid.pk).update(
        boundary={
            "type": "Polygon",
            "coordinates": [[[106, 37], [106.1, 37], [106.1, 37.1], [106, 37]]],
        }
    )
    data = _api(personas.village).get("/api/v1/grids/").json()["results"]
    assert {g["code"] for g in data} == {tree.grid.code, tree.sibling_grid.code}
    g1 = next(g for g in data if g["code"] == tree.grid.code)
    assert g1["village"] == tree.village.code
    assert g1["boundary"]["type"] == "Polygon"
    assert g1["residents"] == 300


def test_another_areas_objects_answer_404(tree, personas):
    api = _api(personas.outsider)
    assert api.get(f"/api/v1/grids/{tree.grid.code}/").status_code == 404
    assert api.get(f"/api/v1/areas/{tree.village.code}/").status_code == 404
    assert api.get(f"/api/v1/grids/{tree.other_grid.code}/").status_code == 200
    codes = {a["code"] for a in api.get("/api/v1/areas/").json()["results"]}
    assert tree.grid.code not in codes and tree.other_grid.code in codes


def test_anonymous_callers_get_401(tree):
    assert APIClient().get("/api/v1/areas/").status_code == 401
    assert APIClient().get("/api/v1/coverage/").status_code == 401
