"""Template tags that put field work on other apps' pages (the grid page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from policing.models import Activity, Hazard

register = template.Library()

RECENT = 5


@register.inclusion_tag("policing/fieldwork/_grid_panel.html", takes_context=True)
def grid_fieldwork(context: dict[str, Any], grid: Any) -> dict[str, Any]:
    """A grid's latest field work and open hazards, scoped to the viewer."""
    user = context["request"].user
    activities = list(
        Activity.objects.visible_to(user)
        .filter(grid=grid)
        .select_related("recorded_by")
        .order_by("-started_at", "-pk")[:RECENT]
    )
    now = timezone.now()
    hazards = Hazard.objects.visible_to(user).filter(grid=grid).open()
    return {
        "grid": grid,
        "activities": activities,
        "open_hazards": hazards.count(),
        "overdue_hazards": hazards.filter(
            status=Hazard.Status.OPEN, due_at__lt=now
        ).count(),
    }
