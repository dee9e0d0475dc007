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
    # Reference data the same for everyone: no other-area check.
    unscoped: bool = False
    # The persona's own object (``world.own[persona][name]``): another
    # account's answers 404.
    own: str = ""


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


# Roles as the navigation gives them (core/navigation.py).
ADMINS = frozenset({"admin"})
LEADERS = frozenset({"leader"})
FIELD_CENTERS = FIELD | CENTERS
FORCES_VIEW = FIELD | CENTERS | LEADERS | ADMINS
# Who keeps the forces' records: center staff and administrators.
MANAGERS = (CENTERS | ADMINS | {"outsider"}) - FIELD
# Who records field work: everyone but leaders.
RECORDERS = EVERYONE - LEADERS


def code_of(name: str) -> Callable[[Any, str], dict[str, Any]]:
    return obj_attr(name, "code", "code")


REGISTRY.update(
    {
        # --- API: authentication endpoints answer anyone (they are the door).
        "api-auth-token": Spec("open", method="POST"),
        "api-schema-dispute": OPEN,
        "api-auth-logout": Spec("api", method="POST"),
        # --- grids (issue 3)
        # field roles are sent from the tree to their own grid
        "grids:tree": Spec("page", ok_status=(200, 302)),
        "grids:area": Spec("page", kwargs=code_of("area"), ok_status=(200, 302)),
        "grids:grid": Spec("page", kwargs=code_of("grid")),
        "grids:grids_export": Spec("page", export=True, query="?format=csv"),
        "grids:grids_import": Spec("page", roles=MANAGERS),
        "area-list": API,
        "area-detail": Spec("api", kwargs=code_of("area")),
        "grid-list": API,
        "grid-detail": Spec("api", kwargs=code_of("grid")),
        # --- forces (issue 3)
        "policing:people": PAGE,
        "policing:person": Spec("page", kwargs=obj_pk("person")),
        "policing:person_create": Spec("page", roles=MANAGERS),
        "policing:person_edit": Spec("page", kwargs=obj_pk("person"), roles=MANAGERS),
        "policing:people_export": Spec("page", export=True, query="?format=xlsx"),
        "policing:people_import": Spec("page", roles=MANAGERS),
        "policing:assignments": PAGE,
        "policing:assignment_create": Spec("page", roles=MANAGERS),
        "policing:assignments_export": Spec("page", export=True, query="?format=csv"),
        "policing:assignments_import": Spec("page", roles=MANAGERS),
        "policing:assignment_handover": Spec(
            "page", kwargs=obj_pk("assignment"), roles=MANAGERS
        ),
        "policing:assignment_end": Spec(
            "page", kwargs=obj_pk("assignment"), roles=MANAGERS
        ),
        "policing:coverage": PAGE,
        "person-list": API,
        "person-detail": Spec("api", kwargs=obj_pk("person")),
        "assignment-list": API,
        "assignment-detail": Spec("api", kwargs=obj_pk("assignment")),
        "assignment-end": Spec("api", kwargs=obj_pk("assignment"), method="POST"),
        "assignment-handover": Spec("api", kwargs=obj_pk("assignment"), method="POST"),
        "api-coverage": API,
        # --- field work (issue 8)
        "policing:activities": PAGE,
        "policing:activity": Spec("page", kwargs=obj_pk("activity")),
        "policing:activity_create": Spec("page", roles=RECORDERS),
        "policing:activity_photo": Spec("page", kwargs=obj_pk("activity_photo")),
        "policing:grid_activities": Spec("page", kwargs=obj_pk("grid", "grid_id")),
        "policing:hazards": PAGE,
        "policing:hazard": Spec("page", kwargs=obj_pk("hazard")),
        "policing:hazard_create": Spec("page", roles=RECORDERS),
        "policing:hazard_fix": Spec("page", kwargs=obj_pk("hazard"), method="POST"),
        "policing:hazard_verify": Spec("page", kwargs=obj_pk("hazard"), method="POST"),
        "policing:time_shares": PAGE,
        "policing:time_entries": PAGE,
        "policing:time_entry_create": Spec("page", roles=RECORDERS),
        "policing:volunteers": PAGE,
        "activity-list": API,
        "activity-detail": Spec("api", kwargs=obj_pk("activity")),
        "hazard-list": API,
        "hazard-detail": Spec("api", kwargs=obj_pk("hazard")),
        "hazard-fix": Spec("api", kwargs=obj_pk("hazard"), method="POST"),
        "hazard-verify": Spec("api", kwargs=obj_pk("hazard"), method="POST"),
        "time-entry-list": API,
        "time-entry-detail": Spec("api", kwargs=obj_pk("time_entry")),
        # --- integrations (issue 6)
        "webhook-list": Spec("api", roles=ADMINS),
        "webhook-detail": Spec("api", kwargs=obj_pk("webhook"), roles=ADMINS),
        "api-export-disputes": Spec("api", export=False),
    }
)


def dispute_act(slug: str) -> Callable[[Any, str], dict[str, Any]]:
    def build(world: Any, key: str) -> dict[str, Any]:
        return {"pk": world.obj("dispute", key).pk, "slug": slug}

    return build


def category_code(world: Any, key: str) -> dict[str, Any]:
    return {"code": world.obj("category", key).code}


def own_pk(world: Any, key: str) -> dict[str, Any]:  # replaced per persona
    return {"pk": 0}


DISPUTE = obj_pk("dispute")
REGISTRY.update(
    {
        # --- disputes (issue 4)
        "disputes:list": PAGE,
        "disputes:intake": Spec("page", roles=EVERYONE - LEADERS),
        "disputes:my_work": PAGE,
        "disputes:detail": Spec("page", kwargs=DISPUTE),
        "disputes:act": Spec("page", kwargs=dispute_act("escalate"), method="POST"),
        "disputes:add_attachments": Spec("page", kwargs=DISPUTE, method="POST"),
        "disputes:attachment": Spec("page", kwargs=obj_pk("attachment")),
        "disputes:notifications": PAGE,
        "disputes:notifications_read_all": Spec("page", method="POST"),
        "disputes:notification_read": Spec(
            "page", kwargs=own_pk, method="POST", own="notification"
        ),
        "dispute-list": API,
        "dispute-detail": Spec("api", kwargs=DISPUTE),
        "dispute-events": Spec("api", kwargs=DISPUTE),
        "dispute-category-list": Spec("api", unscoped=True),
        "dispute-category-detail": Spec("api", kwargs=category_code, unscoped=True),
        "whistle-list": API,
        "whistle-detail": Spec("api", kwargs=obj_pk("whistle")),
        "whistle-report-in": Spec("api", kwargs=obj_pk("whistle"), method="POST"),
        "notification-list": API,
        "notification-detail": Spec("api", kwargs=own_pk, own="notification"),
        "notification-read": Spec(
            "api", kwargs=own_pk, method="POST", own="notification"
        ),
        "notification-read-all": Spec("api", method="POST"),
        **{
            f"dispute-{action}": Spec("api", kwargs=DISPUTE, method="POST")
            for action in (
                "acknowledge-feedback",
                "assign",
                "consult",
                "escalate",
                "follow-up",
                "reject",
                "report-in",
                "resolve",
                "return",
                "transfer",
                "whistle",
                "withdraw",
            )
        },
    }
)


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


def township_code(world: Any, key: str) -> dict[str, Any]:
    """The township above the world's grid in ``key``."""
    from grids.models import Area

    grid = world.obj("area", key)
    return {"code": Area.objects.get(path=grid.path[: 2 * grid.steplen]).code}


def export_of(table: str, fmt: str) -> Callable[[Any, str], dict[str, Any]]:
    def build(world: Any, key: str) -> dict[str, Any]:
        return {**code_of("area")(world, key), "table": table, "fmt": fmt}

    return build


# Township rankings: the personas whose scope holds a whole township.
TOWNSHIP_SCOPES = frozenset({"township", "district", "leader", "admin", "outsider"})
REGISTRY.update(
    {
        # --- dashboards (issue 5): every persona, within its own area
        # opens the dashboard of the persona's own area
        "dashboards:home": Spec("page", ok_status=(302,)),
        "dashboards:area": Spec("page", kwargs=code_of("area")),
        "dashboards:report": Spec("page", kwargs=code_of("area")),
        "dashboards:rankings": Spec(
            "page", kwargs=township_code, roles=TOWNSHIP_SCOPES
        ),
        "dashboards:export": Spec(
            "page", kwargs=export_of("grids", "csv"), export=True
        ),
        "stats": API,
        # --- field work photos over the API (issue 8)
        "activity-photos": Spec(
            "api", kwargs=obj_pk("activity"), method="POST", roles=RECORDERS
        ),
    }
)
