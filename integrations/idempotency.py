"""``Idempotency-Key`` for every POST under /api/v1/, as a middleware so that
no app's views need to know about it.

Per account: the same key with the same request returns the first response
again (with ``Idempotent-Replayed: true``); the same key with another request
answers 422; while the first request is still running, 409. The key's row is
inserted and committed before the view runs; the unique (account, key)
constraint makes two simultaneous requests collide there, whatever the number
of web processes. Keys are kept for 24 hours (``purge_idempotency_keys_task``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from .models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
PREFIX = "/api/v1/"
MAX_KEY_LENGTH = 255
# Responses worth replaying. Authentication failures, throttling, conflicts and
# server errors are transient: the key is released so that a retry runs again.
NOT_STORED = {401, 403, 409, 429}
REPLAYED_HEADERS = ("Content-Type", "Location")
# An in-flight key older than this belongs to a request whose process died.
ABANDONED_AFTER = timedelta(minutes=5)


def _problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _account(request: HttpRequest) -> Any:
    """Who is calling: the token's account, or the session's. The token is
    authenticated once: DRF's authentication in the view reuses the result
    (``integrations.auth``)."""
    from .auth import authenticate_once

    try:
        result = authenticate_once(request)
    except APIException:
        return AnonymousUser()
    if result is not None:
        return result[0]
    return getattr(request, "user", AnonymousUser())


def fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(request.META.get("CONTENT_TYPE", "").split(";")[0].encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Place after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method != "POST"
            or not request.path.startswith(PREFIX)
        ):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return _problem(
                400,
                _("The Idempotency-Key header must be 1 to %(n)s characters.")
                % {"n": MAX_KEY_LENGTH},
            )
        user = _account(request)
        if not user.is_authenticated:
            return self.get_response(request)  # the view answers 401
        try:
            print_ = fingerprint(request)
        except RequestDataTooBig:
            return self.get_response(request)  # the view answers 413/400
        row = self._begin(user, key, request, print_)
        if isinstance(row, HttpResponse):
            return row
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            raise
        self._finish(row, response)
        return response

    def _begin(
        self, user: Any, key: str, request: HttpRequest, print_: str, retry: bool = True
    ) -> IdempotencyKey | HttpResponse:
        try:
            # Its own committed transaction: the row must be visible to a
            # simultaneous request before the view starts.
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    fingerprint=print_,
                )
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # released between our insert and our read
            return _problem(
                409,
                _(
                    "A request with this Idempotency-Key was just being processed; "
                    "retry."
                ),
            )
        if existing.fingerprint != print_:
            return _problem(
                422,
                _(
                    "This Idempotency-Key was used with a different request; use a "
                    "new key for a new request."
                ),
            )
        if existing.state == IdempotencyKey.State.IN_FLIGHT:
            if retry and existing.created_at < timezone.now() - ABANDONED_AFTER:
                # Its process died mid-request: release the key and run again.
                IdempotencyKey.objects.filter(
                    pk=existing.pk, state=IdempotencyKey.State.IN_FLIGHT
                ).delete()
                return self._begin(user, key, request, print_, retry=False)
            return _problem(
                409,
                _(
                    "A request with this Idempotency-Key is still being processed; "
                    "retry later."
                ),
            )
        response = HttpResponse(
            bytes(existing.response_body or b""), status=existing.response_status
        )
        for name, value in existing.response_headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response

    def _finish(self, row: IdempotencyKey, response: HttpResponse) -> None:
        if (
            response.streaming
            or response.status_code >= 500
            or (response.status_code in NOT_STORED)
        ):
            IdempotencyKey.objects.filter(pk=row.pk).delete()
            return
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        IdempotencyKey.objects.filter(pk=row.pk).update(
            state=IdempotencyKey.State.DONE,
            response_status=response.status_code,
            response_body=response.content,
            response_headers={
                name: response[name] for name in REPLAYED_HEADERS if name in response
            },
            completed_at=timezone.now(),
        )


def describe_header() -> dict[str, Any]:
    """The header as an OpenAPI parameter (used by the schema hook)."""
    return {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Optional. A unique string (e.g. a UUID) per logical request. Retrying "
            "with the same key and body returns the first response; the same key "
            "with another body answers 422; while the first is running, 409. Kept "
            "for 24 hours per account."
        ),
        "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
    }


__all__ = ["IdempotencyMiddleware", "describe_header", "fingerprint"]
