"""Hand-written SQL for the floors: the same data each operation fetches or
writes, with nothing of the framework around it. ``bench/floors.py`` serves
it through bare Django views (SQL + ``json.dumps``), ``bench/run.py`` times it
inside PostgreSQL with ``EXPLAIN (ANALYZE, BUFFERS)``."""

from __future__ import annotations

OPEN_STAGES = (
    "grid",
    "village_review",
    "township_coordination",
    "district_analysis",
    "feedback",
    "follow_up",
)

# A page of a township's cases, newest first, keyset on id (the API's
# ordering). The scope is first resolved to its grids (one indexed prefix
# query), then the list filters on grid_id: with the grid ids as values the
# planner sees how common they are and walks the primary key backwards for a
# busy scope (or the grid index for a quiet one). The join form
# (``g.path LIKE ...`` on the joined grid) makes it read and sort every case
# of the scope instead; see docs/benchmarks.md.
SCOPE_GRIDS = """
SELECT id FROM grids_area WHERE path LIKE %(path)s AND level = 'grid'
"""
LIST = """
SELECT d.id, d.number, d.title, d.stage, d.risk, d.source, d.created_at,
       d.due_at, d.overdue_at, d.reached_level, d.version,
       g.id, g.code, g.name, c.id, c.code, c.name
FROM disputes_dispute d
JOIN grids_area g ON g.id = d.grid_id
JOIN disputes_disputecategory c ON c.id = d.category_id
WHERE d.grid_id = ANY(%(grids)s) AND d.id < %(before)s
ORDER BY d.id DESC
LIMIT %(limit)s
"""
# The same page in the join form (what a path filter through the foreign key
# gives), timed for comparison.
LIST_JOIN = """
SELECT d.id, d.number, d.title, d.stage, d.risk, d.source, d.created_at,
       d.due_at, d.overdue_at, d.reached_level, d.version,
       g.id, g.code, g.name, c.id, c.code, c.name
FROM disputes_dispute d
JOIN grids_area g ON g.id = d.grid_id
JOIN disputes_disputecategory c ON c.id = d.category_id
WHERE g.path LIKE %(path)s AND d.id < %(before)s
ORDER BY d.id DESC
LIMIT %(limit)s
"""

DETAIL = """
SELECT d.id, d.number, d.title, d.description, d.stage, d.risk, d.source,
       d.created_at, d.occurred_at, d.due_at, d.overdue_at, d.reached_level,
       d.resolved_level, d.resolved_at, d.outcome, d.closed_at, d.version,
       g.code, g.name, c.code, c.name
FROM disputes_dispute d
JOIN grids_area g ON g.id = d.grid_id
JOIN disputes_disputecategory c ON c.id = d.category_id
WHERE d.id = %(id)s AND g.path LIKE %(path)s
"""
DETAIL_PARTIES = """
SELECT id, name, role, phone, id_number, address
FROM disputes_party WHERE dispute_id = %(id)s ORDER BY id
"""
DETAIL_EVENTS = """
SELECT id, action, from_stage, to_stage, reason, data, created_at, actor_id
FROM disputes_disputeevent WHERE dispute_id = %(id)s ORDER BY created_at, id
"""

# The dashboard figures of an area's subtree: cases by stage, open and overdue
# by category, and by child area.
DASHBOARD_STAGES = """
SELECT d.stage, count(*)
FROM disputes_dispute d JOIN grids_area g ON g.id = d.grid_id
WHERE g.path LIKE %(path)s
GROUP BY d.stage
"""
DASHBOARD_CATEGORIES = """
SELECT d.category_id, count(*),
       count(*) FILTER (WHERE d.overdue_at IS NOT NULL)
FROM disputes_dispute d JOIN grids_area g ON g.id = d.grid_id
WHERE g.path LIKE %(path)s AND d.stage IN %(open)s
GROUP BY d.category_id
"""
DASHBOARD_CHILDREN = """
SELECT substr(g.path, 1, %(child_len)s) AS child, count(*),
       count(*) FILTER (WHERE d.stage IN %(open)s),
       count(*) FILTER (WHERE d.stage IN %(open)s AND d.overdue_at IS NOT NULL)
FROM disputes_dispute d JOIN grids_area g ON g.id = d.grid_id
WHERE g.path LIKE %(path)s
GROUP BY 1
"""

# The same figures from the dashboards' summary tables (dashboards.models),
# over the default period (this month) and the open cases now.
SUMMARY_CHILDREN = """
SELECT substr(grid_path, 1, %(child_len)s), sum(collected), sum(resolved),
       sum(closed), sum(closed_on_time), sum(satisfied), sum(unsatisfied)
FROM dashboards_disputedailystat
WHERE grid_path LIKE %(path)s AND day BETWEEN %(since)s AND %(until)s
GROUP BY 1
"""
SUMMARY_CATEGORIES = """
SELECT category_id, sum(collected), sum(resolved)
FROM dashboards_disputedailystat
WHERE grid_path LIKE %(path)s AND day BETWEEN %(since)s AND %(until)s
GROUP BY 1
"""
SUMMARY_OPEN = """
SELECT substr(grid_path, 1, %(child_len)s), sum(open), sum(overdue)
FROM dashboards_opensnapshot
WHERE grid_path LIKE %(path)s
GROUP BY 1
"""

EXPORT = """
SELECT d.id, d.number, g.code, c.code, d.risk, d.source, d.title,
       d.description, d.created_at, d.stage, d.due_at, d.overdue_at,
       d.reached_level, d.resolved_level, d.resolved_at, d.resolution_method,
       d.closed_at, d.satisfied
FROM disputes_dispute d
JOIN grids_area g ON g.id = d.grid_id
JOIN disputes_disputecategory c ON c.id = d.category_id
WHERE g.path LIKE %(path)s
ORDER BY d.id
LIMIT %(limit)s
"""

EXPORT_EVENTS = """
SELECT e.dispute_id, e.id, e.action, e.from_stage, e.to_stage, u.username,
       e.created_at, e.reason, e.data
FROM disputes_disputeevent e
LEFT JOIN core_user u ON u.id = e.actor_id
WHERE e.dispute_id = ANY(%(ids)s)
ORDER BY e.dispute_id, e.created_at, e.id
"""

# The overdue sweep's marking, as one statement.
SWEEP_MARK = """
UPDATE disputes_dispute
SET overdue_at = %(now)s, ever_overdue = true
WHERE stage IN %(open)s AND due_at IS NOT NULL AND due_at <= %(now)s
  AND overdue_at IS NULL
"""

# Writes: a new case with one party, its event and its outbox row; an
# escalation with its event and outbox row.
ALLOCATE_NUMBER = """
INSERT INTO disputes_casenumbercounter (year, last) VALUES (%(year)s, 1)
ON CONFLICT (year) DO UPDATE SET last = disputes_casenumbercounter.last + 1
RETURNING last
"""
INSERT_DISPUTE = """
INSERT INTO disputes_dispute (
  number, grid_id, category_id, risk, source, title, description, created_at,
  created_by_id, stage, stage_entered_at, due_at, early_warning_at,
  ever_overdue, reached_level, resolution_method, outcome, external_system,
  external_id, version)
VALUES (%(number)s, %(grid)s, %(category)s, 'blue', 'grid_visit', %(title)s,
  '', %(now)s, %(user)s, 'grid', %(now)s, %(due)s, %(warn)s, false, 'grid', '',
  '', '', '', 1)
RETURNING id
"""
INSERT_PARTY = """
INSERT INTO disputes_party (dispute_id, name, role, phone, phone_hash,
  id_number, id_number_hash, address)
VALUES (%(dispute)s, %(name)s, 'applicant', %(phone)s, %(phone_hash)s, '', '', '')
"""
INSERT_EVENT = """
INSERT INTO disputes_disputeevent (dispute_id, actor_id, action, from_stage,
  to_stage, reason, data, created_at)
VALUES (%(dispute)s, %(user)s, %(action)s, %(from)s, %(to)s, %(reason)s, '{}',
  %(now)s)
RETURNING id
"""
INSERT_OUTBOX = """
INSERT INTO integrations_outboxevent (event_type, area_id, payload, created_at)
VALUES (%(type)s, %(grid)s, %(payload)s, %(now)s)
"""
ESCALATE = """
UPDATE disputes_dispute d
SET stage = CASE d.stage WHEN 'grid' THEN 'village_review'
                         WHEN 'village_review' THEN 'township_coordination'
                         ELSE 'district_analysis' END,
    stage_entered_at = %(now)s, due_at = %(due)s, early_warning_at = %(warn)s,
    warned_at = NULL, warning_handled_at = NULL, overdue_at = NULL,
    overdue_handled_at = NULL, handler_id = NULL, version = d.version + 1
FROM grids_area g
WHERE d.id = %(id)s AND g.id = d.grid_id AND g.path LIKE %(path)s
  AND d.stage IN ('grid', 'village_review', 'township_coordination')
RETURNING d.id, d.stage, d.grid_id, d.number, d.version
"""
