"""Masks for personal data in templates: ``{{ party.phone|masked_phone }}``,
``{{ party.id_number|masked_id }}``. Revealing a clear value goes through
the audited ``reveal`` endpoint."""

from __future__ import annotations

from typing import Any

from django import template

from core.crypto import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_phone(value: Any) -> str:
    return mask_phone(value)


@register.filter
def masked_id(value: Any) -> str:
    return mask_id_number(value)
