"""What each role sees in the navigation and on its home page.

Apps add their entries here; an entry whose URL name does not resolve (a
feature not installed) is left out rather than breaking the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Role

FIELD = {Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.POLICE_ASSISTANT}
VOLUNTEER = {Role.VOLUNTEER_POLICE}
CENTERS = {Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.DISTRICT_STAFF}
LEADERS = {Role.LEADER}
LIAISONS = {Role.DEPARTMENT_LIAISON}
ADMINS = {Role.ADMIN}
PEOPLE_ROLES = FIELD | VOLUNTEER | CENTERS | LEADERS | LIAISONS | ADMINS
EVERYONE = PEOPLE_ROLES | {Role.INTEGRATION}


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str] = field(default_factory=lambda: frozenset(PEOPLE_ROLES))
    icon: str = "circle"
    description: str | Promise = ""


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), frozenset(EVERYONE), "house"),
    NavItem(
        "disputes:intake",
        _("Record a dispute"),
        frozenset(FIELD | CENTERS),
        "plus-circle",
        _("Collect a dispute at the door, with its parties and photos."),
    ),
    NavItem(
        "disputes:my_work",
        _("My work"),
        frozenset(FIELD | CENTERS | LIAISONS | ADMINS),
        "inbox",
        _("What awaits your action, overdue first."),
    ),
    NavItem(
        "disputes:list",
        _("Disputes"),
        frozenset(FIELD | CENTERS | LEADERS | LIAISONS | ADMINS),
        "journal-text",
        _("Every dispute in your area, with filters."),
    ),
    NavItem(
        "policing:activity_create",
        _("Log field work"),
        frozenset(FIELD | VOLUNTEER),
        "clipboard-check",
        _("Patrols, inspections, publicity and other field work."),
    ),
    NavItem(
        "policing:hazards",
        _("Hazards"),
        frozenset(FIELD | CENTERS | LEADERS | ADMINS),
        "exclamation-triangle",
        _("Safety hazards and their rectification."),
    ),
    NavItem(
        "policing:time_shares",
        _("Officers' time"),
        frozenset(CENTERS | LEADERS | ADMINS | {Role.COMMUNITY_OFFICER}),
        "clock-history",
        _("Officers' hours in their own grids against the 50% target."),
    ),
    NavItem(
        "policing:volunteers",
        _("Volunteers"),
        frozenset(CENTERS | LEADERS | ADMINS | VOLUNTEER),
        "award",
        _("Volunteer police hours and activities, for recognition."),
    ),
    NavItem(
        "grids:tree",
        _("Areas and grids"),
        frozenset(PEOPLE_ROLES),
        "diagram-3",
        _("Browse the tree from the district down to each grid."),
    ),
    NavItem(
        "policing:people",
        _("People"),
        frozenset(FIELD | CENTERS | LEADERS | ADMINS),
        "people",
        _("Officers, assistants, grid workers and volunteers."),
    ),
    NavItem(
        "policing:coverage",
        _("Coverage"),
        frozenset(CENTERS | LEADERS | ADMINS | {Role.COMMUNITY_OFFICER}),
        "shield-check",
        _("Every grid with its officer, every zone with its assistants."),
    ),
    NavItem(
        "dashboards:home",
        _("Dashboard"),
        frozenset(CENTERS | LEADERS | ADMINS),
        "bar-chart",
        _("The figures, charts, map and rankings."),
    ),
    NavItem(
        "disputes:notifications",
        _("Notifications"),
        frozenset(PEOPLE_ROLES),
        "bell",
        _("Deadlines, whistles and changes that concern you."),
    ),
    NavItem(
        "swagger-ui",
        _("API documentation"),
        frozenset(ADMINS | {Role.INTEGRATION}),
        "code-slash",
        _("The REST API for other systems."),
    ),
    NavItem(
        "admin:index",
        _("Administration"),
        frozenset(ADMINS),
        "gear",
        _("Accounts, policies, calendars and reference lists."),
    ),
]


def items_for(user) -> list[dict]:  # type: ignore[no-untyped-def]
    """The navigation entries the user's role may use, with resolved URLs."""
    if not user.is_authenticated:
        return []
    role = user.role or (Role.ADMIN if user.is_superuser else "")
    result = []
    for item in NAV_ITEMS:
        if role not in item.roles and not (
            user.is_superuser and item.url_name.startswith("admin")
        ):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        result.append({"item": item, "url": url})
    return result
