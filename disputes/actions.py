"""One entry point per case action, shared by the page forms and the API.

``ACTIONS`` maps the URL segment (``escalate``, ``acknowledge-feedback``, ...)
to the event action code and to a function that makes the one domain call from
cleaned input (a form's ``cleaned_data`` or a serializer's ``validated_data``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Dispute, DisputeEvent

if TYPE_CHECKING:
    from core.models import User

A = DisputeEvent.Action


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；", "\n"):
            value = value.replace(sep, ",")
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value or [] if str(v).strip()]


@dataclass(frozen=True)
class CaseAction:
    slug: str
    code: str
    call: Callable[[Dispute, User, dict[str, Any]], Any]


def _v(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("version")
    return {"expected_version": version} if version else {}


ACTIONS: dict[str, CaseAction] = {
    a.slug: a
    for a in [
        CaseAction(
            "escalate",
            A.ESCALATE,
            lambda c, u, d: c.escalate(by=u, reason=d["reason"], **_v(d)),
        ),
        CaseAction(
            "return",
            A.RETURN,
            lambda c, u, d: c.return_to_grid(by=u, reason=d["reason"], **_v(d)),
        ),
        CaseAction(
            "resolve",
            A.RESOLVE,
            lambda c, u, d: c.resolve(
                by=u, outcome=d["outcome"], method=d["method"], **_v(d)
            ),
        ),
        CaseAction(
            "acknowledge-feedback",
            A.ACKNOWLEDGE_FEEDBACK,
            lambda c, u, d: c.acknowledge_feedback(
                by=u, note=d.get("note", ""), **_v(d)
            ),
        ),
        CaseAction(
            "follow-up",
            A.FOLLOW_UP,
            lambda c, u, d: c.follow_up(
                by=u, satisfied=d["satisfied"], notes=d.get("notes", ""), **_v(d)
            ),
        ),
        CaseAction(
            "reject",
            A.REJECT,
            lambda c, u, d: c.reject(
                by=u, reason=d["reason"], duplicate_of=d.get("duplicate_of"), **_v(d)
            ),
        ),
        CaseAction(
            "transfer",
            A.TRANSFER,
            lambda c, u, d: c.transfer(by=u, to=d["to"], reason=d["reason"], **_v(d)),
        ),
        CaseAction(
            "withdraw",
            A.WITHDRAW,
            lambda c, u, d: c.withdraw(by=u, reason=d["reason"], **_v(d)),
        ),
        CaseAction(
            "assign",
            A.ASSIGN,
            lambda c, u, d: c.assign(
                by=u, person=d["person"], note=d.get("note", ""), **_v(d)
            ),
        ),
        CaseAction(
            "whistle",
            A.WHISTLE,
            lambda c, u, d: c.whistle(
                by=u,
                reason=d["reason"],
                people=d.get("people") or (),
                departments=_split(d.get("departments")),
                report_in_deadline=d.get("report_in_deadline"),
                **_v(d),
            ),
        ),
        CaseAction(
            "report-in",
            A.REPORT_IN,
            lambda c, u, d: c.report_in(
                by=u, summons=d.get("summons"), note=d.get("note", "")
            ),
        ),
        CaseAction(
            "consult",
            A.CONSULT,
            lambda c, u, d: c.consult(
                by=u,
                departments=_split(d["departments"]),
                conclusions=d["conclusions"],
                **_v(d),
            ),
        ),
    ]
}
SLUG_OF = {a.code: a.slug for a in ACTIONS.values()}


def run_action(case: Dispute, slug: str, user: User, data: dict[str, Any]) -> Any:
    """Make the one domain call behind ``slug`` with cleaned input."""
    return ACTIONS[slug].call(case, user, data)
