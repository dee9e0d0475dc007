"""Revealing one piece of personal data in clear, once, for a stated reason.

Pages, API and exports show ID and phone numbers masked. Someone allowed to
see one in clear posts here: which object, which field and why. The answer is
the clear value, marked not to be cached, and an audit record (who, when, from
where, what, why) is written in the same transaction.

Who may reveal: village, township and district center staff and community
officers (the roles that call parties back and verify identities), plus any
account granted the ``core.reveal_personal_data`` permission by an
administrator (superusers have every permission). The object must lie in the
caller's scope, else 404 as everywhere.

What can be revealed: the encrypted fields (``core.crypto.EncryptedTextField``)
of a model scoped by its own ``visible_to`` or its parent's (a party through its
dispute), except accounts' secrets.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .crypto import EncryptedTextField
from .models import Role

REVEAL_ROLES = {
    Role.VILLAGE_STAFF,
    Role.TOWNSHIP_STAFF,
    Role.DISTRICT_STAFF,
    Role.COMMUNITY_OFFICER,
}
REVEAL_PERMISSION = "core.reveal_personal_data"
MIN_REASON = 2  # two Chinese characters make a reason ("回访")


def may_reveal(user: Any) -> bool:
    return user.is_authenticated and (
        user.role in REVEAL_ROLES or user.has_perm(REVEAL_PERMISSION)
    )


def scoped(model: type, user: Any) -> Any:
    """The rows of ``model`` the user may see: its own ``visible_to``, or that
    of the object it belongs to (a party through its dispute). None when the
    model has no scope rule (then nothing of it can be revealed)."""
    queryset = model._default_manager.get_queryset()
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    for field in model._meta.concrete_fields:
        related = field.related_model
        if field.many_to_one and related is not None:
            parent = related._default_manager.get_queryset()
            if hasattr(parent, "visible_to"):
                return queryset.filter(**{f"{field.name}__in": parent.visible_to(user)})
    return None


def revealable_fields(model: type) -> set[str]:
    """The encrypted fields of a scoped model, secrets excepted."""
    if model._meta.app_label == "core":
        return set()  # accounts' own secrets (second factor) are never shown
    return {
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField) and "secret" not in f.name
    }


class RevealForm(forms.Form):
    model = forms.CharField(max_length=100)
    pk = forms.CharField(max_length=64)
    field = forms.CharField(max_length=64)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), min_length=MIN_REASON, max_length=300
    )


@never_cache
@require_POST
def reveal(request: HttpRequest) -> HttpResponse:
    from audit.log import record_reveal

    if not may_reveal(request.user):
        return JsonResponse(
            {"detail": _("You are not allowed to reveal personal data.")}, status=403
        )
    form = RevealForm(request.POST)
    if not form.is_valid():
        return JsonResponse(
            {
                "detail": _("State why you need the clear value (reason)."),
                "errors": form.errors.get_json_data(),
            },
            status=400,
        )
    data = form.cleaned_data
    try:
        model = apps.get_model(data["model"])
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    queryset = scoped(model, request.user)
    if queryset is None or data["field"] not in revealable_fields(model):
        raise Http404
    try:
        obj = queryset.filter(pk=data["pk"]).first()
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    if obj is None:
        raise Http404
    with transaction.atomic():
        record_reveal(request, obj, data["field"], data["reason"].strip())
    value = getattr(obj, data["field"]) or ""
    if request.headers.get("HX-Request"):
        response = HttpResponse(
            format_html('<span class="revealed font-monospace">{}</span>', value)
        )
    else:
        response = JsonResponse({"field": data["field"], "value": str(value)})
    response["Cache-Control"] = "no-store"
    return response
