"""Page forms: intake (phone-first) and one small form per case action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from core.scope import scope_q
from core.uploads import check_upload
from core.validators import normalise_phone, validate_id_number
from grids.models import Area

from .models import Dispute, DisputeCategory, Party


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        for f in files:
            check_upload(f)
        return files


class IntakeForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Area.objects.none())
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=DisputeCategory.objects.none()
    )
    risk = forms.ChoiceField(
        label=_("Risk colour"), choices=Dispute.Risk.choices, initial="blue"
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=Dispute.Source.choices, initial="grid_visit"
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    photos = MultipleFileField(label=_("Photos and documents"), required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("I checked: this is a different case"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grids = Area.objects.grids().filter(scope_q(user, "path", field_is_path=True))
        self.fields["grid"].queryset = grids
        self.fields["category"].queryset = DisputeCategory.objects.filter(
            active=True
        ).order_by("sort_order", "code")
        if user.area_id and user.area.level == Area.Level.GRID:
            self.fields["grid"].initial = user.area_id
        elif grids.count() == 1:
            self.fields["grid"].initial = grids.first().pk
        self.fields["photos"].widget.attrs["capture"] = "environment"
        for name, field in self.fields.items():
            if name in ("confirm_duplicate",):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    role = forms.ChoiceField(
        label=_("Role"), choices=Party.Role.choices, initial=Party.Role.APPLICANT
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)

    def has_changed(self) -> bool:
        # A blank extra party whose role select was touched is still blank.
        return any(
            self[name].data for name in ("name", "phone", "id_number", "address")
        )

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalise_phone(value) if value else ""

    def clean_id_number(self) -> str:
        value = "".join(self.cleaned_data["id_number"].split()).upper()
        if value:
            validate_id_number(value)
        return value


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not any(f.cleaned_data.get("name") for f in self.forms):
            raise ValidationError(_("Record at least one party."))


PartyFormSet = formset_factory(
    PartyForm, formset=BasePartyFormSet, extra=2, max_num=10, validate_max=True
)


# --- action forms (one per URL segment) -------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, case: Dispute | None = None, user: Any = None, **kw: Any
    ):
        super().__init__(*args, **kw)
        self.case = case
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select | forms.RadioSelect):
                if isinstance(field.widget, forms.Select):
                    field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ResolveForm(ActionForm):
    method = forms.ChoiceField(
        label=_("Resolution method"), choices=Dispute.ResolutionMethod.choices
    )
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class AcknowledgeForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class FollowUpForm(ActionForm):
    satisfied = forms.TypedChoiceField(
        label=_("Are the parties satisfied?"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes of the visit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class RejectForm(ReasonForm):
    duplicate_of = forms.CharField(
        label=_("Duplicate of (case number)"), required=False, max_length=20
    )

    def __init__(self, *args: Any, user: Any = None, **kw: Any) -> None:
        super().__init__(*args, user=user, **kw)
        self.user = user

    def clean_duplicate_of(self) -> Dispute | None:
        number = self.cleaned_data["duplicate_of"].strip()
        if not number:
            return None
        found = Dispute.objects.visible_to(self.user).filter(number=number).first()
        if found is None:
            raise ValidationError(_("No case with this number in your area."))
        return found


class TransferForm(ReasonForm):
    to = forms.CharField(label=_("Transferred to"), max_length=100)


class AssignForm(ActionForm):
    person = forms.ModelChoiceField(
        label=_("Person handling the case"), queryset=get_user_model().objects.none()
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(
        self, *args: Any, case: Dispute | None = None, user: Any = None, **kw: Any
    ):
        super().__init__(*args, case=case, user=user, **kw)
        self.fields["person"].queryset = assignable_people(case, user)


def assignable_people(case: Dispute | None, user: Any) -> Any:
    """Accounts in the viewer's scope who could handle the case."""
    from .transitions import ROLE_LEVEL

    qs = get_user_model().objects.filter(
        is_active=True, role__in=list(ROLE_LEVEL), area__isnull=False
    )
    qs = qs.filter(scope_q(user, "area"))
    if case is not None:
        step = case.grid.steplen
        paths = [
            case.grid.path[: i * step]
            for i in range(1, len(case.grid.path) // step + 1)
        ]
        qs = qs.filter(area__path__in=paths)
    return qs.order_by("role", "username")


class WhistleForm(ReasonForm):
    departments = forms.CharField(
        label=_("Departments summoned"),
        required=False,
        help_text=_("Separated by commas, e.g. 司法所, 民政办"),
        max_length=400,
    )
    minutes = forms.TypedChoiceField(
        label=_("Report in within"),
        coerce=int,
        choices=[
            (30, _("30 minutes")),
            (60, _("1 hour")),
            (120, _("2 hours")),
            (1440, _("1 day")),
        ],
        initial=120,
    )


class ReportInForm(ActionForm):
    summons = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ConsultForm(ActionForm):
    departments = forms.CharField(label=_("Departments present"), max_length=400)
    conclusions = forms.CharField(
        label=_("Conclusions"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "escalate": ReasonForm,
    "return": ReasonForm,
    "resolve": ResolveForm,
    "acknowledge-feedback": AcknowledgeForm,
    "follow-up": FollowUpForm,
    "reject": RejectForm,
    "transfer": TransferForm,
    "withdraw": ReasonForm,
    "assign": AssignForm,
    "whistle": WhistleForm,
    "report-in": ReportInForm,
    "consult": ConsultForm,
}


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Photos and documents"))


class BulkAssignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(queryset=Dispute.objects.none())
    person = forms.ModelChoiceField(
        label=_("Assign to"), queryset=get_user_model().objects.none()
    )

    def __init__(self, *args: Any, user: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["cases"].queryset = Dispute.objects.visible_to(user).open()
        self.fields["person"].queryset = assignable_people(None, user)
        self.fields["person"].widget.attrs["class"] = "form-select form-select-sm"
