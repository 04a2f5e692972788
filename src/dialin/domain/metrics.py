"""Metrics an experiment measures, tasks for multitask experiments, and measured values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = ["Metric", "MetricValue", "Objective", "Strategy", "Task"]

Objective: TypeAlias = Literal["maximize", "minimize"]
Strategy: TypeAlias = Literal["optimize", "store", "constraint"]


@dataclass(frozen=True)
class Metric:
    # None only for the implicit single metric of a core experiment created without metrics.
    name: str | None
    objective: Objective = "maximize"
    strategy: Strategy = "optimize"
    threshold: float | None = None

    @property
    def sign(self) -> float:
        """+1 when larger is better, -1 otherwise: multiply a value by it to maximize."""
        return 1.0 if self.objective == "maximize" else -1.0

    def satisfies_threshold(self, value: float) -> bool:
        if self.threshold is None:
            return True
        return value >= self.threshold if self.objective == "maximize" else value <= self.threshold


@dataclass(frozen=True)
class Task:
    name: str
    cost: float


@dataclass(frozen=True)
class MetricValue:
    name: str | None
    value: float
    value_stddev: float | None = None
