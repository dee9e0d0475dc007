"""People and assignments in and out as tables (CSV/XLSX via ``core.exports``).

Imports are checked whole before anything is written: every bad cell is
reported with its row and column (unknown area code, bad phone, duplicate,
overlapping assignment), and nothing changes unless every row is valid. The
export writes the same columns back, so export → import is a no-op.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

import phonenumbers
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.models import Area, PoliceZone
from grids.tables import ImportResult, cell, column_index

from .models import Assignment, Person, Station, Unit, VolunteerTeam

PERSON_COLUMNS: list[tuple[str, Any]] = [
    ("id", gettext_lazy("ID")),
    ("name", gettext_lazy("Name")),
    ("role", gettext_lazy("Role")),
    ("phone", gettext_lazy("Phone")),
    ("police_number", gettext_lazy("Police number")),
    ("area_code", gettext_lazy("Home area code")),
    ("station_code", gettext_lazy("Police station code")),
    ("unit", gettext_lazy("Unit")),
    ("volunteer_team", gettext_lazy("Volunteer team")),
    ("department", gettext_lazy("Department")),
    ("party_member", gettext_lazy("Party member")),
    ("active", gettext_lazy("Active")),
]

ASSIGNMENT_COLUMNS: list[tuple[str, Any]] = [
    ("id", gettext_lazy("ID")),
    ("person_id", gettext_lazy("Person ID")),
    ("person_name", gettext_lazy("Person name")),
    ("person_phone", gettext_lazy("Person phone")),
    ("grid_code", gettext_lazy("Grid code")),
    ("zone_code", gettext_lazy("Police zone code")),
    ("role", gettext_lazy("Role held")),
    ("start_date", gettext_lazy("Start date")),
    ("end_date", gettext_lazy("End date")),
    ("is_primary", gettext_lazy("Primary")),
    ("concurrent_post", gettext_lazy("Concurrent post")),
    ("note", gettext_lazy("Note")),
]

TRUE = {"1", "true", "yes", "y", "是", "√", "t"}
FALSE = {"0", "false", "no", "n", "否", "×", "f"}


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def parse_bool(value: str, default: bool) -> bool | None:
    v = value.strip().lower()
    if not v:
        return default
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    return None


def parse_day(value: str) -> dt.date | None:
    """ISO dates, slashes or dots, and the ``2024-01-01 00:00:00`` Excel
    writes for date cells."""
    m = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?",
        value.strip(),
    )
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_phone(value: str) -> str | None:
    """E.164 of a valid mainland China number, or None."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _choice(choices: Iterable[tuple[str, Any]], value: str) -> str | None:
    """A choice code from its code or its label in Chinese or English."""
    v = value.strip().lower()
    for code, label in choices:
        if v == code:
            return code
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                if v == str(label).lower():
                    return code
    return None


def _label(columns: Sequence[tuple[str, Any]], key: str) -> str:
    return str(dict(columns)[key])


def _phone_text(phone: Any) -> str:
    if not phone:
        return ""
    return (
        phone.as_national.replace(" ", "")
        if hasattr(phone, "as_national")
        else str(phone)
    )


# --- People ------------------------------------------------------------------


def person_rows(qs: Any) -> Iterable[list[Any]]:
    qs = qs.select_related("area", "station", "unit", "volunteer_team").order_by("pk")
    for p in qs:
        yield [
            p.pk,
            p.name,
            p.get_role_display(),
            _phone_text(p.phone),
            p.police_number,
            p.area.code,
            p.station.code if p.station else "",
            p.unit.get_kind_display() if p.unit else "",
            p.volunteer_team.name if p.volunteer_team else "",
            p.department,
            _yes_no(p.party_member),
            _yes_no(p.active),
        ]


def import_people(
    user: Any, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> ImportResult:
    result = ImportResult()
    index = column_index(PERSON_COLUMNS, header, result)
    if index is None:
        return result
    for key in ("name", "role", "area_code"):
        if key not in index:
            result.error(1, _label(PERSON_COLUMNS, key), _("Missing column."))
    if result.errors:
        return result

    def label(key: str) -> str:
        return _label(PERSON_COLUMNS, key)

    visible_people = Person.objects.visible_to(user)
    ids = {cell(r, index, "id") for r in rows} - {""}
    existing = {
        str(p.pk): p
        for p in visible_people.filter(pk__in=[i for i in ids if i.isdigit()])
    }
    areas = {
        a.code: a
        for a in Area.objects.visible_to(user).filter(
            code__in={cell(r, index, "area_code") for r in rows}
        )
    }
    stations = {s.code: s for s in Station.objects.visible_to(user)}
    units = {
        (u.station_id, u.kind): u
        for u in Unit.objects.filter(station__in=stations.values())
    }
    teams = {t.name: t for t in VolunteerTeam.objects.all()}
    seen_phone: dict[str, int] = {}
    seen_number: dict[str, int] = {}
    plan = []
    for n, row in enumerate(rows, start=2):
        values: dict[str, Any] = {}
        pid = cell(row, index, "id")
        instance = None
        if pid:
            instance = existing.get(pid)
            if instance is None:
                result.error(n, label("id"), _("Unknown person %(id)s.") % {"id": pid})
        name = cell(row, index, "name")
        if not name:
            result.error(n, label("name"), _("Required."))
        values["name"] = name
        role = _choice(Person.Role.choices, cell(row, index, "role"))
        if role is None:
            result.error(
                n,
                label("role"),
                _("Unknown role %(value)s.")
                % {"value": cell(row, index, "role") or "—"},
            )
        values["role"] = role
        raw_phone = cell(row, index, "phone")
        phone = parse_phone(raw_phone) if raw_phone else ""
        if phone is None:
            result.error(
                n,
                label("phone"),
                _("%(value)s is not a valid phone number.") % {"value": raw_phone},
            )
        elif phone:
            if phone in seen_phone:
                result.error(
                    n,
                    label("phone"),
                    _("Duplicate of row %(row)s.") % {"row": seen_phone[phone]},
                )
            else:
                seen_phone[phone] = n
        values["phone"] = phone or ""
        number = cell(row, index, "police_number")
        if number:
            if number in seen_number:
                result.error(
                    n,
                    label("police_number"),
                    _("Duplicate of row %(row)s.") % {"row": seen_number[number]},
                )
            else:
                seen_number[number] = n
        if role in Person.SWORN_ROLES and not number:
            result.error(
                n, label("police_number"), _("A police officer needs a police number.")
            )
        if number and role and role not in Person.SWORN_ROLES:
            result.error(
                n,
                label("police_number"),
                _("Only police officers have a police number."),
            )
        values["police_number"] = number
        area_code = cell(row, index, "area_code")
        values["area"] = areas.get(area_code)
        if values["area"] is None:
            result.error(
                n,
                label("area_code"),
                _("Unknown area code %(code)s.") % {"code": area_code or "—"},
            )
        station_code = cell(row, index, "station_code")
        values["station"] = stations.get(station_code) if station_code else None
        if station_code and values["station"] is None:
            result.error(
                n,
                label("station_code"),
                _("Unknown police station %(code)s.") % {"code": station_code},
            )
        unit_text = cell(row, index, "unit")
        values["unit"] = None
        if unit_text:
            kind = _choice(Unit.Kind.choices, unit_text)
            unit = (
                units.get((values["station"].pk, kind))
                if values["station"] and kind
                else None
            )
            if unit is None:
                result.error(
                    n,
                    label("unit"),
                    _("Unknown unit %(value)s of this station.") % {"value": unit_text},
                )
            values["unit"] = unit
        team_name = cell(row, index, "volunteer_team")
        values["volunteer_team"] = teams.get(team_name) if team_name else None
        if team_name and values["volunteer_team"] is None:
            result.error(
                n,
                label("volunteer_team"),
                _("Unknown volunteer team %(value)s.") % {"value": team_name},
            )
        values["department"] = cell(row, index, "department")
        for key, default in (("party_member", False), ("active", True)):
            flag = parse_bool(
                cell(row, index, key),
                getattr(instance, key) if instance else default,
            )
            if flag is None:
                result.error(n, label(key), _("Enter 是 or 否."))
            values[key] = flag
        plan.append((n, instance, values))
    # Duplicates against the people already on file.
    phones = dict(seen_phone)
    own = {n: inst.pk for n, inst, _v in plan if inst is not None}
    for other in Person.objects.filter(phone__in=list(phones)).only(
        "pk", "phone", "name"
    ):
        n = phones[str(other.phone)]
        if own.get(n) != other.pk:
            result.error(
                n,
                label("phone"),
                _("Already the phone of %(name)s.") % {"name": other.name},
            )
    for other in Person.objects.filter(police_number__in=list(seen_number)).only(
        "pk", "police_number", "name"
    ):
        n = seen_number[other.police_number]
        if own.get(n) != other.pk:
            result.error(
                n,
                label("police_number"),
                _("Already the police number of %(name)s.") % {"name": other.name},
            )
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    with transaction.atomic():
        for _n, instance, values in plan:
            if instance is None:
                Person.objects.create(**values)
                result.created += 1
                continue
            changed = [
                k for k, v in values.items() if _differs(getattr(instance, k), v)
            ]
            if changed:
                for k in changed:
                    setattr(instance, k, values[k])
                instance.save(update_fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def _differs(current: Any, new: Any) -> bool:
    if hasattr(current, "as_e164"):
        current = current.as_e164
    if current is None or current == "":
        return not (new is None or new == "")
    return current != new


# --- Assignments --------------------------------------------------------------


def assignment_rows(qs: Any) -> Iterable[list[Any]]:
    qs = qs.select_related("person", "grid", "zone").order_by("pk")
    for a in qs:
        yield [
            a.pk,
            a.person_id,
            a.person.name,
            _phone_text(a.person.phone),
            a.grid.code if a.grid else "",
            a.zone.code if a.zone else "",
            a.get_role_display(),
            a.start_date.isoformat(),
            a.end_date.isoformat() if a.end_date else "",
            _yes_no(a.is_primary),
            a.concurrent_post,
            a.note,
        ]


def import_assignments(
    user: Any, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> ImportResult:
    """New rows (no ID) add assignments; rows with an ID must match the
    assignment on file, except that an empty end date may be filled in (the
    assignment ends). History is never overwritten."""
    result = ImportResult()
    index = column_index(ASSIGNMENT_COLUMNS, header, result)
    if index is None:
        return result
    for key in ("role", "start_date"):
        if key not in index:
            result.error(1, _label(ASSIGNMENT_COLUMNS, key), _("Missing column."))
    if "grid_code" not in index and "zone_code" not in index:
        result.error(1, _label(ASSIGNMENT_COLUMNS, "grid_code"), _("Missing column."))
    if "person_id" not in index and "person_phone" not in index:
        result.error(1, _label(ASSIGNMENT_COLUMNS, "person_id"), _("Missing column."))
    if result.errors:
        return result

    def label(key: str) -> str:
        return _label(ASSIGNMENT_COLUMNS, key)

    visible = Assignment.objects.visible_to(user)
    ids = [i for i in {cell(r, index, "id") for r in rows} if i.isdigit()]
    existing = {
        str(a.pk): a for a in visible.filter(pk__in=ids).select_related("grid", "zone")
    }
    people = Person.objects.visible_to(user)
    person_ids = [i for i in {cell(r, index, "person_id") for r in rows} if i.isdigit()]
    by_id = {str(p.pk): p for p in people.filter(pk__in=person_ids)}
    phones = {}
    for r in rows:
        raw = cell(r, index, "person_phone")
        if raw and parse_phone(raw):
            phones[parse_phone(raw)] = raw
    by_phone = {str(p.phone): p for p in people.filter(phone__in=list(phones))}
    grids = {
        g.code: g
        for g in Area.objects.visible_to(user)
        .grids()
        .filter(code__in={cell(r, index, "grid_code") for r in rows})
    }
    zones = {
        z.code: z
        for z in PoliceZone.objects.visible_to(user).filter(
            code__in={cell(r, index, "zone_code") for r in rows}
        )
    }
    new: list[tuple[int, Assignment]] = []
    closing: dict[int, tuple[int, dt.date]] = {}  # existing pk -> (row, new end)
    unchanged = 0
    for n, row in enumerate(rows, start=2):
        aid = cell(row, index, "id")
        person = None
        pid = cell(row, index, "person_id")
        raw_phone = cell(row, index, "person_phone")
        if pid:
            person = by_id.get(pid)
            if person is None:
                result.error(
                    n, label("person_id"), _("Unknown person %(id)s.") % {"id": pid}
                )
        elif raw_phone:
            phone = parse_phone(raw_phone)
            if phone is None:
                result.error(
                    n,
                    label("person_phone"),
                    _("%(value)s is not a valid phone number.") % {"value": raw_phone},
                )
            else:
                person = by_phone.get(phone)
                if person is None:
                    result.error(
                        n,
                        label("person_phone"),
                        _("Nobody has the phone %(value)s.") % {"value": raw_phone},
                    )
        else:
            result.error(n, label("person_id"), _("Give the person's ID or phone."))
        grid_code = cell(row, index, "grid_code")
        zone_code = cell(row, index, "zone_code")
        grid = grids.get(grid_code) if grid_code else None
        zone = zones.get(zone_code) if zone_code else None
        if grid_code and grid is None:
            result.error(
                n,
                label("grid_code"),
                _("Unknown grid code %(code)s.") % {"code": grid_code},
            )
        if zone_code and zone is None:
            result.error(
                n,
                label("zone_code"),
                _("Unknown police zone %(code)s.") % {"code": zone_code},
            )
        if not grid_code and not zone_code:
            result.error(n, label("grid_code"), _("Give a grid or a police zone."))
        if grid_code and zone_code:
            result.error(
                n, label("zone_code"), _("Give a grid or a police zone, not both.")
            )
        role_text = cell(row, index, "role")
        role = _choice(Assignment.Role.choices, role_text)
        if role is None:
            result.error(
                n,
                label("role"),
                _("Unknown role %(value)s.") % {"value": role_text or "—"},
            )
        elif person is not None and role not in Assignment.POSTS_BY_PERSON_ROLE.get(
            person.role, ()
        ):
            result.error(
                n,
                label("role"),
                _("%(name)s (%(person_role)s) cannot hold this post.")
                % {"name": person.name, "person_role": person.get_role_display()},
            )
        start = parse_day(cell(row, index, "start_date"))
        if start is None:
            result.error(n, label("start_date"), _("Enter a date like 2025-01-31."))
        end_text = cell(row, index, "end_date")
        end = parse_day(end_text) if end_text else None
        if end_text and end is None:
            result.error(n, label("end_date"), _("Enter a date like 2025-01-31."))
        if start and end and end < start:
            result.error(
                n, label("end_date"), _("The end date is before the start date.")
            )
        primary = parse_bool(cell(row, index, "is_primary"), True)
        if primary is None:
            result.error(n, label("is_primary"), _("Enter 是 or 否."))
        fields = {
            "person": person,
            "grid": grid,
            "zone": zone,
            "role": role,
            "start_date": start,
            "end_date": end,
            "is_primary": primary,
            "concurrent_post": cell(row, index, "concurrent_post"),
            "note": cell(row, index, "note"),
        }
        if aid:
            current = existing.get(aid)
            if current is None:
                result.error(
                    n, label("id"), _("Unknown assignment %(id)s.") % {"id": aid}
                )
                continue
            fixed = [
                k
                for k in fields
                if k != "end_date" and getattr(current, k) != fields[k]
            ]
            if current.end_date is not None and current.end_date != end:
                fixed.append("end_date")
            if fixed:
                result.error(
                    n,
                    ", ".join(label(_column_of(k)) for k in fixed),
                    _(
                        "History is never overwritten: end this assignment and add a new row."
                    ),
                )
            elif current.end_date is None and end is not None:
                closing[current.pk] = (n, end)
            else:
                unchanged += 1
            continue
        if person is not None and role and start and (grid or zone):
            new.append((n, Assignment(**fields)))
    _check_overlaps(new, closing, result, label)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    with transaction.atomic():
        for pk, (_n, end) in closing.items():
            Assignment.objects.select_for_update().get(pk=pk).end(on=end)
            result.updated += 1
        for _n, a in sorted(new, key=lambda t: t[1].start_date):
            a.save_checked()
            result.created += 1
    result.unchanged = unchanged
    return result


def _column_of(field: str) -> str:
    return {"person": "person_id", "grid": "grid_code", "zone": "zone_code"}.get(
        field, field
    )


def _meets(a: Assignment, b: Assignment) -> bool:
    """Whether two new assignments may not coexist (see ``Assignment.clashes``)."""
    same_post = (a.grid_id, a.zone_id) == (b.grid_id, b.zone_id)
    if not same_post:
        return False
    dates_meet = (b.end_date is None or a.start_date <= b.end_date) and (
        a.end_date is None or b.start_date <= a.end_date
    )
    if not dates_meet:
        return False
    if a.person_id == b.person_id and a.role == b.role:
        return True
    officer = Assignment.Role.COMMUNITY_OFFICER
    return a.role == b.role == officer and a.is_primary and b.is_primary


def _check_overlaps(
    new: list[tuple[int, Assignment]],
    closing: dict[int, tuple[int, dt.date]],
    result: ImportResult,
    label: Any,
) -> None:
    for i, (n, a) in enumerate(new):
        for m, b in new[:i]:
            if _meets(a, b):
                result.error(
                    n,
                    label("start_date"),
                    _("Overlaps row %(row)s: %(message)s")
                    % {"row": m, "message": a.clash_message(b)},
                )
        for clash in a.clashes():
            if clash.pk in closing and closing[clash.pk][1] < a.start_date:
                continue  # the same file ends it before this one starts
            result.error(n, label("start_date"), a.clash_message(clash))
