"""SigOpt's ``training_monitor`` (spec trials §7.4): a run's maximum number of checkpoints and
its convergence criteria, and the stop advice its checkpoints get.

dialin decision on the convergence rule (SigOpt never specified it): a criterion holds once
the run has at least ``min_checkpoints`` checkpoints and none of its last
``lookback_checkpoints`` beat the best value of ``metric`` among the ones before them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dialin.errors import InvalidField

__all__ = ["MAX_CHECKPOINTS_REASON", "ConvergenceCriterion", "TrainingMonitor"]

# The stopping_reasons key of the checkpoint limit.
MAX_CHECKPOINTS_REASON = "max_checkpoints"
_FIELD = "training_monitor"


def _count(body: Mapping[str, object], key: str, field: str, minimum: int) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidField(f"{field}.{key}", f"{field}.{key} must be an integer ≥ {minimum}")
    return value


@dataclass(frozen=True)
class ConvergenceCriterion:
    name: str
    metric: str
    lookback_checkpoints: int
    min_checkpoints: int
    smaller_is_better: bool

    def holds(self, values: Sequence[float | None]) -> bool:
        """``values``: the metric at each of the run's checkpoints, oldest first."""
        if len(values) < max(self.min_checkpoints, self.lookback_checkpoints + 1):
            return False
        sign = 1.0 if self.smaller_is_better else -1.0

        def signed(v: float | None) -> float:
            return math.inf if v is None or math.isnan(v) else sign * v

        earlier = min(signed(v) for v in values[: -self.lookback_checkpoints])
        return all(signed(v) >= earlier for v in values[-self.lookback_checkpoints :])

    def to_json(self) -> dict[str, object]:
        return {
            "type": "convergence",
            "name": self.name,
            "metric": self.metric,
            "lookback_checkpoints": self.lookback_checkpoints,
            "min_checkpoints": self.min_checkpoints,
        }


@dataclass(frozen=True)
class TrainingMonitor:
    max_checkpoints: int | None
    criteria: tuple[ConvergenceCriterion, ...]

    @classmethod
    def from_json(cls, value: object, objectives: Mapping[str, str]) -> TrainingMonitor:
        """``objectives``: the experiment's metric names -> ``minimize``/``maximize``."""
        if not isinstance(value, Mapping):
            raise InvalidField(_FIELD, f"{_FIELD} must be an object")
        for key in value:
            if key not in ("max_checkpoints", "early_stopping_criteria"):
                raise InvalidField(f"{_FIELD}.{key}", f"{_FIELD}.{key} is not a known key")
        limit = None
        if value.get("max_checkpoints") is not None:
            limit = _count(value, "max_checkpoints", _FIELD, 1)
        raw = value.get("early_stopping_criteria")
        raw = [] if raw is None else raw
        if not isinstance(raw, list):
            raise InvalidField(
                f"{_FIELD}.early_stopping_criteria", "early_stopping_criteria must be a list"
            )
        criteria = [cls._criterion(item, i, objectives) for i, item in enumerate(raw)]
        if len({c.name for c in criteria}) != len(criteria):
            raise InvalidField(
                f"{_FIELD}.early_stopping_criteria", "early stopping criteria need distinct names"
            )
        return cls(limit, tuple(criteria))

    @staticmethod
    def _criterion(item: object, i: int, objectives: Mapping[str, str]) -> ConvergenceCriterion:
        field = f"{_FIELD}.early_stopping_criteria[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidField(field, f"{field} must be an object")
        known = ("type", "name", "metric", "lookback_checkpoints", "min_checkpoints")
        for key in item:
            if key not in known:
                raise InvalidField(f"{field}.{key}", f"{field}.{key} is not a known key")
        if item.get("type") != "convergence":
            raise InvalidField(f"{field}.type", f"{field}.type must be 'convergence'")
        metric = item.get("metric")
        if not isinstance(metric, str) or metric not in objectives:
            raise InvalidField(f"{field}.metric", f"{field}.metric must name an experiment metric")
        name = item.get("name", f"convergence of {metric}")
        if not isinstance(name, str) or not name or name == MAX_CHECKPOINTS_REASON:
            raise InvalidField(f"{field}.name", f"{field}.name must be a distinct name")
        return ConvergenceCriterion(
            name=name,
            metric=metric,
            lookback_checkpoints=_count(item, "lookback_checkpoints", field, 1),
            min_checkpoints=_count(item, "min_checkpoints", field, 1)
            if item.get("min_checkpoints") is not None
            else 1,
            smaller_is_better=objectives[metric] == "minimize",
        )

    def to_json(self) -> dict[str, object]:
        return {
            "max_checkpoints": self.max_checkpoints,
            "early_stopping_criteria": [c.to_json() for c in self.criteria],
        }

    def reasons(self, checkpoints: Sequence[Mapping[str, float | None]]) -> dict[str, bool]:
        """{criterion name: holds} after the run's checkpoints (metric -> value, oldest first),
        plus ``max_checkpoints`` when there is a limit."""
        found = {
            c.name: c.holds([values.get(c.metric) for values in checkpoints]) for c in self.criteria
        }
        if self.max_checkpoints is not None:
            found[MAX_CHECKPOINTS_REASON] = len(checkpoints) >= self.max_checkpoints
        return found

    def converged(self, reasons: Mapping[str, bool]) -> bool:
        """Every convergence criterion holds: the searcher stops the run too."""
        return bool(self.criteria) and all(reasons[c.name] for c in self.criteria)
