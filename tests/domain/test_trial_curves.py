"""Curves of a trial's metric reports: archived work left out, long groups thinned evenly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trial_curves import curve_of, shown_state
from dialin.domain.trials import Trial, TrialState

TRIAL = Trial(id=7, experiment_id=1, state=TrialState.ACTIVE, start_time=0)


def _report(i: int, group: str, step: int | None, archived: bool = False) -> MetricsReport:
    return MetricsReport(
        id=i,
        trial_id=TRIAL.id,
        trial_run_id=1,
        group=group,
        metrics={"loss": 1.0 / (i + 1)},
        end_time=float(i),
        total_batches=step,
        archived=archived,
    )


def test_archived_reports_are_left_out_and_steps_ordered() -> None:
    reports = [
        _report(1, "validation", 20),
        _report(2, "validation", 10),
        _report(3, "validation", 30, archived=True),
        _report(4, "training", 5),
    ]
    curve = curve_of(TRIAL, reports, group=None)
    assert [(r.group, r.total_batches) for r in curve.reports] == [
        ("training", 5),
        ("validation", 10),
        ("validation", 20),
    ]
    assert (curve.report_count, curve.sampled) == (3, False)
    assert [r.id for r in curve_of(TRIAL, reports, group="training").reports] == [4]


@given(training=st.integers(0, 400), validation=st.integers(0, 40), points=st.integers(2, 50))
def test_each_group_keeps_at_most_points_with_its_first_and_last(
    training: int, validation: int, points: int
) -> None:
    reports = [_report(i, "training", i) for i in range(training)] + [
        _report(1000 + i, "validation", i) for i in range(validation)
    ]
    curve = curve_of(TRIAL, reports, group=None, points=points)
    for group, count in (("training", training), ("validation", validation)):
        kept = [r.total_batches for r in curve.reports if r.group == group]
        assert len(kept) == min(count, points)
        assert kept == sorted(set(kept))
        if count:
            assert (kept[0], kept[-1]) == (0, count - 1)
    assert curve.sampled == (training > points or validation > points)


def test_an_active_trial_shows_its_sub_state() -> None:
    assert shown_state(TRIAL) == "RUNNING"
    assert (
        shown_state(
            Trial(id=1, experiment_id=1, state=TrialState.ACTIVE, start_time=0, managed=True)
        )
        == "QUEUED"
    )
    assert shown_state(Trial(id=1, experiment_id=1, state=TrialState.PAUSED, start_time=0)) == (
        "PAUSED"
    )
