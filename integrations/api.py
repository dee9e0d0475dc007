"""Integration endpoints: tokens, webhook subscriptions, the exchange schema
and the bulk export."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Role

from .exports import DisputeExportView
from .models import WebhookSubscription
from .serializers import (
    DetailSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    ValidationErrorSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from .tokens import issue_token

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "schemas" / "dispute.schema.json"

ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer, description="Invalid input."),
    401: OpenApiResponse(DetailSerializer, description="Not authenticated."),
    403: OpenApiResponse(DetailSerializer, description="Not allowed."),
    404: OpenApiResponse(DetailSerializer, description="Not found (or not in scope)."),
    429: OpenApiResponse(
        DetailSerializer, description="Rate limited; see Retry-After."
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# --- Tokens ----------------------------------------------------------------------
class TokenLoginView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Get a token with a username and password",
        description=(
            "For people using the API with their own account. Returns a token "
            "(shown once) and its expiry; send it as `Authorization: Token <token>`. "
            "Failed attempts count towards the login lockout: after "
            f"{settings.AXES_FAILURE_LIMIT} failures the account is locked for a "
            "while and this answers 429. Service accounts get their tokens from "
            "an administrator instead."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: ERRORS[400],
            401: OpenApiResponse(DetailSerializer, description="Wrong credentials."),
            429: OpenApiResponse(
                DetailSerializer, description="Locked out or rate limited."
            ),
        },
        examples=[
            OpenApiExample(
                "Request",
                value={"username": "zhangsan", "password": "********"},
                request_only=True,
            ),
            OpenApiExample(
                "Token",
                value={
                    "token": "hsb_3f6c…",
                    "expiry": "2027-02-28T08:00:00+08:00",
                    "username": "zhangsan",
                    "role": "township_staff",
                    "area": "640303100",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answer here in JSON; the lockout middleware would otherwise swap
            # in its HTML page.
            django_request.axes_locked_out = False
            cool_off: timedelta = settings.AXES_COOLOFF_TIME
            response = Response(
                {
                    "detail": _(
                        "Too many failed logins: the account is locked for "
                        "%(minutes)s minutes."
                    )
                    % {"minutes": int(cool_off.total_seconds() // 60)}
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(int(cool_off.total_seconds()))
            return response
        if user is None or not user.is_active:
            return Response(
                {"detail": _("Wrong username or password.")},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Token"},
            )
        token, key = issue_token(user)
        return Response(
            TokenSerializer(
                {
                    "token": key,
                    "expiry": token.expiry,
                    "username": user.username,
                    "role": user.role,
                    "area": user.area.code if user.area_id else None,
                }
            ).data
        )


class LogoutView(APIView):
    """Revoke the token this request was made with."""

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        summary="Revoke the current token",
        description=(
            "Deletes the token sent in the Authorization header; later requests "
            "with it answer 401. Other tokens of the account stay valid."
        ),
        request=None,
        responses={
            204: OpenApiResponse(description="Revoked."),
            400: OpenApiResponse(
                DetailSerializer, description="The request was not made with a token."
            ),
            **errors(401, 429),
        },
    )
    def post(self, request: Request) -> Response:
        from knox.models import AuthToken

        if not isinstance(request.auth, AuthToken):
            return Response(
                {"detail": _("Log out by sending the token to revoke.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Webhooks --------------------------------------------------------------------
class CanManageWebhooks(permissions.BasePermission):
    message = _("Only integration accounts and administrators manage webhooks.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_superuser or user.role in {Role.INTEGRATION, Role.ADMIN})
        )


SUBSCRIPTION_EXAMPLE = {
    "id": 3,
    "url": "https://police.example.cn/hooks/hongsibu",
    "event_types": ["dispute.created", "dispute.stage_changed"],
    "area": "640303100",
    "active": True,
    "description": "公安综合平台",
    "created_at": "2026-11-30T09:00:00+08:00",
}


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions",
        description="Subscriptions whose area lies within the caller's scope.",
        responses={
            200: WebhookSubscriptionSerializer(many=True),
            **errors(401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "Page",
                value={
                    "next": None,
                    "previous": None,
                    "results": [SUBSCRIPTION_EXAMPLE],
                },
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description=(
            "Events of `area` and everything below it, of the listed types, are "
            "POSTed to `url`, signed with `secret` (see docs/api.md). Omit "
            "`secret` to have one generated: it is returned once, in this answer."
        ),
        responses={
            201: WebhookSubscriptionCreatedSerializer,
            **errors(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "Subscribe",
                value={
                    "url": "https://police.example.cn/hooks/hongsibu",
                    "event_types": ["dispute.created", "dispute.stage_changed"],
                    "area": "640303100",
                    "description": "公安综合平台",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**SUBSCRIPTION_EXAMPLE, "secret": "kX2v…generated…"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One webhook subscription",
        description="The secret is never shown again.",
        responses={200: WebhookSubscriptionSerializer, **errors(401, 403, 404, 429)},
        examples=[OpenApiExample("Subscription", value=SUBSCRIPTION_EXAMPLE)],
    ),
    update=extend_schema(
        summary="Replace a webhook subscription",
        description="Send `secret` to rotate it.",
        responses={
            200: WebhookSubscriptionSerializer,
            **errors(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Replace",
                value={
                    "url": "https://police.example.cn/hooks/v2",
                    "event_types": ["dispute.created"],
                    "area": "640303100",
                    "active": True,
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change a webhook subscription",
        description='For example `{"active": false}` to pause deliveries.',
        responses={
            200: WebhookSubscriptionSerializer,
            **errors(400, 401, 403, 404, 429),
        },
        examples=[OpenApiExample("Pause", value={"active": False}, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription",
        description="Pending deliveries of the subscription are dropped.",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **errors(401, 403, 404, 429),
        },
    ),
)
class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageWebhooks]
    filterset_fields = ["active"]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return (
            WebhookSubscription.objects.visible_to(self.request.user)
            .select_related("area")
            .order_by("-id")
        )

    def perform_create(self, serializer: WebhookSubscriptionSerializer) -> None:
        serializer.save(created_by=self.request.user)


# --- The exchange format ---------------------------------------------------------
class DisputeSchemaView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="schemas_dispute",
        tags=["schemas"],
        summary="JSON Schema of the dispute exchange format",
        description=(
            "A JSON Schema (draft 2020-12) of one dispute as exchanged with other "
            "systems: the records of the bulk export, with division codes, stage "
            "codes and the event history. Public, so that other systems can "
            "validate against it."
        ),
        responses={(200, "application/schema+json"): OpenApiTypes.OBJECT},
        auth=[],
    )
    def get(self, request: Request) -> JsonResponse:
        document = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = "application/schema+json"
        return response


def register(router: Any, extra_urlpatterns: list) -> None:
    router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
    extra_urlpatterns += [
        path("auth/token/", TokenLoginView.as_view(), name="api-auth-token"),
        path("auth/logout/", LogoutView.as_view(), name="api-auth-logout"),
        path(
            "schemas/dispute/", DisputeSchemaView.as_view(), name="api-schema-dispute"
        ),
        path(
            "exports/disputes/",
            DisputeExportView.as_view(),
            name="api-export-disputes",
        ),
    ]
