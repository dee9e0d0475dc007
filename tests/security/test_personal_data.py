"""Personal data: never in clear in a response or in the database; revealed
only with the permission and a reason, and audited."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from audit.models import AuditRecord
from core.crypto import EncryptedTextField
from core.reveal import revealable_fields
from tests.security.routes import PERSONAS, enumerate_routes, spec_for
from tests.security.world import (
    ID_NUMBERS,
    PHONES,
    World,
    response_text,
    unmasked_personal_data,
)

pytestmark = pytest.mark.django_db

ROUTES = enumerate_routes()


def test_the_scanner_finds_clear_numbers_and_passes_masks():
    assert unmasked_personal_data("电话 13995123456 ") == ["13995123456"]
    assert "+8618695347890" in unmasked_personal_data("tel:+8618695347890")
    assert unmasked_personal_data("身份证 64030319750707001X。") == [
        "64030319750707001X"
    ]
    assert unmasked_personal_data("139****3456 640***********1234") == []
    # look-alike digits inside ciphertext or hashes are not numbers ...
    assert unmasked_personal_data("a13912340000b") == []
    # ... but a known clear value is found anywhere
    assert unmasked_personal_data("QUJD13995123456x") == ["13995123456"]


def personal_fields() -> list[tuple[type, str]]:
    return [
        (m, f.name)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def test_every_response_a_persona_receives_is_free_of_clear_numbers(world: World):
    problems = []
    for persona in PERSONAS:
        client = Client()
        client.force_login(world.persona_user(persona))
        for route in ROUTES:
            spec = spec_for(route)
            if spec is None or spec.method != "GET" or spec.kind == "open":
                continue
            urls = []
            if spec.kind == "admin":
                if persona != "admin" or route.arg_names:
                    continue
                try:
                    urls.append(reverse(route.name))
                except NoReverseMatch:
                    continue
            else:
                for key in ("g1", "g2", "g3"):
                    kwargs = spec.kwargs(world, key) if spec.kwargs else None
                    urls.append(reverse(route.name, kwargs=kwargs) + spec.query)
            for url in dict.fromkeys(urls):
                response = client.get(url)
                if response.status_code != 200:
                    continue
                found = unmasked_personal_data(response_text(response))
                if found:
                    problems.append(f"{persona} GET {url}: {found}")
    assert not problems, "\n".join(problems)


def _dump() -> str:
    """The whole database as text: pg_dump on PostgreSQL, else every row of
    every table read raw."""
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        s = connection.settings_dict
        # The test transaction is not visible to another connection: the
        # rows are read raw below as well.
        result = subprocess.run(
            [
                "pg_dump",
                "-h",
                s["HOST"] or "127.0.0.1",
                "-p",
                str(s["PORT"] or 5432),
                "-U",
                s["USER"],
                "--data-only",
                s["NAME"],
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        dumped = result.stdout
    else:
        dumped = ""
    lines = [dumped]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                lines.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(lines)


def test_a_dump_of_the_database_holds_no_id_or_phone_in_clear(world: World):
    dump = _dump()
    assert dump
    for value in (*ID_NUMBERS.values(), *PHONES.values()):
        assert value not in dump, f"{value} in clear in the database"
    assert unmasked_personal_data(dump) == []


@pytest.mark.django_db(transaction=True)
def test_pg_dump_of_committed_data_holds_no_id_or_phone_in_clear(tree, personas):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and pg_dump")
    from tests.security.world import build_world

    build_world(tree, personas)
    dump = _dump()
    assert "INSERT" in dump or "COPY" in dump
    for value in (*ID_NUMBERS.values(), *PHONES.values()):
        assert value not in dump


# --- reveal ----------------------------------------------------------------------------


def test_reveal_needs_the_role_or_permission(client, world):
    client.force_login(world.personas.grid_worker)
    response = client.post(
        reverse("reveal"),
        {"model": "core.totpdevice", "pk": 1, "field": "secret", "reason": "check"},
    )
    assert response.status_code == 403
    assert "detail" in response.json()


def test_reveal_needs_a_reason(client, world):
    client.force_login(world.personas.village)
    response = client.post(
        reverse("reveal"), {"model": "core.totpdevice", "pk": 1, "field": "secret"}
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_secrets_and_unknown_fields_cannot_be_revealed(client, world):
    from core.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.personas.village, secret="A" * 32)
    client.force_login(world.personas.admin)
    for model, field in (
        ("core.totpdevice", "secret"),
        ("core.user", "password"),
        ("nope.model", "x"),
        ("policing.person", "name"),
    ):
        response = client.post(
            reverse("reveal"),
            {"model": model, "pk": device.pk, "field": field, "reason": "curious"},
        )
        assert response.status_code == 404, (model, field)
    assert not AuditRecord.objects.filter(action="reveal").exists()


def _revealable(world: World) -> list[tuple[str, str, object]]:
    """(model label, field, name of the world object) for each personal field
    a world builder filled."""
    found = []
    for model, field in personal_fields():
        if field not in revealable_fields(model):
            continue
        for name, obj in world.objects["g1"].items():
            if isinstance(obj, model):
                found.append((model._meta.label_lower, field, name))
    return found


def test_reveal_shows_the_clear_value_once_and_audits_it(client, world):
    targets = _revealable(world)
    if not targets:
        pytest.skip("no model with encrypted personal data is installed yet")
    client.force_login(world.personas.village)
    for label, field, name in targets:
        obj = world.obj(name, "g1")
        response = client.post(
            reverse("reveal"),
            {"model": label, "pk": obj.pk, "field": field, "reason": "回访核实身份"},
            REMOTE_ADDR="10.9.8.7",
        )
        assert response.status_code == 200
        assert response.json()["value"] == getattr(obj, field)
        assert "no-store" in response["Cache-Control"]
        record = AuditRecord.objects.filter(action="reveal").order_by("-id").first()
        assert record.model == label
        assert record.object_pk == str(obj.pk)
        assert record.detail == {"field": field, "reason": "回访核实身份"}
        assert record.actor_username == "village"
        assert record.ip == "10.9.8.7"
        # Another area's object: 404, no record.
        count = AuditRecord.objects.filter(action="reveal").count()
        other = world.obj(name, "g3")
        response = client.post(
            reverse("reveal"),
            {"model": label, "pk": other.pk, "field": field, "reason": "回访核实身份"},
        )
        assert response.status_code == 404
        assert AuditRecord.objects.filter(action="reveal").count() == count


def test_the_permission_lets_other_roles_reveal(client, world):
    from django.contrib.auth.models import Permission

    targets = _revealable(world)
    if not targets:
        pytest.skip("no model with encrypted personal data is installed yet")
    label, field, name = targets[0]
    user = world.personas.grid_worker
    data = {
        "model": label,
        "pk": world.obj(name, "g1").pk,
        "field": field,
        "reason": "回访",
    }
    client.force_login(user)
    assert client.post(reverse("reveal"), data).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(type(user).objects.get(pk=user.pk))
    assert client.post(reverse("reveal"), data).status_code == 200
