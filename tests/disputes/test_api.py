"""The REST API: create with codes, filters, cursor pagination with constant
queries, the actions (409 on the wrong stage), the timeline, scope (404)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from disputes.models import Dispute, Notification
from tests.disputes.conftest import walk


@pytest.fixture
def api():  # type: ignore[no-untyped-def]
    def as_user(user) -> APIClient:  # type: ignore[no-untyped-def]
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return as_user


def payload(tree, **kw):  # type: ignore[no-untyped-def]
    return {
        "grid": tree.grid.code,
        "category": "water",
        "risk": "yellow",
        "title": "渠水分配争执",
        "description": "上下游两户因灌溉轮次争吵",
        "occurred_at": "2026-03-01T08:00:00+08:00",
        "parties": [
            {"name": "马某", "role": "applicant", "phone": "139 0000 0000"},
            {"name": "杨某", "role": "respondent", "id_number": "11010519491231002X"},
        ],
        **kw,
    }


def test_create_with_codes_and_masked_parties(api, tree, personas):
    response = api(personas.grid_worker).post(
        "/api/v1/disputes/", payload(tree), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["grid"] == tree.grid.code
    assert body["category"] == "water"
    assert body["stage"] == "grid"
    assert body["number"].startswith("HSB-")
    phones = [p["phone"] for p in body["parties"]]
    assert "139****0000" in phones
    ids = [p["id_number"] for p in body["parties"]]
    assert "110***********002X" in ids


def test_stage_is_read_only(api, tree, personas):
    response = api(personas.grid_worker).post(
        "/api/v1/disputes/", payload(tree, stage="closed"), format="json"
    )
    assert response.json()["stage"] == "grid"


def test_bad_input_answers_400_with_field_errors(api, tree, personas):
    bad = payload(
        tree,
        category="nope",
        parties=[{"name": "马某", "phone": "12345", "id_number": "110105194912310021"}],
    )
    response = api(personas.grid_worker).post("/api/v1/disputes/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "category" in errors
    assert "phone" in errors["parties"]["0"]
    assert "id_number" in errors["parties"]["0"]


def test_creating_outside_the_scope_answers_404(api, tree, personas):
    response = api(personas.outsider).post(
        "/api/v1/disputes/", payload(tree), format="json"
    )
    assert response.status_code == 404


def test_the_same_external_reference_twice_returns_the_case(api, tree, personas):
    client = api(personas.district)
    body = payload(tree, external_system="12345", external_id="H-77")
    first = client.post("/api/v1/disputes/", body, format="json")
    second = client.post("/api/v1/disputes/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Dispute.objects.count() == 1


def test_anonymous_gets_401(api, db):
    assert api(None).get("/api/v1/disputes/").status_code == 401


def test_an_action_moves_the_case_and_a_wrong_stage_answers_409(
    api, make_case, personas, django_capture_on_commit_callbacks
):
    case = make_case()
    client = api(personas.grid_worker)
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            f"/api/v1/disputes/{case.pk}/escalate/",
            {"reason": "需村级调解"},
            format="json",
        )
    assert ok.status_code == 200
    assert ok.json()["stage"] == "village_review"
    assert Notification.objects.filter(recipient=personas.village).exists()
    again = client.post(
        f"/api/v1/disputes/{case.pk}/follow-up/", {"satisfied": True}, format="json"
    )
    assert again.status_code == 409
    assert "detail" in again.json()


def test_a_stale_version_answers_409_saying_the_case_changed(api, make_case, personas):
    case = make_case()
    client = api(personas.grid_worker)
    client.post(f"/api/v1/disputes/{case.pk}/assign/", {"person": personas.officer.pk})
    response = client.post(
        f"/api/v1/disputes/{case.pk}/escalate/",
        {"reason": "x", "version": case.version},
        format="json",
    )
    assert response.status_code == 409
    assert "changed" in response.json()["detail"] or "变" in response.json()["detail"]


def test_an_action_outside_the_role_answers_403(api, make_case, personas):
    case = make_case()
    response = api(personas.leader).post(
        f"/api/v1/disputes/{case.pk}/escalate/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "slug",
    [
        "escalate",
        "return",
        "resolve",
        "acknowledge-feedback",
        "follow-up",
        "reject",
        "transfer",
        "withdraw",
        "assign",
        "whistle",
        "report-in",
        "consult",
    ],
)
def test_every_action_answers_404_outside_the_scope(slug, api, make_case, personas):
    case = make_case()
    response = api(personas.outsider).post(f"/api/v1/disputes/{case.pk}/{slug}/", {})
    assert response.status_code == 404


def test_the_full_path_over_the_api(api, make_case, personas):
    case = make_case()
    steps = [
        (personas.grid_worker, "escalate", {"reason": "需村级"}),
        (personas.village, "escalate", {"reason": "需乡镇联动"}),
        (
            personas.township,
            "consult",
            {"departments": ["司法所"], "conclusions": "调解"},
        ),
        (
            personas.township,
            "resolve",
            {"outcome": "达成协议", "method": "administrative_mediation"},
        ),
        (personas.village, "acknowledge-feedback", {}),
        (personas.grid_worker, "acknowledge-feedback", {}),
        (personas.grid_worker, "follow-up", {"satisfied": True, "notes": "满意"}),
    ]
    for user, slug, body in steps:
        response = api(user).post(
            f"/api/v1/disputes/{case.pk}/{slug}/", body, format="json"
        )
        assert response.status_code == 200, (slug, response.json())
        # the case as the transition left it in memory is the case as stored
        stored = api(personas.district).get(f"/api/v1/disputes/{case.pk}/")
        assert response.json() == stored.json(), slug
    assert response.json()["stage"] == "closed"
    events = api(personas.district).get(f"/api/v1/disputes/{case.pk}/events/").json()
    actions = [e["action"] for e in events["results"]]
    assert actions == [
        "created",
        "escalate",
        "escalate",
        "consult",
        "resolve",
        "acknowledge_feedback",
        "acknowledge_feedback",
        "follow_up",
    ]


@pytest.mark.parametrize(
    "slug, body",
    [
        ("return", {"reason": "退回网格"}),
        ("reject", {"reason": "不属于纠纷"}),
        ("withdraw", {"reason": "当事人撤回"}),
        ("transfer", {"reason": "移交信访", "to": "信访局"}),
        ("whistle", {"reason": "需要民警到场"}),
        ("assign", None),
    ],
)
def test_an_action_answers_the_case_as_stored(
    slug, body, api, make_case, personas, officer_person
):
    case = make_case()
    if slug in ("return", "reject"):
        case.escalate(by=personas.grid_worker, reason="需村级")
    body = body if body is not None else {"person": personas.officer.pk}
    user = personas.village if slug in ("return", "reject") else personas.grid_worker
    response = api(user).post(
        f"/api/v1/disputes/{case.pk}/{slug}/", body, format="json"
    )
    assert response.status_code == 200, response.json()
    stored = api(personas.district).get(f"/api/v1/disputes/{case.pk}/")
    assert response.json() == stored.json()


def test_a_created_case_answers_as_stored(api, tree, personas):
    response = api(personas.grid_worker).post(
        "/api/v1/disputes/", payload(tree), format="json"
    )
    assert response.status_code == 201, response.json()
    stored = api(personas.district).get(f"/api/v1/disputes/{response.json()['id']}/")
    assert response.json() == stored.json()


def test_events_outside_the_scope_answer_404(api, make_case, personas):
    case = make_case()
    assert (
        api(personas.outsider).get(f"/api/v1/disputes/{case.pk}/events/").status_code
        == 404
    )


def test_list_filters(api, make_case, personas, tree, category):
    make_case(risk="red")
    blue = make_case()
    walk(blue, personas, Dispute.Stage.VILLAGE_REVIEW)
    client = api(personas.district)
    assert (
        client.get("/api/v1/disputes/?risk=red").json()["results"][0]["risk"] == "red"
    )
    staged = client.get("/api/v1/disputes/?stage=village_review").json()["results"]
    assert [c["id"] for c in staged] == [blue.pk]
    assert (
        len(
            client.get(f"/api/v1/disputes/?subtree={tree.village.code}").json()[
                "results"
            ]
        )
        == 2
    )
    assert (
        client.get(f"/api/v1/disputes/?subtree={tree.other_township.code}").json()[
            "results"
        ]
        == []
    )
    assert (
        len(client.get("/api/v1/disputes/?category=neighbours").json()["results"]) == 2
    )
    assert client.get("/api/v1/disputes/?overdue=true").json()["results"] == []
    assert client.get("/api/v1/disputes/?created_after=2000-01-01").status_code == 200
    assert api(personas.outsider).get("/api/v1/disputes/").json()["results"] == []


def test_list_queries_do_not_grow_with_page_size(api, make_case, personas):
    for _ in range(6):
        make_case()
    client = api(personas.district)

    def count(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/api/v1/disputes/?page_size={size}")
        assert len(response.json()["results"]) == size
        return len(ctx.captured_queries)

    assert count(2) == count(6)


def test_list_shows_each_case_exactly_as_the_case_endpoint(
    api, make_case, personas, settings
):
    """The list renders its page without DRF's per-field machinery; every case
    must still read the same as through DisputeSerializer (GET /disputes/{id}/)."""
    settings.TIME_ZONE = "Asia/Shanghai"
    S = Dispute.Stage
    cases = [make_case(parties=[])]
    for stage in (S.VILLAGE_REVIEW, S.CLOSED, S.REJECTED, S.FOLLOW_UP):
        cases.append(walk(make_case(), personas, stage))
    cases.append(
        make_case(
            parties=[
                {"name": "王某", "role": "applicant", "address": "红寺堡镇"},
                {"name": "赵某", "role": "respondent", "phone": "13812345678"},
                {"name": "钱某", "role": "other", "id_number": "11010519491231002X"},
            ]
        )
    )
    client = api(personas.district)
    listed = client.get("/api/v1/disputes/").json()["results"]
    assert [item["id"] for item in listed] == sorted(
        (c.pk for c in cases), reverse=True
    )
    for item in listed:
        one = client.get(f"/api/v1/disputes/{item['id']}/").json()
        assert item == one
    by_id = {item["id"]: item for item in listed}
    assert by_id[cases[0].pk]["parties"] == []
    assert by_id[cases[2].pk]["closed_at"] is not None
    assert (
        by_id[cases[1].pk]["handler"] is None
        or "username" in by_id[cases[1].pk]["handler"]
    )
    masked = [p["phone"] for p in by_id[cases[-1].pk]["parties"]]
    assert masked == ["", "138****5678", ""]


def test_cursor_pagination_walks_every_case(api, make_case, personas):
    ids = {make_case().pk for _ in range(5)}
    client = api(personas.district)
    seen, url = set(), "/api/v1/disputes/?page_size=2"
    while url:
        body = client.get(url).json()
        seen |= {c["id"] for c in body["results"]}
        url = body["next"]
    assert seen == ids


def test_categories_list_the_seeded_codes(api, personas):
    body = api(personas.grid_worker).get("/api/v1/dispute-categories/").json()
    codes = [c["code"] for c in body]
    assert codes[:3] == ["neighbours", "land", "water"]
    assert len(codes) == 11


def test_whistles_and_report_in_over_the_api(
    api, make_case, personas, officer_person, tree
):
    case = make_case(risk="red")
    listed = api(personas.village).get("/api/v1/whistles/").json()["results"]
    assert listed[0]["dispute"] == case.number
    assert api(personas.outsider).get("/api/v1/whistles/").json()["results"] == []
    response = api(personas.officer).post(
        f"/api/v1/whistles/{listed[0]['id']}/report-in/",
        {"note": "已到"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["summonses"][0]["reported_in_at"]
    grid_whistle = api(personas.grid_worker).post(
        "/api/v1/whistles/",
        {"grid": tree.grid.code, "reason": "聚集苗头", "departments": ["司法所"]},
        format="json",
    )
    assert grid_whistle.status_code == 201
    assert {s["department"] for s in grid_whistle.json()["summonses"]} >= {"司法所"}


def test_notifications_are_private_and_can_be_marked_read(
    api, make_case, personas, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        case.escalate(by=personas.grid_worker, reason="需村级")
    mine = api(personas.village).get("/api/v1/notifications/").json()["results"]
    assert len(mine) == 1
    assert api(personas.township).get("/api/v1/notifications/").json()["results"] == []
    assert (
        api(personas.township)
        .post(f"/api/v1/notifications/{mine[0]['id']}/read/")
        .status_code
        == 404
    )
    read = api(personas.village).post(f"/api/v1/notifications/{mine[0]['id']}/read/")
    assert read.json()["read_at"]
    assert Notification.objects.unread_for(personas.village).count() == 0
