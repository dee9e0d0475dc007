"""Area scope, proven on every route.

Every URL pattern and API route is enumerated from the resolver; each must be
in the registry (tests/security/routes.py). For each: anonymous users get the
login page or 401; personas get 200 on what lies in their scope and 404 on
another area's object; no response a persona receives names an area (or an
object of an area) outside their scope; every export escapes formulas and
leaves an audit record.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from audit.models import AuditRecord
from tests.security.routes import (
    PERSONAS,
    REGISTRY,
    VISIBLE_KEYS,
    Failures,
    Route,
    Spec,
    enumerate_routes,
    spec_for,
)
from tests.security.world import (
    World,
    forbidden_text,
    response_text,
    table_cells,
)

pytestmark = pytest.mark.django_db

ROUTES = enumerate_routes()
# The admin's own login/logout and translation catalogues show no data.
ADMIN_OPEN = {
    "admin:login",
    "admin:logout",
    "admin:jsi18n",
    "admin:javascript-catalog",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def url_for(route: Route, spec: Spec, world: World, key: str) -> str | None:
    kwargs = spec.kwargs(world, key) if spec.kwargs else {}
    try:
        return reverse(route.name, kwargs=kwargs or None) + spec.query
    except NoReverseMatch:
        return None


def test_every_route_is_registered():
    missing = [f"{r.name}  ({r.pattern})" for r in ROUTES if spec_for(r) is None]
    assert not missing, (
        "Routes without an entry in tests/security/routes.py REGISTRY (say how "
        "to build their arguments, or allow-list them as open):\n" + "\n".join(missing)
    )


def test_registered_routes_with_arguments_say_how_to_build_them():
    bad = [
        r.name
        for r in ROUTES
        if (s := spec_for(r)) is not None
        and s.kind != "admin"
        and r.arg_names
        and s.kwargs is None
    ]
    assert not bad, f"routes with URL arguments but no kwargs builder: {bad}"


def test_the_walk_sees_pages_admin_and_api():
    names = {r.name for r in ROUTES}
    assert {"home", "login", "api-root", "schema"} <= names
    assert any(n.startswith("admin:") for n in names)
    assert all(n in names for n in REGISTRY if n in {"home", "login"})


def test_anonymous_gets_the_login_page_or_401(world):
    failures = Failures()
    client = Client()
    for route in ROUTES:
        spec = spec_for(route)
        if spec is None or spec.kind == "open":
            continue
        if spec.kind == "admin":
            continue  # test_admin_is_for_administrators_only
        url = url_for(route, spec, world, "g1")
        if url is None:
            failures.add(f"{route.name}: cannot build its URL")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if spec.kind == "api" or route.is_api:
                if response.status_code != 401:
                    failures.add(
                        f"{route.name} {method.upper()} {url}: anonymous got "
                        f"{response.status_code}, expected 401"
                    )
            elif not (
                response.status_code == 302
                and response["Location"].startswith(reverse("login"))
            ):
                failures.add(
                    f"{route.name} {method.upper()} {url}: anonymous got "
                    f"{response.status_code} {response.get('Location', '')}, "
                    "expected a redirect to the login page"
                )
    assert not failures, failures.report()


def test_admin_is_for_administrators_only(world):
    failures = Failures()
    admin_client = Client()
    admin_client.force_login(world.personas.admin)
    staff_client = Client()
    staff_client.force_login(world.personas.district)
    anonymous = Client()
    for route in ROUTES:
        if not route.name.startswith("admin:") or route.arg_names:
            continue
        try:
            url = reverse(route.name)
        except NoReverseMatch:
            continue
        if route.name in ADMIN_OPEN:
            continue
        for who, client in (("anonymous", anonymous), ("district", staff_client)):
            response = client.get(url)
            location = response.get("Location", "")
            if not (
                response.status_code == 302
                and location.startswith(("/admin/login/", reverse("login")))
            ):
                failures.add(f"{route.name}: {who} got {response.status_code}")
        if route.name.endswith("_changelist") or route.name == "admin:index":
            response = admin_client.get(url)
            if response.status_code != 200:
                failures.add(f"{route.name}: admin got {response.status_code}")
    assert not failures, failures.report()


def _check_persona(
    failures: Failures, world: World, persona: str, routes: list[Route]
) -> None:
    client = Client()
    client.force_login(world.persona_user(persona))
    visible = VISIBLE_KEYS[persona]
    forbidden = forbidden_text(world, visible)
    for route in routes:
        spec = spec_for(route)
        if spec is None or spec.kind in {"open", "admin"}:
            continue
        allowed = persona in spec.roles
        keys = ("g1", "g2", "g3") if spec.kwargs else (visible[0],)
        for key in keys:
            url = url_for(route, spec, world, key)
            if url is None:
                failures.add(f"{route.name}: cannot build its URL for {key}")
                continue
            in_scope = key in visible
            if not allowed:
                response = client.get(url)
                if response.status_code == 200:
                    failures.add(
                        f"{route.name} GET {url} as {persona}: 200 for a role "
                        "that may not use it"
                    )
                continue
            if spec.method == "POST":
                if spec.kwargs and not in_scope:
                    response = client.post(url, {})
                    if response.status_code != 404:
                        failures.add(
                            f"{route.name} POST {url} as {persona}: another area's "
                            f"object answered {response.status_code}, expected 404"
                        )
                continue
            before = AuditRecord.objects.filter(action="export").count()
            response = client.get(url)
            status = response.status_code
            if not in_scope:
                if status != 404:
                    failures.add(
                        f"{route.name} GET {url} as {persona}: another area's "
                        f"object answered {status}, expected 404"
                    )
                continue
            if allowed and status not in spec.ok_status:
                failures.add(
                    f"{route.name} GET {url} as {persona}: {status}, expected "
                    f"{spec.ok_status}"
                )
                continue
            if not allowed and status in spec.ok_status and status == 200:
                failures.add(
                    f"{route.name} GET {url} as {persona}: 200 for a role that "
                    "may not use it"
                )
                continue
            if status != 200:
                continue
            text = response_text(response)
            leaked = [t for t in forbidden if t in text]
            if leaked:
                failures.add(
                    f"{route.name} GET {url} as {persona}: shows {leaked} from "
                    "outside the persona's scope"
                )
            if spec.export:
                cells = [
                    c for c in table_cells(response) if c.startswith(FORMULA_START)
                ]
                unsafe = [c for c in cells if not _is_number(c)]
                if unsafe:
                    failures.add(
                        f"{route.name} as {persona}: unescaped formula cells {unsafe[:3]}"
                    )
                if AuditRecord.objects.filter(action="export").count() <= before:
                    failures.add(
                        f"{route.name} as {persona}: export left no audit record"
                    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_its_scope_and_nothing_else(world, persona):
    failures = Failures()
    _check_persona(failures, world, persona, ROUTES)
    assert not failures, failures.report()


def test_the_checks_catch_an_unregistered_route_and_a_leak(world, settings):
    """The detectors themselves: a new route without a registry entry is
    reported, and unscoped views are caught once registered."""
    from tests.security import routes as r

    settings.ROOT_URLCONF = "tests.security.leaky_urls"
    leaky = [x for x in enumerate_routes() if x.name.startswith("leaky")]
    assert {x.name for x in leaky} == {"leaky_list", "leaky_detail"}
    assert all(spec_for(x) is None for x in leaky)

    r.REGISTRY["leaky_list"] = r.PAGE
    r.REGISTRY["leaky_detail"] = r.Spec("page", kwargs=r.obj_pk("person"))
    try:
        failures = Failures()
        _check_persona(failures, world, "township", leaky)
    finally:
        del r.REGISTRY["leaky_list"], r.REGISTRY["leaky_detail"]
    text = failures.report()
    assert "leaky_list" in text and "outside the persona's scope" in text
    assert "leaky_detail" in text and "expected 404" in text
