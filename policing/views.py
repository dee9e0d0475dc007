"""Pages of the forces: the people directory, assignments and handovers, the
coverage page, and the roster imports and exports."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.exports import read_table, table_response
from grids.models import Area

from .coverage import coverage_summary, parse_day
from .filters import AssignmentFilter, PersonFilter
from .forms import AssignmentForm, EndAssignmentForm, HandoverForm, PersonForm
from .models import Assignment, Person
from .permissions import can_manage_forces
from .tables import (
    ASSIGNMENT_COLUMNS,
    PERSON_COLUMNS,
    assignment_rows,
    import_assignments,
    import_people,
    person_rows,
)


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_forces(request.user):
        raise Http404


def _people(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Person.objects.visible_to(request.user)


def people(request: HttpRequest) -> HttpResponse:
    qs = (
        _people(request)
        .select_related("station", "area", "unit")
        .order_by("name", "pk")
    )
    flt = PersonFilter(request.GET or None, queryset=qs, request=request)
    page = Paginator(flt.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policing/people.html",
        {
            "filter": flt,
            "page": page,
            "query": query.urlencode(),
            "can_manage": can_manage_forces(request.user),
        },
    )


def person(request: HttpRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(
        _people(request).select_related(
            "station", "unit", "area", "volunteer_team", "user"
        ),
        pk=pk,
    )
    on = timezone.localdate()
    assignments = list(
        Assignment.objects.visible_to(request.user)
        .filter(person=p)
        .select_related("grid", "zone", "predecessor__person")
        .order_by("-start_date", "-pk")
    )
    return render(
        request,
        "policing/person.html",
        {
            "person": p,
            "assignments": assignments,
            "today": on,
            "can_manage": can_manage_forces(request.user),
        },
    )


def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    instance = get_object_or_404(_people(request), pk=pk) if pk else None
    form = PersonForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        p = form.save()
        messages.success(request, _("Saved %(name)s.") % {"name": p.name})
        return redirect("policing:person", pk=p.pk)
    return render(
        request, "policing/person_form.html", {"form": form, "person": instance}
    )


def assignments(request: HttpRequest) -> HttpResponse:
    qs = (
        Assignment.objects.visible_to(request.user)
        .select_related("person", "grid", "zone")
        .order_by("-start_date", "-pk")
    )
    flt = AssignmentFilter(request.GET or None, queryset=qs, request=request)
    page = Paginator(flt.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policing/assignments.html",
        {
            "filter": flt,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_manage": can_manage_forces(request.user),
        },
    )


def assignment_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    initial = {
        k: request.GET[k]
        for k in ("grid", "zone", "role", "person")
        if k in request.GET
    }
    form = AssignmentForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        assignment = form.save(commit=False)
        try:
            assignment.save_checked()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Assignment saved."))
            if assignment.grid_id:
                return redirect("grids:grid", code=assignment.grid.code)
            return redirect("policing:person", pk=assignment.person_id)
    return render(request, "policing/assignment_form.html", {"form": form})


def _visible_assignment(request: HttpRequest, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.visible_to(request.user).select_related(
            "person", "grid", "zone"
        ),
        pk=pk,
    )


def assignment_handover(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    assignment = _visible_assignment(request, pk)
    form = HandoverForm(request.POST or None, user=request.user, assignment=assignment)
    if request.method == "POST" and form.is_valid():
        try:
            successor = assignment.hand_over(
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("Handed over to %(name)s from %(date)s.")
                % {
                    "name": successor.person.name,
                    "date": successor.start_date.isoformat(),
                },
            )
            if successor.grid_id:
                return redirect("grids:grid", code=successor.grid.code)
            return redirect("policing:person", pk=successor.person_id)
    return render(
        request,
        "policing/assignment_handover.html",
        {"form": form, "assignment": assignment},
    )


def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    assignment = _visible_assignment(request, pk)
    form = EndAssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment.end(on=form.cleaned_data["on"])
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Assignment ended."))
            return redirect("policing:person", pk=assignment.person_id)
    return render(
        request,
        "policing/assignment_end.html",
        {"form": form, "assignment": assignment},
    )


def within_area(request: HttpRequest, code: str | None) -> Area | None:
    """The area ``?within=`` names, if the viewer may see it; 404 otherwise."""
    if not code:
        return None
    return get_object_or_404(Area.objects.visible_to(request.user), code=code)


def coverage(request: HttpRequest) -> HttpResponse:
    on = parse_day(request.GET.get("on")) or timezone.localdate()
    within = request.GET.get("within") or ""
    summary = coverage_summary(request.user, on=on, within=within_area(request, within))
    return render(
        request,
        "policing/coverage.html",
        {
            "summary": summary,
            "rules": summary["rules"],
            "on": on,
            "within": within,
            "within_area": summary["within"],
        },
    )


# --- Import and export ------------------------------------------------------


def _stamp() -> str:
    return dt.date.today().strftime("%Y%m%d")  # noqa: DTZ011 - a file name only


def people_export(request: HttpRequest) -> HttpResponse:
    qs = PersonFilter(
        request.GET or None, queryset=_people(request), request=request
    ).qs
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    header = [str(label) for _key, label in PERSON_COLUMNS]
    return table_response(fmt, f"people-{_stamp()}", header, person_rows(qs))


def assignments_export(request: HttpRequest) -> HttpResponse:
    qs = AssignmentFilter(
        request.GET or None,
        queryset=Assignment.objects.visible_to(request.user),
        request=request,
    ).qs
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    header = [str(label) for _key, label in ASSIGNMENT_COLUMNS]
    return table_response(fmt, f"assignments-{_stamp()}", header, assignment_rows(qs))


def _import(request: HttpRequest, importer, columns, title: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    _require_manager(request)
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        try:
            header, rows = read_table(upload.name, upload.read())
        except Exception:  # an unreadable file is reported, not a crash
            header, rows = [], []
        result = importer(request.user, header, rows)
    return render(
        request,
        "policing/import.html",
        {"result": result, "columns": columns, "title": title},
    )


def people_import(request: HttpRequest) -> HttpResponse:
    return _import(request, import_people, PERSON_COLUMNS, _("Import people"))


def assignments_import(request: HttpRequest) -> HttpResponse:
    return _import(
        request, import_assignments, ASSIGNMENT_COLUMNS, _("Import assignments")
    )
