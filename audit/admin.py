"""Administrators browse and filter the trail here; nobody adds, changes or
deletes records."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "id",
        "created_at",
        "action",
        "actor_username",
        "ip",
        "model",
        "object_pk",
        "object_repr",
    )
    list_filter = ("action", "model", "created_at")
    search_fields = ("actor_username", "object_pk", "object_repr", "ip", "model")
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False
    # Chain order; records still waiting to be chained (no position) first.
    ordering = (F("seq").desc(nulls_first=True), "-id")
    fields = (
        "seq",
        "id",
        "created_at",
        "action",
        "actor_id",
        "actor_username",
        "ip",
        "model",
        "object_pk",
        "object_repr",
        "before_pretty",
        "after_pretty",
        "detail_pretty",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    actions = None

    @admin.display(description=_("before"))
    def before_pretty(self, obj: AuditRecord) -> str:
        return _pretty(obj.before)

    @admin.display(description=_("after"))
    def after_pretty(self, obj: AuditRecord) -> str:
        return _pretty(obj.after)

    @admin.display(description=_("detail"))
    def detail_pretty(self, obj: AuditRecord) -> str:
        return _pretty(obj.detail)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _pretty(value: Any) -> str:
    if value in (None, {}, []):
        return "-"
    return format_html(
        "<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    )
