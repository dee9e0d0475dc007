"""The OpenAPI contract: it validates, the docs work offline, and a
schemathesis run over every operation, authenticated, finds no server error
and no response that breaks the schema."""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from hongsibu.wsgi import application
from integrations.tokens import issue_token

# Loaded at collection through the WSGI application (no database needed to
# build the schema); cases are called through it as well.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def wsgi_calls(db):  # type: ignore[no-untyped-def]
    """As Django's test client does, the request signals must not close the
    test's database connection while schemathesis calls the application."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_validates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_docs_page_loads_its_assets_from_our_static_files(client, settings):
    from django.contrib.staticfiles import finders

    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # no inline script (CSP)
    assert "<style" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source  # nothing from a CDN
        if source.startswith(settings.STATIC_URL):
            assert finders.find(source.removeprefix(settings.STATIC_URL)), source
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_every_operation_has_a_description_and_every_post_the_idempotency_header(
    client,
):
    document = client.get("/api/schema/?format=json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("description"), f"{method} {path}"
            assert "429" in operation["responses"] or not path.startswith("/api/v1/")
            if method == "post" and path.startswith("/api/v1/"):
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" in names, path


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_honours_its_schema(case, service, wsgi_calls):  # type: ignore[no-untyped-def]
    _, key = issue_token(service)
    case.call_and_validate(
        headers={"Authorization": f"Token {key}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
        ],
    )
