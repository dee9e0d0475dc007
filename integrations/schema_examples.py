"""Examples and descriptions for the operations integrators use most, applied
by the schema hook (integrations.schema.add_contract) to operations of other
apps that have none of their own. The owning app's annotations always win."""

from __future__ import annotations

from typing import Any

CASE = {
    "id": 1234,
    "number": "HSB-2026-001234",
    "grid": "640303100200G01",
    "grid_name": "梨花村第1网格",
    "category": "neighbours",
    "risk": "yellow",
    "source": "hotline_12345",
    "title": "邻里宅基地界址纠纷",
    "description": "来电人反映邻居建房占用通道。",
    "occurred_at": "2026-11-29T16:20:00+08:00",
    "created_at": "2026-11-29T17:02:11+08:00",
    "stage": "grid",
    "stage_entered_at": "2026-11-29T17:02:11+08:00",
    "due_at": "2026-11-30T17:02:11+08:00",
    "is_overdue": False,
    "overdue_at": None,
    "ever_overdue": False,
    "handler": None,
    "reached_level": "grid",
    "resolved_level": None,
    "resolved_at": None,
    "resolution_method": "",
    "outcome": "",
    "feedback_level": None,
    "satisfied": None,
    "followed_up_at": None,
    "closed_at": None,
    "external_system": "12345",
    "external_id": "NX12345-20261129-0042",
    "version": 1,
    "parties": [
        {
            "id": 88,
            "name": "马某某",
            "role": "applicant",
            "phone": "139****0000",
            "id_number": "",
            "address": "",
        }
    ],
}
ESCALATED = {
    **CASE,
    "stage": "village_review",
    "reached_level": "village",
    "due_at": "2026-12-03T17:02:11+08:00",
    "version": 2,
}
EVENT = {
    "id": 5521,
    "action": "escalate",
    "from_stage": "grid",
    "to_stage": "village_review",
    "actor": {
        "id": 7,
        "username": "gridworker",
        "name": "马小兰",
        "role": "grid_worker",
    },
    "reason": "涉及多户，需村级研判",
    "data": {},
    "created_at": "2026-11-30T09:15:00+08:00",
}

ACTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "escalate": (
        "Send the case one level up (grid → village review → township "
        "coordination → district analysis). 409 from any other stage.",
        {"reason": "涉及多户，需乡镇协调"},
    ),
    "return": (
        "From village review back to the grid for missing facts.",
        {"reason": "请补充当事人联系方式"},
    ),
    "resolve": (
        "Resolve at the current level: from the grid the case goes to follow-up, "
        "from higher levels to feedback down the levels.",
        {"outcome": "双方达成调解协议", "method": "peoples_mediation"},
    ),
    "acknowledge-feedback": (
        "The next level down confirms the feedback; after the grid, follow-up.",
        {"note": "村级已告知当事人"},
    ),
    "follow-up": (
        "The follow-up visit: satisfied closes the case, not satisfied reopens it "
        "at the level that resolved it.",
        {"satisfied": True, "notes": "双方满意"},
    ),
    "reject": (
        "Not a dispute, or a duplicate of another case.",
        {"reason": "不属于矛盾纠纷"},
    ),
    "transfer": (
        "Hand over to a court, arbitration or another authority.",
        {"to": "人民法院", "reason": "诉调对接"},
    ),
    "withdraw": ("The applicant withdrew the case.", {"reason": "当事人撤回"}),
    "assign": (
        "Give the case to a person to handle.",
        {"person": 12, "note": "请周警官跟进"},
    ),
    "whistle": (
        "Summon the grid's officer and named departments, with a report-in deadline.",
        {
            "reason": "红色风险，立即到场",
            "departments": ["司法所"],
            "report_in_deadline": "2026-11-30T10:00:00+08:00",
        },
    ),
    "report-in": (
        "A summoned party reports in (the summons id from the whistle).",
        {"summons": 31, "note": "已到场"},
    ),
    "consult": (
        "Record a township joint consultation: departments present and conclusions.",
        {"departments": ["司法所", "派出所"], "conclusions": "分头做双方工作"},
    ),
}


def known_examples() -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → {"description", "request", "response"} (each optional)."""
    page = {
        "next": "https://hsb.example.cn/api/v1/disputes/?cursor=cD0xMjMz",
        "previous": None,
    }
    found: dict[tuple[str, str], dict[str, Any]] = {
        ("get", "/api/v1/disputes/"): {
            "description": "Cases in the caller's scope, newest first, with "
            "filters (stage, risk, category, subtree, overdue, open, "
            "created_after, created_before, q) and a cursor: follow `next` until "
            "it is null.",
            "response": {**page, "results": [CASE]},
        },
        ("post", "/api/v1/disputes/"): {
            "description": "Record a case in a grid (the grid's code; the "
            "category's code from /api/v1/dispute-categories/). Sending the same "
            "(external_system, external_id) again answers 200 with the existing "
            "case instead of a copy. Send an Idempotency-Key to retry safely.",
            "request": {
                "grid": "640303100200G01",
                "category": "neighbours",
                "risk": "yellow",
                "source": "hotline_12345",
                "title": "邻里宅基地界址纠纷",
                "description": "来电人反映邻居建房占用通道。",
                "occurred_at": "2026-11-29T16:20:00+08:00",
                "external_system": "12345",
                "external_id": "NX12345-20261129-0042",
                "parties": [
                    {"name": "马某某", "role": "applicant", "phone": "13900000000"}
                ],
            },
            "response": CASE,
        },
        ("get", "/api/v1/disputes/{id}/"): {
            "description": "One case with its parties (phone and ID numbers "
            "masked unless the caller may see them). Another area's case answers 404.",
            "response": CASE,
        },
        ("get", "/api/v1/disputes/{id}/events/"): {
            "description": "The case's timeline, oldest first; events are never "
            "edited or deleted.",
            "response": {"next": None, "previous": None, "results": [EVENT]},
        },
        ("get", "/api/v1/dispute-categories/"): {
            "description": "The category codes to use when recording a case.",
            "response": {
                "next": None,
                "previous": None,
                "results": [
                    {
                        "code": "neighbours",
                        "name": "邻里纠纷",
                        "active": True,
                        "sort_order": 1,
                    }
                ],
            },
        },
        ("get", "/api/v1/dispute-categories/{code}/"): {
            "description": "One dispute category.",
            "response": {
                "code": "neighbours",
                "name": "邻里纠纷",
                "active": True,
                "sort_order": 1,
            },
        },
    }
    for slug, (description, body) in ACTIONS.items():
        found[("post", f"/api/v1/disputes/{{id}}/{slug}/")] = {
            "description": description
            + " Answers the case as it is now; 409 when the current stage does "
            "not allow it or another action changed the case first (send the "
            "case's `version` to be sure you act on what you saw).",
            "request": body,
            "response": ESCALATED if slug == "escalate" else CASE,
        }
    return found


def apply(operation: dict[str, Any], method: str, path: str) -> None:
    """Add what the operation lacks from the table above."""
    known = known_examples().get((method, path))
    if not known:
        return
    if not operation.get("description"):
        operation["description"] = known["description"]
    body = operation.get("requestBody", {}).get("content", {})
    if "request" in known:
        for media_type, media in body.items():
            if (
                "json" in media_type
                and "examples" not in media
                and "example" not in media
            ):
                media["examples"] = {"example": {"value": known["request"]}}
    if "response" in known:
        for code, response in operation.get("responses", {}).items():
            if not code.startswith("2"):
                continue
            for media_type, media in response.get("content", {}).items():
                if (
                    "json" in media_type
                    and "examples" not in media
                    and "example" not in media
                ):
                    media["examples"] = {"example": {"value": known["response"]}}
