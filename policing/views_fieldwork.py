"""Field-work pages: log an activity, hazards and their rectification,
officers' time in their grids, volunteer hours. Thin: each view scopes with
``.visible_to(user)`` and makes one domain call."""

from __future__ import annotations

import datetime as dt
import logging
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import DomainError, NotAllowed
from core.models import Role
from core.navigation import CENTERS, FIELD, VOLUNTEER
from grids.models import Area

from .filters_fieldwork import ActivityFilter, HazardFilter, TimeEntryFilter
from .forms_fieldwork import (
    ActivityForm,
    HazardFixForm,
    HazardForm,
    HazardVerifyForm,
    TimeEntryForm,
)
from .models import Activity, ActivityPhoto, Hazard, Person, TimeEntry
from .worktime import TARGET_SHARE, officer_time_shares, volunteer_hours

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
# Who may record field work and hazards, and act on a hazard's rectification.
RECORDERS = FIELD | VOLUNTEER | CENTERS | {Role.ADMIN}
HAZARD_ACTORS = FIELD | CENTERS | {Role.ADMIN}


def _require_role(request: HttpRequest, roles: set[str]) -> None:
    user = request.user
    if not (user.is_superuser or user.role in roles):
        raise NotAllowed()


def _month(request: HttpRequest) -> dt.date:
    """The month asked for as ?month=YYYY-MM; this month when absent or
    unreadable."""
    raw = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date().replace(day=1)  # noqa: DTZ007 - a calendar month, not an instant
    except ValueError:
        return timezone.localdate().replace(day=1)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _grid_initial(request: HttpRequest) -> dict:
    """``?grid=<id>`` preselects a grid the user can see (from a grid page)."""
    grid_id = request.GET.get("grid", "")
    if not grid_id.isdigit():
        return {}
    grid = Area.objects.visible_to(request.user).grids().filter(pk=grid_id).first()
    return {"grid": grid} if grid else {}


def _forbidden(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "policing/fieldwork/error.html",
        {"detail": exc.detail},
        status=exc.status_code,
    )


# Activities


def activity_create(request: HttpRequest) -> HttpResponse:
    """The phone-first form; grid and person come from the account."""
    try:
        _require_role(request, RECORDERS)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial=_grid_initial(request),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = form.record()
        except ValidationError as exc:
            form.add_error("photos", exc)
        except DomainError as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("Field work recorded."))
            # Back to the grid's page, where the new entry now shows.
            return redirect("grids:grid", code=activity.grid.code)
    return render(request, "policing/fieldwork/activity_form.html", {"form": form})


def activity_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Activity.objects.visible_to(request.user)
        .select_related("grid", "recorded_by")
        .annotate(n_people=Count("participants", distinct=True))
        .order_by("-started_at", "-pk")
    )
    filterset = ActivityFilter(request.GET or None, queryset, request=request)
    page = _page(request, filterset.qs)
    return render(
        request,
        "policing/fieldwork/activity_list.html",
        {"filter": filterset, "page": page},
    )


def grid_activities(request: HttpRequest, grid_id: int) -> HttpResponse:
    """A grid's recent field work and open hazards."""
    grid = get_object_or_404(Area.objects.visible_to(request.user).grids(), pk=grid_id)
    activities = (
        Activity.objects.filter(grid=grid)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch("participants", queryset=Person.objects.order_by("name", "pk"))
        )
        .order_by("-started_at", "-pk")
    )
    hazards = Hazard.objects.filter(grid=grid).open().order_by("due_at", "pk")
    return render(
        request,
        "policing/fieldwork/grid_activities.html",
        {
            "grid": grid,
            "page": _page(request, activities),
            "hazards": hazards,
            "now": timezone.now(),
        },
    )


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("grid", "recorded_by"),
        pk=pk,
    )
    return render(
        request,
        "policing/fieldwork/activity_detail.html",
        {
            "activity": activity,
            "participants": activity.participants.order_by("name", "pk"),
            "photos": activity.photos.order_by("pk"),
            "hazards": activity.hazards.order_by("pk"),
        },
    )


def activity_photo(request: HttpRequest, pk: int) -> FileResponse:
    """Photos are served through the scope check, never as public media."""
    photo = get_object_or_404(
        ActivityPhoto.objects.filter(
            activity__in=Activity.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Hazards


def hazard_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Hazard.objects.visible_to(request.user)
        .select_related("grid")
        .order_by("status", "due_at", "pk")
    )
    filterset = HazardFilter(request.GET or None, queryset, request=request)
    return render(
        request,
        "policing/fieldwork/hazard_list.html",
        {
            "filter": filterset,
            "page": _page(request, filterset.qs),
            "now": timezone.now(),
        },
    )


def hazard_create(request: HttpRequest) -> HttpResponse:
    try:
        _require_role(request, RECORDERS)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    initial = _grid_initial(request)
    activity_id = request.GET.get("activity", "")
    if activity_id.isdigit():
        activity = (
            Activity.objects.visible_to(request.user).filter(pk=activity_id).first()
        )
        if activity is not None:
            initial = {"activity": activity, "grid": activity.grid}
    form = HazardForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = form.report()
        except DomainError as exc:
            form.add_error(None, str(exc.detail))
        else:
            messages.success(request, _("Hazard recorded."))
            return redirect("policing:hazard", pk=hazard.pk)
    return render(request, "policing/fieldwork/hazard_form.html", {"form": form})


def _visible_hazard(request: HttpRequest, pk: int) -> Hazard:
    return get_object_or_404(
        Hazard.objects.visible_to(request.user).select_related(
            "grid", "activity", "reported_by", "rectified_by", "verified_by"
        ),
        pk=pk,
    )


def hazard_detail(
    request: HttpRequest,
    pk: int,
    fix_form: HazardFixForm | None = None,
    verify_form: HazardVerifyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    hazard = _visible_hazard(request, pk)
    can_act = request.user.is_superuser or request.user.role in HAZARD_ACTORS
    return render(
        request,
        "policing/fieldwork/hazard_detail.html",
        {
            "hazard": hazard,
            "can_act": can_act,
            "fix_form": fix_form or HazardFixForm(),
            "verify_form": verify_form or HazardVerifyForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@require_POST
def hazard_fix(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = _visible_hazard(request, pk)
    form = HazardFixForm(request.POST)
    try:
        _require_role(request, HAZARD_ACTORS)
        if form.is_valid():
            hazard.record_fix(by=request.user, fix=form.cleaned_data["fix"])
            messages.success(request, _("Rectification recorded."))
            return redirect("policing:hazard", pk=pk)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return hazard_detail(request, pk, fix_form=form, status=exc.status_code)
    return hazard_detail(request, pk, fix_form=form, status=400)


@require_POST
def hazard_verify(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = _visible_hazard(request, pk)
    form = HazardVerifyForm(request.POST)
    try:
        _require_role(request, HAZARD_ACTORS)
        if form.is_valid():
            hazard.verify(
                by=request.user,
                accepted=form.cleaned_data["accepted"],
                notes=form.cleaned_data["notes"],
                new_due_at=form.cleaned_data["new_due_at"],
            )
            messages.success(request, _("Verification recorded."))
            return redirect("policing:hazard", pk=pk)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return hazard_detail(request, pk, verify_form=form, status=exc.status_code)
    return hazard_detail(request, pk, verify_form=form, status=400)


# Time


def time_shares(request: HttpRequest) -> HttpResponse:
    """Officers' share of time in their own grids for a month, per station,
    those below the target first."""
    month = _month(request)
    rows = officer_time_shares(request.user, month)
    show_all = request.GET.get("all") == "1"
    listed = rows if show_all else [r for r in rows if r.needs_attention]
    stations = [
        {"name": name, "rows": list(group)}
        for name, group in groupby(listed, key=lambda r: r.station_name)
    ]
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "policing/fieldwork/time_shares.html",
        {
            "month": month,
            "previous": previous,
            "following": following
            if following <= timezone.localdate().replace(day=1)
            else None,
            "stations": stations,
            "counted": len(rows),
            "below": sum(1 for r in rows if r.below_target),
            "nothing": sum(1 for r in rows if r.nothing_logged),
            "target": TARGET_SHARE,
            "show_all": show_all,
        },
    )


def time_entry_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        TimeEntry.objects.visible_to(request.user)
        .select_related("person", "grid")
        .order_by("-work_date", "-pk")
    )
    filterset = TimeEntryFilter(request.GET or None, queryset, request=request)
    return render(
        request,
        "policing/fieldwork/time_entry_list.html",
        {"filter": filterset, "page": _page(request, filterset.qs)},
    )


def time_entry_create(request: HttpRequest) -> HttpResponse:
    try:
        _require_role(request, RECORDERS)
    except NotAllowed as exc:
        return _forbidden(request, exc)
    form = TimeEntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save_entry()
        messages.success(request, _("Time logged."))
        return redirect("policing:time_entries")
    return render(request, "policing/fieldwork/time_entry_form.html", {"form": form})


# Volunteers


def volunteers(request: HttpRequest) -> HttpResponse:
    """Volunteer police hours and activities over a period, for recognition."""
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    people, teams = volunteer_hours(request.user, start, end)
    return render(
        request,
        "policing/fieldwork/volunteers.html",
        {"people": people, "teams": teams, "start": start, "end": end},
    )
