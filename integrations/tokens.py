"""API tokens (django-rest-knox): stored as SHA-512 digests, expiring,
revocable; a token acts as its account, so it carries the account's scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from knox.models import AuthToken


def default_ttl() -> timedelta:
    return settings.REST_KNOX["TOKEN_TTL"]


def issue_token(user: Any, *, days: int | None = None) -> tuple[AuthToken, str]:
    """A new token for ``user``; the clear text is returned once and never
    stored."""
    ttl = timedelta(days=days) if days else default_ttl()
    return AuthToken.objects.create(user=user, expiry=ttl)


def revoke_all(user: Any) -> int:
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
