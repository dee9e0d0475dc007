"""API token authentication, once per request.

The Idempotency-Key middleware must know the caller before the view runs, so
it authenticates the token itself (``integrations.idempotency``); it leaves
the result on the request and DRF's authentication reuses it instead of
looking the token up and hashing it a second time.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework.request import Request

# Where the first successful authentication of a request is kept.
ATTRIBUTE = "_token_authentication"


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication, run at most once per request."""

    def authenticate(self, request: Request) -> tuple[Any, AuthToken] | None:
        django_request = getattr(request, "_request", request)
        result = getattr(django_request, ATTRIBUTE, None)
        if result is None:
            result = super().authenticate(request)
            if result is not None:
                setattr(django_request, ATTRIBUTE, result)
        return result

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        # knox also reads every other token of the account on each request to
        # delete the expired ones: one more query per request for housekeeping
        # that core.tasks.purge_expired_tokens_task does nightly. An expired
        # token is still refused (and deleted) here.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(
                sender=self.__class__, username=username, source="auth_token"
            )
            return True
        return False


def authenticate_once(request: HttpRequest) -> tuple[Any, AuthToken] | None:
    """The token's (account, token) for a plain Django request, or None when
    it carries no token; raises DRF's AuthenticationFailed for a bad one."""
    return TokenAuthentication().authenticate(Request(request))


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox, for this subclass."""

    target_class = "integrations.auth.TokenAuthentication"
