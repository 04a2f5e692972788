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
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiTokenRow",
    "Base",
    "ClientRow",
    "ExperimentRow",
    "FileRow",
    "MetadataKeyTallyRow",
    "MetricReportRow",
    "ObservationRevisionRow",
    "ObservationRow",
    "ProjectRow",
    "QueuedSuggestionRow",
    "ReporterTallyRow",
    "RunBudgetLeaseRow",
    "ServerSecretRow",
    "SuggestionRow",
    "TrainingRunRow",
    "TrialCheckpointFileRow",
    "TrialCheckpointRow",
    "TrialLogRow",
    "TrialStateChangeRow",
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
    # The trial lifecycle of the experiment (spec trials §1.6, §6.1); null until first changed
    # means ACTIVE. SigOpt's ``state`` (active/deleted) stays the archive flag.
    trial_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    # The searcher's progress (0..1), saved on each trial progress report.
    trial_progress: Mapped[float | None] = mapped_column(Float, nullable=True)


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
    __table_args__ = (
        Index("ix_observations_experiment", "experiment_id", "deleted", "id"),
        # The best observation of progress: found by index, not by sorting the whole history.
        Index("ix_observations_experiment_score", "experiment_id", "deleted", "score"),
        # The Analysis tab's pass over every observation, read from the index alone.
        Index("ix_observations_outline", "experiment_id", "deleted", "id", "failed", "score"),
    )

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


class TrainingRunRow(Base):
    """A SigOpt training run; the trial lifecycle extends this same row (spec trials §7)."""

    __tablename__ = "training_runs"
    __table_args__ = (
        Index("ix_training_runs_client_project", "client_id", "project", "id"),
        Index("ix_training_runs_experiment", "experiment_id", "deleted", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    # project reference id, as experiments hold it
    project: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), nullable=True)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id"), nullable=True, index=True
    )
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observations.id"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(Text)
    # SigOpt's own state (active, completed, failed); trial sub-states get columns of their own.
    state: Mapped[str] = mapped_column(String(16), default="active")
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    # the first time the state became completed or failed
    completed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    favorite: Mapped[bool] = mapped_column(Boolean, default=False)
    assignments: Mapped[dict[str, Any]] = mapped_column(JSON)
    assignments_meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    assignments_sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {metric: {"value", "value_stddev"}}: the run's final values, last write wins per metric
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    dev_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    sys_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    datasets: Mapped[dict[str, Any]] = mapped_column(JSON)
    logs: Mapped[dict[str, Any]] = mapped_column(JSON)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_code: Mapped[dict[str, Any]] = mapped_column(JSON)
    # kept beside the checkpoints so the 200-per-run limit is checked under the run's row lock
    checkpoint_count: Mapped[int] = mapped_column(Integer, default=0)
    # The trial lifecycle (spec trials §1-§2). trial_state stays null until the trial API first
    # changes the run; until then the trial state follows SigOpt's ``state``.
    trial_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    managed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    restarts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    max_restarts: Mapped[int] = mapped_column(Integer, default=5, server_default=text("5"))
    trial_run_id: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    stopped_by_searcher: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    early_exit: Mapped[str | None] = mapped_column(String(24), nullable=True)
    early_exit_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    preemption_acknowledged: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    allocation_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the open allocation's launcher phase: PULLING, STARTING or RUNNING (trials §1.1)
    allocation_phase: Mapped[str | None] = mapped_column(String(16), nullable=True)
    end_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    summary_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    total_batches: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The runner's report_progress fraction (0..1).
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Times "continue experiment" reopened the trial: its task ids are <id>, <id>-1, ...
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Seconds spent in closed allocations, and when the open one started.
    wall_clock_s: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    allocation_started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    log_retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MetricReportRow(Base):
    __tablename__ = "metric_reports"
    __table_args__ = (
        Index("ix_metric_reports_run_group_steps", "training_run_id", "group", "total_batches"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    training_run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id"))
    trial_run_id: Mapped[int] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(100))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    batch_metrics: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # epoch seconds with milliseconds
    end_time: Mapped[float] = mapped_column(Float)
    total_batches: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # set when a resumed run discards the work behind the report
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # A validation report made as a SigOpt checkpoint: {"metadata", "value_stddev": {name: sd}}
    checkpoint_extras: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class TrialCheckpointRow(Base):
    """A model artifact of a trial (spec trials §4); SigOpt's checkpoints are metric snapshots."""

    __tablename__ = "trial_checkpoints"
    __table_args__ = (
        Index("ix_trial_checkpoints_run_steps", "training_run_id", "steps_completed"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    training_run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id"))
    trial_run_id: Mapped[int] = mapped_column(Integer)
    report_time: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(24))
    # relative path -> bytes
    resources: Mapped[dict[str, Any]] = mapped_column(JSON)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    steps_completed: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)


class TrialCheckpointFileRow(Base):
    """Checkpoint bytes of databases from before checkpoints lived in the file storage; the
    service moves them there when it first reads or deletes them."""

    __tablename__ = "trial_checkpoint_files"

    checkpoint_uuid: Mapped[str] = mapped_column(
        ForeignKey("trial_checkpoints.uuid"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(1000), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TrialStateChangeRow(Base):
    """Every state change and restart of a trial, for its history."""

    __tablename__ = "trial_state_changes"
    __table_args__ = (Index("ix_trial_state_changes_run", "training_run_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    training_run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id"))
    at: Mapped[int] = mapped_column(BigInteger)
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str] = mapped_column(String(24))
    trial_run_id: Mapped[int] = mapped_column(Integer)
    restarts: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))


class TrialLogRow(Base):
    __tablename__ = "trial_logs"
    __table_args__ = (Index("ix_trial_logs_run", "training_run_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    training_run_id: Mapped[int] = mapped_column(ForeignKey("training_runs.id"))
    trial_run_id: Mapped[int] = mapped_column(Integer)
    stream: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    at: Mapped[int] = mapped_column(BigInteger)


class RunBudgetLeaseRow(Base):
    """A budget slot an AI experiment's reader was told is free, until ``expires``: the next
    reader is not told the same slot is free (SigOpt workers read, then create a run)."""

    __tablename__ = "run_budget_leases"
    __table_args__ = (Index("ix_run_budget_leases_experiment", "experiment_id", "expires"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))
    expires: Mapped[int] = mapped_column(BigInteger)


class FileRow(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    training_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_runs.id"), nullable=True, index=True
    )
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    filename: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_length: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(200))
    # base64 of the 16-byte MD5 the upload must match
    content_md5: Mapped[str] = mapped_column(String(32))
    created: Mapped[int] = mapped_column(BigInteger)
    # set once the bytes arrived and matched; only then does the run list the file
    uploaded: Mapped[bool] = mapped_column(Boolean, default=False)


class ServerSecretRow(Base):
    """Secrets every API process must share (URL signing keys), made once by the migration."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    # SHA-256 of the cookie's random secret: a stolen database holds no usable session.
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(BigInteger)
    expires: Mapped[int] = mapped_column(BigInteger)


class MetadataKeyTallyRow(Base):
    """How many live observations of an experiment carry each metadata key, by JSON type. Kept
    in the transaction that writes the observation, so the dashboard reads an experiment's
    metadata fields without decoding every observation's metadata."""

    __tablename__ = "metadata_key_tallies"

    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    strings: Mapped[int] = mapped_column(BigInteger)
    # numbers and booleans
    others: Mapped[int] = mapped_column(BigInteger)


class ReporterTallyRow(Base):
    """Each machine (a value of a metadata key naming one, e.g. ``hostname``) that reported to
    an experiment: its live observations, failed ones, and the latest one's time. Kept at write
    time like ``MetadataKeyTallyRow``."""

    __tablename__ = "reporter_tallies"

    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    observations: Mapped[int] = mapped_column(BigInteger)
    failed: Mapped[int] = mapped_column(BigInteger)
    last_reported: Mapped[int] = mapped_column(BigInteger)


class ObservationRevisionRow(Base):
    """How often an experiment's stored observations changed other than by new ones arriving
    (changed, deleted, restored, rescored). While it stays the same, a reader holding the
    experiment's history may just add the observations that arrived since."""

    __tablename__ = "observation_revisions"

    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), primary_key=True)
    changes: Mapped[int] = mapped_column(BigInteger)
