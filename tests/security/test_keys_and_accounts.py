"""Key rotation without downtime; accounts: lockout, idle timeout, password
rules, second factor."""

from __future__ import annotations

import base64
import os
import time

import pyotp
import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditRecord
from core import crypto
from core.models import Role, SecurityPolicy, TOTPDevice
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def raw_secret(device: TOTPDevice) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM core_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


# --- key rotation --------------------------------------------------------------


def test_rotation_re_encrypts_every_row_with_the_new_key(settings, personas):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    devices = [
        TOTPDevice.objects.create(user=u, secret=pyotp.random_base32())
        for u in (personas.village, personas.township, personas.district)
    ]
    clear = {d.pk: d.secret for d in devices}
    old_id = crypto.key_id_of(raw_secret(devices[0]))

    new = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    # Before the command: old rows still read, new writes use the new key.
    assert TOTPDevice.objects.get(pk=devices[0].pk).secret == clear[devices[0].pk]
    call_command("rotate_encryption_keys", batch_size=2)
    new_id = crypto.current_key_id()
    assert new_id != old_id
    for d in devices:
        assert crypto.key_id_of(raw_secret(d)) == new_id

    # The old key can now go.
    settings.FIELD_ENCRYPTION_KEYS = [new]
    for d in devices:
        assert TOTPDevice.objects.get(pk=d.pk).secret == clear[d.pk]
    assert AuditRecord.objects.filter(
        action="security", model="core.totpdevice"
    ).exists()
    # Running again finds nothing left to do.
    call_command("rotate_encryption_keys")
    assert (
        AuditRecord.objects.filter(action="security", model="core.totpdevice").count()
        == 1
    )


def test_rotation_dry_run_changes_nothing(settings, personas):
    device = TOTPDevice.objects.create(user=personas.village, secret="A" * 32)
    before = raw_secret(device)
    settings.FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(os.urandom(32)).decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    call_command("rotate_encryption_keys", dry_run=True)
    assert raw_secret(device) == before


# --- lockout -------------------------------------------------------------------


def test_repeated_failed_logins_lock_the_account_on_the_login_page(
    client, personas, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "village", "password": "nope-nope"})
    response = client.post(
        reverse("login"), {"username": "village", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditRecord.objects.filter(action="lockout").exists()
    # Another account from the same address is not locked (lockout by account).
    response = client.post(
        reverse("login"), {"username": "township", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_lockout_ends_after_the_cooloff(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(reverse("login"), {"username": "village", "password": "nope-nope"})
    with time_machine.travel(
        time.time() + settings.AXES_COOLOFF_TIME.total_seconds() + 5
    ):
        response = client.post(
            reverse("login"), {"username": "village", "password": PASSWORD}
        )
    assert response.status_code == 302


# --- idle session timeout -----------------------------------------------------------


def test_an_idle_session_expires_and_activity_extends_it(client, personas, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    idle = settings.SESSION_COOKIE_AGE
    assert idle <= 30 * 60
    start = time.time()
    with time_machine.travel(start, tick=False):
        client.post(reverse("login"), {"username": "village", "password": PASSWORD})
        assert client.get(reverse("home")).status_code == 200
    # Activity just before the limit keeps the session alive ...
    with time_machine.travel(start + idle - 60, tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + 2 * idle - 120, tick=False):
        assert client.get(reverse("home")).status_code == 200
    # ... idleness longer than the limit ends it.
    with time_machine.travel(start + 3 * idle, tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- password rules ---------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short1!", "12345678901234", "password123", "village-staff", "qwertyuiop"],
)
def test_weak_passwords_are_refused(password, personas):
    with pytest.raises(ValidationError):
        validate_password(password, personas.village)


def test_a_strong_password_is_accepted(personas):
    validate_password("Huang-he-2026-ningxia", personas.village)


def test_provisioning_refuses_a_weak_password(tree):
    from core.accounts import provision_account

    with pytest.raises(ValidationError):
        provision_account(
            username="weak",
            role=Role.VILLAGE_STAFF,
            area_code=tree.village.code,
            password="12345678",
        )


# --- second factor ------------------------------------------------------------------


def enrol(client, user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("two_factor"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    key = response.context["manual_key"].replace(" ", "")
    assert key == device.secret
    assert response.context["otpauth_uri"].startswith("otpauth://totp/")
    assert device.secret in response.content.decode()
    # A wrong code does not confirm.
    client.post(reverse("two_factor"), {"code": "000000"})
    device.refresh_from_db()
    assert not device.confirmed
    client.post(reverse("two_factor"), {"code": pyotp.TOTP(key).now()})
    device.refresh_from_db()
    assert device.confirmed
    client.logout()
    return device


def test_login_with_a_second_factor(client, personas):
    device = enrol(client, personas.village)
    response = client.post(
        reverse("login"), {"username": "village", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("login_totp")
    # Not logged in yet.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("login_totp"), {"code": "123456"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    with time_machine.travel(time.time() + 31):
        code = pyotp.TOTP(device.secret).now()
        response = client.post(reverse("login_totp"), {"code": code})
        assert response.status_code == 302
        assert client.get(reverse("home")).status_code == 200
        # The same code cannot be used twice.
        client.logout()
        client.post(reverse("login"), {"username": "village", "password": PASSWORD})
        client.post(reverse("login_totp"), {"code": code})
        assert "_auth_user_id" not in client.session


def test_wrong_codes_count_as_failed_logins(client, personas, settings):
    enrol(client, personas.village)
    client.post(reverse("login"), {"username": "village", "password": PASSWORD})
    for _ in range(5):
        client.post(reverse("login_totp"), {"code": "000000"})
    assert (
        AuditRecord.objects.filter(
            action="login_failed", detail__username="village"
        ).count()
        >= 5
    )
    # the pending login is gone after too many attempts
    assert client.get(reverse("login_totp")).status_code == 302


def test_administrators_can_require_a_second_factor_for_roles(client, personas):
    policy = SecurityPolicy(totp_required_roles=[Role.TOWNSHIP_STAFF])
    policy.save()
    client.force_login(personas.township)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor")
    assert client.get("/api/v1/").status_code == 403
    # Other roles are not affected.
    client.force_login(personas.village)
    assert client.get(reverse("home")).status_code == 200
    # Once enrolled, the township account works.
    enrol(client, personas.township)
    client.force_login(personas.township)
    assert client.get(reverse("home")).status_code == 200


def test_the_policy_is_edited_in_the_admin(client, personas):
    client.force_login(personas.admin)
    response = client.post(
        reverse("admin:core_securitypolicy_add"),
        {"totp_required_roles": [Role.ADMIN, Role.DISTRICT_STAFF]},
    )
    assert response.status_code == 302, response.content[:2000]
    assert SecurityPolicy.current().totp_required_roles == [
        Role.DISTRICT_STAFF,
        Role.ADMIN,
    ] or set(SecurityPolicy.current().totp_required_roles) == {
        Role.ADMIN,
        Role.DISTRICT_STAFF,
    }
