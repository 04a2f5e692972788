"""SigOpt's training monitor: its definition's rules and when checkpoints advise a stop."""

from __future__ import annotations

from typing import Any

import pytest

from dialin.domain.training_monitor import TrainingMonitor
from dialin.errors import InvalidField

OBJECTIVES = {"loss": "minimize", "acc": "maximize"}


def monitor(**body: Any) -> TrainingMonitor:
    return TrainingMonitor.from_json(body, OBJECTIVES)


def flat(metric: str = "loss", lookback: int = 2, least: int = 3) -> dict[str, Any]:
    return {
        "type": "convergence",
        "name": f"flat {metric}",
        "metric": metric,
        "lookback_checkpoints": lookback,
        "min_checkpoints": least,
    }


def test_convergence_holds_when_the_last_checkpoints_do_not_beat_the_best_before() -> None:
    m = monitor(early_stopping_criteria=[flat()])
    history: list[dict[str, float | None]] = []
    seen = []
    for loss in (0.5, 0.4, 0.45, 0.45, 0.3):
        history.append({"loss": loss})
        seen.append(m.reasons(history)["flat loss"])
    assert seen == [False, False, False, True, False]


def test_maximized_metrics_and_missing_values() -> None:
    m = monitor(early_stopping_criteria=[flat("acc", lookback=1, least=2)])
    assert m.reasons([{"acc": 0.5}, {"acc": 0.6}])["flat acc"] is False
    assert m.reasons([{"acc": 0.5}, {"acc": 0.4}])["flat acc"] is True
    assert m.reasons([{"acc": 0.5}, {}])["flat acc"] is True


def test_max_checkpoints_and_converged() -> None:
    m = monitor(max_checkpoints=2, early_stopping_criteria=[flat(least=1, lookback=1)])
    reasons = m.reasons([{"loss": 1.0}, {"loss": 1.0}])
    assert reasons == {"flat loss": True, "max_checkpoints": True} and m.converged(reasons)
    assert monitor(max_checkpoints=2).converged({"max_checkpoints": True}) is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_checkpoints": 0}, "training_monitor.max_checkpoints"),
        ({"patience": 3}, "training_monitor.patience"),
        ({"early_stopping_criteria": {}}, "training_monitor.early_stopping_criteria"),
        (
            {"early_stopping_criteria": [{**flat(), "type": "plateau"}]},
            "training_monitor.early_stopping_criteria[0].type",
        ),
        (
            {"early_stopping_criteria": [{**flat(), "metric": "f1"}]},
            "training_monitor.early_stopping_criteria[0].metric",
        ),
        (
            {"early_stopping_criteria": [{**flat(), "lookback_checkpoints": 0}]},
            "training_monitor.early_stopping_criteria[0].lookback_checkpoints",
        ),
        (
            {"early_stopping_criteria": [flat(), flat()]},
            "training_monitor.early_stopping_criteria",
        ),
    ],
)
def test_bad_definitions_name_their_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        TrainingMonitor.from_json(body, OBJECTIVES)
    assert raised.value.field == field
