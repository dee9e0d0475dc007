"""Field-work pages: the phone form fills grid and person from the account,
lists are scoped, another area's record answers 404."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from policing.models import Activity, Hazard, Person, TimeEntry
from tests.policing.fieldwork_data import activity, person, post

# The smallest valid PNG: magic bytes are what the check reads.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def officer_person(tree, personas):  # type: ignore[no-untyped-def]
    me = person("周警官", tree.township, user=personas.officer)
    post(me, tree.grid, dt.date(2026, 1, 1))
    return me


def _form_data(tree, **kw):  # type: ignore[no-untyped-def]
    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "kind": Activity.Kind.PATROL,
        "grid": tree.grid.pk,
        "started_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": now.strftime("%Y-%m-%dT%H:%M"),
        "place": "甲村文化广场",
        "notes": "夜间巡逻",
        **kw,
    }


def test_the_form_starts_in_the_officers_grid(client, tree, officer_person):
    client.force_login(officer_person.user)
    response = client.get(reverse("policing:activity_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["grid"] == tree.grid
    assert list(form.fields["grid"].queryset) == [tree.grid]


def test_recording_an_activity_adds_the_officer_and_keeps_the_photo(
    client, tree, officer_person, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(officer_person.user)
    photo = io.BytesIO(PNG)
    photo.name = "scene.png"
    response = client.post(
        reverse("policing:activity_create"), _form_data(tree, photos=[photo])
    )
    assert response.status_code == 302
    a = Activity.objects.get()
    assert a.grid == tree.grid
    assert a.recorded_by == officer_person
    assert list(a.participants.all()) == [officer_person]
    assert a.duration_minutes == 120
    assert a.photos.get().content_type == "image/png"
    assert response["Location"] == reverse("grids:grid", args=[tree.grid.code])
    page = client.get(response["Location"]).content.decode()
    assert f'data-activity="{a.pk}"' in page
    assert "甲村文化广场" in page


def test_a_file_that_is_not_a_photo_is_refused(client, tree, officer_person):
    client.force_login(officer_person.user)
    fake = io.BytesIO(b"MZ\x90\x00 not an image at all" * 20)
    fake.name = "photo.jpg"
    response = client.post(
        reverse("policing:activity_create"), _form_data(tree, photos=[fake])
    )
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_an_end_before_the_start_is_refused(client, tree, officer_person):
    client.force_login(officer_person.user)
    data = _form_data(tree)
    data["started_at"], data["ended_at"] = data["ended_at"], data["started_at"]
    response = client.post(reverse("policing:activity_create"), data)
    assert response.status_code == 200
    assert "ended_at" in response.context["form"].errors


def test_a_safety_advisor_visit_names_whom_it_advised(client, tree, officer_person):
    client.force_login(officer_person.user)
    response = client.post(
        reverse("policing:activity_create"),
        _form_data(tree, kind=Activity.Kind.SAFETY_ADVISOR),
    )
    assert "advisee_name" in response.context["form"].errors


def test_a_grid_outside_the_account_cannot_be_chosen(client, tree, officer_person):
    client.force_login(officer_person.user)
    response = client.post(
        reverse("policing:activity_create"), _form_data(tree, grid=tree.other_grid.pk)
    )
    assert response.status_code == 200
    assert "grid" in response.context["form"].errors


def test_a_leader_may_not_log_field_work(client, personas):
    client.force_login(personas.leader)
    assert client.get(reverse("policing:activity_create")).status_code == 403


def test_another_areas_activity_and_grid_answer_404(client, tree, personas):
    far = person("丁警官", tree.other_township)
    a = activity(tree.other_grid, dt.date(2026, 3, 3), 9, 2, [far])
    client.force_login(personas.township)
    assert client.get(reverse("policing:activity", args=[a.pk])).status_code == 404
    url = reverse("policing:grid_activities", args=[tree.other_grid.pk])
    assert client.get(url).status_code == 404
    listing = client.get(reverse("policing:activities")).content.decode()
    assert f'data-activity="{a.pk}"' not in listing


def test_lists_and_reports_open_for_a_township(client, tree, personas):
    zhou = person("周警官", tree.township, role=Person.Role.COMMUNITY_OFFICER)
    vol = person("海大叔", tree.township, role=Person.Role.VOLUNTEER_POLICE)
    post(zhou, tree.grid, dt.date(2026, 1, 1))
    today = timezone.localdate()
    activity(tree.grid, today, 0, 1, [zhou, vol], kind=Activity.Kind.VOLUNTEER)
    TimeEntry.objects.create(
        person=zhou, work_date=today, hours=3, duty=TimeEntry.Duty.NON_POLICE
    )
    client.force_login(personas.township)
    for name in (
        "policing:activities",
        "policing:hazards",
        "policing:time_shares",
        "policing:time_entries",
        "policing:volunteers",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    html = client.get(reverse("policing:time_shares")).content.decode()
    assert f'data-person="{zhou.pk}"' in html
    html = client.get(reverse("policing:volunteers")).content.decode()
    assert "海大叔" in html
    bad = client.get(reverse("policing:time_shares"), {"month": "not-a-month"})
    assert bad.status_code == 200


def test_a_hazard_goes_from_report_to_fix_to_verification(client, tree, officer_person):
    client.force_login(officer_person.user)
    due = timezone.localtime() + dt.timedelta(days=3)
    response = client.post(
        reverse("policing:hazard_create"),
        {
            "grid": tree.grid.pk,
            "kind": Hazard.Kind.FIRE,
            "place": "甲村3组",
            "description": "电动车楼道充电",
            "responsible_party": "房东马某",
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.reported_by == officer_person
    client.post(reverse("policing:hazard_fix", args=[hazard.pk]), {"fix": "已清理"})
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.RECTIFIED
    client.post(
        reverse("policing:hazard_verify", args=[hazard.pk]),
        {"accepted": "yes", "notes": "复查合格"},
    )
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.VERIFIED
    # Fixing a verified hazard again is refused, not a crash.
    again = client.post(reverse("policing:hazard_fix", args=[hazard.pk]), {"fix": "x"})
    assert again.status_code == 409


def test_a_hazard_of_another_area_answers_404(client, tree, personas):
    hazard = Hazard.objects.create(
        grid=tree.other_grid,
        kind=Hazard.Kind.TRAFFIC,
        description="路口无信号灯",
        responsible_party="交通局",
        reported_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(personas.village)
    assert client.get(reverse("policing:hazard", args=[hazard.pk])).status_code == 404
    fix = client.post(reverse("policing:hazard_fix", args=[hazard.pk]), {"fix": "x"})
    assert fix.status_code == 404


def test_a_pdf_is_not_a_photo(client, tree, officer_person):
    client.force_login(officer_person.user)
    pdf = io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 10)
    pdf.name = "scan.jpg"
    response = client.post(
        reverse("policing:activity_create"), _form_data(tree, photos=[pdf])
    )
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
