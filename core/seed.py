"""Demo accounts for every role. The password is for demonstration only."""

from __future__ import annotations

from typing import TextIO

from grids.models import Area

from .accounts import provision_account
from .models import Role

DEMO_PASSWORD = "Demo-hsb-2026"  # noqa: S105 - documented demo-only password

DISTRICT = "640303"
TOWNSHIP = "640303100"  # 红寺堡镇
VILLAGE = "640303100200"  # 梨花村
OTHER_TOWNSHIP = "640303101"  # 太阳山镇

# username, role, area code (a village code means "its first grid" for grid roles)
DEMO_ACCOUNTS: list[tuple[str, str, str, str]] = [
    ("admin", Role.ADMIN, DISTRICT, "系统管理员"),
    ("district", Role.DISTRICT_STAFF, DISTRICT, "区综治中心 王主任"),
    ("leader", Role.LEADER, DISTRICT, "区领导 马区长"),
    ("township", Role.TOWNSHIP_STAFF, TOWNSHIP, "红寺堡镇综治中心 李干事"),
    ("liaison", Role.DEPARTMENT_LIAISON, TOWNSHIP, "红寺堡镇司法所 杨所长"),
    ("village", Role.VILLAGE_STAFF, VILLAGE, "梨花村综治中心 张书记"),
    ("gridworker", Role.GRID_WORKER, f"{VILLAGE}:grid", "网格员 马小兰"),
    ("officer", Role.COMMUNITY_OFFICER, f"{VILLAGE}:grid", "社区民警 周警官"),
    ("assistant", Role.POLICE_ASSISTANT, f"{VILLAGE}:grid", "警务助理 田小军"),
    ("volunteer", Role.VOLUNTEER_POLICE, f"{VILLAGE}:grid", "红城守望义警 海大叔"),
    ("taiyangshan", Role.TOWNSHIP_STAFF, OTHER_TOWNSHIP, "太阳山镇综治中心 丁干事"),
    ("integration", Role.INTEGRATION, DISTRICT, "12345 热线对接"),
]


def _resolve_code(code: str) -> str:
    if not code.endswith(":grid"):
        return code
    village_code = code.split(":", 1)[0]
    village = Area.objects.get(code=village_code)
    grid = (
        Area.objects.filter(path__startswith=village.path, level=Area.Level.GRID)
        .order_by("code")
        .first()
    )
    return grid.code if grid else village_code


def seed(stdout: TextIO | None = None) -> None:
    for username, role, code, name in DEMO_ACCOUNTS:
        provision_account(
            username=username,
            role=role,
            area_code=_resolve_code(code),
            password=DEMO_PASSWORD,
            full_name=name,
            check_password=False,
        )
    if stdout:
        stdout.write(f"accounts: {len(DEMO_ACCOUNTS)} demo accounts\n")
