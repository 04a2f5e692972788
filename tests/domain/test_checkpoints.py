"""Checkpoint states, best and latest checkpoint, and the keep policy."""

from __future__ import annotations

from itertools import product

import pytest

from dialin.domain.checkpoints import (
    CHECKPOINT_TRANSITIONS,
    Checkpoint,
    CheckpointState,
    KeepPolicy,
    best_checkpoint,
    checkpoints_to_delete,
    latest_checkpoint,
    patch_resources,
    reported_state,
)
from dialin.domain.metric_reports import VALIDATION, MetricsReport
from dialin.errors import InvalidField, InvalidTransition

C = CheckpointState


def checkpoint(uuid: str, steps: int, *, trial: int = 1, state: C = C.COMPLETED) -> Checkpoint:
    return Checkpoint(
        uuid=uuid,
        trial_id=trial,
        trial_run_id=1,
        report_time=steps,
        state=state,
        resources={"model.pt": 100, "opt.pt": 20},
        metadata={"steps_completed": steps},
    )


def validation(id: int, steps: int, loss: float, *, trial: int = 1) -> MetricsReport:
    return MetricsReport(
        id=id,
        trial_id=trial,
        trial_run_id=1,
        group=VALIDATION,
        metrics={"loss": loss},
        end_time=float(id),
        total_batches=steps,
    )


def test_checkpoint_state_table() -> None:
    allowed = {
        (C.ACTIVE, C.COMPLETED),
        (C.ACTIVE, C.ERROR),
        (C.COMPLETED, C.DELETED),
        (C.COMPLETED, C.PARTIALLY_DELETED),
        (C.PARTIALLY_DELETED, C.DELETED),
        (C.PARTIALLY_DELETED, C.PARTIALLY_DELETED),
    }
    table = {(a, b) for a, b in product(C, C) if b in CHECKPOINT_TRANSITIONS[a]}
    assert table == allowed


@pytest.mark.parametrize("state", [None, "UNSPECIFIED", "COMPLETED"])
def test_reports_are_completed(state: str | None) -> None:
    assert reported_state(state) == C.COMPLETED


@pytest.mark.parametrize("state", ["ACTIVE", "ERROR", "DELETED"])
def test_other_reported_states_are_refused(state: str) -> None:
    with pytest.raises(InvalidField):
        reported_state(state)


def test_shrinking_resources_deletes() -> None:
    partial = patch_resources(checkpoint("a", 10), {"model.pt": 100})
    assert (partial.state, partial.size) == (C.PARTIALLY_DELETED, 100)
    assert patch_resources(partial, {}).state == C.DELETED
    with pytest.raises(InvalidTransition):
        patch_resources(checkpoint("b", 1, state=C.ERROR), {})
    with pytest.raises(InvalidField):
        patch_resources(partial, {"new.pt": 1})


def test_steps_completed_is_required() -> None:
    with pytest.raises(InvalidField):
        _ = Checkpoint("x", 1, 1, 0, C.COMPLETED, {}, {}).steps_completed


def test_latest_is_the_completed_one_with_most_steps() -> None:
    found = latest_checkpoint(
        [checkpoint("a", 10), checkpoint("b", 30, state=C.DELETED), checkpoint("c", 20)]
    )
    assert found is not None and found.uuid == "c"
    assert latest_checkpoint([]) is None


def test_best_needs_a_validation_at_its_step() -> None:
    checkpoints = [checkpoint("a", 10), checkpoint("b", 20), checkpoint("c", 30)]
    validations = [validation(1, 10, 0.5), validation(2, 20, 0.2), validation(3, 25, 0.0)]
    best = best_checkpoint(checkpoints, validations, "loss", smaller_is_better=True)
    assert best is not None and best.uuid == "b"
    worst_first = best_checkpoint(checkpoints, validations, "loss", smaller_is_better=False)
    assert worst_first is not None and worst_first.uuid == "a"


def test_gc_keeps_trial_best_and_latest() -> None:
    checkpoints = [checkpoint(u, s) for u, s in (("a", 10), ("b", 20), ("c", 30), ("d", 40))]
    validations = [
        validation(1, 10, 0.9),
        validation(2, 20, 0.1),
        validation(3, 30, 0.5),
    ]
    doomed = checkpoints_to_delete(
        checkpoints, validations, "loss", smaller_is_better=True, policy=KeepPolicy()
    )
    # b is the trial's best, d the latest (it has no validation, so it can never be best).
    assert sorted(doomed) == ["a", "c"]
    keep_all = KeepPolicy(save_trial_latest=4)
    assert not checkpoints_to_delete(
        checkpoints, validations, "loss", smaller_is_better=True, policy=keep_all
    )
    nothing = KeepPolicy(0, 0, 0)
    assert sorted(
        checkpoints_to_delete(
            checkpoints,
            validations,
            "loss",
            smaller_is_better=True,
            policy=nothing,
            protected=frozenset({"a"}),
        )
    ) == ["b", "c", "d"]


def test_gc_experiment_best_spans_trials() -> None:
    checkpoints = [checkpoint("a", 10, trial=1), checkpoint("b", 10, trial=2)]
    validations = [validation(1, 10, 0.3, trial=1), validation(2, 10, 0.1, trial=2)]
    policy = KeepPolicy(save_experiment_best=1, save_trial_best=0, save_trial_latest=0)
    assert checkpoints_to_delete(
        checkpoints, validations, "loss", smaller_is_better=True, policy=policy
    ) == ["a"]


def test_keep_policy_from_config() -> None:
    assert KeepPolicy.from_config({"save_trial_latest": 3}) == KeepPolicy(0, 1, 3)
    with pytest.raises(InvalidField):
        KeepPolicy.from_config({"save_trial_best": -1})
