"""Values about a trial that cross layers: what is read of it, and what a runner sends."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from dialin.domain.checkpoints import Checkpoint
from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trial_history import StateChange
from dialin.domain.trials import Trial, TrialState

__all__ = [
    "CheckpointUpload",
    "ExperimentTrials",
    "MetricsIngest",
    "TrialDetail",
    "TrialSignals",
    "rfc3339",
]


def rfc3339(epoch: float | None) -> str | None:
    """Determined-style views show UTC times as RFC 3339 with milliseconds."""
    if epoch is None:
        return None
    moment = datetime.datetime.fromtimestamp(epoch, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class TrialDetail:
    trial: Trial
    best_validation: MetricsReport | None
    latest_validation: MetricsReport | None
    best_checkpoint: Checkpoint | None
    latest_checkpoint: Checkpoint | None
    checkpoint_count: int
    history: tuple[StateChange, ...]
    total_checkpoint_size: int = 0


@dataclass(frozen=True)
class ExperimentTrials:
    """An experiment as the trial API shows it: its lifecycle state and its trials."""

    experiment_id: int
    name: str
    state: TrialState
    # The searcher's progress, 0..1; None until a trial reports progress.
    progress: float | None
    budget: int | None
    trials: tuple[Trial, ...]
    checkpoint_count: int
    total_checkpoint_size: int


@dataclass(frozen=True)
class TrialSignals:
    should_stop: bool
    # why, for people: "paused", "searcher stopped", ...
    reasons: tuple[str, ...]
    trial: Trial


@dataclass(frozen=True)
class MetricsIngest:
    """One report as the runner sends it (spec trials §3.1)."""

    trial_id: int
    trial_run_id: int
    group: str
    metrics: Mapping[str, object]
    steps_completed: int | None = None
    report_time: float | None = None
    batch_metrics: tuple[Mapping[str, object], ...] = ()


@dataclass(frozen=True)
class CheckpointUpload:
    """A checkpoint the runner stored: its files (relative path -> bytes) and metadata."""

    trial_id: int
    trial_run_id: int
    uuid: str
    metadata: Mapping[str, object]
    files: Mapping[str, bytes]
    state: str | None = None
