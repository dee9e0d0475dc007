from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def figure(value: Any, kind: str = "count") -> str:
    """A figure as shown: rates with a percent sign, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if kind == "rate":
        return f"{value:.1f}%"
    return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def query(params: dict) -> str:
    """A dict as a URL query string."""
    from urllib.parse import urlencode

    return urlencode(params or {})


@register.filter
def get_attr(obj: Any, name: str) -> Any:
    return getattr(obj, name, None)
