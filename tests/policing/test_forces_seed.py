import time

from django.core.management import call_command

from core.models import User
from grids.models import Area
from policing.coverage import coverage_summary
from policing.models import Assignment, Person, Station, Unit, VolunteerTeam


def test_demo_forces_are_complete_with_a_few_gaps(db):
    started = time.monotonic()
    call_command("seed_demo")
    assert time.monotonic() - started < 120  # generous: bulk paths, not per-row
    assert Station.objects.count() == 7
    assert Unit.objects.count() == 21
    assert VolunteerTeam.objects.filter(name="红城守望").exists()
    roles = set(Person.objects.values_list("role", flat=True))
    assert roles == set(Person.Role.values)
    for p in Person.objects.exclude(phone=""):
        assert p.phone.is_valid() and p.phone.country_code == 86
    assert not Person.objects.sworn().filter(police_number="").exists()
    # History: handovers link predecessor and successor, concurrent posts exist.
    handed = Assignment.objects.filter(predecessor__isnull=False)
    assert handed.exists()
    for a in handed[:20]:
        assert a.predecessor.end_date < a.start_date
    assert Assignment.objects.filter(concurrent_post__contains="党支部副书记").exists()

    district_user = User.objects.get(username="district")
    rules = coverage_summary(district_user)["rules"]
    assert 0 < len(rules["grid_officer"].gaps) <= 10
    assert 0 < len(rules["zone_force"].gaps) <= 10
    stations = {r["name"]: r for r in rules["station_sunk"].rows}
    assert not stations["柳泉派出所"]["meets"]
    assert sum(1 for r in stations.values() if r["meets"]) >= 5
    assert rules["grid_force"].met > 0.8 * rules["grid_force"].total

    totals = (Person.objects.count(), Assignment.objects.count())
    call_command("seed_demo")
    assert (Person.objects.count(), Assignment.objects.count()) == totals


def test_demo_accounts_are_linked_to_the_first_grid_of_lihua(db):
    call_command("seed_demo")
    grid = (
        Area.objects.grids().filter(code__startswith="640303100200").order_by("code")[0]
    )
    officer = User.objects.get(username="officer")
    assert officer.area == grid
    assert officer.person.role == Person.Role.COMMUNITY_OFFICER
    from django.utils import timezone

    officers = Person.objects.officers_of(grid.pk, timezone.localdate())
    assert list(officers)[0] == officer.person
    for username in ("gridworker", "assistant", "volunteer"):
        person = User.objects.get(username=username).person
        assert person.assignments.current(timezone.localdate()).exists()
    # The demo officer took over from a predecessor (a handover in the history)
    current = officer.person.assignments.get(grid=grid)
    assert current.predecessor is not None
    assert "党支部副书记" in officer.person.assignments.get(grid=None).concurrent_post
