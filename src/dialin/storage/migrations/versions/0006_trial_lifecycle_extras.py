"""experiment trial states, trial progress and wall clock, SigOpt checkpoints as validation
reports, budget leases

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:45:00

SigOpt checkpoints become validation metric reports (spec trials §7.4): every row of
``checkpoints`` is copied into ``metric_reports`` (steps = its ordinal in the run), then the
table is dropped.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _copy_checkpoints_into_reports() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    checkpoints = sa.Table("checkpoints", meta, autoload_with=conn)
    reports = sa.Table("metric_reports", meta, autoload_with=conn)
    runs = sa.Table("training_runs", meta, autoload_with=conn)
    run_ids = dict(conn.execute(sa.select(runs.c.id, runs.c.trial_run_id)).all())
    ordinal: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    for row in conn.execute(sa.select(checkpoints).order_by(checkpoints.c.id)).mappings():
        run = row["training_run_id"]
        ordinal[run] = ordinal.get(run, 0) + 1
        values = row["values"] or []
        rows.append(
            {
                "training_run_id": run,
                "trial_run_id": run_ids.get(run, 0),
                "group": "validation",
                "metrics": {v["name"]: v["value"] for v in values},
                "end_time": float(row["created"]),
                "total_batches": ordinal[run],
                "archived": False,
                "checkpoint_extras": {
                    "metadata": row["metadata"],
                    "value_stddev": {
                        v["name"]: v["value_stddev"]
                        for v in values
                        if v.get("value_stddev") is not None
                    },
                },
            }
        )
    if rows:
        conn.execute(reports.insert(), rows)


def upgrade() -> None:
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trial_state", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("trial_progress", sa.Float(), nullable=True))
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("reopened", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("wall_clock_s", sa.Float(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("allocation_started_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("log_retention_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("metric_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkpoint_extras", sa.JSON(), nullable=True))
    _copy_checkpoints_into_reports()
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_checkpoints_run")
    op.drop_table("checkpoints")
    op.create_table(
        "run_budget_leases",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("experiment_id", _ID, nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_run_budget_leases_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_budget_leases")),
    )
    with op.batch_alter_table("run_budget_leases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_run_budget_leases_experiment", ["experiment_id", "expires"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("run_budget_leases", schema=None) as batch_op:
        batch_op.drop_index("ix_run_budget_leases_experiment")
    op.drop_table("run_budget_leases")
    op.create_table(
        "checkpoints",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("training_run_id", _ID, nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["training_run_id"],
            ["training_runs.id"],
            name=op.f("fk_checkpoints_training_run_id_training_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index("ix_checkpoints_run", ["training_run_id", "id"], unique=False)
    with op.batch_alter_table("metric_reports", schema=None) as batch_op:
        batch_op.drop_column("checkpoint_extras")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        for name in (
            "log_retention_days",
            "allocation_started_at",
            "wall_clock_s",
            "reopened",
            "progress",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_column("trial_progress")
        batch_op.drop_column("trial_state")
