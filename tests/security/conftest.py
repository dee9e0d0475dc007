from __future__ import annotations

import pytest

from tests.security.world import World, build_world


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    """The route walks log in eight personas per test: hash passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(tree, personas) -> World:  # type: ignore[no-untyped-def]
    return build_world(tree, personas)
