"""Trial checkpoints: the record, its states, the best and latest one, and the keep policy (GC)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from dialin.domain.metric_reports import VALIDATION, MetricsReport, numeric_value
from dialin.errors import InvalidField, InvalidTransition

__all__ = [
    "CHECKPOINT_TRANSITIONS",
    "Checkpoint",
    "CheckpointState",
    "KeepPolicy",
    "best_checkpoint",
    "checkpoints_to_delete",
    "latest_checkpoint",
    "patch_resources",
    "reported_state",
    "steps_of",
]


class CheckpointState(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    DELETED = "DELETED"
    PARTIALLY_DELETED = "PARTIALLY_DELETED"


_C = CheckpointState
CHECKPOINT_TRANSITIONS: Mapping[CheckpointState, frozenset[CheckpointState]] = {
    _C.ACTIVE: frozenset({_C.COMPLETED, _C.ERROR}),
    _C.COMPLETED: frozenset({_C.DELETED, _C.PARTIALLY_DELETED}),
    _C.PARTIALLY_DELETED: frozenset({_C.DELETED, _C.PARTIALLY_DELETED}),
    _C.ERROR: frozenset(),
    _C.DELETED: frozenset(),
}


@dataclass(frozen=True)
class Checkpoint:
    uuid: str
    trial_id: int
    trial_run_id: int
    report_time: int
    state: CheckpointState
    # Every file of the checkpoint: relative path -> bytes.
    resources: Mapping[str, int]
    # Always holds ``steps_completed``.
    metadata: Mapping[str, object]

    @property
    def size(self) -> int:
        return sum(self.resources.values())

    @property
    def steps_completed(self) -> int:
        return steps_of(self.metadata)


def steps_of(metadata: Mapping[str, object]) -> int:
    steps = metadata.get("steps_completed")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InvalidField(
            "metadata.steps_completed", "metadata.steps_completed must be a non-negative integer"
        )
    return steps


def reported_state(state: str | None) -> CheckpointState:
    """The runner reports a checkpoint only once uploaded: COMPLETED (or unspecified)."""
    if state in (None, "", "UNSPECIFIED", "COMPLETED"):
        return CheckpointState.COMPLETED
    raise InvalidField("state", "A checkpoint is reported COMPLETED, once its files are stored")


def patch_resources(checkpoint: Checkpoint, resources: Mapping[str, int]) -> Checkpoint:
    """Deletion is reported as the files that are left: none ⇒ DELETED, fewer ⇒ PARTIALLY."""
    if not set(resources) <= set(checkpoint.resources):
        raise InvalidField("resources", "resources may only shrink")
    if resources == checkpoint.resources:
        return checkpoint
    state = CheckpointState.DELETED if not resources else CheckpointState.PARTIALLY_DELETED
    if state not in CHECKPOINT_TRANSITIONS[checkpoint.state]:
        raise InvalidTransition(f"A {checkpoint.state} checkpoint cannot become {state}")
    return replace(checkpoint, state=state, resources=dict(resources))


def latest_checkpoint(checkpoints: Iterable[Checkpoint]) -> Checkpoint | None:
    """What a new allocation resumes from: the COMPLETED one with the most steps."""
    done = [c for c in checkpoints if c.state == CheckpointState.COMPLETED]
    return max(done, key=lambda c: (c.steps_completed, c.report_time), default=None)


def _validation_scores(
    validations: Iterable[MetricsReport], metric: str, smaller_is_better: bool
) -> dict[tuple[int, int], tuple[float, int]]:
    """(trial, steps) -> (signed metric, report id) of the validation at that step."""
    scores: dict[tuple[int, int], tuple[float, int]] = {}
    for report in validations:
        if report.archived or report.group != VALIDATION or report.total_batches is None:
            continue
        value = numeric_value(report.metrics.get(metric))
        if value is None or value != value:
            continue
        signed = value if smaller_is_better else -value
        key = (report.trial_id, report.total_batches)
        if key not in scores or (signed, report.id) < scores[key]:
            scores[key] = (signed, report.id)
    return scores


def best_checkpoint(
    checkpoints: Iterable[Checkpoint],
    validations: Iterable[MetricsReport],
    metric: str,
    *,
    smaller_is_better: bool,
) -> Checkpoint | None:
    """Among COMPLETED checkpoints with a searcher-metric validation at their step, the best."""
    scores = _validation_scores(validations, metric, smaller_is_better)
    ranked = [
        (scores[(c.trial_id, c.steps_completed)], c)
        for c in checkpoints
        if c.state == CheckpointState.COMPLETED and (c.trial_id, c.steps_completed) in scores
    ]
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


@dataclass(frozen=True)
class KeepPolicy:
    """``checkpoint_storage`` GC fields: how many checkpoints survive, by three rankings."""

    save_experiment_best: int = 0
    save_trial_best: int = 1
    save_trial_latest: int = 1

    @classmethod
    def from_config(cls, config: Mapping[str, object], prefix: str = "") -> KeepPolicy:
        """``prefix``: where the fields sit in the caller's document, for error fields."""
        names = ("save_experiment_best", "save_trial_best", "save_trial_latest")
        values: dict[str, int] = {}
        for key in config:
            if key not in names:
                raise InvalidField(f"{prefix}{key}", f"{prefix}{key} is not a known key")
        for name in names:
            if name in config:
                value = config[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise InvalidField(
                        f"{prefix}{name}", f"{prefix}{name} must be a non-negative integer"
                    )
                values[name] = value
        return cls(**values)

    def to_json(self) -> dict[str, int]:
        return {
            "save_experiment_best": self.save_experiment_best,
            "save_trial_best": self.save_trial_best,
            "save_trial_latest": self.save_trial_latest,
        }


def checkpoints_to_delete(
    checkpoints: Sequence[Checkpoint],
    validations: Iterable[MetricsReport],
    metric: str,
    *,
    smaller_is_better: bool,
    policy: KeepPolicy,
    protected: frozenset[str] = frozenset(),
) -> list[str]:
    """The uuids GC deletes (§4.7). Ranks start at 1; ``protected`` (warm starts, registered
    models) always survive."""
    scores = _validation_scores(validations, metric, smaller_is_better)
    live = [
        c
        for c in checkpoints
        if c.state in (CheckpointState.COMPLETED, CheckpointState.PARTIALLY_DELETED)
    ]
    scored = [c for c in live if (c.trial_id, c.steps_completed) in scores]

    def score(c: Checkpoint) -> tuple[float, int]:
        return scores[(c.trial_id, c.steps_completed)]

    experiment_rank = {c.uuid: i + 1 for i, c in enumerate(sorted(scored, key=score))}
    trial_rank: dict[str, int] = {}
    latest_rank: dict[str, int] = {}
    for trial_id in {c.trial_id for c in live}:
        own = [c for c in live if c.trial_id == trial_id]
        for i, c in enumerate(sorted((c for c in own if c.uuid in experiment_rank), key=score)):
            trial_rank[c.uuid] = i + 1
        by_steps = sorted(own, key=lambda c: (c.steps_completed, c.report_time), reverse=True)
        for i, c in enumerate(by_steps):
            latest_rank[c.uuid] = i + 1
    doomed: list[str] = []
    for c in live:
        if c.uuid in protected:
            continue
        unranked = c.uuid not in experiment_rank
        outranked = (
            not unranked
            and experiment_rank[c.uuid] > policy.save_experiment_best
            and trial_rank[c.uuid] > policy.save_trial_best
        )
        if (outranked or unranked) and latest_rank[c.uuid] > policy.save_trial_latest:
            doomed.append(c.uuid)
    return doomed
