"""Asynchronous successive halving (ASHA), stopping-based, as a pure replay of validations.

Symbols: R rungs ``i = 0..R-1``; divisor ``η``; ``max_time`` T, the training length of the top
rung. Rung ``i`` needs ``max(1, floor(T / η^(R-1-i)))`` units of ``time_metric``. A trial that
reaches a rung stays alive iff its signed metric ranks within the best ``max(1, floor(n / η))``
of the ``n`` values recorded there so far; at the top rung it is done.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dialin.domain.metric_reports import numeric_value
from dialin.errors import InvalidField

__all__ = ["AshaConfig", "AshaReport", "Decision", "decide", "progress"]


class Decision(StrEnum):
    CONTINUE = "continue"
    STOP = "stop"


@dataclass(frozen=True)
class AshaConfig:
    metric: str
    max_time: int
    time_metric: str = "steps_completed"
    divisor: int = 4
    num_rungs: int = 3
    smaller_is_better: bool = True

    def __post_init__(self) -> None:
        if self.max_time < 1:
            raise InvalidField("early_stopping.max_length", "max_length must be at least 1")
        if self.divisor < 2:
            raise InvalidField(
                "early_stopping.reduction_factor", "reduction_factor must be at least 2"
            )
        if self.num_rungs < 1:
            raise InvalidField("early_stopping.num_rungs", "num_rungs must be at least 1")

    @property
    def units_needed(self) -> tuple[int, ...]:
        r = self.num_rungs
        return tuple(
            max(1, math.floor(self.max_time / self.divisor ** (r - 1 - i))) for i in range(r)
        )

    @classmethod
    def from_json(cls, body: Mapping[str, object], prefix: str = "early_stopping") -> AshaConfig:
        """The dialin extension key ``early_stopping: {type: asha, metric, max_length, ...}``."""
        if body.get("type") != "asha":
            raise InvalidField(f"{prefix}.type", f"{prefix}.type must be 'asha'")
        known = {
            "type",
            "metric",
            "max_length",
            "reduction_factor",
            "num_rungs",
            "smaller_is_better",
            "time_metric",
        }
        for key in body:
            if key not in known:
                raise InvalidField(f"{prefix}.{key}", f"{prefix}.{key} is not a known key")
        metric = body.get("metric")
        if not isinstance(metric, str) or not metric:
            raise InvalidField(f"{prefix}.metric", f"{prefix}.metric must be a metric name")
        time_metric = body.get("time_metric", "steps_completed")
        if not isinstance(time_metric, str) or not time_metric:
            raise InvalidField(f"{prefix}.time_metric", f"{prefix}.time_metric must be a name")
        smaller = body.get("smaller_is_better", True)
        if not isinstance(smaller, bool):
            raise InvalidField(
                f"{prefix}.smaller_is_better", f"{prefix}.smaller_is_better must be a boolean"
            )
        return cls(
            metric=metric,
            time_metric=time_metric,
            max_time=_positive(body, "max_length", prefix, None),
            divisor=_positive(body, "reduction_factor", prefix, 4),
            num_rungs=_positive(body, "num_rungs", prefix, 3),
            smaller_is_better=smaller,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "type": "asha",
            "metric": self.metric,
            "time_metric": self.time_metric,
            "max_length": self.max_time,
            "reduction_factor": self.divisor,
            "num_rungs": self.num_rungs,
            "smaller_is_better": self.smaller_is_better,
        }


def _positive(body: Mapping[str, object], key: str, prefix: str, default: int | None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidField(f"{prefix}.{key}", f"{prefix}.{key} must be a positive integer")
    return value


@dataclass(frozen=True)
class AshaReport:
    """One validation as ASHA sees it: whose, how far in, and its metrics."""

    trial_id: int
    metrics: Mapping[str, object]
    steps_completed: int | None = None


@dataclass
class _Rungs:
    """Signed metrics recorded per rung, and the rung each trial is at. Built by ``decide``."""

    config: AshaConfig
    rungs: list[list[float]] = field(default_factory=list)
    rung_of: dict[int, int] = field(default_factory=dict)
    stopped: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.rungs:
            self.rungs = [[] for _ in range(self.config.num_rungs)]

    def record(self, report: AshaReport) -> Decision:
        if report.trial_id in self.stopped:
            return Decision.STOP
        t, m = self._time_and_metric(report)
        signed = m if self.config.smaller_is_better else -m
        needed = self.config.units_needed
        rung = self.rung_of.get(report.trial_id, 0)
        while rung < len(needed) and t >= needed[rung]:
            position = bisect.bisect_right(self.rungs[rung], signed)
            self.rungs[rung].insert(position, signed)
            keep = max(1, len(self.rungs[rung]) // self.config.divisor)
            if rung == len(needed) - 1 or position >= keep:
                self.stopped.add(report.trial_id)
                return Decision.STOP
            rung += 1
            self.rung_of[report.trial_id] = rung
        return Decision.CONTINUE

    def _time_and_metric(self, report: AshaReport) -> tuple[float, float]:
        if self.config.time_metric == "steps_completed" and report.steps_completed is not None:
            t: float | None = float(report.steps_completed)
        else:
            t = numeric_value(report.metrics.get(self.config.time_metric))
        m = numeric_value(report.metrics.get(self.config.metric))
        if t is None:
            raise InvalidField(
                f"metrics.{self.config.time_metric}",
                f"metrics.{self.config.time_metric} is required by early stopping",
            )
        if m is None or math.isnan(m):
            raise InvalidField(
                f"metrics.{self.config.metric}",
                f"metrics.{self.config.metric} must be a number for early stopping",
            )
        return t, m


def decide(config: AshaConfig, reports: Iterable[AshaReport]) -> dict[int, Decision]:
    """Replay an experiment's validations in arrival order; each trial's latest decision."""
    rungs = _Rungs(config)
    decisions: dict[int, Decision] = {}
    for report in reports:
        decisions[report.trial_id] = rungs.record(report)
    return decisions


def progress(
    config: AshaConfig, reports: Iterable[AshaReport], max_trials: int, completed: int
) -> float:
    """The searcher's progress (trials §6.3): rung 0's share of ``1.2 × max_trials`` entries;
    once rung 0 holds ``max_trials`` of them, at least the completed share of the trials."""
    rungs = _Rungs(config)
    for report in reports:
        rungs.record(report)
    entered = len(rungs.rungs[0])
    share = entered / (1.2 * max_trials)
    if entered >= max_trials:
        share = max(share, completed / max_trials)
    return min(share, 1.0)
