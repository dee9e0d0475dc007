"""What every figure on the dashboards means, written once and shown one hover
away from the figure (and on the definitions list of the printable report).

All period figures follow the cases *collected* in the period (by the day
they were recorded, Beijing time) and say what those cases are now: a case
collected in March and resolved in April counts as resolved in March's
figures. "Now" figures (open, overdue) ignore the period.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Definition:
    key: str
    label: str | Promise
    text: str | Promise
    kind: str = "count"  # count | rate | hours


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in [
        Definition(
            "collected",
            _("Collected"),
            _(
                "Cases recorded in the period (by the day they were recorded), "
                "whatever happened to them since, rejected and withdrawn included."
            ),
        ),
        Definition(
            "accepted",
            _("Accepted"),
            _(
                "Collected cases minus those rejected (not a dispute, duplicate) "
                "and those withdrawn by the parties. Transferred cases (to a court "
                "or another authority) stay accepted."
            ),
        ),
        Definition(
            "rejected",
            _("Rejected"),
            _(
                "Collected cases found not to be a dispute or to duplicate another "
                "case. Reported apart: not in any rate."
            ),
        ),
        Definition(
            "withdrawn",
            _("Withdrawn"),
            _("Collected cases the parties withdrew. Reported apart: not in any rate."),
        ),
        Definition(
            "transferred",
            _("Transferred"),
            _(
                "Accepted cases handed to a court, arbitration or another "
                "authority (诉调对接). They count as accepted and not resolved."
            ),
        ),
        Definition(
            "resolved",
            _("Resolved"),
            _(
                "Accepted cases resolved at some level and not reopened since "
                "(now in feedback, awaiting the follow-up visit, or closed)."
            ),
        ),
        Definition(
            "resolution_rate",
            _("Resolution rate"),
            _("Resolved ÷ accepted. The target is at least 95 in 100."),
            "rate",
        ),
        Definition(
            "grid_share",
            _("Resolved in the grid"),
            _("Cases resolved at grid level ÷ resolved cases (小事不出网格)."),
            "rate",
        ),
        Definition(
            "village_share",
            _("Resolved in the village"),
            _("Cases resolved at village level ÷ resolved cases."),
            "rate",
        ),
        Definition(
            "local_share",
            _("Resolved without leaving the village"),
            _("Cases resolved at grid or village level ÷ resolved cases (大事不出村)."),
            "rate",
        ),
        Definition(
            "district_share",
            _("Reached the district"),
            _(
                "Accepted cases that were ever escalated to district analysis ÷ "
                "accepted cases (矛盾不上交: the lower the better)."
            ),
            "rate",
        ),
        Definition(
            "open_now",
            _("Open now"),
            _(
                "Cases in the area not yet closed, rejected, transferred or "
                "withdrawn, whenever they were collected."
            ),
        ),
        Definition(
            "overdue_now",
            _("Overdue now"),
            _(
                "Open cases whose current stage is past its response deadline, "
                "whenever they were collected."
            ),
        ),
        Definition(
            "overdue_rate",
            _("Overdue rate"),
            _("Overdue now ÷ open now."),
            "rate",
        ),
        Definition(
            "on_time_rate",
            _("On-time rate"),
            _(
                "Closed on time ÷ (closed + open cases already overdue). A case is "
                "on time when none of its stages ever went past its deadline "
                "(the deadline sweep never marked it overdue). An open case that "
                "has gone overdue can no longer close on time, so it counts "
                "against the rate before it closes."
            ),
            "rate",
        ),
        Definition(
            "follow_up_coverage",
            _("Follow-up coverage"),
            _(
                "Cases visited after resolution ÷ cases resolved (including cases "
                "reopened after an unsatisfied visit)."
            ),
            "rate",
        ),
        Definition(
            "satisfaction_rate",
            _("Satisfaction rate"),
            _(
                "Cases whose latest follow-up visit found the parties satisfied ÷ "
                "cases whose latest visit recorded a verdict."
            ),
            "rate",
        ),
        Definition(
            "median_hours",
            _("Median time to resolve"),
            _(
                "Half of the cases resolved at this level were resolved within "
                "this time after they were recorded. Read from a histogram: the "
                "figure is the upper edge of the histogram bucket holding the "
                "median (buckets of 1, 2, 4, 8, 12, 24, 36, 48, 72 hours and "
                "coarser above)."
            ),
            "hours",
        ),
        Definition(
            "p90_hours",
            _("90th percentile"),
            _(
                "Nine cases in ten resolved at this level were resolved within "
                "this time (upper edge of the histogram bucket holding it)."
            ),
            "hours",
        ),
        Definition(
            "grids_with_officer",
            _("Grids with an officer"),
            _(
                "Grids that have a community officer assigned today ÷ all grids "
                "(一格一警)."
            ),
            "rate",
        ),
        Definition(
            "per_thousand",
            _("Disputes per 1,000 residents"),
            _("Cases collected in the period × 1,000 ÷ registered residents."),
        ),
        Definition(
            "score",
            _("Assessment score"),
            _(
                "Weighted mean of the parts shown (each from 0 to 100), with the "
                "weights set by the administrators; a part with no cases is left "
                "out and the other weights count in full."
            ),
        ),
    ]
}


def as_json() -> dict[str, dict[str, str]]:
    return {
        key: {"label": str(d.label), "text": str(d.text), "kind": d.kind}
        for key, d in DEFINITIONS.items()
    }
