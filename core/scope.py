"""Area scope: the one rule every query, page, export and API call goes through.

A user sees the subtree of their scope area. Because grids are nodes of the area
tree, the rule is a prefix filter on the materialized path. Rows that point to
an area through a foreign key are filtered by the ids of that subtree, given to
the database as values: with a join on the path instead, PostgreSQL must read
and sort every row of the scope before it can return the first page (558 ms
against 5.7 ms for a township's newest cases on a million cases; see
docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

NOTHING = Q(pk__in=[])

# Above this many areas the ids are no shorter than the path filter they
# replace; such scopes (a city or a province) keep the join on the path.
MAX_SCOPE_IDS = 5000

# Bumped whenever an area is saved or deleted in this process, so ids read
# earlier in the same request are read again after the tree changes.
_tree_version = 0


def _tree_changed(**kwargs: Any) -> None:
    global _tree_version
    _tree_version += 1


post_save.connect(_tree_changed, sender="grids.Area", dispatch_uid="scope_tree_save")
post_delete.connect(
    _tree_changed, sender="grids.Area", dispatch_uid="scope_tree_delete"
)


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


def _request_memo() -> dict | None:
    """A per-request store for scope ids (None outside a request: management
    commands and tasks compute them each time, so a tree changed in bulk is
    never seen stale)."""
    from audit.log import current_request

    request = current_request.get()
    if request is None:
        return None
    memo = getattr(request, "_scope_ids", None)
    if memo is None:
        memo = request._scope_ids = {}
    return memo


def scope_area_ids(user: Any) -> list[int] | None:
    """The ids of every area in the user's scope, or None when the scope is
    everything or too large to list (the caller then filters by path). Read
    once per request."""
    path = scope_path(user)
    if not path:
        return None
    memo = _request_memo()
    key = (path, _tree_version)
    if memo is not None and key in memo:
        return memo[key]
    area = apps.get_model("grids", "Area")
    ids = list(
        area.objects.filter(path__startswith=path)
        .order_by()
        .values_list("id", flat=True)[: MAX_SCOPE_IDS + 1]
    )
    result = None if len(ids) > MAX_SCOPE_IDS else ids
    if memo is not None:
        memo[key] = result
    return result


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
    if field_is_path:
        return Q(**{f"{field}__startswith": path})
    ids = scope_area_ids(user)
    if ids is not None:
        return Q(**{f"{field}__in": ids})
    return Q(**{f"{field}__path__startswith": path})


def in_scope(user: Any, area: Any) -> bool:
    """Whether ``area`` (a grids.Area) lies in the user's scope."""
    path = scope_path(user)
    if path is None or area is None:
        return False
    return area.path.startswith(path)
