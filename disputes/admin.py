from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Attachment,
    CalendarDay,
    DeadlinePolicy,
    Dispute,
    DisputeCategory,
    DisputeEvent,
    Notification,
    Party,
    Whistle,
    WhistleSummons,
)


@admin.register(DisputeCategory)
class DisputeCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "active", "sort_order")
    list_editable = ("active", "sort_order")
    ordering = ("sort_order", "code")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("stage", "risk", "category", "duration", "unit", "auto_escalate")
    list_filter = ("stage", "risk", "unit", "auto_escalate")
    ordering = ("stage", "risk", "pk")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"
    ordering = ("-date",)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ("created_at", "actor", "action", "from_stage", "to_stage", "reason")
    ordering = ("created_at", "pk")


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ("name", "role", "address")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-mostly: the stage changes only through the workflow's actions."""

    list_display = ("number", "title", "grid", "category", "risk", "stage", "due_at")
    list_filter = ("stage", "risk", "category", "source", "ever_overdue")
    search_fields = ("number", "title", "external_id")
    list_select_related = ("grid", "category")
    ordering = ("-pk",)
    inlines = [PartyInline, EventInline]
    readonly_fields = [
        f.name
        for f in Dispute._meta.get_fields()
        if getattr(f, "concrete", False) and f.name not in ("title", "description")
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DisputeEvent)
class DisputeEventAdmin(admin.ModelAdmin):
    """Events are history: viewable, never added, changed or deleted here."""

    list_display = (
        "dispute",
        "action",
        "from_stage",
        "to_stage",
        "actor",
        "created_at",
    )
    list_filter = ("action",)
    list_select_related = ("dispute", "actor")
    ordering = ("-pk",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SummonsInline(ReadOnlyInline):
    model = WhistleSummons
    fields = ("person", "department", "reported_in_at", "overdue_at")


@admin.register(Whistle)
class WhistleAdmin(admin.ModelAdmin):
    list_display = ("grid", "dispute", "created_at", "report_in_deadline")
    list_select_related = ("grid", "dispute")
    ordering = ("-pk",)
    inlines = [SummonsInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("dispute", "original_name", "content_type", "size", "uploaded_at")
    ordering = ("-pk",)
    fields = ("dispute", "original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
    ordering = ("-pk",)
    raw_id_fields = ("recipient",)
