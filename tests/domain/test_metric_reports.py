"""Summary metrics, best and latest validation, stale runs, rollback and merge of reports."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialin.domain.metric_reports import (
    TRAINING,
    VALIDATION,
    MetricsReport,
    SummaryMetrics,
    add_to_summary,
    best_validation,
    check_current_run,
    latest_validation,
    merge_metrics,
    normalize_metrics,
    reports_to_archive,
    summarize,
    summary_to_json,
    total_batches,
    validate_group,
    value_type,
)
from dialin.errors import InvalidField


def report(
    id: int,
    metrics: dict[str, object],
    *,
    group: str = VALIDATION,
    steps: int | None = None,
    run: int = 1,
    end_time: float | None = None,
    archived: bool = False,
) -> MetricsReport:
    return MetricsReport(
        id=id,
        trial_id=1,
        trial_run_id=run,
        group=group,
        metrics=normalize_metrics(metrics),
        end_time=float(id) if end_time is None else end_time,
        total_batches=id * 10 if steps is None else steps,
        archived=archived,
    )


values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.just(math.nan),
    st.integers(-1000, 1000),
)


@given(st.lists(values, min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_numeric_summary_ignores_arrival_order(numbers: list[float], rng: random.Random) -> None:
    reports = [report(i + 1, {"loss": v}, end_time=float(i)) for i, v in enumerate(numbers)]
    arrived = list(reports)
    rng.shuffle(arrived)
    summary = summary_to_json(summarize(arrived))["validation_metrics"]["loss"]
    in_order = summary_to_json(summarize(reports))["validation_metrics"]["loss"]
    assert {k: v for k, v in summary.items() if k not in ("sum", "mean")} == {
        k: v for k, v in in_order.items() if k not in ("sum", "mean")
    }
    assert summary["count"] == len(numbers)
    assert summary["type"] == "number"
    finite = [v for v in numbers if not math.isnan(v)]
    if len(finite) < len(numbers):
        assert summary["min"] == summary["max"] == "NaN"
        assert summary["sum"] == summary["mean"] == "NaN"
    else:
        assert summary["min"] == min(numbers) and summary["max"] == max(numbers)
        assert math.isclose(float(summary["sum"]), math.fsum(numbers), abs_tol=1e-6)  # type: ignore[arg-type]
    # last is the most recent report by end_time, whatever order they arrived in.
    last = numbers[-1]
    assert summary["last"] == ("NaN" if math.isnan(last) else last)


@given(st.lists(values, min_size=1, max_size=20))
def test_incremental_summary_equals_full_recompute(numbers: list[float]) -> None:
    reports = [report(i + 1, {"loss": v}) for i, v in enumerate(numbers)]
    folded: SummaryMetrics = {}
    for r in reports:
        folded = add_to_summary(folded, r)
    assert summary_to_json(folded) == summary_to_json(summarize(reports))


def test_summary_shape_by_group() -> None:
    reports = [
        report(1, {"loss": 2.0, "lr": 0.1}, group=TRAINING),
        report(2, {"loss": 1.0}, group=TRAINING),
        report(3, {"acc": 0.5}),
        report(4, {"tokens": 7}, group="custom"),
    ]
    rendered = summary_to_json(summarize(reports))
    assert set(rendered) == {"avg_metrics", "validation_metrics", "custom"}
    assert rendered["avg_metrics"]["loss"] == {
        "type": "number",
        "count": 2,
        "sum": 3.0,
        "min": 1.0,
        "max": 2.0,
        "mean": 1.5,
        "last": 1.0,
    }
    # Absent from the group's latest report: last is null, aggregates stay.
    assert rendered["avg_metrics"]["lr"]["last"] is None
    assert rendered["avg_metrics"]["lr"]["count"] == 1


def test_type_change_resets_to_string() -> None:
    rendered = summary_to_json(summarize([report(1, {"m": 1.0}), report(2, {"m": "fast"})]))
    assert rendered["validation_metrics"]["m"] == {"type": "string", "last": "fast"}


def test_archived_reports_are_ignored() -> None:
    reports = [report(1, {"m": 5.0}, archived=True), report(2, {"m": 1.0})]
    assert summarize(reports)["validation_metrics"]["m"].count == 1
    assert total_batches(reports) == 20


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (1, "number"),
        (1.5, "number"),
        ("NaN", "number"),
        ("-Infinity", "number"),
        (True, "boolean"),
        ("2024-05-01T10:00:00Z", "date"),
        ("hello", "string"),
        ({"a": 1}, "object"),
        ([1], "array"),
        (None, "null"),
    ],
)
def test_value_types(value: object, kind: str) -> None:
    assert value_type(value) == kind


def test_non_finite_numbers_are_stored_as_strings() -> None:
    assert normalize_metrics({"a": math.inf, "b": math.nan}) == {"a": "Infinity", "b": "NaN"}


def test_epoch_must_be_numeric() -> None:
    with pytest.raises(InvalidField) as caught:
        normalize_metrics({"epoch": "one"})
    assert caught.value.field == "metrics.epoch"


@pytest.mark.parametrize("group", ["", "a.b", 3])
def test_bad_group(group: object) -> None:
    with pytest.raises(InvalidField):
        validate_group(group)


@pytest.mark.parametrize(("smaller", "best_id"), [(True, 2), (False, 3)])
def test_best_validation_by_sign(smaller: bool, best_id: int) -> None:
    reports = [
        report(1, {"loss": 0.5}),
        report(2, {"loss": 0.1}),
        report(3, {"loss": 0.9}),
        report(4, {"other": 0.0}),
        report(5, {"loss": math.nan}),
        report(6, {"loss": 0.1}, group=TRAINING),
    ]
    best = best_validation(reports, "loss", smaller_is_better=smaller)
    assert best is not None and best.id == best_id


def test_latest_validation_needs_the_searcher_metric() -> None:
    reports = [report(1, {"loss": 0.5}), report(2, {"other": 1.0})]
    latest = latest_validation(reports, "loss")
    assert latest is not None and latest.id == 1


def test_a_dead_predecessors_report_is_refused() -> None:
    check_current_run(3, 3)
    with pytest.raises(InvalidField) as caught:
        check_current_run(3, 2)
    assert caught.value.field == "trial_run_id"


def test_resumed_run_archives_lost_work() -> None:
    reports = [
        report(1, {"m": 1}, steps=100, run=1),
        report(2, {"m": 1}, steps=200, run=1),
        report(3, {"m": 1}, steps=200, run=1, group=TRAINING),
        report(4, {"m": 1}, steps=300, run=2),
    ]
    # Run 3 resumed from step 100 and reports validation at 150.
    assert reports_to_archive(reports, 3, VALIDATION, 150) == [2, 3, 4]
    # Same group: at or past the step; other groups: strictly past it.
    assert reports_to_archive(reports, 3, VALIDATION, 200) == [2, 4]
    assert reports_to_archive(reports, 3, TRAINING, 200) == [3, 4]


def test_merge_unites_keys_and_never_changes_a_value() -> None:
    assert merge_metrics({"a": 1}, {"b": 2, "a": 1}) == {"a": 1, "b": 2}
    with pytest.raises(InvalidField):
        merge_metrics({"a": 1}, {"a": 2})
