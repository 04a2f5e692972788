"""Which training runs a list shows and in what order (SigOpt §5.11): filters and sort keys
over run fields, including dotted paths into the run's maps (``values.accuracy.value``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from dialin.domain.paging import SortKey
from dialin.domain.runs import SIGOPT_SOURCE, TrainingRun

__all__ = [
    "OPERATORS",
    "Operator",
    "RunFilter",
    "comparable_filter_value",
    "in_memory_only",
    "is_run_field",
    "run_field_value",
    "run_matches",
    "run_sort_key",
]

Operator: TypeAlias = Literal["==", "!=", ">=", ">", "<=", "<", "isnull"]
OPERATORS: tuple[Operator, ...] = ("==", "!=", ">=", ">", "<=", "<", "isnull")

_COLUMNS: dict[str, Callable[[TrainingRun], Any]] = {
    "id": lambda r: r.id,
    "client": lambda r: r.client_id,
    "experiment": lambda r: r.experiment_id,
    "observation": lambda r: r.observation_id,
    "suggestion": lambda r: r.suggestion_id,
    "user": lambda r: r.user_id,
    "created": lambda r: r.created,
    "updated": lambda r: r.updated,
    "completed": lambda r: r.completed,
    # SigOpt filters `finished` on the completion time, like `completed`.
    "finished": lambda r: r.completed,
    "deleted": lambda r: r.deleted,
    "favorite": lambda r: r.favorite,
    "state": lambda r: r.state,
    "name": lambda r: r.name,
    "model.type": lambda r: r.model.get("type"),
    "source_code.content": lambda r: r.source_code.get("content"),
    "source_code.hash": lambda r: r.source_code.get("hash"),
    "optimized_suggestion": lambda r: any(
        m.get("source") == SIGOPT_SOURCE for m in r.assignments_meta.values()
    ),
}
_IDS = ("id", "client", "experiment", "observation", "suggestion", "user")


@dataclass(frozen=True)
class RunFilter:
    field: str
    operator: Operator
    value: float | int | str | bool | None = None


def _path_value(run: TrainingRun, field: str) -> tuple[bool, Any]:
    head, _, rest = field.partition(".")
    if head in ("assignments", "metadata") and rest:
        return True, (getattr(run, head) or {}).get(rest)
    if head == "logs" and rest.endswith(".content"):
        return True, (run.logs.get(rest.removesuffix(".content")) or {}).get("content")
    for suffix in (".value_stddev", ".value"):
        if head == "values" and rest.endswith(suffix):
            entry = run.values.get(rest.removesuffix(suffix)) or {}
            return True, entry.get(suffix[1:])
    return False, None


def is_run_field(field: str) -> bool:
    return field in _COLUMNS or _path_value(TrainingRun(0, 0, "", "", 0, 0), field)[0]


def run_field_value(run: TrainingRun, field: str) -> Any:
    if field in _COLUMNS:
        return _COLUMNS[field](run)
    return _path_value(run, field)[1]


def _comparable(value: Any, field: str) -> Any:
    if field in _IDS and isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool):
        return float(value)
    return value


def _compare(left: Any, operator: Operator, right: Any) -> bool:
    if operator == "==":
        return bool(left == right)
    if operator == "!=":
        return bool(left != right)
    numbers = isinstance(left, int | float) and isinstance(right, int | float)
    strings = isinstance(left, str) and isinstance(right, str)
    if not (numbers or strings):
        return False
    if operator == ">=":
        return bool(left >= right)
    if operator == ">":
        return bool(left > right)
    if operator == "<=":
        return bool(left <= right)
    return bool(left < right)


def comparable_filter_value(run_filter: RunFilter) -> Any:
    """The filter's value as fields compare with it: digit strings of id fields are ids,
    booleans are numbers."""
    return _comparable(run_filter.value, run_filter.field)


def in_memory_only(field: str) -> bool:
    """Fields computed from a whole run, which a database query does not filter or sort by."""
    return field == "optimized_suggestion"


def run_matches(run: TrainingRun, run_filter: RunFilter) -> bool:
    value = run_field_value(run, run_filter.field)
    if run_filter.operator == "isnull":
        return value is None
    left = _comparable(value, run_filter.field)
    right = _comparable(run_filter.value, run_filter.field)
    return _compare(left, run_filter.operator, right)


def run_sort_key(field: str) -> Callable[[TrainingRun], SortKey]:
    """(number or None, text or None, id): each position holds one type, so keys of runs whose
    field holds numbers on some and strings on others still compare."""

    def key(run: TrainingRun) -> SortKey:
        value = _comparable(run_field_value(run, field), field)
        number = float(value) if isinstance(value, int | float) else None
        text = value if isinstance(value, str) else None
        return (number, text, run.id)

    return key
