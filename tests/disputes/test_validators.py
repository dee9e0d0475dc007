"""Resident ID numbers (GB 11643) and Chinese phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from core.validators import (
    PROVINCE_CODES,
    id_check_digit,
    id_number_problem,
    is_valid_id_number,
    normalise_phone,
    validate_id_number,
)


@st.composite
def valid_ids(draw):  # type: ignore[no-untyped-def]
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
    )
    serial = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = f"{province}{rest}{born:%Y%m%d}{serial}"
    return first17 + id_check_digit(first17)


@given(valid_ids())
def test_every_well_formed_id_number_is_accepted(value):
    assert is_valid_id_number(value)
    assert is_valid_id_number(value.lower())


@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_is_caught(value, position, delta):
    digit = (int(value[position]) + delta) % 10
    changed = value[:position] + str(digit) + value[position + 1 :]
    assert not is_valid_id_number(changed)


@given(st.text(max_size=30))
def test_any_text_gets_an_answer_never_an_exception(value):
    assert id_number_problem(value) in {None, "format", "region", "date", "checksum"}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("11010519491231002X", None),
        ("11010519491231002x", None),
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "date"),
        ("99010519491231002X", "region"),
        ("1101051949123100", "format"),
        # a province-only prefix: python-stdnum raises KeyError on it
        ("11000119900101001X", None),
    ],
)
def test_known_id_numbers(value, problem):
    assert id_number_problem(value) == problem


def test_the_validator_speaks_chinese():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105194912310021")
    assert "校验" in str(exc.value.messages[0]) or exc.value.code == "id_checksum"


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("13900000000", "+8613900000000"),
        ("139 0000 0000", "+8613900000000"),
        ("+86 139 0000 0000", "+8613900000000"),
        ("0953-5012345", "+869535012345"),
    ],
)
def test_chinese_numbers_are_normalised(value, e164):
    assert normalise_phone(value) == e164


@pytest.mark.parametrize("value", ["12345", "1390000000", "+1 202 555 0100", "abc"])
def test_other_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        normalise_phone(value)
