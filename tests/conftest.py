"""Shared fixtures: a small tree with known answers and the personas every
permission test uses (ARCHITECTURE.md §8)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from core.models import Role, User
from grids.models import Area
from tests.factories import UserFactory, make_area

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Test-pass-123"  # noqa: S105


@dataclass
class Tree:
    district: Area
    township: Area  # T1
    other_township: Area  # T2
    village: Area  # V1 under T1
    sibling_village: Area  # V2 under T1
    other_village: Area  # V3 under T2
    grid: Area  # G1 in V1
    sibling_grid: Area  # G2 in V1
    other_grid: Area  # G3 in V3


@pytest.fixture
def tree(db) -> Tree:  # type: ignore[no-untyped-def]
    district = make_area(None, "district", "测试区", code="649901")
    t1 = make_area(district, "township", "一号镇", code="649901100")
    t2 = make_area(district, "township", "二号乡", code="649901200")
    v1 = make_area(t1, "village", "甲村村民委员会", code="649901100201")
    v2 = make_area(t1, "village", "乙村村民委员会", code="649901100202")
    v3 = make_area(t2, "village", "丙村村民委员会", code="649901200201")
    g1 = make_area(v1, "grid", "甲村第1网格", code="649901100201G01", residents=300)
    g2 = make_area(v1, "grid", "甲村第2网格", code="649901100201G02", residents=200)
    g3 = make_area(v3, "grid", "丙村第1网格", code="649901200201G01", residents=500)
    return Tree(district, t1, t2, v1, v2, v3, g1, g2, g3)


@dataclass
class Personas:
    grid_worker: User  # in G1
    officer: User  # community officer in G1
    village: User  # V1 center staff
    township: User  # T1 center staff
    district: User  # district center staff
    leader: User
    admin: User
    outsider: User  # T2 township staff


@pytest.fixture
def personas(tree: Tree) -> Personas:
    def mk(username: str, role: str, area: Area, **kw) -> User:  # type: ignore[no-untyped-def]
        return UserFactory(username=username, role=role, area=area, **kw)

    return Personas(
        grid_worker=mk("gw", Role.GRID_WORKER, tree.grid),
        officer=mk("officer", Role.COMMUNITY_OFFICER, tree.grid),
        village=mk("village", Role.VILLAGE_STAFF, tree.village),
        township=mk("township", Role.TOWNSHIP_STAFF, tree.township),
        district=mk("district", Role.DISTRICT_STAFF, tree.district),
        leader=mk("leader", Role.LEADER, tree.district),
        admin=mk("admin", Role.ADMIN, tree.district, is_staff=True, is_superuser=True),
        outsider=mk("outsider", Role.TOWNSHIP_STAFF, tree.other_township),
    )


@pytest.fixture(autouse=True)
def _eager_celery(settings):  # type: ignore[no-untyped-def]
    """Tasks run inline unless a test starts a real worker."""
    from hongsibu.celery import app

    app.set_current()  # shared tasks resolve to the current app
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _plain_cache(settings):  # type: ignore[no-untyped-def]
    """Each test gets an empty local cache (throttles, lockouts)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):  # type: ignore[no-untyped-def]
    """Rows written by data migrations (dispute categories, the deadline policy,
    the working-day calendar) are gone after a transactional test flushed the
    database; put them back for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if (marker and marker.kwargs.get("transaction")) or names & {
        "transactional_db",
        "live_server",
    }:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from disputes.models import DeadlinePolicy, DisputeCategory
    from tests.disputes.conftest import ensure_reference_data

    if not (DisputeCategory.objects.exists() and DeadlinePolicy.objects.exists()):
        ensure_reference_data()
