"""The field-work API: scoped lists, 404 for another area, cursor pages,
filters, domain errors as {"detail": ...}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from policing.models import Activity, Hazard, TimeEntry
from tests.policing.fieldwork_data import activity, entry, person, post


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def data(tree, personas):  # type: ignore[no-untyped-def]
    me = person("周警官", tree.township, user=personas.officer)
    post(me, tree.grid, dt.date(2026, 1, 1))
    far = person("丁警官", tree.other_township)
    mine = activity(tree.grid, dt.date(2026, 3, 3), 9, 2, [me])
    theirs = activity(tree.other_grid, dt.date(2026, 3, 3), 9, 2, [far])
    return me, far, mine, theirs


def _hazard(grid, days=3, **kw):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Hazard.objects.create(
        grid=grid,
        kind=kw.pop("kind", Hazard.Kind.FIRE),
        description="楼道堆放杂物",
        responsible_party="物业",
        reported_at=now - dt.timedelta(days=10),
        due_at=now + dt.timedelta(days=days),
        **kw,
    )


def test_anonymous_callers_get_401(api, db):
    assert api.get("/api/v1/activities/").status_code == 401


def test_lists_hold_only_the_callers_area(api, data, personas):
    _me, _far, mine, theirs = data
    api.force_authenticate(personas.township)
    body = api.get("/api/v1/activities/").json()
    assert [a["id"] for a in body["results"]] == [mine.pk]
    response = api.get(f"/api/v1/activities/{theirs.pk}/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_an_officer_records_an_activity_and_is_a_participant(api, data, tree):
    me, _far, _mine, _theirs = data
    api.force_authenticate(me.user)
    response = api.post(
        "/api/v1/activities/",
        {
            "kind": "law_publicity",
            "grid": tree.grid.pk,
            "started_at": "2026-03-05T09:00:00+08:00",
            "ended_at": "2026-03-05T10:30:00+08:00",
            "place": "甲村小学",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["duration_minutes"] == 90
    assert body["participant_ids"] == [me.pk]
    assert body["work_date"] == "2026-03-05"


def test_a_grid_of_another_area_is_an_invalid_choice(api, data, tree):
    me, *_ = data
    api.force_authenticate(me.user)
    response = api.post(
        "/api/v1/activities/",
        {
            "kind": "patrol",
            "grid": tree.other_grid.pk,
            "started_at": "2026-03-05T09:00:00+08:00",
            "ended_at": "2026-03-05T10:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "grid" in response.json()["errors"]


def test_cursor_pages_and_filters(api, data, tree, personas):
    me, *_ = data
    for day in range(4, 10):
        activity(tree.grid, dt.date(2026, 3, day), 9, 1, [me], kind="sharp_eyes")
    api.force_authenticate(personas.district)
    first = api.get("/api/v1/activities/", {"page_size": 3}).json()
    assert len(first["results"]) == 3 and "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    assert not {a["id"] for a in first["results"]} & {
        a["id"] for a in second["results"]
    }
    only = api.get("/api/v1/activities/", {"kind": "sharp_eyes"}).json()["results"]
    assert len(only) == 6
    by_area = api.get("/api/v1/activities/", {"area": tree.other_township.pk}).json()
    assert len(by_area["results"]) == 1


def test_list_query_count_does_not_grow_with_page_size(
    api, data, tree, personas, django_assert_max_num_queries
):
    me, *_ = data
    for day in range(4, 24):
        activity(tree.grid, dt.date(2026, 3, day), 9, 1, [me])
    api.force_authenticate(personas.district)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/activities/", {"page_size": 20}).json()
    assert len(body["results"]) == 20


def test_hazards_overdue_filter_and_actions(api, data, tree, personas):
    late = _hazard(tree.grid, days=-1)
    fine = _hazard(tree.grid, days=5)
    _hazard(tree.other_grid, days=-1)
    api.force_authenticate(personas.village)
    overdue = api.get("/api/v1/hazards/", {"overdue": "true"}).json()["results"]
    assert [h["id"] for h in overdue] == [late.pk]
    assert overdue[0]["is_overdue"] is True

    response = api.post(f"/api/v1/hazards/{fine.pk}/fix/", {"fix": "已清理"})
    assert response.status_code == 200
    assert response.json()["status"] == "rectified"
    again = api.post(f"/api/v1/hazards/{fine.pk}/fix/", {"fix": "again"})
    assert again.status_code == 409
    assert "detail" in again.json()
    rejected = api.post(
        f"/api/v1/hazards/{fine.pk}/verify/", {"accepted": False}, format="json"
    )
    assert rejected.status_code == 400
    new_due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    reopened = api.post(
        f"/api/v1/hazards/{fine.pk}/verify/",
        {"accepted": False, "notes": "未整改到位", "new_due_at": new_due},
        format="json",
    )
    assert reopened.json()["status"] == "open"


def test_reporting_a_hazard_from_an_inspection(api, data, tree):
    me, _far, mine, _theirs = data
    api.force_authenticate(me.user)
    due = (timezone.now() + dt.timedelta(days=7)).isoformat()
    response = api.post(
        "/api/v1/hazards/",
        {
            "grid": tree.grid.pk,
            "activity": mine.pk,
            "kind": "building",
            "description": "危房",
            "responsible_party": "户主",
            "due_at": due,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Hazard.objects.get().activity == mine
    past = api.post(
        "/api/v1/hazards/",
        {
            "grid": tree.grid.pk,
            "kind": "fire",
            "description": "x",
            "responsible_party": "y",
            "due_at": "2020-01-01T00:00:00+08:00",
        },
        format="json",
    )
    assert past.status_code == 400


def test_time_entries_field_staff_log_only_their_own(api, data, tree, personas):
    me, far, *_ = data
    api.force_authenticate(me.user)
    ok = api.post(
        "/api/v1/time-entries/",
        {"work_date": "2026-03-05", "hours": "3.5", "duty": "non_police"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["non_police"] is True
    assert TimeEntry.objects.get().person == me
    other = person("马警官", tree.township)
    refused = api.post(
        "/api/v1/time-entries/",
        {"person": other.pk, "work_date": "2026-03-05", "hours": "1", "duty": "other"},
        format="json",
    )
    assert refused.status_code == 400
    entry(far, dt.date(2026, 3, 5), "2")
    api.force_authenticate(personas.outsider)
    seen = api.get("/api/v1/time-entries/").json()["results"]
    assert [e["person"] for e in seen] == [far.pk]


def test_a_leader_cannot_record(api, data, tree, personas):
    api.force_authenticate(personas.leader)
    response = api.post(
        "/api/v1/activities/",
        {
            "kind": "patrol",
            "grid": tree.grid.pk,
            "started_at": "2026-03-05T09:00:00+08:00",
            "ended_at": "2026-03-05T10:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 403
    assert Activity.objects.count() == 2


def test_a_photo_is_added_by_upload_and_checked_by_content(
    api, client, data, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.policing.test_fieldwork_pages import PNG

    settings.MEDIA_ROOT = tmp_path
    me, _far, mine, theirs = data
    api.force_authenticate(me.user)
    ok = api.post(
        f"/api/v1/activities/{mine.pk}/photos/",
        {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        format="multipart",
    )
    assert ok.status_code == 201, ok.json()
    assert len(ok.json()["photo_urls"]) == 1
    photo_url = ok.json()["photo_urls"][0]
    client.force_login(me.user)
    served = client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    fake = api.post(
        f"/api/v1/activities/{mine.pk}/photos/",
        {"file": SimpleUploadedFile("b.png", b"<html>" * 50, content_type="image/png")},
        format="multipart",
    )
    assert fake.status_code == 400
    assert "detail" in fake.json()
    elsewhere = api.post(
        f"/api/v1/activities/{theirs.pk}/photos/",
        {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        format="multipart",
    )
    assert elsewhere.status_code == 404
