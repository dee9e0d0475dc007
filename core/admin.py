from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat, Role, SecurityPolicy, TOTPDevice, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "area", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "full_name", "area__name", "area__code")
    autocomplete_fields = ("area",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ("full_name", "role", "area")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and scope"), {"fields": ("full_name", "role", "area")}),
    )


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at")


class SecurityPolicyForm(forms.ModelForm):
    totp_required_roles = forms.MultipleChoiceField(
        label=_("roles that must use a second factor"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SecurityPolicy
        fields = ("totp_required_roles",)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    form = SecurityPolicyForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Administrators remove a lost authenticator; the account enrols anew."""

    list_display = ("user", "confirmed_at")
    search_fields = ("user__username", "user__full_name")
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
