"""Metrics and tasks: SigOpt JSON shapes in and out (§3.5)."""

from __future__ import annotations

from dialin.domain.drafts import UNSET, Maybe, MetricPatch
from dialin.domain.metrics import Metric, Objective, Strategy, Task
from dialin.wire.fields import (
    JsonObject,
    child,
    expect_choice,
    expect_list,
    expect_number,
    expect_object,
    expect_string,
    reject_unknown_keys,
    require,
)
from dialin.wire.render import render_number

__all__ = [
    "parse_metric_patches",
    "parse_metrics",
    "parse_tasks",
    "render_metric",
    "render_task",
]

OBJECTIVES: tuple[Objective, ...] = ("maximize", "minimize")
STRATEGIES: tuple[Strategy, ...] = ("optimize", "store", "constraint")
_METRIC_KEYS = ("name", "objective", "strategy", "threshold", "object")


def _metric_object(value: object, field: str, *, strings: bool) -> JsonObject:
    if strings and isinstance(value, str):
        return {"name": value}
    obj = expect_object(value, field)
    reject_unknown_keys(obj, _METRIC_KEYS, field)
    return obj


def parse_metrics(
    value: object, field: str = "metrics", *, strings: bool = True
) -> tuple[Metric, ...]:
    """Shape only; ``check_metrics`` judges counts, names and thresholds.

    ``strings``: whether a bare name may stand for a metric (core experiments).
    """
    metrics: list[Metric] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = _metric_object(item, path, strings=strings)
        name = obj.get("name")
        metrics.append(
            Metric(
                name=None if name is None else expect_string(name, child(path, "name")),
                objective=expect_choice(obj["objective"], child(path, "objective"), OBJECTIVES)
                if obj.get("objective") is not None
                else "maximize",
                strategy=expect_choice(obj["strategy"], child(path, "strategy"), STRATEGIES)
                if obj.get("strategy") is not None
                else "optimize",
                threshold=float(expect_number(obj["threshold"], child(path, "threshold")))
                if obj.get("threshold") is not None
                else None,
            )
        )
    return tuple(metrics)


def parse_metric_patches(value: object, field: str = "metrics") -> tuple[MetricPatch, ...]:
    patches: list[MetricPatch] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = _metric_object(item, path, strings=True)
        name: Maybe[str | None] = UNSET
        if "name" in obj:
            raw = obj["name"]
            name = None if raw is None else expect_string(raw, child(path, "name"))
        threshold: Maybe[float | None] = UNSET
        if "threshold" in obj:
            raw = obj["threshold"]
            threshold = None if raw is None else float(expect_number(raw, child(path, "threshold")))
        patches.append(
            MetricPatch(
                name=name,
                objective=expect_choice(obj["objective"], child(path, "objective"), OBJECTIVES)
                if obj.get("objective") is not None
                else UNSET,
                strategy=expect_choice(obj["strategy"], child(path, "strategy"), STRATEGIES)
                if obj.get("strategy") is not None
                else UNSET,
                threshold=threshold,
            )
        )
    return tuple(patches)


def parse_tasks(value: object, field: str = "tasks") -> tuple[Task, ...]:
    tasks: list[Task] = []
    for i, item in enumerate(expect_list(value, field)):
        path = child(field, i)
        obj = expect_object(item, path)
        reject_unknown_keys(obj, ("name", "cost", "object"), path)
        tasks.append(
            Task(
                name=expect_string(require(obj, "name", path), child(path, "name")),
                cost=float(expect_number(require(obj, "cost", path), child(path, "cost"))),
            )
        )
    return tuple(tasks)


def render_metric(metric: Metric) -> dict[str, object]:
    return {
        "object": "metric",
        "name": metric.name,
        "objective": metric.objective,
        "strategy": metric.strategy,
        "threshold": None if metric.threshold is None else render_number(metric.threshold),
    }


def render_task(task: Task) -> dict[str, object]:
    return {"object": "task", "name": task.name, "cost": render_number(task.cost)}
