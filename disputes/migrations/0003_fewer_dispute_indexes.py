"""Fewer indexes on the tables the overdue sweep writes.

Marking a case overdue changes an indexed column, so PostgreSQL cannot make it
a HOT update and adds an entry to every index of disputes_dispute for each
marked row (and again for the handled stamp). Dropped here: foreign-key
indexes that a composite index already leads with (dispute.grid by
disputes_grid_created, event.dispute by disputes_event_case,
notification.recipient by disputes_notification_inbox), the
varchar_pattern_ops index that ``unique=True`` adds to the case number (no
query does LIKE 'prefix%' on it; uniqueness stays, as a named constraint), and
the full indexes of two mostly empty foreign keys, replaced by partial ones on
the rows where they are set.

The foreign keys' own indexes are dropped by name (Django names them after
table and column, the same on every database) rather than by AlterField, which
would also drop and re-validate each foreign-key constraint: a scan of the
whole table, under lock, on a database with millions of cases and events.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column): the indexes 0001 made for these foreign keys.
FK_INDEXES = [
    ("disputes_dispute_grid_id_c914e980", "disputes_dispute", "grid_id"),
    ("disputes_dispute_handler_id_5aa61cbb", "disputes_dispute", "handler_id"),
    (
        "disputes_dispute_duplicate_of_id_e9831498",
        "disputes_dispute",
        "duplicate_of_id",
    ),
    (
        "disputes_disputeevent_dispute_id_f1447918",
        "disputes_disputeevent",
        "dispute_id",
    ),
    (
        "disputes_notification_recipient_id_eb9c3958",
        "disputes_notification",
        "recipient_id",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0002_reference_data"),
        ("grids", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name, _t, _c in FK_INDEXES],
                    [
                        f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                        for name, table, column in FK_INDEXES
                    ],
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="dispute",
                    name="duplicate_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="duplicates",
                        to="disputes.dispute",
                        verbose_name="duplicate of",
                    ),
                ),
                migrations.AlterField(
                    model_name="dispute",
                    name="grid",
                    field=models.ForeignKey(
                        db_index=False,
                        limit_choices_to={"level": "grid"},
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="disputes",
                        to="grids.area",
                        verbose_name="grid",
                    ),
                ),
                migrations.AlterField(
                    model_name="dispute",
                    name="handler",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="disputes_handled",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="handler",
                    ),
                ),
                migrations.AlterField(
                    model_name="disputeevent",
                    name="dispute",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="disputes.dispute",
                        verbose_name="dispute",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recipient",
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="dispute",
            name="number",
            field=models.CharField(max_length=20, verbose_name="case number"),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(("handler__isnull", False)),
                fields=["handler"],
                name="disputes_handler",
            ),
        ),
        migrations.AddIndex(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(("duplicate_of__isnull", False)),
                fields=["duplicate_of"],
                name="disputes_duplicate_of",
            ),
        ),
        migrations.AddConstraint(
            model_name="dispute",
            constraint=models.UniqueConstraint(
                fields=("number",), name="disputes_number_unique"
            ),
        ),
    ]
