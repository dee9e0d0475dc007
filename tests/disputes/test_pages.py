"""The pages: intake with the duplicate warning, my work, the list, the case
page (masked parties, actions), attachments, notifications."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disputes.models import Attachment, Dispute, Notification
from tests.disputes.conftest import walk

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def intake_data(tree, category, **kw):  # type: ignore[no-untyped-def]
    data = {
        "grid": tree.grid.pk,
        "category": category.pk,
        "risk": "blue",
        "source": "grid_visit",
        "title": "院墙排水纠纷",
        "description": "雨后积水流入邻家院子",
        "party-TOTAL_FORMS": "2",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "0",
        "party-MAX_NUM_FORMS": "10",
        "party-0-name": "马某",
        "party-0-role": "applicant",
        "party-0-phone": "13900000000",
        "party-0-id_number": "",
        "party-0-address": "一组3号",
        "party-1-name": "",
        "party-1-role": "respondent",
        **kw,
    }
    return data


def test_intake_preselects_the_workers_grid(client, personas, tree):
    client.force_login(personas.grid_worker)
    response = client.get(reverse("disputes:intake"))
    assert response.status_code == 200
    assert response.context["form"]["grid"].initial == tree.grid.pk
    assert 'capture="environment"' in response.content.decode()


def test_intake_records_a_case_with_a_photo(client, personas, tree, category):
    client.force_login(personas.grid_worker)
    data = intake_data(
        tree, category, photos=SimpleUploadedFile("a.png", PNG, "image/png")
    )
    response = client.post(reverse("disputes:intake"), data)
    case = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:detail", args=[case.pk])
    assert case.parties.get().phone == "+8613900000000"
    assert case.attachments.get().content_type == "image/png"


def test_intake_refuses_a_renamed_file(client, personas, tree, category):
    client.force_login(personas.grid_worker)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is an exe", "image/jpeg")
    response = client.post(
        reverse("disputes:intake"), intake_data(tree, category, photos=fake)
    )
    assert response.status_code == 200
    assert not Dispute.objects.exists()
    assert response.context["form"].errors["photos"]


def test_intake_validates_phone_and_id(client, personas, tree, category):
    client.force_login(personas.grid_worker)
    data = intake_data(
        tree,
        category,
        **{"party-0-phone": "12345", "party-0-id_number": "110105194912310021"},
    )
    response = client.post(reverse("disputes:intake"), data)
    assert response.status_code == 200
    errors = response.context["parties"].forms[0].errors
    assert "phone" in errors and "id_number" in errors


def test_intake_warns_about_a_similar_case_before_saving(
    client, personas, tree, category, make_case
):
    existing = make_case()
    client.force_login(personas.grid_worker)
    response = client.post(reverse("disputes:intake"), intake_data(tree, category))
    assert response.status_code == 200
    assert response.context["similar"] == [existing]
    assert existing.number in response.content.decode()
    assert Dispute.objects.count() == 1
    confirmed = client.post(
        reverse("disputes:intake"), intake_data(tree, category, confirm_duplicate="on")
    )
    assert confirmed.status_code == 302
    assert Dispute.objects.count() == 2


def test_a_leader_cannot_record(client, personas):
    client.force_login(personas.leader)
    assert client.get(reverse("disputes:intake")).status_code == 403


def test_case_page_masks_parties_and_offers_the_users_actions(
    client, personas, make_case
):
    case = make_case()
    client.force_login(personas.grid_worker)
    body = client.get(reverse("disputes:detail", args=[case.pk])).content.decode()
    assert "139****0000" in body
    assert "110***********002X" in body
    assert "13900000000" not in body
    assert "11010519491231002X" not in body
    assert 'data-action="escalate"' in body
    assert 'data-action="return"' not in body


def test_case_page_answers_404_outside_the_scope(client, personas, make_case):
    case = make_case()
    client.force_login(personas.outsider)
    assert client.get(reverse("disputes:detail", args=[case.pk])).status_code == 404
    response = client.post(
        reverse("disputes:act", args=[case.pk, "escalate"]), {"reason": "x"}
    )
    assert response.status_code == 404


def test_an_action_from_the_page(client, personas, make_case):
    case = make_case()
    client.force_login(personas.grid_worker)
    response = client.post(
        reverse("disputes:act", args=[case.pk, "escalate"]),
        {"reason": "需村级协调", "version": case.version},
        follow=True,
    )
    case.refresh_from_db()
    assert case.stage == "village_review"
    assert (
        "村级初审" in response.content.decode()
        or "Village review" in response.content.decode()
    )


def test_a_stale_page_says_the_case_changed(client, personas, make_case):
    case = make_case()
    version = case.version
    case.escalate(by=personas.grid_worker, reason="先一步")
    client.force_login(personas.district)
    response = client.post(
        reverse("disputes:act", args=[case.pk, "resolve"]),
        {"method": "on_the_spot", "outcome": "x", "version": version},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("案件已变化" in m or "changed" in m for m in messages)
    case.refresh_from_db()
    assert case.stage == "village_review"


def test_my_work_lists_what_awaits_me_overdue_first(client, personas, make_case):
    start = dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        older = make_case(title="早的")
    with time_machine.travel(start + dt.timedelta(hours=20), tick=False):
        newer = make_case(title="晚的")
    escalated = walk(make_case(), personas, "village_review")
    client.force_login(personas.grid_worker)
    with time_machine.travel(start + dt.timedelta(hours=30), tick=False):
        page = client.get(reverse("disputes:my_work")).context["page"]
    listed = [c.pk for c in page]
    assert listed[:2] == [older.pk, newer.pk]
    assert escalated.pk not in listed
    client.force_login(personas.village)
    assert [c.pk for c in client.get(reverse("disputes:my_work")).context["page"]] == [
        escalated.pk
    ]


def test_bulk_assign_from_my_work(client, personas, make_case):
    a, b = make_case(), make_case()
    client.force_login(personas.grid_worker)
    client.post(
        reverse("disputes:my_work"),
        {"cases": [a.pk, b.pk], "person": personas.officer.pk},
    )
    assert set(Dispute.objects.values_list("handler", flat=True)) == {
        personas.officer.pk
    }


def test_the_list_shows_only_the_users_area(
    client, personas, make_case, tree, category
):
    mine = make_case()
    client.force_login(personas.outsider)
    assert list(client.get(reverse("disputes:list")).context["page"]) == []
    client.force_login(personas.township)
    response = client.get(reverse("disputes:list"), {"q": mine.number})
    assert [c.pk for c in response.context["page"]] == [mine.pk]


def test_attachments_are_served_only_within_the_scope(client, personas, make_case):
    case = make_case()
    client.force_login(personas.grid_worker)
    client.post(
        reverse("disputes:add_attachments", args=[case.pk]),
        {"files": SimpleUploadedFile("x.png", PNG, "image/png")},
    )
    item = Attachment.objects.get()
    response = client.get(reverse("disputes:attachment", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(personas.outsider)
    assert client.get(reverse("disputes:attachment", args=[item.pk])).status_code == 404
    assert not item.file.url.startswith("/static")


def test_an_oversized_upload_is_refused(settings):
    from django.core.exceptions import ValidationError

    from core.uploads import check_upload

    with pytest.raises(ValidationError):
        check_upload(io.BytesIO(PNG), max_bytes=10)


def test_notifications_inbox_and_unread_count(
    client, personas, make_case, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        case.escalate(by=personas.grid_worker, reason="需村级")
    client.force_login(personas.village)
    home = client.get("/")
    assert home.context["unread_notifications"] == 1
    inbox = client.get(reverse("disputes:notifications"))
    assert case.number in inbox.content.decode()
    note = Notification.objects.get(recipient=personas.village)
    opened = client.post(reverse("disputes:notification_read", args=[note.pk]))
    assert opened["Location"] == reverse("disputes:detail", args=[case.pk])
    assert Notification.objects.unread_for(personas.village).count() == 0


def test_navigation_links_the_dispute_pages(client, personas):
    client.force_login(personas.grid_worker)
    body = client.get("/").content.decode()
    for name in (
        "disputes:intake",
        "disputes:my_work",
        "disputes:list",
        "disputes:notifications",
    ):
        assert f'data-nav="{name}"' in body
