from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.models import AuthToken

from core.admin import UserAdmin
from core.models import Role

from . import webhooks
from .models import (
    IdempotencyKey,
    OutboxEvent,
    ServiceAccount,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from .tokens import issue_token


@admin.register(ServiceAccount)
class ServiceAccountAdmin(UserAdmin):
    """Integration clients; a token is issued with an action and shown once."""

    list_display = ("username", "full_name", "area", "is_active", "token_count")
    list_filter = ("is_active",)
    actions = ["issue_token", "revoke_tokens"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(role=Role.INTEGRATION)

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        obj.role = Role.INTEGRATION
        obj.is_staff = obj.is_superuser = False
        super().save_model(request, obj, form, change)

    @admin.display(description=_("tokens"))
    def token_count(self, obj: ServiceAccount) -> int:
        return AuthToken.objects.filter(user=obj).count()

    @admin.action(description=_("Issue a token (shown once)"))
    def issue_token(self, request: HttpRequest, queryset: QuerySet) -> None:
        for account in queryset:
            token, key = issue_token(account)
            self.message_user(
                request,
                _(
                    "Token for %(user)s, valid until %(expiry)s (copy it now, it "
                    "is not shown again): %(token)s"
                )
                % {"user": account.username, "expiry": token.expiry, "token": key},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke all tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        deleted, _n = AuthToken.objects.filter(user__in=queryset).delete()
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", deleted)
            % {"n": deleted},
        )


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    """Tokens by account; deleting one revokes it. The clear token is shown
    once, when it is added."""

    list_display = ("token_key", "user", "created", "expiry")
    list_filter = ("user__role",)
    search_fields = ("token_key", "user__username")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple:
        return () if obj is None else ("token_key", "user", "created", "expiry")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "area", "event_types", "active", "created_by", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description", "area__code", "area__name")
    autocomplete_fields = ("area",)
    readonly_fields = ("created_by", "created_at")

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "duration_ms", "error", "response_snippet")
    readonly_fields = fields
    ordering = ("-attempted_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log; an administrator can send a delivery again."""

    list_display = (
        "uuid",
        "event",
        "subscription",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "event__event_type")
    search_fields = ("uuid", "subscription__url")
    list_select_related = ("event", "subscription")
    readonly_fields = (
        "uuid",
        "subscription",
        "event",
        "state",
        "attempts",
        "next_attempt_at",
        "give_up_at",
        "last_status",
        "delivered_at",
        "created_at",
    )
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Replay (send again now)"))
    def replay(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for delivery in queryset:
            webhooks.replay(delivery)
            count += 1
        from .tasks import deliver_webhooks_task

        deliver_webhooks_task.delay()
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery queued again.", "%(n)d deliveries queued again.", count
            )
            % {"n": count},
        )


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "event_type", "area", "created_at", "dispatched_at")
    list_filter = ("event_type",)
    readonly_fields = ("event_type", "area", "payload", "created_at", "dispatched_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "user",
        "method",
        "path",
        "state",
        "response_status",
        "created_at",
    )
    list_filter = ("state",)
    search_fields = ("key", "user__username")
    readonly_fields = [f.name for f in IdempotencyKey._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
