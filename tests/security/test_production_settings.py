"""Production settings: check --deploy is clean, security headers and a
Content-Security-Policy without inline script, CSRF on every form."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security.routes import enumerate_routes, spec_for
from tests.security.world import response_text

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
ROUTES = enumerate_routes()


def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "TESTING",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="hongsibu.example.org",
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        **extra,
    )
    return env


def test_check_deploy_is_clean_under_production_variables():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_and_transport():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_AGE <= 1800, s.SESSION_SAVE_EVERY_REQUEST,"
        " s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();" + code],
        cwd=BASE_DIR,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "hongsibu.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == ["True"] * 8, out.stderr


def test_security_headers_on_pages(client, personas):
    client.force_login(personas.township)
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in csp.split(";")
        if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in csp
    assert "data:" in directives["img-src"]  # Leaflet's marker images
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_htmx_is_configured_for_the_csp(client, personas):
    client.force_login(personas.township)
    html = client.get(reverse("home")).content.decode()
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', html)
    assert meta, "htmx-config meta tag missing"
    assert '"includeIndicatorStyles":false' in meta.group(1)
    assert '"allowEval":false' in meta.group(1)


INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_has_inline_script():
    offenders = []
    for path in BASE_DIR.rglob("templates/**/*.html"):
        if ".venv" in path.parts or "var" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for rx in (INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL):
            for m in rx.finditer(text):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {m.group(0)[:60]}")
    assert not offenders, "\n".join(offenders)


def test_no_page_a_persona_receives_has_inline_script(world):
    offenders = []
    for persona in ("township", "admin"):
        client = Client()
        client.force_login(world.persona_user(persona))
        for route in ROUTES:
            spec = spec_for(route)
            if spec is None or spec.method != "GET" or route.is_api:
                continue
            if spec.kind == "admin":
                if persona != "admin" or route.arg_names:
                    continue
                try:
                    url = reverse(route.name)
                except NoReverseMatch:
                    continue
            else:
                kwargs = spec.kwargs(world, "g1") if spec.kwargs else None
                url = reverse(route.name, kwargs=kwargs) + spec.query
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get(
                "Content-Type", ""
            ):
                continue
            html = response_text(response)
            for rx in (INLINE_SCRIPT, INLINE_HANDLER, JAVASCRIPT_URL):
                for m in rx.finditer(html):
                    offenders.append(f"{persona} {url}: {m.group(0)[:80]}")
    assert not offenders, "\n".join(sorted(set(offenders)))


def test_every_page_route_checks_csrf(world):
    """No page view is exempt from CSRF; API views are exempt at Django's
    level because DRF checks CSRF itself for session logins (below)."""
    exempt = [
        r.name
        for r in ROUTES
        if not r.is_api
        and not r.name.startswith("admin:")
        and getattr(_callback(r.name), "csrf_exempt", False)
    ]
    assert not exempt, f"csrf_exempt page views: {exempt}"


def _callback(name: str):  # type: ignore[no-untyped-def]
    from django.urls import get_resolver

    for route in ROUTES:
        if route.name == name:
            try:
                match = get_resolver().resolve("/" + _sample_path(route.pattern))
            except Exception:
                return None
            return match.func
    return None


def _sample_path(pattern: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", pattern).replace("^", "").replace("$", "")


def test_posts_without_a_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas.township)
    for route in ROUTES:
        spec = spec_for(route)
        if spec is None or spec.kind in {"admin", "open"}:
            continue
        kwargs = spec.kwargs(world, "g1") if spec.kwargs else None
        url = reverse(route.name, kwargs=kwargs)
        response = client.post(url, {"x": "1"})
        assert response.status_code == 403, (route.name, response.status_code)
