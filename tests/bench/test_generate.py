"""The benchmark generator builds a consistent dataset (the tiny size T, through
the same code as S, M and L)."""

from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from bench.generate import SIZES, Generator
from disputes.models import CaseNumberCounter, Dispute, DisputeEvent, Party
from grids.models import Area
from tests.factories import make_area

pytestmark = pytest.mark.django_db


@pytest.fixture
def report():
    return Generator(SIZES["T"], connection, seed=7).run()


def test_counts_match_the_size(report):
    size = SIZES["T"]
    assert Dispute.objects.count() == size.disputes == report.counts["disputes"]
    assert Area.objects.filter(level="grid").count() == size.grids == 12
    assert Party.objects.count() == report.counts["parties"]
    assert report.counts["parties"] >= size.disputes
    assert DisputeEvent.objects.count() == report.counts["events"]


def test_the_tree_is_intact_and_extends_normally(report):
    assert all(not problem for problem in Area.objects.find_problems())
    township = Area.objects.filter(level="township").first()
    assert (
        Area.objects.filter(path__startswith=township.path, level="grid").count() == 6
    )
    # Sequences were moved past the generated ids: the tree still grows.
    village = Area.objects.filter(level="village").first()
    grid = make_area(village, "grid", code=f"{village.code}999")
    assert grid.path.startswith(village.path)
    assert all(not problem for problem in Area.objects.find_problems())


def test_distributions_are_skewed_and_mostly_closed(report):
    closed = Dispute.objects.filter(stage="closed").count()
    assert 0.6 < closed / SIZES["T"].disputes < 0.8
    assert Dispute.objects.open().count() == report.counts["open"] > 0
    by_category = sorted(
        Dispute.objects.values("category")
        .annotate(n=Count("id"))
        .values_list("n", flat=True),
        reverse=True,
    )
    assert by_category[0] > 3 * by_category[len(by_category) // 2]
    # Some open cases are past their deadline, already marked by a sweep.
    assert Dispute.objects.open().filter(overdue_at__isnull=False).exists()


def test_every_case_is_consistent(report):
    created = Counter(
        DisputeEvent.objects.filter(action="created").values_list(
            "dispute_id", flat=True
        )
    )
    assert set(created.values()) == {1}
    assert len(created) == Dispute.objects.count()
    assert not Dispute.objects.filter(stage="closed", closed_at__isnull=True).exists()
    numbers = Dispute.objects.values_list("number", flat=True)
    assert len(set(numbers)) == len(numbers)
    # The next case number of each year follows the generated ones.
    for counter in CaseNumberCounter.objects.all():
        last = max(
            int(n.rsplit("-", 1)[1])
            for n in numbers
            if n.startswith(f"HSB-{counter.year}-")
        )
        assert counter.last == last


def test_party_fields_are_really_encrypted(report):
    party = Party.objects.first()
    assert party.phone.startswith("+861")
    assert len(party.id_number) == 18
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM disputes_party LIMIT 1")
        assert cursor.fetchone()[0].startswith("enc1:")
    assert report.distinct_people < report.counts["parties"]
