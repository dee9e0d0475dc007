"""Who may change the rosters: center staff and administrators, each within
their scope (the scope itself is checked through ``visible_to``)."""

from __future__ import annotations

from typing import Any

from core.models import Role

MANAGERS = {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}


def can_manage_forces(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in MANAGERS))
