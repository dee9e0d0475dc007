from grids.geometry import area_of, bbox_of
from grids.models import Area, PoliceZone
from grids.seed import seed


def test_demo_tree_has_the_official_counts_and_close_to_500_grids(db):
    seed()
    counts = {
        level: Area.objects.filter(level=level).count()
        for level in ("district", "township", "village")
    }
    assert counts == {"district": 1, "township": 7, "village": 74}
    grids = Area.objects.grids()
    assert 480 <= grids.count() <= 500
    # Every village has grids; communities have buildings, villages groups.
    for village in Area.objects.filter(level="village"):
        assert Area.objects.subtree(village).grids().count() >= 3
    assert Area.objects.filter(level="building").exists()
    assert Area.objects.filter(level="group").exists()
    # Every group and building is covered by exactly one grid of its village.
    for unit in Area.objects.filter(level__in=["group", "building"]):
        covering = list(unit.covering_grids.all())
        assert len(covering) == 1
        assert covering[0].path[:-4] == unit.path[:-4]
    assert Area.objects.find_problems() == ([], [], [], [], [])
    assert PoliceZone.objects.count() > 100
    assert not grids.filter(police_zone=None).exists()


def test_demo_boundaries_tile_their_parents(db):
    seed()
    for parent in Area.objects.filter(level__in=["district", "township", "village"]):
        child_level = {"district": "township", "township": "village"}.get(
            parent.level, "grid"
        )
        children = Area.objects.filter(
            path__startswith=parent.path, depth=parent.depth + 1, level=child_level
        )
        outer = bbox_of(parent.boundary)
        assert outer is not None
        boxes = [bbox_of(c.boundary) for c in children]
        assert all(b is not None for b in boxes)
        # Inside the parent, and the areas add up: no gaps, no overlaps.
        for b in boxes:
            assert b[0] >= outer[0] - 1e-6 and b[2] <= outer[2] + 1e-6
            assert b[1] >= outer[1] - 1e-6 and b[3] <= outer[3] + 1e-6
        assert abs(sum(area_of(b) for b in boxes) - area_of(outer)) < 1e-6
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap_w = min(a[2], b[2]) - max(a[0], b[0])
                overlap_h = min(a[3], b[3]) - max(a[1], b[1])
                assert overlap_w <= 1e-6 or overlap_h <= 1e-6


def test_seed_is_idempotent_and_population_rolls_up(db):
    seed()
    total = Area.objects.count()
    zones = PoliceZone.objects.count()
    seed()
    assert Area.objects.count() == total
    assert PoliceZone.objects.count() == zones
    district = Area.objects.get(code="640303")
    assert district.residents == sum(
        Area.objects.grids().values_list("residents", flat=True)
    )
    assert 150_000 < district.residents < 260_000
