"""Idempotency-Key on POSTs under /api/v1/: replay, mismatch, in flight."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from integrations.idempotency import fingerprint
from integrations.models import IdempotencyKey, WebhookSubscription
from integrations.tasks import purge_idempotency_keys_task

URL = "/api/v1/webhooks/"


def body(tree, **extra):  # type: ignore[no-untyped-def]
    return {
        "url": "https://police.example.cn/hooks",
        "event_types": ["dispute.created"],
        "area": tree.township.code,
        **extra,
    }


def test_the_same_key_and_body_replays_the_first_response(token_client, tree):
    client = token_client()
    first = client.post(URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == first["Content-Type"]
    assert WebhookSubscription.objects.count() == 1


def test_the_same_key_with_another_body_answers_422(token_client, tree):
    client = token_client()
    client.post(URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(
        URL, body(tree, description="x"), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert WebhookSubscription.objects.count() == 1


def test_keys_belong_to_one_account(token_client, tree, personas):
    token_client().post(URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    response = token_client(personas.admin).post(
        URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert WebhookSubscription.objects.count() == 2


def test_a_key_still_in_flight_answers_409(token_client, tree, service):
    import json

    payload = json.dumps(body(tree)).encode()
    request = RequestFactory().post(URL, payload, content_type="application/json")
    IdempotencyKey.objects.create(
        user=service,
        key="k-4",
        method="POST",
        path=URL,
        fingerprint=fingerprint(request),
    )
    response = token_client().post(
        URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-4"
    )
    assert response.status_code == 409
    assert response.json()["detail"]
    assert WebhookSubscription.objects.count() == 0


def test_a_rejected_request_is_remembered_but_an_unauthenticated_one_is_not(
    token_client, tree
):
    client = token_client()
    bad = client.post(
        URL, {"url": "ftp://x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-5"
    )
    assert bad.status_code == 400
    assert IdempotencyKey.objects.get(key="k-5").state == IdempotencyKey.State.DONE

    from rest_framework.test import APIClient

    anonymous = APIClient().post(
        URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-6"
    )
    assert anonymous.status_code == 401
    assert not IdempotencyKey.objects.filter(key="k-6").exists()


def test_an_overlong_key_answers_400(token_client, tree):
    response = token_client().post(
        URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_keys_expire_after_24_hours(service):
    IdempotencyKey.objects.create(
        user=service, key="old", method="POST", path=URL, fingerprint="0" * 64
    )
    IdempotencyKey.objects.create(
        user=service, key="new", method="POST", path=URL, fingerprint="0" * 64
    )
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_idempotency_keys_task() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two real connections need PostgreSQL"
)
def test_two_simultaneous_requests_with_one_key_run_once(
    token_client, tree, monkeypatch
):
    """The first request is held inside its view; the second, on another
    connection, finds the committed in-flight row and answers 409."""
    from integrations import api

    entered, release = threading.Event(), threading.Event()
    original = api.WebhookSubscriptionViewSet.perform_create

    def slow_create(self, serializer):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(10)
        original(self, serializer)

    monkeypatch.setattr(api.WebhookSubscriptionViewSet, "perform_create", slow_create)
    client_a, client_b = token_client(), token_client()
    results: dict[str, int] = {}

    def first() -> None:
        try:
            response = client_a.post(
                URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-race"
            )
            results["first"] = response.status_code
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert entered.wait(10)
    second = client_b.post(
        URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-race"
    )
    release.set()
    thread.join(10)
    assert second.status_code == 409
    assert results["first"] == 201
    assert WebhookSubscription.objects.count() == 1
    third = client_b.post(URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-race")
    assert third.status_code == 201
    assert third["Idempotent-Replayed"] == "true"


def test_a_key_abandoned_in_flight_by_a_dead_process_is_released(
    token_client, tree, service
):
    import json

    payload = json.dumps(body(tree)).encode()
    request = RequestFactory().post(URL, payload, content_type="application/json")
    IdempotencyKey.objects.create(
        user=service,
        key="k-dead",
        method="POST",
        path=URL,
        fingerprint=fingerprint(request),
    )
    IdempotencyKey.objects.filter(key="k-dead").update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    response = token_client().post(
        URL, payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-dead"
    )
    assert response.status_code == 201
    assert IdempotencyKey.objects.get(key="k-dead").state == IdempotencyKey.State.DONE


def test_idempotency_keys_are_bookkeeping_not_audited(token_client, tree):
    from audit.models import AuditRecord

    response = token_client().post(
        URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-audit"
    )
    assert response.status_code == 201
    assert IdempotencyKey.objects.filter(key="k-audit", state="done").exists()
    assert not AuditRecord.objects.filter(model="integrations.idempotencykey").exists()
    # the write the key guarded is audited
    assert AuditRecord.objects.filter(
        model="integrations.webhooksubscription", action="create"
    ).exists()


def test_a_post_with_a_key_looks_the_token_up_once(token_client, tree):
    from django.test.utils import CaptureQueriesContext

    client = token_client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, body(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-once"
        )
    assert response.status_code == 201
    lookups = [q for q in queries.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(lookups) == 1, [q["sql"] for q in lookups]


def test_a_bad_token_with_a_key_still_answers_401(db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token hsb_not-a-real-token")
    response = client.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()
