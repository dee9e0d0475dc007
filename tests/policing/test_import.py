"""Imports check the whole file and write nothing unless every row is valid;
exports write the same format back."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from grids.models import Area
from policing.models import Assignment, Person
from tests.grids.forces import assign, person, station, zone


def _csv(rows, encoding="utf-8-sig") -> bytes:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def _xlsx(rows) -> bytes:  # type: ignore[no-untyped-def]
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, url, name, data):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def _download(response) -> bytes:  # type: ignore[no-untyped-def]
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return response.content


PEOPLE_HEADER = [
    "姓名",
    "角色",
    "电话",
    "警号",
    "所属区域代码",
    "派出所代码",
    "单位",
    "志愿队伍",
    "部门",
    "党员",
    "在岗",
]


@pytest.fixture
def manager(client, personas):  # type: ignore[no-untyped-def]
    client.force_login(personas.township)
    return client


def test_a_bad_people_file_is_rejected_whole_with_every_bad_cell(manager, tree):
    data = _csv(
        [
            PEOPLE_HEADER,
            [
                "王小明",
                "网格员",
                "13912345678",
                "",
                tree.village.code,
                "",
                "",
                "",
                "",
                "否",
                "是",
            ],
            [
                "李四",
                "网格员",
                "12345",
                "",
                tree.village.code,
                "",
                "",
                "",
                "",
                "否",
                "是",
            ],
            [
                "赵五",
                "社区民警",
                "13912345679",
                "",
                "999999999999",
                "",
                "",
                "",
                "",
                "是",
                "是",
            ],
            [
                "钱六",
                "厨师",
                "13912345678",
                "",
                tree.other_village.code,
                "",
                "",
                "",
                "",
                "否",
                "是",
            ],
        ]
    )
    response = _upload(manager, reverse("policing:people_import"), "people.csv", data)
    assert response.status_code == 200
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert (3, "电话") in errors  # bad phone
    assert (4, "所属区域代码") in errors  # unknown area code
    assert (4, "警号") in errors  # an officer without a police number
    assert (5, "角色") in errors  # unknown role
    assert (5, "电话") in errors  # duplicate of row 2
    assert (5, "所属区域代码") in errors  # another township's village
    assert Person.objects.count() == 0
    assert (
        "nothing was saved" in response.content.decode()
        or "未保存" in response.content.decode()
    )


def test_a_good_gbk_people_file_is_imported_and_round_trips(manager, tree):
    st = station(tree.township)
    data = _csv(
        [
            PEOPLE_HEADER,
            [
                "王小明",
                "网格员",
                "139 1234 5678",
                "",
                tree.village.code,
                "",
                "",
                "",
                "",
                "否",
                "是",
            ],
            [
                "周卫东",
                "社区民警",
                "13912345679",
                "640001",
                tree.village.code,
                st.code,
                "社区警务队",
                "",
                "",
                "是",
                "是",
            ],
        ],
        encoding="gbk",
    )
    response = _upload(manager, reverse("policing:people_import"), "people.csv", data)
    result = response.context["result"]
    assert result.ok, result.errors
    assert result.created == 2
    zhou = Person.objects.get(name="周卫东")
    assert zhou.unit.kind == "community_team" and zhou.party_member
    assert str(Person.objects.get(name="王小明").phone) == "+8613912345678"
    # Export, then import the export: nothing changes.
    exported = _download(
        manager.get(reverse("policing:people_export"), {"format": "xlsx"})
    )
    response = _upload(
        manager, reverse("policing:people_import"), "people.xlsx", exported
    )
    result = response.context["result"]
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Person.objects.count() == 2


def test_assignment_import_rejects_overlaps_and_unknown_codes(manager, tree):
    incumbent = person("community_officer", tree.village, name="周卫东")
    assign(incumbent, tree.grid)
    a = person("community_officer", tree.village, name="马学军")
    b = person("community_officer", tree.village, name="李志强")
    header = ["人员ID", "网格代码", "担任角色", "开始日期", "结束日期", "主责"]
    data = _csv(
        [
            header,
            [
                a.pk,
                tree.grid.code,
                "社区民警",
                "2025-03-01",
                "",
                "是",
            ],  # overlaps 周卫东
            [b.pk, tree.sibling_grid.code, "社区民警", "2025-03-01", "", "是"],
            [
                a.pk,
                tree.sibling_grid.code,
                "社区民警",
                "2025-06-01",
                "",
                "是",
            ],  # overlaps row 3
            [b.pk, "649901100201G99", "社区民警", "2025/3/1", "", "是"],  # unknown grid
            [b.pk, tree.grid.code, "社区民警", "not a date", "", "否"],
        ]
    )
    response = _upload(manager, reverse("policing:assignments_import"), "a.csv", data)
    result = response.context["result"]
    rows = {e.row for e in result.errors}
    assert rows == {2, 4, 5, 6}
    assert any("周卫东" in e.message for e in result.errors if e.row == 2)
    assert any("3" in e.message for e in result.errors if e.row == 4)
    assert Assignment.objects.count() == 1


def test_assignment_import_accepts_a_good_file_and_round_trips(manager, tree):
    z = zone(tree.village, tree.grid)
    incumbent = person("community_officer", tree.village, name="周卫东")
    current = assign(incumbent, tree.grid)
    successor = person("community_officer", tree.village, name="李志强")
    helper = person(
        "police_assistant", tree.village, name="田小军", phone="+8613800138000"
    )
    exported = _download(manager.get(reverse("policing:assignments_export")))
    header, *rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert len(rows) == 1
    rows[0][header.index("结束日期")] = "2025-06-30"  # ends; history is not rewritten
    rows.append(
        [
            "",
            successor.pk,
            "",
            "",
            tree.grid.code,
            "",
            "社区民警",
            "2025-07-01",
            "",
            "是",
            "",
            "交接",
        ]
    )
    rows.append(
        [
            "",
            "",
            "",
            "138 0013 8000",
            "",
            z.code,
            "警务助理",
            "2025-01-01",
            "",
            "是",
            "",
            "",
        ]
    )
    response = _upload(
        manager, reverse("policing:assignments_import"), "a.csv", _csv([header, *rows])
    )
    result = response.context["result"]
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 1)
    current.refresh_from_db()
    assert str(current.end_date) == "2025-06-30"
    assert Assignment.objects.get(person=helper).zone == z
    # The export imports back unchanged.
    again = _download(
        manager.get(reverse("policing:assignments_export"), {"format": "xlsx"})
    )
    result = _upload(
        manager, reverse("policing:assignments_import"), "a.xlsx", again
    ).context["result"]
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_rewriting_history_through_an_import_is_refused(manager, tree):
    a = assign(person("grid_worker", tree.village), tree.grid)
    exported = _download(manager.get(reverse("policing:assignments_export")))
    header, row = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    row[header.index("开始日期")] = "2020-01-01"
    result = _upload(
        manager, reverse("policing:assignments_import"), "a.csv", _csv([header, row])
    ).context["result"]
    assert not result.ok
    a.refresh_from_db()
    assert str(a.start_date) == "2025-01-01"


def test_grid_import_checks_the_whole_file_and_round_trips(manager, tree):
    header = ["网格代码", "网格名称", "村代码", "户数", "人口"]
    bad = _csv(
        [
            header,
            [f"{tree.village.code}G05", "甲村第5网格", tree.village.code, "120", "400"],
            [f"{tree.village.code}G05", "重复", tree.village.code, "x", "400"],
            ["X1", "外村", tree.other_village.code, "1", "1"],
        ]
    )
    result = _upload(manager, reverse("grids:grids_import"), "g.csv", bad).context[
        "result"
    ]
    assert {(e.row, e.column) for e in result.errors} >= {
        (3, "网格代码"),
        (3, "户数"),
        (4, "村代码"),
    }
    assert not Area.objects.filter(code=f"{tree.village.code}G05").exists()
    good = _csv(
        [
            header,
            [f"{tree.village.code}G05", "甲村第5网格", tree.village.code, "120", "400"],
        ],
        "gbk",
    )
    result = _upload(manager, reverse("grids:grids_import"), "g.csv", good).context[
        "result"
    ]
    assert result.ok, result.errors
    g5 = Area.objects.get(code=f"{tree.village.code}G05")
    assert g5.level == "grid" and g5.residents == 400
    assert g5.path.startswith(tree.village.path) and g5.depth == tree.village.depth + 1
    assert Area.objects.find_problems() == ([], [], [], [], [])
    exported = _download(manager.get(reverse("grids:grids_export"), {"format": "xlsx"}))
    result = _upload(
        manager, reverse("grids:grids_import"), "g.xlsx", exported
    ).context["result"]
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 3
