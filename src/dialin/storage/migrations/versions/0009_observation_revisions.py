"""a per-experiment count of changes to stored observations, so the dashboard adds only the
newly arrived observations to a history it holds

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 15:25:00

No row means no change yet: nothing to fill in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observation_revisions",
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_observation_revisions_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("experiment_id", name=op.f("pk_observation_revisions")),
    )


def downgrade() -> None:
    op.drop_table("observation_revisions")
