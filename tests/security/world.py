"""Test data for the route-walking security tests.

``build_world(tree, personas)`` runs every builder in ``BUILDERS``; each builds
one object of a kind in each data key (g1, g2: T1's village V1; g3: another
township) and stores it under a name the registry refers to. Text fields carry
the grid's name (a leak shows up as text in any page, JSON or file) and
personal data uses the known clear values below (so a scan can find them).
Builders for apps not installed yet are skipped.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse

# Valid-looking resident ID numbers (GB 11643 layout) and mobile numbers, one
# per data key; they must never appear in clear in a response or the database.
ID_NUMBERS = {
    "g1": "640303198801021234",
    "g2": "640303199203154326",
    "g3": "64030319750707001X",
}
PHONES = {"g1": "13995123456", "g2": "15809534567", "g3": "18695347890"}
FORMULA = '=HYPERLINK("http://evil.example","x")'

ID_RE = re.compile(
    r"(?<![0-9A-Za-z+/])[1-9]\d{5}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z+/])"
)
PHONE_RE = re.compile(r"(?<![0-9A-Za-z+/])(?:\+?86)?1[3-9]\d{9}(?![0-9A-Za-z+/])")


@dataclass
class World:
    tree: Any
    personas: Any
    objects: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"g1": {}, "g2": {}, "g3": {}}
    )

    def grid(self, key: str) -> Any:
        return {
            "g1": self.tree.grid,
            "g2": self.tree.sibling_grid,
            "g3": self.tree.other_grid,
        }[key]

    def village(self, key: str) -> Any:
        return self.tree.other_village if key == "g3" else self.tree.village

    def township(self, key: str) -> Any:
        return self.tree.other_township if key == "g3" else self.tree.township

    def put(self, name: str, key: str, obj: Any) -> Any:
        self.objects[key][name] = obj
        return obj

    def obj(self, name: str, key: str) -> Any:
        return self.objects[key][name]

    def has(self, name: str) -> bool:
        return name in self.objects["g1"]

    def persona_user(self, persona: str) -> Any:
        return getattr(self.personas, persona)


# The area names each data key brings into text (and so may never appear for a
# persona who cannot see that key).
def canaries(world: World, key: str) -> list[str]:
    names = [world.grid(key).name]
    if key == "g3":
        names += [world.tree.other_village.name, world.tree.other_township.name]
    return names


def forbidden_text(world: World, visible: tuple[str, ...]) -> list[str]:
    text: list[str] = []
    for key in ("g1", "g2", "g3"):
        if key not in visible:
            text += canaries(world, key)
    if "g1" not in visible:
        text += [world.tree.village.name, world.tree.township.name]
    return sorted(set(text))


Builder = Callable[[World], None]
BUILDERS: list[Builder] = []


def builder(fn: Builder) -> Builder:
    BUILDERS.append(fn)
    return fn


@builder
def _areas(world: World) -> None:
    for key in ("g1", "g2", "g3"):
        world.put("area", key, world.grid(key))
        world.put("grid", key, world.grid(key))
        world.put("village", key, world.village(key))


@builder
def _people(world: World) -> None:
    from policing.models import Person, Station

    for key in ("g1", "g2", "g3"):
        grid = world.grid(key)
        if key != "g2":
            station = Station.objects.create(
                name=f"{grid.name}派出所", area=world.township(key), code=f"PS{key}"
            )
            world.put("station", key, station)
        person = Person.objects.create(
            name=f"{grid.name}网格员",
            role=Person.Role.GRID_WORKER,
            area=grid,
            department=FORMULA,
        )
        world.put("person", key, person)
    world.put("station", "g2", world.obj("station", "g1"))


@builder
def _fieldwork(world: World) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from policing.models import Activity, ActivityPhoto, Assignment, Hazard, TimeEntry

    now = timezone.now()
    for key in ("g1", "g2", "g3"):
        grid = world.grid(key)
        person = world.obj("person", key)
        world.put(
            "assignment",
            key,
            Assignment.objects.create(
                person=person,
                grid=grid,
                role=Assignment.Role.GRID_WORKER,
                start_date=timezone.localdate() - dt.timedelta(days=30),
            ),
        )
        activity = Activity.objects.create(
            kind=Activity.Kind.PATROL,
            grid=grid,
            started_at=now - dt.timedelta(hours=3),
            ended_at=now - dt.timedelta(hours=1),
            recorded_by=person,
            place=f"{grid.name}村委会",
            notes=FORMULA,
        )
        activity.participants.set([person])
        world.put("activity", key, activity)
        photo = ActivityPhoto(activity=activity, content_type="image/png", size=8)
        photo.file.save(f"{key}.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
        world.put("activity_photo", key, photo)
        world.put(
            "hazard",
            key,
            Hazard.objects.create(
                grid=grid,
                kind=Hazard.Kind.FIRE,
                description=f"{grid.name}楼道堆放杂物",
                place=FORMULA,
                responsible_party=f"{grid.name}物业",
                responsible_phone=PHONES[key],
                reported_at=now - dt.timedelta(days=1),
                due_at=now + dt.timedelta(days=3),
            ),
        )
        world.put(
            "time_entry",
            key,
            TimeEntry.objects.create(
                person=person,
                work_date=timezone.localdate(),
                hours=Decimal("2.5"),
                duty=TimeEntry.Duty.DUTY_SHIFT,
                grid=grid,
                description=f"{grid.name}值班",
            ),
        )


@builder
def _webhooks(world: World) -> None:
    from integrations.models import WebhookSubscription

    for key in ("g1", "g2", "g3"):
        world.put(
            "webhook",
            key,
            WebhookSubscription.objects.create(
                url=f"https://hooks.example.org/{key}",
                secret="s" * 32,
                event_types=["dispute.created"],
                area=world.grid(key),
                description=f"{world.grid(key).name}回调",
            ),
        )


@builder
def _disputes(world: World) -> None:
    from disputes.models import Dispute, DisputeCategory

    # After a transactional test's flush the reference data is gone.
    category = DisputeCategory.objects.order_by("pk").first() or (
        DisputeCategory.objects.create(code="neighbours", name="邻里纠纷")
    )
    actor = {"g1": "grid_worker", "g2": "village", "g3": "outsider"}
    for key in ("g1", "g2", "g3"):
        grid = world.grid(key)
        case, _ = Dispute.intake(
            by=None if key == "g3" else world.persona_user(actor[key]),
            grid=grid,
            category=category,
            title=f"{grid.name}院墙排水纠纷",
            description=FORMULA,
            parties=[
                {
                    "name": f"{grid.name}申请人",
                    "role": "applicant",
                    "phone": PHONES[key],
                    "id_number": ID_NUMBERS[key],
                    "address": FORMULA,
                },
                {"name": f"{grid.name}被申请人", "role": "respondent"},
            ],
        )
        world.put("dispute", key, case)
        world.put("party", key, case.parties.order_by("pk").first())
        world.put("event", key, case.events.order_by("pk").first())


def build_world(tree: Any, personas: Any) -> World:
    world = World(tree=tree, personas=personas)
    for build in BUILDERS:
        try:
            build(world)
        except ImportError:
            continue  # the app of this builder is not installed yet
    return world


# --- reading responses --------------------------------------------------------------


def response_bytes(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def response_text(response: HttpResponse) -> str:
    """What a person would read: the body as text, with XLSX unpacked and JSON
    unescaped."""
    data = response_bytes(response)
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype:
        return "\n".join("\t".join(row) for row in xlsx_rows(data))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    if "json" in ctype:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    rows = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            rows.append(["" if v is None else str(v) for v in row])
    return rows


def table_cells(response: HttpResponse) -> list[str]:
    """The cells of an exported CSV/XLSX file."""
    import csv

    data = response_bytes(response)
    if "spreadsheetml" in response.get("Content-Type", ""):
        return [c for row in xlsx_rows(data) for c in row]
    text = data.decode("utf-8-sig", errors="replace")
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def unmasked_personal_data(text: str) -> list[str]:
    """Clear ID or mobile numbers in ``text`` (known values and any look-alike)."""
    found = [v for v in (*ID_NUMBERS.values(), *PHONES.values()) if v in text]
    found += ID_RE.findall(text)
    found += PHONE_RE.findall(text)
    return sorted(set(found))
