"""Forms of the rosters: people, assignments and handovers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Area, PoliceZone

from .models import Assignment, Person, Station, Unit, VolunteerTeam

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.ModelForm):
    area = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        to_field_name="code",
        label=_("Home area"),
        help_text=_("The area whose staff keep this person's record."),
    )

    class Meta:
        model = Person
        fields = [
            "name",
            "role",
            "phone",
            "police_number",
            "area",
            "station",
            "unit",
            "volunteer_team",
            "department",
            "party_member",
            "active",
        ]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user)
            .filter(level__in=["district", "township", "village", "grid"])
            .order_by("path")
        )
        stations = Station.objects.visible_to(user).order_by("code")
        self.fields["station"].queryset = stations
        self.fields["unit"].queryset = Unit.objects.filter(
            station__in=stations
        ).select_related("station")
        self.fields["volunteer_team"].queryset = VolunteerTeam.objects.order_by("name")
        if self.instance.pk:
            self.initial["area"] = self.instance.area.code
        for f in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(f.widget, forms.CheckboxInput)
                else "form-control"
            )
            if isinstance(f.widget, forms.Select):
                css = "form-select"
            f.widget.attrs.setdefault("class", css)


class AssignmentForm(forms.ModelForm):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    grid = forms.ModelChoiceField(
        queryset=Area.objects.none(),
        to_field_name="code",
        required=False,
        label=_("Grid"),
    )
    zone = forms.ModelChoiceField(
        queryset=PoliceZone.objects.none(),
        to_field_name="code",
        required=False,
        label=_("Police zone"),
    )

    class Meta:
        model = Assignment
        fields = [
            "person",
            "grid",
            "zone",
            "role",
            "start_date",
            "end_date",
            "is_primary",
            "concurrent_post",
            "note",
        ]
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = (
            Person.objects.visible_to(user)
            .active()
            .exclude(
                role__in=[Person.Role.CENTER_STAFF, Person.Role.DEPARTMENT_LIAISON]
            )
        )
        role = self.data.get("role") or self.initial.get("role")
        if role in Assignment.Role.values:
            allowed = [
                r
                for r, posts in Assignment.POSTS_BY_PERSON_ROLE.items()
                if role in posts
            ]
            people = people.filter(role__in=allowed)
        self.fields["person"].queryset = people.order_by("name", "pk")
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.name} · {p.get_role_display()}"
            + (f" · {p.police_number}" if p.police_number else "")
        )
        self.fields["grid"].queryset = (
            Area.objects.visible_to(user).grids().order_by("path")
        )
        self.fields["grid"].label_from_instance = lambda g: f"{g.name} ({g.code})"
        self.fields["zone"].queryset = PoliceZone.objects.visible_to(user).order_by(
            "code"
        )
        self.fields["start_date"].initial = timezone.localdate()
        for f in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(f.widget, forms.CheckboxInput)
                else "form-control"
            )
            if isinstance(f.widget, forms.Select):
                css = "form-select"
            f.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("grid") and not data.get("zone"):
            self.add_error("grid", _("Choose a grid or a police zone."))
        if data.get("grid") and data.get("zone"):
            self.add_error("zone", _("Choose a grid or a police zone, not both."))
        return data


class HandoverForm(forms.Form):
    to = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Hand over to"))
    on = forms.DateField(
        label=_("Handover date"),
        widget=DATE,
        help_text=_(
            "The successor starts on this day; the current assignment ends the day before."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(
        self, *args: Any, user: Any, assignment: Assignment, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        allowed = [
            r
            for r, posts in Assignment.POSTS_BY_PERSON_ROLE.items()
            if assignment.role in posts
        ]
        self.fields["to"].queryset = (
            Person.objects.visible_to(user)
            .active()
            .filter(role__in=allowed)
            .exclude(pk=assignment.person_id)
            .order_by("name", "pk")
        )
        self.fields["to"].label_from_instance = lambda p: (
            f"{p.name} · {p.get_role_display()}"
            + (f" · {p.police_number}" if p.police_number else "")
        )
        self.fields["on"].initial = timezone.localdate()
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class",
                "form-select" if isinstance(f.widget, forms.Select) else "form-control",
            )


class EndAssignmentForm(forms.Form):
    on = forms.DateField(label=_("Last day"), widget=DATE, initial=dt.date.today)
