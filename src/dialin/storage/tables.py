"""The schema. Every change here needs an Alembic revision in ``migrations/versions``.

JSON columns hold values whose structure belongs to the domain (assignments, metadata, the
experiment definition); columns that queries filter or sort on are real columns.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiTokenRow",
    "Base",
    "ClientRow",
    "ExperimentRow",
    "ObservationRow",
    "ProjectRow",
    "QueuedSuggestionRow",
    "SuggestionRow",
]

# Stable constraint names so Alembic revisions name the same objects on every dialect.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ClientRow(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[int] = mapped_column(BigInteger)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    # SHA-256 of the secret: tokens are high-entropy, so a fast hash is enough and
    # lets authentication look the token up by index.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(32))
    token_type: Mapped[str] = mapped_column(String(32), default="client-api")
    created: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ProjectRow(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("client_id", "reference_id"),)

    pk: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    reference_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class ExperimentRow(Base):
    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_client_state", "client_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    project: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="active")
    runs_only: Mapped[bool] = mapped_column(Boolean, default=False)
    development: Mapped[bool] = mapped_column(Boolean, default=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    extras: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)


class SuggestionRow(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        Index("ix_suggestions_experiment_open", "experiment_id", "closed", "deleted"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    assignments: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [name, cost] of the task, multitask experiments only
    task: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    # set once an observation references it; never cleared
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[int] = mapped_column(BigInteger)


class QueuedSuggestionRow(Base):
    __tablename__ = "queued_suggestions"
    __table_args__ = (Index("ix_queued_suggestions_experiment", "experiment_id", "consumed", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    assignments: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [name, cost] of the task, multitask experiments only
    task: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger)
    # served to a worker, or deleted by the user: either way it has left the queue
    consumed: Mapped[bool] = mapped_column(Boolean, default=False)


class ObservationRow(Base):
    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_experiment", "experiment_id", "deleted", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id"), nullable=True, index=True
    )
    assignments: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"name", "value", "value_stddev"}] sorted by metric name
    values: Mapped[list[Any]] = mapped_column(JSON)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    # [name, cost] of the task, multitask experiments only
    task: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The single optimized metric's value signed so that larger is better, when the observation
    # can be "best" (not failed, full-cost task, thresholds met); lets progress find it by index.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
