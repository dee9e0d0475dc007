"""Area scope: the one rule every query, page, export and API call goes through.

A user sees the subtree of their scope area. Because grids are nodes of the area
tree, the rule is a single prefix filter on the materialized path.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

NOTHING = Q(pk__in=[])


def scope_path(user: Any) -> str | None:
    """The path prefix of what ``user`` may see; "" for everything, None for
    nothing."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_scope_path", False)
    if cached is not False:
        return cached
    if user.area_id is None:
        path = "" if user.is_superuser else None
    else:
        path = user.area.path
    user._scope_path = path
    return path


def scope_q(user: Any, field: str, *, field_is_path: bool = False) -> Q:
    """A Q limiting rows to the user's scope.

    ``field`` names the foreign key to ``grids.Area`` (for example ``"grid"``
    or ``"dispute__grid"``), or the path column itself with ``field_is_path``.
    """
    path = scope_path(user)
    if path is None:
        return NOTHING
    if path == "":
        return Q()
    lookup = field if field_is_path else f"{field}__path"
    return Q(**{f"{lookup}__startswith": path})


def in_scope(user: Any, area: Any) -> bool:
    """Whether ``area`` (a grids.Area) lies in the user's scope."""
    path = scope_path(user)
    if path is None or area is None:
        return False
    return area.path.startswith(path)
