"""trial lifecycle on training runs: metric reports, checkpoints, state history, logs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["training_run_id"],
        ["training_runs.id"],
        name=op.f(f"fk_{table}_training_run_id_training_runs"),
    )


def upgrade() -> None:
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trial_state", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("managed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        for name, default in (
            ("restarts", "0"),
            ("max_restarts", "5"),
            ("trial_run_id", "0"),
        ):
            batch_op.add_column(
                sa.Column(name, sa.Integer(), server_default=sa.text(default), nullable=False)
            )
        batch_op.add_column(
            sa.Column(
                "stopped_by_searcher", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("early_exit", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("early_exit_at", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "preemption_acknowledged", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("allocation_open", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("end_time", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("summary_metrics", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("total_batches", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )

    op.create_table(
        "metric_reports",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("training_run_id", _ID, nullable=False),
        sa.Column("trial_run_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=100), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("batch_metrics", sa.JSON(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=False),
        sa.Column("total_batches", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        _run_fk("metric_reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_reports")),
    )
    with op.batch_alter_table("metric_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_metric_reports_run_group_steps",
            ["training_run_id", "group", "total_batches"],
            unique=False,
        )

    op.create_table(
        "trial_checkpoints",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("training_run_id", _ID, nullable=False),
        sa.Column("trial_run_id", sa.Integer(), nullable=False),
        sa.Column("report_time", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("steps_completed", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        _run_fk("trial_checkpoints"),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_trial_checkpoints")),
    )
    with op.batch_alter_table("trial_checkpoints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_trial_checkpoints_run_steps", ["training_run_id", "steps_completed"], unique=False
        )

    op.create_table(
        "trial_checkpoint_files",
        sa.Column("checkpoint_uuid", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_uuid"],
            ["trial_checkpoints.uuid"],
            name=op.f("fk_trial_checkpoint_files_checkpoint_uuid_trial_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_uuid", "path", name=op.f("pk_trial_checkpoint_files")),
    )

    op.create_table(
        "trial_state_changes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("training_run_id", _ID, nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("trial_run_id", sa.Integer(), nullable=False),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _run_fk("trial_state_changes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_state_changes")),
    )
    with op.batch_alter_table("trial_state_changes", schema=None) as batch_op:
        batch_op.create_index("ix_trial_state_changes_run", ["training_run_id", "id"], unique=False)

    op.create_table(
        "trial_logs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("training_run_id", _ID, nullable=False),
        sa.Column("trial_run_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        _run_fk("trial_logs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_logs")),
    )
    with op.batch_alter_table("trial_logs", schema=None) as batch_op:
        batch_op.create_index("ix_trial_logs_run", ["training_run_id", "id"], unique=False)


def downgrade() -> None:
    for table, index in (
        ("trial_logs", "ix_trial_logs_run"),
        ("trial_state_changes", "ix_trial_state_changes_run"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)
        op.drop_table(table)
    op.drop_table("trial_checkpoint_files")
    with op.batch_alter_table("trial_checkpoints", schema=None) as batch_op:
        batch_op.drop_index("ix_trial_checkpoints_run_steps")
    op.drop_table("trial_checkpoints")
    with op.batch_alter_table("metric_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_reports_run_group_steps")
    op.drop_table("metric_reports")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        for column in (
            "total_batches",
            "summary_metrics",
            "end_time",
            "allocation_open",
            "preemption_acknowledged",
            "early_exit_at",
            "early_exit",
            "stopped_by_searcher",
            "trial_run_id",
            "max_restarts",
            "restarts",
            "managed",
            "trial_state",
        ):
            batch_op.drop_column(column)
