"""What a person watching an experiment's trials sees: the tally of their states and their
metric curves, thinned to a bounded number of points per group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dialin.domain.metric_reports import MetricsReport
from dialin.domain.trials import Trial

__all__ = ["CURVE_POINTS", "TrialCurve", "TrialStates", "curve_of", "shown_state"]

# Points per trial and group in an experiment's curves: enough to see a curve's shape, few
# enough that fifty trials stay a small answer.
CURVE_POINTS = 500


def shown_state(trial: Trial) -> str:
    """ACTIVE shows its sub-state (QUEUED, RUNNING), as the trial API renders it."""
    return (trial.sub_state or trial.state).value


@dataclass(frozen=True)
class TrialStates:
    """How many of an experiment's trials are in each shown state, and their restarts."""

    counts: Mapping[str, int]
    restarts: int


@dataclass(frozen=True)
class TrialCurve:
    trial: Trial
    # Non-archived reports in step order, group by group; thinned when ``sampled``.
    reports: Sequence[MetricsReport]
    report_count: int
    sampled: bool


def _by_step(reports: Sequence[MetricsReport]) -> list[MetricsReport]:
    return sorted(
        reports,
        key=lambda r: (r.total_batches is None, r.total_batches or 0, r.end_time, r.id),
    )


def _thinned(reports: Sequence[MetricsReport], points: int) -> list[MetricsReport]:
    """Evenly spaced reports, the first and last kept, so a long curve keeps its shape."""
    if len(reports) <= max(points, 2):
        return list(reports)
    step = (len(reports) - 1) / (points - 1)
    return [reports[round(i * step)] for i in range(points)]


def curve_of(
    trial: Trial,
    reports: Sequence[MetricsReport],
    group: str | None,
    points: int = CURVE_POINTS,
) -> TrialCurve:
    """The trial's curve from its reports; archived reports (lost work) are left out."""
    live = [r for r in reports if not r.archived and (group is None or r.group == group)]
    # Thinned per group, so a chatty training group cannot crowd out validation.
    kept = [
        r
        for g in sorted({r.group for r in live})
        for r in _thinned(_by_step([r for r in live if r.group == g]), points)
    ]
    return TrialCurve(trial, kept, report_count=len(live), sampled=len(kept) < len(live))
