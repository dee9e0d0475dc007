"""Provisioning accounts: shared by the create_account command and seed_demo."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from grids.models import Area

from .models import ROLE_SCOPE_LEVELS, Role, User


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def provision_account(
    *,
    username: str,
    role: str,
    area_code: str,
    password: str | None = None,
    full_name: str = "",
    check_password: bool = True,
) -> tuple[User, str]:
    """Create or update an account with one role and one scope area.

    Returns the account and the password it was given. Raises ValidationError
    with a message a person can act on for an unknown role or area code, or an
    area at a level the role cannot hold.
    """
    if role not in Role.values:
        raise ValidationError(
            "Unknown role %(role)s. Roles: %(roles)s.",
            params={"role": role, "roles": ", ".join(Role.values)},
        )
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ValidationError(
            "Unknown area code %(code)s: no district, township, village or grid "
            "has it.",
            params={"code": area_code},
        )
    allowed = ROLE_SCOPE_LEVELS[role]
    if area.level not in allowed:
        raise ValidationError(
            "A %(role)s account is scoped to a %(levels)s, but %(code)s is a "
            "%(level)s.",
            params={
                "role": role,
                "levels": " or ".join(allowed),
                "code": area_code,
                "level": area.level,
            },
        )
    password = password or generate_password()
    user = User.objects.filter(username=username).first() or User(username=username)
    user.role = role
    user.area = area
    user.full_name = full_name or user.full_name
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    return user, password
