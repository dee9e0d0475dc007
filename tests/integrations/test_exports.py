"""The streamed export: scoped, filtered, every record valid against the
published JSON Schema, and a constant number of queries whatever its length."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

URL = "/api/v1/exports/disputes/"
SCHEMA = json.loads(
    (Path(settings.BASE_DIR) / "docs/schemas/dispute.schema.json").read_text("utf-8")
)


def lines(response) -> list[dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in body.splitlines() if line]


@pytest.fixture
def cases(make_case, personas, tree):  # type: ignore[no-untyped-def]
    first = make_case(external_system="12345", external_id="NX-1", risk="yellow")
    first.escalate(by=personas.grid_worker, reason="需村级研判")
    second = make_case(by=personas.village, grid=tree.sibling_grid, risk="orange")
    other = make_case(by=personas.district, grid=tree.other_grid)
    return first, second, other


def test_ndjson_records_are_valid_against_the_published_schema(
    token_client, cases, tree
):
    records = lines(token_client().get(URL))
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.FormatChecker()
    )
    for record in records:
        validator.validate(record)
    first = records[0]
    assert first["division"] == {
        "grid": tree.grid.code,
        "grid_name": tree.grid.name,
        "village": tree.village.code,
        "township": tree.township.code,
        "district": tree.district.code,
    }
    assert first["stage"] == "village_review"
    assert first["external_id"] == "NX-1"
    assert [e["action"] for e in first["events"]] == ["created", "escalate"]
    assert first["events"][1]["from_stage"] == "grid"
    assert first["events"][1]["actor"] == "gw"


def test_the_served_schema_is_the_published_file(client):
    response = client.get("/api/v1/schemas/dispute/")
    assert response.status_code == 200
    assert response.json() == SCHEMA
    jsonschema.Draft202012Validator.check_schema(response.json())


def test_the_export_is_scoped(token_client, cases, personas, tree):
    # the service account sits at township T1: the T2 case is not exported
    numbers = {r["number"] for r in lines(token_client().get(URL))}
    assert numbers == {cases[0].number, cases[1].number}
    assert (
        lines(token_client(personas.outsider).get(URL))[0]["number"] == cases[2].number
    )
    refused = token_client().get(URL, {"within": tree.other_township.code})
    assert refused.status_code == 400
    assert refused.json()["detail"]


def test_filters_by_area_and_dates(token_client, cases, tree):
    client = token_client()
    within = lines(client.get(URL, {"within": tree.sibling_grid.code}))
    assert [r["number"] for r in within] == [cases[1].number]
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert lines(client.get(URL, {"since": later})) == []
    assert len(lines(client.get(URL, {"until": later}))) == 2
    assert len(lines(client.get(URL, {"changed_since": later}))) == 0


@pytest.mark.parametrize(
    "params",
    [
        {"format": "xml"},
        {"since": "yesterday"},
        {"within": "x" * 50},
        {"until": "\x00"},
    ],
)
def test_bad_parameters_answer_400_in_json(token_client, params):
    response = token_client().get(URL, params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_csv_has_a_bom_one_row_per_case_and_the_events(token_client, cases):
    response = token_client().get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["number"] for r in rows] == [cases[0].number, cases[1].number]
    assert json.loads(rows[0]["events"])[0]["action"] == "created"
    assert rows[0]["event_count"] == "2"


def test_csv_cells_cannot_run_as_formulas(token_client, make_case):
    make_case(title='=HYPERLINK("http://x")')
    body = b"".join(token_client().get(URL, {"format": "csv"}).streaming_content)
    assert "'=HYPERLINK" in body.decode("utf-8")


def test_the_export_streams_in_chunks_with_constant_queries(
    token_client, make_case, monkeypatch
):
    from integrations import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    client = token_client()

    def count(n: int) -> tuple[int, int]:
        while len(lines(client.get(URL))) < n:
            make_case()
        with CaptureQueriesContext(connection) as queries:
            records = lines(client.get(URL))
        return len(records), len(queries)

    small, small_queries = count(2)
    large, large_queries = count(6)
    assert (small, large) == (2, 6)
    # two queries per chunk (cases, events) plus a fixed few; never per row
    assert large_queries - small_queries <= 2 * ((6 - 2) // 2)


def model_record(case) -> dict:  # type: ignore[no-untyped-def]
    """The exchange record as read through the model instances (what the
    export built before it read plain rows): the reference for byte equality."""
    from integrations.exchange import Divisions

    def iso(value):  # type: ignore[no-untyped-def]
        return timezone.localtime(value).isoformat() if value else None

    case.refresh_from_db()
    events = case.events.select_related("actor").order_by("created_at", "id")
    return {
        "id": case.pk,
        "number": case.number,
        "division": Divisions().of(case.grid),
        "category": case.category.code,
        "risk": case.risk,
        "source": case.source,
        "title": case.title,
        "description": case.description,
        "occurred_at": iso(case.occurred_at),
        "created_at": iso(case.created_at),
        "stage": case.stage,
        "due_at": iso(case.due_at),
        "overdue_at": iso(case.overdue_at),
        "reached_level": case.reached_level,
        "resolved_level": case.resolved_level or None,
        "resolved_at": iso(case.resolved_at),
        "resolution_method": case.resolution_method or "",
        "closed_at": iso(case.closed_at),
        "satisfied": case.satisfied,
        "external_system": case.external_system or "",
        "external_id": case.external_id or "",
        "events": [
            {
                "id": e.pk,
                "action": e.action,
                "from_stage": e.from_stage or "",
                "to_stage": e.to_stage or "",
                "actor": e.actor.username if e.actor_id else None,
                "at": iso(e.created_at),
                "reason": e.reason or "",
                "data": e.data if isinstance(e.data, dict) else {},
            }
            for e in events
        ],
    }


def test_a_case_with_parties_and_events_exports_exactly_as_its_model_reads(
    token_client, make_case, personas
):
    from disputes.models import DisputeEvent
    from integrations.exports import csv_row

    case = make_case(
        occurred_at=timezone.now() - timedelta(days=2, microseconds=123),
        description="东邻西舍，\n两行说明",
        parties=[
            {"name": "马某", "role": "applicant", "phone": "13900000000"},
            {"name": "李某", "role": "respondent", "id_number": "11010519491231002X"},
        ],
    )
    case.escalate(by=personas.grid_worker, reason="需村级研判")
    case.resolve(by=personas.village, outcome="达成协议", method="peoples_mediation")
    DisputeEvent.objects.create(  # a system event (no actor) with data
        dispute=case,
        action=DisputeEvent.Action.OVERDUE,
        from_stage=case.stage,
        to_stage=case.stage,
        data={"due_at": "2026-11-01T00:00:00+08:00", "n": 1},
    )
    expected = model_record(case)
    assert len(expected["events"]) == 4

    body = b"".join(token_client().get(URL).streaming_content)
    line = (json.dumps(expected, ensure_ascii=False) + "\n").encode()
    assert body == line
    assert "13900000000" not in body.decode() and "马某" not in body.decode()

    response = token_client().get(URL, {"format": "csv"})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))
        )
    )
    expected_row = ["" if v is None else str(v) for v in csv_row(expected)]
    assert rows[1] == expected_row


def test_export_statements_grow_with_the_chunks_only(make_case, personas):
    """One statement for the ids, two per chunk of cases (the cases, their
    events) and two for the division codes: none per case or per event."""
    from disputes.models import Dispute
    from integrations.exchange import records

    def statements(n: int) -> int:
        while Dispute.objects.count() < n:
            make_case().escalate(by=personas.grid_worker, reason="需村级研判")
        with CaptureQueriesContext(connection) as queries:
            got = list(records(Dispute.objects.all(), chunk_size=2))
        assert [r["id"] for r in got] == sorted(
            Dispute.objects.values_list("pk", flat=True)
        )
        assert all(len(r["events"]) == 2 for r in got)
        return len(queries)

    # 3 cases: chunks of 2 and 1; 6 cases: three chunks; 7 cases: four
    assert statements(3) == 2 + 1 + 2 * 2
    assert statements(6) == 2 + 1 + 3 * 2
    assert statements(7) == 2 + 1 + 4 * 2
