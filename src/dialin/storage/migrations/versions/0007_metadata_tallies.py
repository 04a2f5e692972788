"""metadata key and machine tallies per experiment, kept at write time; an index covering
the Analysis tab's pass over every observation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:00:00

The dashboard's Analysis tab needs every metadata key's type and every machine's report
counts; summing them from the observations costs seconds at 100,000 observations, so they
are kept up to date as observations are written. The tallies start from the observations
already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The metadata keys naming machines when this revision was written.
_REPORTER_KEYS = "('hostname', 'instance_id')"

# Per dialect: the metadata entries of live observations as (experiment_id, key, type, text,
# failed, created); ``text`` spells a value as the application does (booleans as true/false).
_ENTRIES = {
    "sqlite": """
        SELECT o.experiment_id AS experiment_id, j.key AS key,
               CASE WHEN j.type = 'text' THEN 'string' ELSE 'other' END AS kind,
               CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                           ELSE CAST(j.value AS TEXT) END AS text,
               o.failed AS failed, o.created AS created
        FROM observations AS o,
             json_each(CASE WHEN json_type(o.metadata) = 'object' THEN o.metadata ELSE '{}' END)
               AS j
        WHERE NOT o.deleted AND j.type <> 'null'
    """,
    "postgresql": """
        SELECT o.experiment_id AS experiment_id, j.key AS key,
               CASE WHEN json_typeof(j.value) = 'string' THEN 'string' ELSE 'other' END AS kind,
               j.value #>> '{}' AS text, o.failed AS failed, o.created AS created
        FROM observations AS o,
             json_each(CASE WHEN json_typeof(o.metadata) = 'object' THEN o.metadata
                       ELSE '{}'::json END) AS j
        WHERE NOT o.deleted AND json_typeof(j.value) <> 'null'
    """,
}


def upgrade() -> None:
    op.create_table(
        "metadata_key_tallies",
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("strings", sa.BigInteger(), nullable=False),
        sa.Column("others", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_metadata_key_tallies_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("experiment_id", "key", name=op.f("pk_metadata_key_tallies")),
    )
    op.create_table(
        "reporter_tallies",
        sa.Column(
            "experiment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("observations", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("last_reported", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["experiment_id"],
            ["experiments.id"],
            name=op.f("fk_reporter_tallies_experiment_id_experiments"),
        ),
        sa.PrimaryKeyConstraint("experiment_id", "key", "value", name=op.f("pk_reporter_tallies")),
    )
    with op.batch_alter_table("observations") as batch_op:
        batch_op.create_index(
            "ix_observations_outline",
            ["experiment_id", "deleted", "id", "failed", "score"],
            unique=False,
        )
    entries = _ENTRIES[op.get_bind().dialect.name]
    op.execute(
        f"""
        INSERT INTO metadata_key_tallies (experiment_id, key, strings, others)
        SELECT experiment_id, key,
               SUM(CASE WHEN kind = 'string' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'string' THEN 0 ELSE 1 END)
        FROM ({entries}) AS e
        GROUP BY experiment_id, key
        """
    )
    op.execute(
        f"""
        INSERT INTO reporter_tallies
            (experiment_id, key, value, observations, failed, last_reported)
        SELECT experiment_id, key, text, COUNT(*),
               SUM(CASE WHEN failed THEN 1 ELSE 0 END), MAX(created)
        FROM ({entries}) AS e
        WHERE key IN {_REPORTER_KEYS}
        GROUP BY experiment_id, key, text
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch_op:
        batch_op.drop_index("ix_observations_outline")
    op.drop_table("reporter_tallies")
    op.drop_table("metadata_key_tallies")
