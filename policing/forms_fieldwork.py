"""Forms of the field-work pages; each hands its data to one domain call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area

from .models import (
    Activity,
    Assignment,
    Hazard,
    Person,
    TimeEntry,
    current_grid_of,
    person_of,
)
from .uploads import MAX_PHOTOS, validate_photo


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one input; each checked by content and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)s photos.") % {"n": MAX_PHOTOS}, code="too_many"
            )
        cleaned = [super(MultiplePhotoField, self).clean(f, initial) for f in files]
        for f in cleaned:
            validate_photo(f)
        return cleaned


class BootstrapMixin:
    """Gives every widget its Bootstrap class, large enough for a thumb."""

    def style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(
                widget,
                forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput,
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-lg"
            else:
                css = "form-control form-control-lg"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def visible_grids(user: Any) -> Any:
    return Area.objects.visible_to(user).grids()


def default_grid(user: Any, on: dt.date) -> Area | None:
    """The account's grid: its person's current post, else its scope area
    when that is a grid, else the only grid it can see."""
    grid = current_grid_of(person_of(user), on)
    if grid is not None:
        return grid
    if user.area is not None and user.area.level == Area.Level.GRID:
        return user.area
    grids = list(visible_grids(user)[:2])
    return grids[0] if len(grids) == 1 else None


def people_for(user: Any, on: dt.date) -> Any:
    """People who can take part: those posted to the user's visible grids, or
    kept in the user's scope, and the user's own person."""
    from core.scope import scope_q

    me = person_of(user)
    posted = Assignment.objects.current(on).filter(scope_q(user, "grid"))
    return (
        Person.objects.active()
        .filter(
            Q(pk__in=posted.values("person_id"))
            | scope_q(user, "area")
            | Q(pk=me.pk if me else None)
        )
        .order_by("role", "name", "pk")
    )


class ActivityForm(BootstrapMixin, forms.ModelForm):
    """The phone-first form: what, where, when, who, and photos."""

    photos = MultiplePhotoField(label=_("Photos"), required=False)

    class Meta:
        model = Activity
        fields = [
            "kind",
            "grid",
            "started_at",
            "ended_at",
            "place",
            "topic",
            "advisee_kind",
            "advisee_name",
            "participants",
            "notes",
        ]
        widgets = {
            "started_at": DateTimeInput(),
            "ended_at": DateTimeInput(),
            "participants": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        self.fields["grid"].queryset = visible_grids(user)
        self.fields["participants"].queryset = people_for(user, today)
        self.fields["participants"].help_text = _("You are included automatically.")
        for name in ("started_at", "ended_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("grid", default_grid(user, today))
            self.initial.setdefault("started_at", now - dt.timedelta(hours=1))
            self.initial.setdefault("ended_at", now)
        self.style()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and end < start:
            self.add_error("ended_at", _("The end time is before the start time."))
        if start and start > timezone.now() + dt.timedelta(minutes=5):
            self.add_error("started_at", _("Field work cannot start in the future."))
        kind = data.get("kind")
        if kind == Activity.Kind.MORAL_EDUCATION and not data.get("topic"):
            self.add_error("topic", _("Choose what the moral education was about."))
        if kind == Activity.Kind.SAFETY_ADVISOR and not (
            data.get("advisee_kind") and data.get("advisee_name")
        ):
            self.add_error(
                "advisee_name", _("Name the village or enterprise you advised.")
            )
        return data

    def record(self) -> Activity:
        data = dict(self.cleaned_data)
        return Activity.record(
            by=self.user,
            grid=data.pop("grid"),
            kind=data.pop("kind"),
            started_at=data.pop("started_at"),
            ended_at=data.pop("ended_at"),
            participants=data.pop("participants"),
            photos=data.pop("photos") or [],
            **data,
        )


class HazardForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Hazard
        fields = [
            "grid",
            "activity",
            "kind",
            "place",
            "description",
            "responsible_party",
            "responsible_phone",
            "due_at",
        ]
        widgets = {
            "due_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        self.fields["grid"].queryset = visible_grids(user)
        self.fields["activity"].queryset = (
            Activity.objects.visible_to(user)
            .filter(work_date__gte=today - dt.timedelta(days=30))
            .select_related("grid")
            .order_by("-started_at", "-pk")
        )
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.is_bound:
            self.initial.setdefault("grid", default_grid(user, today))
            self.initial.setdefault(
                "due_at",
                timezone.localtime().replace(second=0, microsecond=0)
                + dt.timedelta(days=7),
            )
        self.style()

    def clean(self) -> dict:
        data = super().clean()
        activity, grid = data.get("activity"), data.get("grid")
        if activity and grid and activity.grid_id != grid.pk:
            self.add_error("activity", _("The activity took place in another grid."))
        due = data.get("due_at")
        if due and due <= timezone.now():
            self.add_error(
                "due_at", _("The rectification deadline must be in the future.")
            )
        return data

    def report(self) -> Hazard:
        data = dict(self.cleaned_data)
        return Hazard.report(
            by=self.user, grid=data.pop("grid"), due_at=data.pop("due_at"), **data
        )


class HazardFixForm(BootstrapMixin, forms.Form):
    fix = forms.CharField(
        label=_("Rectification"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class HazardVerifyForm(BootstrapMixin, forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Result of the visit"),
        choices=[("yes", _("Rectified")), ("no", _("Not rectified"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Verification notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    new_due_at = forms.DateTimeField(
        label=_("New deadline"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Needed when the rectification is not accepted."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("accepted") is False:
            due = data.get("new_due_at")
            if due is None or due <= timezone.now():
                self.add_error("new_due_at", _("Give a new, future deadline."))
        return data


class TimeEntryForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = TimeEntry
        fields = [
            "person",
            "work_date",
            "hours",
            "duty",
            "non_police",
            "grid",
            "description",
        ]
        widgets = {"work_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        today = timezone.localdate()
        me = person_of(user)
        if user.is_field_role:
            # Field staff log their own time only.
            self.fields["person"].queryset = Person.objects.filter(
                pk=me.pk if me else None
            )
        else:
            self.fields["person"].queryset = people_for(user, today)
        self.fields["grid"].queryset = visible_grids(user)
        if not self.is_bound:
            self.initial.setdefault("person", me)
            self.initial.setdefault("work_date", today)
        self.style()

    def clean_work_date(self) -> dt.date:
        day = self.cleaned_data["work_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Time cannot be logged for a future day."))
        return day

    def clean_hours(self) -> Any:
        hours = self.cleaned_data["hours"]
        if hours <= 0 or hours > 24:
            raise forms.ValidationError(_("Between 0 and 24 hours."))
        return hours

    def save_entry(self) -> TimeEntry:
        entry = self.save(commit=False)
        entry.created_by = self.user
        entry.save()
        return entry
