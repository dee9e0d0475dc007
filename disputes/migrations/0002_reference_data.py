"""Reference data: the dispute categories, the default deadline policy
(DOMAIN.md §3) and the working-day calendar 2025-2027."""

import datetime as dt

from django.db import migrations

CATEGORIES = [
    ("neighbours", "邻里纠纷"),
    ("land", "土地宅基地纠纷"),
    ("water", "灌溉用水纠纷"),
    ("family", "婚姻家庭纠纷"),
    ("wages", "劳资纠纷"),
    ("debts", "债务纠纷"),
    ("damages", "损害赔偿纠纷"),
    ("resettlement", "移民安置纠纷"),
    ("customs", "风俗宗教纠纷"),
    ("property", "物业纠纷"),
    ("other", "其他纠纷"),
]

# stage, risk ("" = any), duration, unit, auto_escalate
POLICIES = [
    ("grid", "", 24, "hours", True),
    ("village_review", "", 3, "working_days", True),
    ("township_coordination", "", 7, "working_days", True),
    ("district_analysis", "", 15, "working_days", False),
    # Not in DOMAIN.md: each level's confirmation of the outcome.
    ("feedback", "", 2, "working_days", False),
    ("follow_up", "", 7, "working_days", False),
    # A red case's officer reports in within 30 minutes; other whistles 2 hours.
    ("report_in", "red", 30, "minutes", False),
    ("report_in", "", 2, "hours", False),
]


def _days(start, end):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def D(y, m, d):
    return dt.date(y, m, d)


# (first, last, note) of holidays; make-up working days (调休) apart.
# 2025: 国办发明电〔2024〕12号; 2026: the State Council notice of November 2025.
# 2027 is not published yet: only the statutory days of the 2024 holiday
# regulation, without bridges or make-up days; administrators amend it when
# the notice appears.
HOLIDAYS = [
    (D(2025, 1, 1), D(2025, 1, 1), "元旦"),
    (D(2025, 1, 28), D(2025, 2, 4), "春节"),
    (D(2025, 4, 4), D(2025, 4, 6), "清明节"),
    (D(2025, 5, 1), D(2025, 5, 5), "劳动节"),
    (D(2025, 5, 31), D(2025, 6, 2), "端午节"),
    (D(2025, 10, 1), D(2025, 10, 8), "国庆节、中秋节"),
    (D(2026, 1, 1), D(2026, 1, 3), "元旦"),
    (D(2026, 2, 15), D(2026, 2, 23), "春节"),
    (D(2026, 4, 4), D(2026, 4, 6), "清明节"),
    (D(2026, 5, 1), D(2026, 5, 5), "劳动节"),
    (D(2026, 6, 19), D(2026, 6, 21), "端午节"),
    (D(2026, 9, 25), D(2026, 9, 27), "中秋节"),
    (D(2026, 10, 1), D(2026, 10, 7), "国庆节"),
    (D(2027, 1, 1), D(2027, 1, 1), "元旦"),
    (D(2027, 2, 5), D(2027, 2, 8), "春节"),
    (D(2027, 4, 5), D(2027, 4, 5), "清明节"),
    (D(2027, 5, 1), D(2027, 5, 2), "劳动节"),
    (D(2027, 6, 9), D(2027, 6, 9), "端午节"),
    (D(2027, 9, 15), D(2027, 9, 15), "中秋节"),
    (D(2027, 10, 1), D(2027, 10, 3), "国庆节"),
]
MAKE_UP_DAYS = [
    (D(2025, 1, 26), "春节调休上班"),
    (D(2025, 2, 8), "春节调休上班"),
    (D(2025, 4, 27), "劳动节调休上班"),
    (D(2025, 9, 28), "国庆节调休上班"),
    (D(2025, 10, 11), "国庆节调休上班"),
    (D(2026, 1, 4), "元旦调休上班"),
    (D(2026, 2, 14), "春节调休上班"),
    (D(2026, 2, 28), "春节调休上班"),
    (D(2026, 5, 9), "劳动节调休上班"),
    (D(2026, 9, 20), "国庆节调休上班"),
    (D(2026, 10, 10), "国庆节调休上班"),
]


def load(apps, schema_editor):
    Category = apps.get_model("disputes", "DisputeCategory")
    Policy = apps.get_model("disputes", "DeadlinePolicy")
    CalendarDay = apps.get_model("disputes", "CalendarDay")
    for order, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order * 10}
        )
    if not Policy.objects.exists():
        Policy.objects.bulk_create(
            Policy(stage=s, risk=r, duration=d, unit=u, auto_escalate=a)
            for s, r, d, u, a in POLICIES
        )
    rows = {}
    for first, last, note in HOLIDAYS:
        for day in _days(first, last):
            rows[day] = (False, note)
    for day, note in MAKE_UP_DAYS:
        rows[day] = (True, note)
    for day, (working, note) in rows.items():
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_working_day": working, "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
