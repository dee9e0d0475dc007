from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.masking import masked as mask_value

register = template.Library()


@register.filter
def masked(value: Any, kind: str) -> str:
    """The one place pages show a party's phone or ID number (masked)."""
    return mask_value(value, kind)


@register.filter
def time_left(due: dt.datetime | None) -> str:
    """ "3 h 20 min left" or "overdue by 2 d 4 h"."""
    if not due:
        return ""
    delta = due - timezone.now()
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)s min") % {"m": minutes}
    if delta.total_seconds() < 0:
        return _("overdue by %(t)s") % {"t": text}
    return _("%(t)s left") % {"t": text}
