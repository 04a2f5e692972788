"""Metric reports of a trial, by group and step, and what is derived from them.

Derived: summary metrics (per group and metric name: type, count, sum, min, max, mean, last),
the best and latest validation, the processed batch count, and which reports a resumed run
archives because the work behind them was lost.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeAlias

from dialin.errors import InvalidField

__all__ = [
    "TRAINING",
    "VALIDATION",
    "MetricSummary",
    "MetricsReport",
    "SummaryMetrics",
    "add_to_summary",
    "best_validation",
    "check_current_run",
    "group_path",
    "latest_validation",
    "merge_metrics",
    "normalize_metrics",
    "numeric_value",
    "reports_to_archive",
    "summarize",
    "summary_to_json",
    "total_batches",
    "validate_group",
    "value_type",
]

TRAINING = "training"
VALIDATION = "validation"
_PROFILING = frozenset({"gpu", "cpu", "memory", "disk", "network"})
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)

JsonValue: TypeAlias = object


@dataclass(frozen=True)
class MetricsReport:
    id: int
    trial_id: int
    trial_run_id: int
    group: str
    # The inner object: avg_metrics for training, validation_metrics for validation.
    metrics: Mapping[str, JsonValue]
    # Epoch seconds, millisecond precision.
    end_time: float
    total_batches: int | None
    archived: bool = False
    batch_metrics: tuple[Mapping[str, JsonValue], ...] = ()
    # Made as a SigOpt checkpoint: {"metadata": ..., "value_stddev": {name: stddev}}.
    checkpoint_extras: Mapping[str, JsonValue] | None = None


def validate_group(group: object) -> str:
    if not isinstance(group, str) or not group or "." in group:
        raise InvalidField("group", "group must be a non-empty string without '.'")
    return group


def group_path(group: str) -> str:
    """Where a group's metrics sit in the summary (and in the stored body)."""
    if group == TRAINING:
        return "avg_metrics"
    if group == VALIDATION:
        return "validation_metrics"
    return group


def check_current_run(current_run_id: int, reported_run_id: int) -> None:
    """A report from any run but the trial's current one comes from a dead predecessor."""
    if reported_run_id != current_run_id:
        raise InvalidField(
            "trial_run_id",
            f"trial_run_id {reported_run_id} is stale: the trial's current run is {current_run_id}",
        )


def normalize_metrics(metrics: object, field: str = "metrics") -> dict[str, JsonValue]:
    """Checks a report body and stores non-finite numbers as the strings JSON can carry."""
    if not isinstance(metrics, Mapping) or not metrics:
        raise InvalidField(field, f"{field} must be a non-empty object")
    normalized: dict[str, JsonValue] = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or not name:
            raise InvalidField(field, f"{field} names must be non-empty strings")
        if name in ("epoch", "epochs") and numeric_value(value) is None:
            raise InvalidField(f"{field}.{name}", f"{field}.{name} must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            value = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        normalized[name] = value
    return normalized


def value_type(value: JsonValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float) or (isinstance(value, str) and value in _NON_FINITE):
        return "number"
    if isinstance(value, str):
        return "date" if _ISO_DATE.match(value) else "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"


def numeric_value(value: JsonValue) -> float | None:
    """The number a metric value stands for (non-finite strings included), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return _NON_FINITE.get(value)
    return None


@dataclass(frozen=True)
class MetricSummary:
    type: str
    count: int | None = None
    sum: float | None = None
    min: float | None = None
    max: float | None = None
    last: JsonValue = None

    @property
    def mean(self) -> float | None:
        if self.count is None or self.sum is None or not self.count:
            return None
        return self.sum / self.count


# group path -> metric name -> summary
SummaryMetrics: TypeAlias = Mapping[str, Mapping[str, MetricSummary]]


def _fold(previous: MetricSummary | None, value: JsonValue) -> MetricSummary:
    kind = value_type(value)
    if previous is None or previous.type == kind:
        number = numeric_value(value) if kind == "number" else None
        if number is None:
            return MetricSummary(type=kind, last=value)
        if previous is None or previous.count is None:
            return MetricSummary(kind, 1, number, number, number, value)
        assert previous.sum is not None and previous.min is not None and previous.max is not None
        # NaN poisons: min() and max() would silently skip it depending on argument order.
        poisoned = math.isnan(number) or math.isnan(previous.min)
        return MetricSummary(
            kind,
            previous.count + 1,
            previous.sum + number,
            math.nan if poisoned else min(previous.min, number),
            math.nan if poisoned else max(previous.max, number),
            value,
        )
    return MetricSummary(type="string", last=value)


def add_to_summary(summary: SummaryMetrics, report: MetricsReport) -> SummaryMetrics:
    """Fold one report in; it must be the group's most recent one (``last`` comes from it)."""
    path = group_path(report.group)
    current = summary.get(path, {})
    updated: dict[str, MetricSummary] = {
        name: replace(s, last=None) for name, s in current.items() if name not in report.metrics
    }
    for name, value in report.metrics.items():
        updated[name] = _fold(current.get(name), value)
    return {**summary, path: dict(sorted(updated.items()))}


def _chronological(reports: Iterable[MetricsReport]) -> list[MetricsReport]:
    return sorted((r for r in reports if not r.archived), key=lambda r: (r.end_time, r.id))


def summarize(reports: Iterable[MetricsReport]) -> SummaryMetrics:
    """The full recompute: non-archived reports in ``end_time`` order."""
    summary: SummaryMetrics = {}
    for report in _chronological(reports):
        if report.group not in _PROFILING:
            summary = add_to_summary(summary, report)
    return summary


def _json_number(number: float | None) -> JsonValue:
    if number is None or math.isfinite(number):
        return number
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


def summary_to_json(summary: SummaryMetrics) -> dict[str, dict[str, dict[str, JsonValue]]]:
    rendered: dict[str, dict[str, dict[str, JsonValue]]] = {}
    for path, metrics in summary.items():
        rendered[path] = {}
        for name, s in metrics.items():
            entry: dict[str, JsonValue] = {"type": s.type, "last": s.last}
            if s.count is not None:
                entry.update(
                    count=s.count,
                    sum=_json_number(s.sum),
                    min=_json_number(s.min),
                    max=_json_number(s.max),
                    mean=_json_number(s.mean),
                )
            rendered[path][name] = entry
    return rendered


def _signed(report: MetricsReport, metric: str, smaller_is_better: bool) -> float | None:
    value = numeric_value(report.metrics.get(metric))
    if value is None or math.isnan(value):
        return None
    return value if smaller_is_better else -value


def best_validation(
    reports: Iterable[MetricsReport], metric: str, *, smaller_is_better: bool
) -> MetricsReport | None:
    """The non-archived validation with the smallest signed searcher metric; earliest on ties."""
    best: tuple[float, MetricsReport] | None = None
    for report in _chronological(reports):
        if report.group != VALIDATION:
            continue
        signed = _signed(report, metric, smaller_is_better)
        if signed is not None and (best is None or signed < best[0]):
            best = (signed, report)
    return None if best is None else best[1]


def latest_validation(reports: Iterable[MetricsReport], metric: str) -> MetricsReport | None:
    candidates = [
        r for r in _chronological(reports) if r.group == VALIDATION and metric in r.metrics
    ]
    return candidates[-1] if candidates else None


def total_batches(reports: Iterable[MetricsReport]) -> int:
    return max(
        (r.total_batches for r in reports if not r.archived and r.total_batches is not None),
        default=0,
    )


def reports_to_archive(
    reports: Sequence[MetricsReport], current_run_id: int, group: str, steps: int | None
) -> list[int]:
    """Reports of earlier runs past the step a resumed run reports: their work was lost."""
    if steps is None:
        return []
    return [
        r.id
        for r in reports
        if not r.archived
        and r.trial_run_id < current_run_id
        and r.total_batches is not None
        and (r.total_batches >= steps if r.group == group else r.total_batches > steps)
    ]


def merge_metrics(
    existing: Mapping[str, JsonValue], new: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """Two reports of one (trial, group, step) are one: keys unite, a value never changes."""
    for name, value in new.items():
        if name in existing and existing[name] != value:
            raise InvalidField(
                f"metrics.{name}",
                f"metrics.{name} was already reported at this step with another value",
            )
    return {**existing, **new}
