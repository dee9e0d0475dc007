"""Every route of the platform, and how the security tests reach it.

``enumerate_routes()`` walks the URL resolver (pages, admin, the REST API);
``REGISTRY`` says for each route name how to build its arguments and what it
is. A route missing from the registry fails ``test_every_route_is_registered``:
add a line here when you add a route.

Data for the checks comes from the builders in ``world.py``: the same kind of
object in grid G1 (T1), its sibling grid G2 (T1, same village) and grid G3
(another township), each carrying its area's name so a leak shows up as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# Personas (tests.conftest) and the data keys each may see.
ALL_KEYS = ("g1", "g2", "g3")
VISIBLE_KEYS: dict[str, tuple[str, ...]] = {
    "grid_worker": ("g1",),
    "officer": ("g1",),
    "village": ("g1", "g2"),
    "township": ("g1", "g2"),
    "district": ALL_KEYS,
    "leader": ALL_KEYS,
    "admin": ALL_KEYS,
    "outsider": ("g3",),
}
PERSONAS = tuple(VISIBLE_KEYS)
FIELD = frozenset({"grid_worker", "officer"})
CENTERS = frozenset({"village", "township", "district"})
EVERYONE = frozenset(PERSONAS)


@dataclass(frozen=True)
class Route:
    """One URL pattern found in the resolver."""

    name: str  # "namespace:name" or the bare name
    pattern: str  # the full pattern text, for messages
    is_api: bool
    arg_names: tuple[str, ...]


@dataclass(frozen=True)
class Spec:
    """How the security tests treat a route.

    kind:
      - "open": needs no login (login page, health, ...); nothing to scope.
      - "page": a login-only page; anonymous is sent to /login/.
      - "api": a REST route; anonymous gets 401.
      - "admin": Django admin; only administrators.
    kwargs: builds the URL arguments for the object in data key ``key``
      (``world.obj(name, key)``); None for routes without arguments.
    roles: the personas that may use the route; others get 403/404 (or a
      redirect), never the data.
    method: "GET" for what can be read; "POST" for actions (only the scope
      and anonymous checks apply: another area's object answers 404).
    export: the route returns a CSV/XLSX file (checks formula escaping and
      the export audit record).
    query: extra query string for GET (e.g. "?format=csv").
    """

    kind: str
    kwargs: Callable[[Any, str], dict[str, Any]] | None = None
    roles: frozenset[str] = EVERYONE
    method: str = "GET"
    export: bool = False
    query: str = ""
    ok_status: tuple[int, ...] = (200,)
    note: str = ""


def obj_pk(name: str, arg: str = "pk") -> Callable[[Any, str], dict[str, Any]]:
    """URL kwargs {arg: pk of the world's ``name`` object in key}."""

    def build(world: Any, key: str) -> dict[str, Any]:
        return {arg: world.obj(name, key).pk}

    return build


def obj_attr(name: str, arg: str, attr: str) -> Callable[[Any, str], dict[str, Any]]:
    def build(world: Any, key: str) -> dict[str, Any]:
        return {arg: getattr(world.obj(name, key), attr)}

    return build


OPEN = Spec("open")
PAGE = Spec("page")
API = Spec("api")

# Routes that need no login and show nothing scoped (explicit allow-list).
REGISTRY: dict[str, Spec] = {
    "login": OPEN,
    "login_totp": OPEN,
    "logout": Spec("open", method="POST"),
    "health": OPEN,
    "set_language": Spec("open", method="POST"),
    # Pages of the platform itself.
    "home": PAGE,
    "two_factor": PAGE,
    "reveal": Spec("page", method="POST", note="covered by test_personal_data"),
    # The API's description is public (it lists routes, no data).
    "schema": OPEN,
    "swagger-ui": OPEN,
    "api-root": API,
}


def register(name: str, spec: Spec) -> None:
    REGISTRY[name] = spec


def spec_for(route: Route) -> Spec | None:
    if route.name.startswith("admin:"):
        return Spec("admin")
    return REGISTRY.get(route.name)


# --- walking the resolver ---------------------------------------------------------


def enumerate_routes() -> list[Route]:
    """Every URL pattern with its full name. Format-suffix duplicates of API
    routes are folded into the route they repeat; unnamed patterns keep their
    pattern text as the name (and so fail the registry check unless admin)."""
    found: dict[str, Route] = {}

    def walk(
        patterns: list, prefix: str, namespace: str, args: tuple[str, ...]
    ) -> None:
        for p in patterns:
            text = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                walk(
                    p.url_patterns,
                    text,
                    ns,
                    args + tuple(p.pattern.regex.groupindex),
                )
            elif isinstance(p, URLPattern):
                if "format" in p.pattern.regex.groupindex:
                    continue  # DRF's ".json" twin of a route listed anyway
                names = args + tuple(p.pattern.regex.groupindex)
                name = f"{namespace}{p.name}" if p.name else f"{namespace}<{text}>"
                found.setdefault(
                    name,
                    Route(
                        name=name,
                        pattern=text,
                        is_api=text.startswith("api/"),
                        arg_names=names,
                    ),
                )

    walk(get_resolver().url_patterns, "", "", ())
    return sorted(found.values(), key=lambda r: r.name)


@dataclass
class Failures:
    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.items.append(message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def report(self) -> str:
        return f"{len(self.items)} problem(s):\n" + "\n".join(self.items[:80])
