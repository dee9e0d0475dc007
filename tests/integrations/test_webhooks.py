"""Webhooks end to end: outbox → deliveries → a real HTTP receiver on
loopback that checks each signature."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from integrations import webhooks
from integrations.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.outbox import emit
from integrations.tasks import deliver_webhooks_task

SECRET = "s3cret-shared-with-the-police-system"  # noqa: S105


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # statuses to give, in turn
    seen: list[dict] = field(default_factory=list)
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that verifies signatures like a client
    system would (the code of docs/api.md)."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            valid = webhooks.verify(
                SECRET,
                self.headers["X-Hongsibu-Timestamp"],
                body,
                self.headers["X-Hongsibu-Signature"],
            )
            state.seen.append(
                {
                    "event": self.headers["X-Hongsibu-Event"],
                    "delivery": self.headers["X-Hongsibu-Delivery"],
                    "valid": valid,
                    "body": json.loads(body),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            status = state.answers.pop(0) if state.answers else 200
            if not valid:
                status = 401
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver error")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


def subscribe(area, url, types=("dispute.created",), secret=SECRET):  # type: ignore[no-untyped-def]
    return WebhookSubscription.objects.create(
        url=url, secret=secret, event_types=list(types), area=area
    )


def test_signed_delivery_is_retried_after_a_500_until_it_succeeds(tree, receiver):
    subscribe(tree.township, receiver.url)
    receiver.answers = [500]
    event = emit(
        "dispute.created", area=tree.grid, payload={"number": "HSB-2026-000001"}
    )

    assert deliver_webhooks_task() == {"created": 1, "attempts": 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.last_status == 500
    assert delivery.next_attempt_at > timezone.now()
    # not due yet: nothing is sent
    assert deliver_webhooks_task()["attempts"] == 0

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert deliver_webhooks_task()["attempts"] == 1

    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.order_by("id")] == [500, 200]
    first = delivery.attempt_log.order_by("id").first()
    assert first.response_snippet == "receiver error"
    assert len(receiver.seen) == 2
    assert all(seen["valid"] for seen in receiver.seen)
    assert {seen["delivery"] for seen in receiver.seen} == {str(delivery.uuid)}
    body = receiver.seen[0]["body"]
    assert body["event"] == "dispute.created"
    assert body["event_id"] == event.pk
    assert body["area"]["code"] == tree.grid.code
    assert body["data"] == {"number": "HSB-2026-000001"}


def test_a_wrong_secret_fails_the_receivers_check(tree, receiver):
    subscribe(tree.township, receiver.url, secret="another-secret-entirely")
    emit("dispute.created", area=tree.grid, payload={})
    deliver_webhooks_task()
    assert receiver.seen[0]["valid"] is False
    assert WebhookDelivery.objects.get().last_status == 401


def test_events_go_only_to_subscriptions_of_their_area_and_type(tree, receiver):
    mine = subscribe(
        tree.village, receiver.url, types=["dispute.created", "dispute.overdue"]
    )
    theirs = subscribe(tree.other_township, receiver.url)
    subscribe(tree.district, receiver.url, types=["whistle.created"])
    inactive = subscribe(tree.district, receiver.url)
    inactive.active = False
    inactive.save()

    emit("dispute.created", area=tree.grid, payload={})
    emit("dispute.overdue", area=tree.sibling_grid, payload={})
    emit("dispute.created", area=tree.other_grid, payload={})
    deliver_webhooks_task()

    received = sorted(
        WebhookDelivery.objects.values_list("subscription_id", "event__area__code")
    )
    assert received == sorted(
        [
            (mine.pk, tree.grid.code),
            (mine.pk, tree.sibling_grid.code),
            (theirs.pk, tree.other_grid.code),
        ]
    )
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_fan_out_twice_creates_each_delivery_once(tree, receiver):
    subscribe(tree.township, receiver.url)
    event = emit("dispute.created", area=tree.grid, payload={})
    webhooks.fan_out()
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # a crashed run
    webhooks.fan_out()
    assert WebhookDelivery.objects.count() == 1


def test_a_claimed_delivery_is_not_sent_by_an_overlapping_run(tree, receiver):
    subscribe(tree.township, receiver.url)
    emit("dispute.created", area=tree.grid, payload={})
    webhooks.fan_out()
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks.claim(delivery.pk, delivery.next_attempt_at, now) is True
    assert webhooks.claim(delivery.pk, delivery.next_attempt_at, now) is False
    assert webhooks.deliver_due() == 0
    # a runner that died with the claim: the delivery is due again after the lease
    with time_machine.travel(now + webhooks.CLAIM_LEASE + timedelta(seconds=1)):
        assert webhooks.deliver_due() == 1
    assert len(receiver.seen) == 1


def test_an_unreachable_receiver_is_logged_and_retried(tree, receiver):
    subscribe(tree.township, "http://127.0.0.1:9/nothing-listens-here")
    emit("dispute.created", area=tree.grid, payload={})
    deliver_webhooks_task()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PENDING


def test_a_slow_receiver_times_out_instead_of_holding_the_worker(
    tree, receiver, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    subscribe(tree.township, receiver.url)
    emit("dispute.created", area=tree.grid, payload={})
    deliver_webhooks_task()
    attempt = WebhookAttempt.objects.get()
    assert "timed out" in attempt.error.lower() or "timeout" in attempt.error.lower()


def test_retries_back_off_and_stop_after_24_hours(tree, receiver):
    subscribe(tree.township, receiver.url)
    receiver.answers = [503] * 100
    emit("dispute.created", area=tree.grid, payload={})
    start = timezone.now()
    deliver_webhooks_task()
    gaps = []
    moment = start
    for _ in range(60):
        delivery = WebhookDelivery.objects.get()
        if delivery.state != WebhookDelivery.State.PENDING:
            break
        gaps.append(delivery.next_attempt_at - moment)
        moment = delivery.next_attempt_at
        with time_machine.travel(moment + timedelta(seconds=1)):
            deliver_webhooks_task()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert gaps[1] > gaps[0]
    assert max(gaps) <= timedelta(hours=1, seconds=5)
    last = delivery.attempt_log.order_by("-attempted_at").first().attempted_at
    assert timedelta(hours=23) < last - start <= timedelta(hours=24, minutes=5)


def test_the_administrator_sees_the_log_and_replays_a_delivery(
    client, personas, tree, receiver
):
    subscribe(tree.township, receiver.url)
    emit("dispute.created", area=tree.grid, payload={})
    deliver_webhooks_task()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.DELIVERED

    client.force_login(personas.admin)
    page = client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert str(delivery.uuid) in page.content.decode()
    response = client.post(
        "/admin/integrations/webhookdelivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert len(receiver.seen) == 2


def test_signature_verification_refuses_old_timestamps():
    body = b'{"a":1}'
    old = str(int(time.time()) - 3600)
    assert not webhooks.verify(SECRET, old, body, webhooks.sign(SECRET, old, body))
    now = str(int(time.time()))
    assert webhooks.verify(SECRET, now, body, webhooks.sign(SECRET, now, body))
    assert not webhooks.verify(
        SECRET, now, body + b" ", webhooks.sign(SECRET, now, body)
    )


# --- The subscription API ------------------------------------------------------------
def test_subscriptions_are_scoped(token_client, tree, personas):
    subscribe(tree.other_township, "https://elsewhere.example.cn/h")
    own = subscribe(tree.village, "https://police.example.cn/h")
    client = token_client()
    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert "secret" not in listed[0]
    other = WebhookSubscription.objects.exclude(pk=own.pk).get()
    assert client.get(f"/api/v1/webhooks/{other.pk}/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{other.pk}/").status_code == 404


def test_a_generated_secret_is_shown_once(token_client, tree, service):
    client = token_client()
    created = client.post(
        "/api/v1/webhooks/",
        {
            "url": "https://police.example.cn/h",
            "event_types": ["whistle.created"],
            "area": tree.township.code,
        },
        format="json",
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret
    assert subscription.created_by == service
    assert "secret" not in client.get(f"/api/v1/webhooks/{subscription.pk}/").json()


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "file:///etc/passwd", "event_types": ["dispute.created"]},
        {"url": "https://x.cn/h", "event_types": ["no.such_event"]},
        {"url": "https://x.cn/h", "event_types": []},
        {"url": "https://x.cn/h", "event_types": "dispute.created"},
        {"url": "https://x.cn/h", "event_types": ["dispute.created"], "area": ["x"]},
        {
            "url": "https://x.cn/h",
            "event_types": ["dispute.created"],
            "secret": "short",
        },
    ],
)
def test_bad_subscriptions_answer_400_with_field_errors(token_client, tree, payload):
    payload = {"area": tree.township.code, **payload}
    response = token_client().post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert response.json()["errors"]


def test_people_without_the_role_cannot_manage_webhooks(token_client, personas):
    response = token_client(personas.district).get("/api/v1/webhooks/")
    assert response.status_code == 403
    assert response.json()["detail"]
