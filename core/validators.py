"""Validators for Chinese personal identifiers.

The resident ID number (GB 11643-1999) is checked here rather than with
python-stdnum, whose ``cn.ric`` raises ``KeyError`` on about half of all
six-digit prefixes (LIBRARIES.md §24): a form must answer "invalid", never 500.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB/T 2260 province-level codes (the first two digits of an ID number).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83", "91",
    }
)  # fmt: skip

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    return "".join(str(value).split()).upper()


def id_number_problem(value: str, *, today: dt.date | None = None) -> str | None:
    """Why ``value`` is not a valid 18-digit resident ID number, or None."""
    value = normalise_id_number(value)
    if not _ID_RE.match(value):
        return "format"
    if value[:2] not in PROVINCE_CODES:
        return "region"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "date"
    if born < EARLIEST_BIRTH or born > (today or dt.date.today()):  # noqa: DTZ011
        return "date"
    if id_check_digit(value[:17]) != value[17]:
        return "checksum"
    return None


def is_valid_id_number(value: str, *, today: dt.date | None = None) -> bool:
    return id_number_problem(value, today=today) is None


_ID_MESSAGES = {
    "format": _("A resident ID number has 17 digits and a digit or X."),
    "region": _("The ID number does not start with a known region code."),
    "date": _("The date of birth in the ID number is not a real date."),
    "checksum": _("The ID number's check digit is wrong; please check it."),
}


def validate_id_number(value: str) -> None:
    """Django validator for the 18-digit resident ID number (GB 11643)."""
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(_ID_MESSAGES[problem], code=f"id_{problem}")


def normalise_phone(value: str) -> str:
    """A Chinese phone number in E.164 (``+8613900000000``); raises
    ValidationError when it is not a valid mobile or landline number."""
    try:
        number = phonenumbers.parse(str(value), "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a valid Chinese phone number."), code="phone"
        ) from exc
    if not phonenumbers.is_valid_number(number) or number.country_code != 86:
        raise ValidationError(_("Enter a valid Chinese phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalise_phone(value)


def phone_key(value: str) -> str:
    """The form a phone number is stored and hashed in: E.164 when valid,
    otherwise the digits as given (so a lookup never raises)."""
    try:
        return normalise_phone(value)
    except ValidationError:
        return "".join(str(value).split())
