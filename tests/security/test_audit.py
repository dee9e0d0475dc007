"""The audit trail: every write, login, reveal and export leaves a record;
records are append-only and hash-chained after commit, and verify_audit finds
tampering.

Tests of this module run inside a transaction that never commits, so the
chaining scheduled on commit does not run: where a test needs the chain it
calls ``chain_pending`` (what the commit would have triggered)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.chain import chain_pending
from audit.log import append, audited_update, record_export
from audit.models import AppendOnly, AuditChainHead, AuditRecord
from audit.tasks import prune
from audit.verify import verify_chain
from grids.models import Area
from policing.models import Person
from tests.conftest import PASSWORD
from tests.factories import make_area

pytestmark = pytest.mark.django_db


def last(action: str | None = None, **filters) -> AuditRecord:  # type: ignore[no-untyped-def]
    qs = AuditRecord.objects.filter(**filters)
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-id").first()


def test_create_update_delete_are_recorded_with_before_and_after(tree):
    person = Person.objects.create(
        name="王五",
        role=Person.Role.GRID_WORKER,
        area=tree.grid,
        phone="+8613912345678",
    )
    created = last("create", model="policing.person", object_pk=str(person.pk))
    assert created.after["name"] == "王五"
    assert created.after["area_id"] == tree.grid.pk
    # a phone never enters the trail in clear
    assert created.after["phone"] == "139****5678"

    person.name = "王六"
    person.save()
    updated = last("update", model="policing.person")
    assert updated.before == {"name": "王五"}
    assert updated.after == {"name": "王六"}

    pk = person.pk
    person.delete()
    deleted = last("delete", model="policing.person")
    assert deleted.object_pk == str(pk)
    assert deleted.before["name"] == "王六"


def test_a_save_that_changes_nothing_leaves_no_record(tree):
    person = Person.objects.create(
        name="甲", role=Person.Role.GRID_WORKER, area=tree.grid
    )
    before = AuditRecord.objects.count()
    person.save()
    assert AuditRecord.objects.count() == before


def test_writes_through_a_page_name_the_actor_and_address(client, personas):
    client.force_login(personas.village)
    response = client.get(reverse("two_factor"), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    record = last("create", model="core.totpdevice")
    assert record.actor_username == "village"
    assert record.actor_id == personas.village.pk
    assert record.ip == "10.1.2.3"
    assert record.after["secret"] == "[redacted]"


def test_logins_and_failures_are_recorded(client, personas):
    client.post(reverse("login"), {"username": "village", "password": "wrong-one"})
    failed = last("login_failed")
    assert failed.detail["username"] == "village"
    assert "wrong-one" not in str(failed.detail) + str(failed.after)
    client.post(reverse("login"), {"username": "village", "password": PASSWORD})
    ok = last("login")
    assert ok.actor_username == "village"
    assert ok.ip == "127.0.0.1"
    client.post(reverse("logout"))
    assert last("logout").actor_username == "village"


def test_bulk_updates_through_the_helper_name_every_row(tree):
    grids = Area.objects.filter(level="grid")
    count = audited_update(grids, residents=7)
    assert count == 3
    record = last("bulk_update")
    assert record.model == "grids.area"
    assert sorted(record.detail["pks"]) == sorted(str(g.pk) for g in grids)
    assert record.after == {"residents": 7}


def test_bulk_creates_through_the_helper_name_every_row(tree):
    from audit.log import audited_bulk_create
    from disputes.models import DisputeCategory

    rows = audited_bulk_create(
        DisputeCategory,
        [DisputeCategory(code=f"bulk{i}", name=f"批量{i}") for i in range(3)],
    )
    record = last("create", model="disputes.disputecategory")
    assert record.object_repr == "3 rows"
    assert record.detail["pks"] == [str(r.pk) for r in rows]
    assert record.after[str(rows[1].pk)]["code"] == "bulk1"

    # One row: the very record a save writes.
    (one,) = audited_bulk_create(DisputeCategory, [DisputeCategory(code="solo")])
    record = last("create", model="disputes.disputecategory")
    assert record.object_pk == str(one.pk)
    assert record.after["code"] == "solo"
    saved = DisputeCategory.objects.create(code="saved", name="保存")
    by_save = last("create", model="disputes.disputecategory")
    assert by_save.object_pk == str(saved.pk)
    assert set(by_save.after) == set(record.after)


def test_a_transition_records_the_cases_values_before_and_after(tree, personas):
    from disputes.models import Dispute, DisputeCategory
    from tests.disputes.conftest import ensure_reference_data

    ensure_reference_data()
    case, _ = Dispute.intake(
        by=personas.grid_worker,
        grid=tree.grid,
        category=DisputeCategory.objects.get(code="neighbours"),
        title="两户因院墙排水发生争执",
    )
    case.escalate(by=personas.grid_worker, reason="需村级")
    record = last("bulk_update", model="disputes.dispute")
    assert record.object_pk == str(case.pk)
    assert record.detail == {"pks": [str(case.pk)]}
    before = record.before[str(case.pk)]
    assert (before["stage"], before["version"]) == ("grid", 1)
    assert (record.after["stage"], record.after["version"]) == ("village_review", 2)


def test_record_export_helper(personas):
    request = RequestFactory().get("/x/?status=open", REMOTE_ADDR="10.0.0.9")
    request.user = personas.township
    record_export(request, "disputes.csv", 42)
    record = last("export")
    assert record.detail["count"] == 42
    assert record.detail["what"] == "disputes.csv"
    assert record.detail["query"] == {"status": ["open"]}
    assert record.actor_username == "township"
    assert record.ip == "10.0.0.9"


def test_records_are_append_only(tree):
    record = AuditRecord.objects.order_by("id").first()
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(pk=record.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnly):
        record.delete()
    record.action = "login"
    with pytest.raises(AppendOnly):
        record.save()


def test_verify_audit_passes_on_an_untouched_chain(tree, capsys):
    chain_pending()
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "intact" in out
    assert "waiting" not in out


def test_records_written_moments_ago_are_pending_not_a_problem(tree, capsys):
    chain_pending()
    make_area(tree.grid, "building", "楼1")
    report = verify_chain()
    assert report.ok, report.problems
    assert report.pending == AuditRecord.objects.unchained().count() > 0
    call_command("verify_audit")
    assert "waiting to be chained" in capsys.readouterr().out


def test_records_left_unchained_for_minutes_are_reported(tree, settings):
    settings.AUDIT_CHAIN_GRACE_SECONDS = 300
    chain_pending()
    import time_machine

    with time_machine.travel(timezone.now() - dt.timedelta(minutes=10), tick=False):
        append(AuditRecord.Action.SECURITY, detail={"note": "never chained"})
    stale = AuditRecord.objects.unchained().get()
    report = verify_chain()
    assert any(f"#{stale.pk}" in p and "unchained" in p for p in report.problems)
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit")
    chain_pending()  # what the beat task does
    assert verify_chain().ok


def test_chaining_gives_consecutive_positions_and_a_valid_chain(tree):
    assert AuditRecord.objects.unchained().exists()  # the tree, not yet chained
    assert not AuditRecord.objects.filter(hash__isnull=False).exists()
    count = AuditRecord.objects.count()
    assert chain_pending() == count
    seqs = list(AuditRecord.objects.in_chain_order().values_list("seq", flat=True))
    assert seqs == list(range(1, count + 1))
    # chained in id order, each pointing to the one before
    records = list(AuditRecord.objects.in_chain_order())
    assert [r.pk for r in records] == sorted(r.pk for r in records)
    assert records[0].prev_hash == AuditChainHead.objects.get().anchor_hash
    for before, after in zip(records, records[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get()
    assert (head.count, head.last_hash) == (count, records[-1].hash)
    # nothing left, nothing chained twice
    assert chain_pending() == 0
    make_area(tree.grid, "building", "楼1")
    assert chain_pending() == 1
    assert AuditRecord.objects.order_by("-seq").first().seq == count + 1
    assert verify_chain().ok


def test_a_commit_chains_the_records_of_its_transaction(
    db, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from audit import chain

    committing = django_capture_on_commit_callbacks(execute=True)
    with committing as callbacks, transaction.atomic():
        for n in range(3):
            append(AuditRecord.Action.SECURITY, detail={"n": n})
        assert AuditRecord.objects.unchained().count() == 3
    # scheduled once per transaction, however many records it appended
    assert callbacks == [chain._after_commit]
    seqs = AuditRecord.objects.in_chain_order().values_list("seq", flat=True)
    assert list(seqs) == [1, 2, 3]
    report = verify_chain()
    assert report.ok and report.pending == 0, report.problems


def test_the_beat_task_chains_what_was_left(tree, settings):
    from celery import current_app

    from audit.tasks import chain_audit_task

    entry = settings.CELERY_BEAT_SCHEDULE["chain-audit"]
    assert entry["task"] == "audit.tasks.chain_audit_task"
    assert entry["task"] in current_app.tasks
    # a bounded lag: well inside the grace verify_audit allows
    assert entry["schedule"] * 3 < settings.AUDIT_CHAIN_GRACE_SECONDS
    pending = AuditRecord.objects.unchained().count()
    assert pending
    assert chain_audit_task() == pending
    assert not AuditRecord.objects.unchained().exists()
    assert verify_chain().ok


def test_a_rolled_back_write_leaves_no_record(tree):
    from django.db import transaction

    chain_pending()
    before = AuditRecord.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Person.objects.create(name="回滚", role=Person.Role.GRID_WORKER, area=tree.grid)
        assert AuditRecord.objects.count() == before + 1
        raise RuntimeError("the write fails after its record was appended")
    assert AuditRecord.objects.count() == before
    assert chain_pending() == 0
    assert verify_chain().ok


def _raw(sql: str, params: list) -> None:  # type: ignore[type-arg]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_edited_record_is_reported(tree):
    chain_pending()
    victim = AuditRecord.objects.in_chain_order()[3]
    # behind the application's back: straight SQL
    _raw(
        "UPDATE audit_auditrecord SET actor_username = %s WHERE id = %s",
        ["someone-else", victim.pk],
    )
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit")
    report = verify_chain()
    assert any(f"#{victim.pk}" in p and "edited" in p for p in report.problems)


def test_an_edited_after_value_is_reported(tree):
    chain_pending()
    victim = AuditRecord.objects.in_chain_order().filter(action="create")[2]
    _raw(
        "UPDATE audit_auditrecord SET after = %s WHERE id = %s",
        ['{"name": "forged"}', victim.pk],
    )
    report = verify_chain()
    assert any(f"#{victim.pk}" in p for p in report.problems)


def test_a_deleted_record_is_reported(tree):
    chain_pending()
    ids = list(AuditRecord.objects.in_chain_order().values_list("id", flat=True))
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [ids[4]])
    report = verify_chain()
    assert any(f"#{ids[5]}" in p and "deleted" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_deleting_the_last_record_is_reported(tree):
    chain_pending()
    last_id = AuditRecord.objects.order_by("-seq").values_list("id", flat=True)[0]
    _raw("DELETE FROM audit_auditrecord WHERE id = %s", [last_id])
    report = verify_chain()
    assert any("end of the chain" in p for p in report.problems)


def test_unchaining_a_record_to_have_it_chained_again_is_reported(tree):
    """Clearing a record's chain fields behind the application's back does not
    let it be edited and re-chained unnoticed: its old place is a gap."""
    chain_pending()
    victim = AuditRecord.objects.in_chain_order()[2]
    _raw(
        "UPDATE audit_auditrecord SET seq = NULL, prev_hash = NULL, hash = NULL, "
        "actor_username = %s WHERE id = %s",
        ["someone-else", victim.pk],
    )
    chain_pending()
    report = verify_chain()
    assert not report.ok
    assert any("missing" in p or "does not follow" in p for p in report.problems)


def test_retention_keeps_everything_by_default(tree, settings):
    settings.AUDIT_RETENTION_DAYS = None
    chain_pending()
    count = AuditRecord.objects.count()
    assert prune(now=timezone.now() + dt.timedelta(days=3650)) == 0
    assert AuditRecord.objects.count() == count


def test_retention_never_removes_records_younger_than_184_days(tree, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # raised to 184
    chain_pending()
    old_count = AuditRecord.objects.count()
    # 183 days later nothing is old enough
    assert prune(now=timezone.now() + dt.timedelta(days=183)) == 0
    # a new record, then 185 days on: only the older ones go
    later = timezone.now() + dt.timedelta(days=185)
    import time_machine

    with time_machine.travel(later - dt.timedelta(days=2), tick=False):
        make_area(tree.grid, "building", "楼1")
    chain_pending()
    kept = AuditRecord.objects.count() - old_count
    assert prune(now=later) == old_count
    assert AuditRecord.objects.count() == kept
    assert verify_chain(now=later).ok
    # the chain goes on from what is left
    append(AuditRecord.Action.SECURITY, detail={"note": "after pruning"})
    chain_pending()
    assert verify_chain(now=later).ok


def test_retention_follows_chain_order_and_keeps_unchained_records(tree, settings):
    settings.AUDIT_RETENTION_DAYS = 184
    chain_pending()
    old = append(AuditRecord.Action.SECURITY, detail={"note": "old, unchained"})
    later = timezone.now() + dt.timedelta(days=200)
    assert prune(now=later) > 0
    # the unchained record is not part of the chain yet: never removed
    assert AuditRecord.objects.filter(pk=old.pk).exists()
    chain_pending()
    old.refresh_from_db()
    assert old.prev_hash == AuditChainHead.objects.get().anchor_hash
    assert verify_chain(now=later).problems == []


def test_admin_browses_but_cannot_add_change_or_delete(client, personas):
    client.force_login(personas.admin)
    changelist = reverse("admin:audit_auditrecord_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist + "?action__exact=create").status_code == 200
    record = AuditRecord.objects.order_by("id").first()
    detail = reverse("admin:audit_auditrecord_change", args=[record.pk])
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"action": "login"}).status_code == 403
    assert client.get(reverse("admin:audit_auditrecord_add")).status_code == 403
    delete = reverse("admin:audit_auditrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditRecord.objects.filter(pk=record.pk).exists()


def test_other_staff_cannot_see_the_trail(client, personas):
    client.force_login(personas.district)
    response = client.get(reverse("admin:audit_auditrecord_changelist"))
    assert response.status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                make_area(Area.objects.get(pk=tree.grid.pk), "building", f"b{n}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    # Each commit chained what it could; a chainer that found the head busy
    # left its records to the next one or to the beat task, which is this:
    chain_pending(wait=True)
    assert not AuditRecord.objects.unchained().exists()
    report = verify_chain()
    assert report.ok, report.problems
    hashes = list(AuditRecord.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "two records claim the same predecessor"
    seqs = list(AuditRecord.objects.in_chain_order().values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_writers_transaction(tree):
    """A transaction that appended and is still open holds no lock on the
    chain: a later write commits and is chained meanwhile, and the first is
    chained after it when it commits (commit order, not id order)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from django.db import transaction

    chain_pending()
    opened, release = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def slow() -> None:
        try:
            with transaction.atomic():
                ids["slow"] = append(AuditRecord.Action.SECURITY, detail={"n": 1}).pk
                opened.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        assert opened.wait(timeout=30)
        with transaction.atomic():
            ids["fast"] = append(AuditRecord.Action.SECURITY, detail={"n": 2}).pk
        fast = AuditRecord.objects.get(pk=ids["fast"])
        assert fast.seq is not None, "chained on its own commit, without waiting"
    finally:
        release.set()
        thread.join(timeout=30)
    slow_record = AuditRecord.objects.get(pk=ids["slow"])
    if slow_record.seq is None:  # its chainer met another one: the beat's turn
        chain_pending(wait=True)
        slow_record.refresh_from_db()
    assert slow_record.pk < fast.pk
    assert slow_record.seq == fast.seq + 1
    assert slow_record.prev_hash == fast.hash
    report = verify_chain()
    assert report.ok, report.problems


# Set-based writes that are bookkeeping, not data: the case-number counter,
# the second factor's replay counter, key rotation (recorded as one security
# record per field), demo seeding, and the delivery state of webhooks and
# idempotency keys ("*": the whole file).
BULK_ALLOWED = {
    ("disputes/models.py", "CaseNumberCounter"),
    ("core/twofactor.py", "check_code"),
    ("core/management/commands/rotate_encryption_keys.py", "Command"),
    ("grids/seed.py", "*"),
    ("policing/seed.py", "*"),
    ("integrations/idempotency.py", "*"),
    ("integrations/webhooks.py", "*"),
    # marking one's own notifications read
    ("disputes/api.py", "NotificationViewSet"),
    ("disputes/views.py", "notification_read"),
}
QUERYSET_METHODS = {"filter", "exclude", "all", "select_for_update", "objects"}


def _raw_updates(path, base):  # type: ignore[no-untyped-def]
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, scope):  # type: ignore[no-untyped-def]
        for child in ast.iter_child_nodes(node):
            name = scope
            # The outermost class or function names the place.
            if not scope and isinstance(
                child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                name = child.name
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "update"
            ):
                target = child.func.value
                method = (
                    target.func.attr
                    if isinstance(target, ast.Call)
                    and isinstance(target.func, ast.Attribute)
                    else target.attr
                    if isinstance(target, ast.Attribute)
                    else None
                )
                rel = str(path.relative_to(base))
                allowed = (rel, name) in BULK_ALLOWED or (rel, "*") in BULK_ALLOWED
                if method in QUERYSET_METHODS and not allowed:
                    found.append(f"{rel}:{child.lineno} ({name})")
            visit(child, name)

    visit(tree, "")
    return found


def test_domain_code_writes_sets_through_the_audited_helper():
    """``queryset.update()`` sends no signal, so it would escape the trail:
    domain code calls ``audit.log.audited_update`` instead."""
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    offenders = []
    for app in ("core", "grids", "policing", "disputes", "dashboards", "integrations"):
        for path in sorted((base / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            offenders += _raw_updates(path, base)
    assert not offenders, (
        "raw queryset.update() outside the audit helper: " + ", ".join(offenders)
    )
