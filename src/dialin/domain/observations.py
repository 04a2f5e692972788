"""Observations: what a worker measured at some assignments."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.domain.experiments import Metadata
from dialin.domain.metrics import MetricValue, Task
from dialin.domain.parameters import Assignments

__all__ = ["Observation"]


@dataclass(frozen=True)
class Observation:
    id: int
    experiment_id: int
    assignments: Assignments
    created: int
    # sorted by metric name; empty when failed
    values: tuple[MetricValue, ...] = ()
    failed: bool = False
    suggestion_id: int | None = None
    metadata: Metadata | None = None
    task: Task | None = None
    deleted: bool = False

    def value_of(self, metric_name: str | None) -> MetricValue | None:
        return next((v for v in self.values if v.name == metric_name), None)
