from __future__ import annotations

import secrets
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.scope import in_scope
from grids.models import Area

from .models import OutboxEvent, WebhookSubscription


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("Send it as `Authorization: Token <token>`.")
    )
    expiry = serializers.DateTimeField(allow_null=True)
    username = serializers.CharField()
    role = serializers.CharField()
    area = serializers.CharField(allow_null=True, help_text=_("Scope area code."))


class DetailSerializer(serializers.Serializer):
    """The body of every error (and of a few plain answers)."""

    detail = serializers.CharField()


class ValidationErrorSerializer(DetailSerializer):
    errors = serializers.DictField(
        required=False,
        help_text=_(
            "Messages per field: a list of strings, or for nested fields an "
            "object of the same shape."
        ),
    )


class ScopedAreaField(serializers.SlugRelatedField):
    """An area given by its code, which must lie within the caller's scope."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Area.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Area:
        if not isinstance(data, str):
            self.fail("invalid")
        area = super().to_internal_value(data)
        request = self.context.get("request")
        if request is None or not in_scope(request.user, area):
            # Outside the scope it does not exist for the caller.
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return area


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    area = ScopedAreaField(
        help_text=_("Area code; events of this area and below are sent.")
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=OutboxEvent.Type.choices),
        min_length=1,
        max_length=len(OutboxEvent.Type.choices),
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=128,
        help_text=_(
            "Shared secret for the signature; generated when omitted and shown "
            "once in the creation response."
        ),
    )
    url = serializers.URLField(max_length=500)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "secret",
            "event_types",
            "area",
            "active",
            "description",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError(
                _("Only http and https URLs can receive webhooks.")
            )
        return value

    def validate_event_types(self, value: list[str]) -> list[str]:
        return sorted(set(value))

    def create(self, validated_data: dict[str, Any]) -> WebhookSubscription:
        generated = "secret" not in validated_data
        if generated:
            validated_data["secret"] = secrets.token_urlsafe(32)
        subscription = super().create(validated_data)
        subscription._shown_secret = validated_data["secret"] if generated else None
        return subscription

    def to_representation(self, instance: WebhookSubscription) -> dict[str, Any]:
        data = super().to_representation(instance)
        shown = getattr(instance, "_shown_secret", None)
        if shown:
            data["secret"] = shown
        return data


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """Documentation only: the creation answer includes a generated secret."""

    secret = serializers.CharField(
        required=False,
        help_text=_("Present only when the secret was generated; shown once."),
    )
