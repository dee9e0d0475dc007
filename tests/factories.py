"""Factories for the tests. Areas are treebeard nodes, so they are built through
the tree manager rather than factory_boy's default create."""

from __future__ import annotations

import itertools

import factory

from core.models import Role, User
from grids.models import Area

_codes = itertools.count(1)


def make_area(
    parent: Area | None,
    level: str,
    name: str | None = None,
    code: str | None = None,
    **fields,
) -> Area:
    n = next(_codes)
    code = code or (f"{parent.code}{n:03d}" if parent else f"64{n:04d}")
    values = {"code": code, "name": name or f"{level}-{n}", "level": level, **fields}
    if parent is None:
        return Area.objects.add_root(values)
    return Area.objects.add_child(Area.objects.get(pk=parent.pk), values)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    role = Role.GRID_WORKER
    password = factory.PostGenerationMethodCall("set_password", "Test-pass-123")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()
