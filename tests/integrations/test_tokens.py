"""Service tokens: hashed, expiring, revocable, scoped; the password login
respects the lockout; rate limits answer a clear 429."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.models import Role
from tests.conftest import PASSWORD

WEBHOOKS = "/api/v1/webhooks/"


def test_create_token_prints_the_token_once_and_stores_only_its_digest(service):
    out = io.StringIO()
    call_command(
        "create_token", "--username", service.username, "--days", "7", stdout=out
    )
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("hsb_")
    stored = AuthToken.objects.get(user=service)
    assert key not in (stored.digest, stored.token_key)
    assert timedelta(days=6) < stored.expiry - timezone.now() <= timedelta(days=7)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(WEBHOOKS).status_code == 200


def test_create_token_refuses_an_unknown_account(db):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No account"):
        call_command("create_token", "--username", "nobody")


def test_an_expired_token_answers_401(service, token_client):
    client = token_client()
    assert client.get(WEBHOOKS).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        response = client.get(WEBHOOKS)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not AuthToken.objects.filter(user=service).exists()


def test_logout_revokes_only_the_token_used(service, token_client):
    first, second = token_client(), token_client()
    assert first.post("/api/v1/auth/logout/").status_code == 204
    assert first.get(WEBHOOKS).status_code == 401
    assert second.get(WEBHOOKS).status_code == 200


def test_a_wrong_token_answers_401_with_detail(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token hsb_not-a-real-token")
    response = client.get(WEBHOOKS)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_token_carries_the_accounts_scope(service, token_client, tree):
    client = token_client()
    inside = client.post(
        WEBHOOKS,
        {
            "url": "https://example.cn/h",
            "event_types": ["dispute.created"],
            "area": tree.village.code,
        },
        format="json",
    )
    assert inside.status_code == 201, inside.json()
    outside = client.post(
        WEBHOOKS,
        {
            "url": "https://example.cn/h",
            "event_types": ["dispute.created"],
            "area": tree.other_village.code,
        },
        format="json",
    )
    assert outside.status_code == 400
    assert "area" in outside.json()["errors"]


def test_people_get_a_token_with_their_password(personas):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "township", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["area"] == personas.township.area.code
    assert body["expiry"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    # A township clerk may not manage webhooks, but is authenticated.
    assert client.get(WEBHOOKS).status_code == 403


def test_a_wrong_password_answers_401(personas):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "township", "password": "nope"},
        format="json",
    )
    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_password_login_locks_out_after_repeated_failures(personas, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"username": "township", "password": "nope"},
            format="json",
        )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "township", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 429
    assert "locked" in response.json()["detail"] or response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    assert not AuthToken.objects.filter(user=personas.township).exists()


def test_integration_accounts_have_their_own_rate_limit(
    service, token_client, settings, personas
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100/min", "integration": "2/min"},
    }
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK[
        "DEFAULT_THROTTLE_RATES"
    ]
    try:
        client = token_client()
        assert client.get(WEBHOOKS).status_code == 200
        assert client.get(WEBHOOKS).status_code == 200
        limited = client.get(WEBHOOKS)
        assert limited.status_code == 429
        assert limited.json()["detail"]
        assert int(limited["Retry-After"]) > 0
        # a person is counted on their own
        admin = token_client(personas.admin)
        assert admin.get(WEBHOOKS).status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_the_admin_issues_a_token_for_a_service_account(client, personas, service):
    client.force_login(personas.admin)
    response = client.post(
        "/admin/integrations/serviceaccount/",
        {"action": "issue_token", "_selected_action": [service.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    token = AuthToken.objects.get(user=service)
    assert token.token_key in text
    assert service.role == Role.INTEGRATION
