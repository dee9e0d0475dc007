"""Intake from other systems, end to end through the API: the external
reference deduplicates, the Idempotency-Key replays, and both hold when two
requests arrive at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from disputes.models import Dispute

# The disputes API lands from its own branch; until then there is nothing to call.
pytest.importorskip("disputes.api")

URL = "/api/v1/disputes/"


def hotline_case(tree, **extra):  # type: ignore[no-untyped-def]
    return {
        "grid": tree.grid.code,
        "category": "neighbours",
        "risk": "yellow",
        "source": "hotline_12345",
        "title": "来电反映邻居建房占用通道",
        "description": "12345 工单转办",
        "external_system": "12345",
        "external_id": "NX12345-20261129-0042",
        **extra,
    }


def test_the_same_external_reference_returns_the_existing_case(token_client, tree):
    client = token_client()
    first = client.post(URL, hotline_case(tree), format="json")
    assert first.status_code == 201, first.json()
    again = client.post(URL, hotline_case(tree, title="重复推送"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert Dispute.objects.count() == 1
    other = client.post(URL, hotline_case(tree, external_id="NX-other"), format="json")
    assert other.status_code == 201
    assert Dispute.objects.count() == 2


def test_an_idempotency_key_replays_the_creation(token_client, tree):
    client = token_client()
    body = hotline_case(tree, external_id="", external_system="")
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hk-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hk-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    changed = client.post(
        URL, {**body, "risk": "red"}, format="json", HTTP_IDEMPOTENCY_KEY="hk-1"
    )
    assert changed.status_code == 422
    assert Dispute.objects.count() == 1


def test_a_case_outside_the_accounts_scope_is_refused(token_client, tree):
    response = token_client().post(
        URL, hotline_case(tree, grid=tree.other_grid.code), format="json"
    )
    assert response.status_code in (400, 404)
    assert response.json()["detail"]
    assert not Dispute.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="simultaneous requests need PostgreSQL"
)
def test_simultaneous_pushes_of_one_reference_create_one_case(token_client, tree):
    from disputes.models import DisputeCategory

    # An earlier transactional test may have flushed the seeded categories.
    DisputeCategory.objects.get_or_create(
        code="neighbours", defaults={"name": "邻里纠纷"}
    )
    clients = [token_client() for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, int]] = []

    def push(client) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(10)
            response = client.post(URL, hotline_case(tree), format="json")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert Dispute.objects.count() == 1
    case_id = Dispute.objects.get().pk
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert {id_ for _, id_ in answers} == {case_id}
