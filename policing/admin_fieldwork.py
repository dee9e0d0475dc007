"""Admin of field work: activities, hazards, time entries."""

from __future__ import annotations

from django.contrib import admin

from .models import Activity, ActivityPhoto, Hazard, TimeEntry


class ActivityPhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    readonly_fields = ("file", "content_type", "size", "uploaded_at")
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # Uploads go through the content check of the field-work form and API.
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("kind", "grid", "started_at", "duration_minutes", "recorded_by")
    list_filter = ("kind", "work_date")
    search_fields = ("place", "notes", "grid__name", "grid__code")
    raw_id_fields = ("grid", "recorded_by", "created_by")
    autocomplete_fields = ("participants",)
    readonly_fields = ("work_date", "duration_minutes", "created_at")
    date_hierarchy = "work_date"
    inlines = [ActivityPhotoInline]


@admin.register(Hazard)
class HazardAdmin(admin.ModelAdmin):
    list_display = ("kind", "grid", "status", "due_at", "overdue_at", "place")
    list_filter = ("status", "kind")
    search_fields = ("description", "place", "responsible_party", "grid__name")
    raw_id_fields = ("grid", "activity", "reported_by")
    # Status, deadline marks and the fix change through the pages and the
    # API (transition methods and the sweep), never by editing here.
    readonly_fields = (
        "status",
        "overdue_at",
        "overdue_handled_at",
        "escalated_at",
        "escalation_handled_at",
        "fix",
        "rectified_at",
        "rectified_by",
        "verified_at",
        "verified_by",
        "verification_notes",
        "created_by",
        "created_at",
    )


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ("person", "work_date", "hours", "duty", "non_police", "grid")
    list_filter = ("duty", "non_police")
    search_fields = ("person__name", "description")
    raw_id_fields = ("person", "grid", "created_by")
    date_hierarchy = "work_date"
