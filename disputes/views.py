"""Pages: intake, my work, the list, the case page with its actions, the
notifications inbox and the scoped attachment download. Each view makes one
domain call; the rules live in ``transitions.py``."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)

from .actions import ACTIONS, SLUG_OF, run_action
from .filters import DisputeFilter
from .forms import (
    ACTION_FORMS,
    AttachmentForm,
    BulkAssignForm,
    IntakeForm,
    PartyFormSet,
)
from .models import Attachment, Dispute, DisputeEvent, Notification, WhistleSummons
from .transitions import (
    acting_level,
    allowed_actions,
    attach,
    find_similar,
    intake,
    may_report_in,
)

logger = logging.getLogger(__name__)


def _visible(request: HttpRequest) -> object:
    return Dispute.objects.visible_to(request.user).select_related(
        "grid", "category", "handler"
    )


def intake_view(request: HttpRequest) -> HttpResponse:
    """Phone-first intake: grid preselected, parties validated, photos from the
    camera, and a warning before saving when a similar recent case exists."""
    if acting_level(request.user) is None:
        raise PermissionDenied
    similar: list[Dispute] = []
    if request.method == "POST":
        form = IntakeForm(request.POST, request.FILES, user=request.user)
        parties = PartyFormSet(request.POST, prefix="party")
        if form.is_valid() and parties.is_valid():
            data = form.cleaned_data
            party_rows = [
                p.cleaned_data for p in parties.forms if p.cleaned_data.get("name")
            ]
            if not data["confirm_duplicate"]:
                similar = find_similar(
                    grid=data["grid"],
                    phones=[p["phone"] for p in party_rows],
                    id_numbers=[p["id_number"] for p in party_rows],
                    names=[p["name"] for p in party_rows],
                )
            if not similar:
                try:
                    case, _created = intake(
                        by=request.user,
                        grid=data["grid"],
                        category=data["category"],
                        title=data["title"],
                        description=data["description"],
                        risk=data["risk"],
                        source=data["source"],
                        occurred_at=data["occurred_at"],
                        parties=party_rows,
                    )
                    if data["photos"]:
                        attach(case, by=request.user, files=data["photos"])
                except NotInScope as exc:
                    raise Http404 from exc
                except DomainError as exc:
                    form.add_error(None, exc.detail)
                else:
                    messages.success(
                        request,
                        _("Case %(number)s recorded.") % {"number": case.number},
                    )
                    return redirect("disputes:detail", pk=case.pk)
    else:
        form = IntakeForm(user=request.user)
        parties = PartyFormSet(prefix="party")
    return render(
        request,
        "disputes/intake.html",
        {"form": form, "parties": parties, "similar": similar},
    )


def _ordered_by_urgency(qs):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return qs.annotate(
        late=Case(
            When(due_at__lte=now, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("late", "due_at", "pk")


def my_work(request: HttpRequest) -> HttpResponse:
    """What awaits the user's action: overdue first, then by due time."""
    base = Dispute.objects.awaiting(request.user).select_related(
        "grid", "category", "handler"
    )
    flt = DisputeFilter(request.GET or None, queryset=base, request=request)
    qs = _ordered_by_urgency(flt.qs)
    bulk = BulkAssignForm(user=request.user)
    if request.method == "POST":
        bulk = BulkAssignForm(request.POST, user=request.user)
        if bulk.is_valid():
            done, failed = 0, 0
            for case in bulk.cleaned_data["cases"]:
                try:
                    case.assign(by=request.user, person=bulk.cleaned_data["person"])
                    done += 1
                except DomainError:
                    failed += 1
            messages.success(
                request,
                _("%(done)s cases assigned, %(failed)s not possible.")
                % {"done": done, "failed": failed},
            )
            return redirect("disputes:my_work")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/my_work.html",
        {"filter": flt, "page": page, "bulk": bulk, "now": timezone.now()},
    )


def dispute_list(request: HttpRequest) -> HttpResponse:
    flt = DisputeFilter(
        request.GET or None, queryset=_visible(request), request=request
    )
    qs = flt.qs.order_by("-created_at", "-pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/list.html",
        {"filter": flt, "page": page, "now": timezone.now()},
    )


def _case_or_404(request: HttpRequest, pk: int) -> Dispute:
    return get_object_or_404(_visible(request), pk=pk)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    events = (
        DisputeEvent.objects.filter(dispute=case)
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    whistles = case.whistles.prefetch_related(
        Prefetch("summonses", queryset=WhistleSummons.objects.select_related("person"))
    ).order_by("-created_at")
    actions = []
    for code in allowed_actions(request.user, case):
        slug = SLUG_OF[code]
        form = ACTION_FORMS[slug](
            initial={"version": case.version}, case=case, user=request.user
        )
        actions.append(
            {"slug": slug, "label": DisputeEvent.Action(code).label, "form": form}
        )
    my_summonses = [
        s
        for w in whistles
        for s in w.summonses.all()
        if s.reported_in_at is None and may_report_in(request.user, s)
    ]
    return render(
        request,
        "disputes/detail.html",
        {
            "case": case,
            "parties": case.parties.order_by("pk"),
            "events": events,
            "attachments": case.attachments.order_by("pk"),
            "whistles": whistles,
            "actions": actions,
            "my_summonses": my_summonses,
            "attach_form": AttachmentForm() if case.is_open else None,
            "now": timezone.now(),
        },
    )


@require_POST
def act(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """One action from the case page; the case changing first is reported, not
    a crash."""
    if slug not in ACTIONS:
        raise Http404
    case = _case_or_404(request, pk)
    form = ACTION_FORMS[slug](request.POST, case=case, user=request.user)
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''} {' '.join(e)}".strip()
            for f, e in form.errors.items()
        )
        messages.error(request, errors)
        return redirect("disputes:detail", pk=case.pk)
    data = dict(form.cleaned_data)
    if slug == "whistle":
        data["report_in_deadline"] = timezone.now() + dt.timedelta(
            minutes=data["minutes"]
        )
    try:
        run_action(case, slug, request.user, data)
    except NotInScope as exc:
        raise Http404 from exc
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    except (Conflict, InvalidTransition) as exc:
        messages.error(
            request, _("The case changed: %(detail)s") % {"detail": exc.detail}
        )
        response = redirect("disputes:detail", pk=case.pk)
        response["X-Case-Conflict"] = "1"
        return response
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("disputes:detail", pk=case.pk)
    messages.success(
        request,
        _("Done: %(action)s.")
        % {"action": DisputeEvent.Action(ACTIONS[slug].code).label},
    )
    return redirect("disputes:detail", pk=case.pk)


@require_POST
def add_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attach(case, by=request.user, files=form.cleaned_data["files"])
            messages.success(request, _("Attachments added."))
        except DomainError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, " ".join(form.errors.get("files", [])))
    return redirect("disputes:detail", pk=case.pk)


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Serves an attachment to those who see its case; never public media."""
    item = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    ext = mimetypes.guess_extension(item.content_type) or ""
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=f"{item.dispute.number}-{item.pk}{ext}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def notifications(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.for_user(request.user).order_by("-created_at", "-pk")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "disputes/notifications.html", {"page": page})


@require_POST
def notification_read(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    qs = Notification.objects.unread_for(request.user)
    if pk is not None:
        note = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        qs.filter(pk=note.pk).update(read_at=timezone.now())
        if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
            return redirect(note.url)
    else:
        qs.update(read_at=timezone.now())
    return redirect("disputes:notifications")
