"""Generated boundaries for the demo: rectangles that tile their parent.

Real boundaries come from the district's GIS; the demo needs shapes that are
true to the tree (a village's grids cover the village exactly, without gaps or
overlaps) so that maps and coverage pages have something honest to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# west, south, east, north in degrees (WGS84)
BBox = tuple[float, float, float, float]

HONGSIBU_BBOX: BBox = (105.8, 37.2, 106.6, 37.6)


def split_columns(bbox: BBox, weights: Sequence[float]) -> list[BBox]:
    """Vertical strips of ``bbox``, widths proportional to ``weights``."""
    west, south, east, north = bbox
    total = float(sum(weights))
    result: list[BBox] = []
    x = west
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        x2 = east if i == len(weights) - 1 else west + (east - west) * acc / total
        result.append((x, south, x2, north))
        x = x2
    return result


def tile(bbox: BBox, n: int) -> list[BBox]:
    """``n`` cells tiling ``bbox``: rows of near-equal cells, row by row from
    the north, west to east."""
    if n <= 0:
        return []
    west, south, east, north = bbox
    rows = max(1, round(math.sqrt(n * (north - south) / max(east - west, 1e-9))))
    rows = min(rows, n)
    per_row = [n // rows + (1 if r < n % rows else 0) for r in range(rows)]
    height = (north - south) / rows
    cells: list[BBox] = []
    for r, count in enumerate(per_row):
        top = north - r * height
        bottom = south if r == rows - 1 else top - height
        cells.extend(split_columns((west, bottom, east, top), [1.0] * count))
    return cells


def polygon(bbox: BBox) -> dict:
    """A GeoJSON Polygon (counter-clockwise exterior ring, closed)."""
    west, south, east, north = (round(v, 6) for v in bbox)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def bbox_of(geometry: dict | None) -> BBox | None:
    """The bounding box of a GeoJSON Polygon or MultiPolygon."""
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    polys = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
    )
    xs = [pt[0] for poly in polys for ring in poly for pt in ring]
    ys = [pt[1] for poly in polys for ring in poly for pt in ring]
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def area_of(bbox: BBox) -> float:
    west, south, east, north = bbox
    return (east - west) * (north - south)
