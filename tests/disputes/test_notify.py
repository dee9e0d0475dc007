"""Putting messages in inboxes: once per person and key, whoever asks again."""

from __future__ import annotations

import datetime as dt

import time_machine

from disputes.models import Dispute, Notification
from disputes.notifications import case_url, case_urls
from disputes.notify import Message, notify, notify_all

NOON = dt.datetime(2026, 3, 9, 12, 0, tzinfo=dt.UTC)


def test_many_messages_reach_each_person_once_per_key(personas):
    gw, village = personas.grid_worker, personas.village
    with time_machine.travel(NOON, tick=False):
        considered = notify_all(
            [
                Message([gw, gw.pk, None], "k", "标" * 250, "正文", "/x/", "key:1"),
                Message([gw, village.pk], "k", "第二条", dedup_key="key:2"),
                Message([], "k", "无人", dedup_key="key:3"),
            ]
        )
        again = notify(
            recipients=[village, gw], kind="k", title="重复", dedup_key="key:2"
        )
    assert (considered, again) == (3, 2)
    rows = Notification.objects.order_by("dedup_key", "recipient_id")
    assert [(n.recipient_id, n.dedup_key) for n in rows] == sorted(
        [(gw.pk, "key:1"), (gw.pk, "key:2"), (village.pk, "key:2")],
        key=lambda r: (r[1], r[0]),
    )
    first = rows[0]
    assert (first.kind, first.title, first.body, first.url) == (
        "k",
        "标" * 200,
        "正文",
        "/x/",
    )
    assert first.created_at == NOON
    assert first.read_at is None
    assert Notification.objects.get(recipient=village).title == "第二条"


def test_messages_without_a_key_are_never_deduplicated(personas):
    gw = personas.grid_worker
    notify_all([Message([gw], "k", "一"), Message([gw], "k", "一")])
    assert Notification.objects.filter(recipient=gw).count() == 2


def test_case_urls_are_those_of_case_url():
    url = case_urls()
    for pk in (1, 42, 987654321, 10**12):
        assert url(pk) == case_url(Dispute(pk=pk))
