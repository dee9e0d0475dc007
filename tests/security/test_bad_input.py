"""Bad input never causes a 500: wrong types, unknown fields, broken JSON,
invalid UTF-8 and oversized bodies get a clear 4xx (with ``detail`` on the API)
or a form error, on every API route and every page that takes a POST.

Property-based (hypothesis) over the routes the resolver lists, so new routes
are covered as they land.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.security.routes import enumerate_routes, spec_for
from tests.security.world import World

pytestmark = pytest.mark.django_db

ROUTES = enumerate_routes()
HYPOTHESIS = hsettings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def api_urls(world: World) -> list[tuple[str, str]]:
    urls = []
    for route in ROUTES:
        spec = spec_for(route)
        if spec is None or not route.is_api or spec.kind == "open":
            continue
        kwargs = spec.kwargs(world, "g1") if spec.kwargs else None
        try:
            urls.append((route.name, reverse(route.name, kwargs=kwargs)))
        except NoReverseMatch:
            continue
    return urls


# /health/ answers 503 when the broker or beat is down (that is its job);
# logging out would end the session the other checks use.
NOT_FORMS = {"health", "logout"}


def page_post_urls(world: World) -> list[tuple[str, str]]:
    urls = []
    for route in ROUTES:
        spec = spec_for(route)
        if (
            spec is None
            or route.is_api
            or spec.kind == "admin"
            or route.name == "health"
        ):
            continue
        kwargs = spec.kwargs(world, "g1") if spec.kwargs else None
        try:
            urls.append((route.name, reverse(route.name, kwargs=kwargs)))
        except NoReverseMatch:
            continue
    return urls


def clients(world: World) -> list[tuple[str, Client]]:
    result = []
    for persona in ("grid_worker", "village", "district"):
        client = Client(raise_request_exception=False)
        client.force_login(world.persona_user(persona))
        result.append((persona, client))
    return result


def check_api(response, what: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and body.get("detail"), f"{what}: {body}"


@given(body=json_values)
@HYPOTHESIS
def test_api_routes_answer_random_json_with_a_4xx_or_success(world, body):
    for name, url in api_urls(world):
        for persona, client in clients(world)[1:2]:
            for method in ("post", "patch"):
                response = getattr(client, method)(
                    url, data=json.dumps(body), content_type="application/json"
                )
                check_api(response, f"{method.upper()} {name} as {persona} {body!r}")


@given(body=st.binary(max_size=200))
@HYPOTHESIS
def test_api_routes_answer_broken_bodies_with_a_4xx(world, body):
    for name, url in api_urls(world):
        persona, client = clients(world)[1]
        for ctype in ("application/json", "application/x-www-form-urlencoded"):
            response = client.post(url, data=body, content_type=ctype)
            check_api(response, f"POST {name} {ctype} {body!r}")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"name": "\xff\xfe\xfd"}',
        b"\xef\xbb\xbf\xc3\x28",
        b"[" * 5000,
        b'{"a": ' + b"1" * 5000 + b"}",
    ],
    ids=[
        "broken-json",
        "invalid-utf8",
        "invalid-utf8-bom",
        "deep-nesting",
        "huge-number",
    ],
)
def test_api_routes_answer_malformed_json_with_400(world, body):
    for name, url in api_urls(world):
        for persona, client in clients(world)[::2]:
            response = client.post(url, data=body, content_type="application/json")
            check_api(response, f"POST {name} as {persona}")


QUERY_PARAMS = ("area", "person", "grid", "participant", "activity", "page_size", "q")


@pytest.mark.parametrize(
    "value",
    ["a\x00b", str(2**70), "-" + str(2**70), "9" * 30],
    ids=["nul", "huge", "huge-negative", "thirty-nines"],
)
def test_api_routes_answer_bad_query_values_with_a_4xx_or_success(world, value):
    """A NUL character or a number no column can hold, in any filter: never a
    500 (PostgreSQL refuses NUL in text, SQLite integers beyond 64 bits)."""
    persona, client = clients(world)[2]
    for name, url in api_urls(world):
        for param in QUERY_PARAMS:
            response = client.get(url, {param: value})
            check_api(response, f"GET {name}?{param}={value!r}")
    response = client.get("/api/v1/stats/", {"area": "a\x00b"})
    assert response.status_code == 400 and response.json()["detail"]


def test_oversized_bodies_are_refused_with_a_4xx(world):
    huge = b'{"x": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    for name, url in api_urls(world):
        persona, client = clients(world)[2]
        response = client.post(url, data=huge, content_type="application/json")
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.json().get("detail"), name
    for name, url in page_post_urls(world):
        persona, client = clients(world)[2]
        response = client.post(
            url,
            data=b"a=" + b"b" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code < 500, (name, response.status_code)


def test_a_body_above_the_limit_is_refused_before_it_is_read(world):
    client = clients(world)[2][1]
    huge = b"[" + b"1," * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2) + b"1]"
    response = client.post("/api/v1/", data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"]
    response = client.post(
        reverse("home"), data=huge, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_too_many_fields_are_refused(world):
    many = "&".join(
        f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)
    )
    for name, url in page_post_urls(world):
        persona, client = clients(world)[1]
        response = client.post(
            url, data=many, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, (name, response.status_code)


_FIELDS: dict[tuple[str, str], list[str]] = {}
FIELD_RE = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)


def form_fields(client: Client, url: str) -> list[str]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    names = FIELD_RE.findall(response.content.decode(errors="replace"))
    return [n for n in dict.fromkeys(names) if n != "csrfmiddlewaretoken"]


@given(
    values=st.lists(
        st.one_of(
            st.text(max_size=30),
            st.integers().map(str),
            st.sampled_from(
                ["", "-1", "0", "1e309", "2026-13-45", "null", "[]", "🙂" * 50]
            ),
        ),
        min_size=12,
        max_size=12,
    )
)
@HYPOTHESIS
def test_every_form_answers_random_values_without_a_500(world, values):
    for name, url in page_post_urls(world):
        for persona, client in clients(world)[1:2]:
            key = (persona, url)
            if key not in _FIELDS:
                _FIELDS[key] = form_fields(client, url) or ["unknown_field"]
            fields = _FIELDS[key]
            data = {f: values[i % len(values)] for i, f in enumerate(fields)}
            data["an_unknown_field"] = values[0]
            response = client.post(url, data)
            assert response.status_code < 500, (name, persona, data)


@pytest.mark.parametrize(
    "body",
    [b"name=%ff%fe", b"\xff\xfe=\xfd", b"a=1&a=2&a[]=3&__proto__=x"],
    ids=["percent-invalid-utf8", "raw-invalid-utf8", "odd-keys"],
)
def test_forms_answer_broken_encodings_without_a_500(world, body):
    for name, url in page_post_urls(world):
        for persona, client in clients(world)[1:2]:
            response = client.post(
                url, data=body, content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code < 500, (name, persona, response.status_code)
