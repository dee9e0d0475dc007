from django.core.management import call_command

from core.models import Role, User
from grids.models import Area


def test_seed_demo_loads_the_official_divisions_and_is_idempotent(db):
    call_command("seed_demo")
    counts = {
        level: Area.objects.filter(level=level).count()
        for level in ("district", "township", "village")
    }
    assert counts == {"district": 1, "township": 7, "village": 74}
    district = Area.objects.get(code="640303")
    assert district.name == "红寺堡区"
    assert Area.objects.subtree(district).filter(level="village").count() == 74
    total = Area.objects.count()
    users = User.objects.count()

    call_command("seed_demo")

    assert Area.objects.count() == total
    assert User.objects.count() == users


def test_seed_demo_has_an_account_for_every_role(db):
    call_command("seed_demo")
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
