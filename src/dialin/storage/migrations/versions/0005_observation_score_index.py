"""Index observations by score for progress's best observation

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch_op:
        batch_op.create_index(
            "ix_observations_experiment_score", ["experiment_id", "deleted", "score"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch_op:
        batch_op.drop_index("ix_observations_experiment_score")
