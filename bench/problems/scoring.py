"""From traces to normalized regret, and from regrets to the summary.

Everything is a loss here: ``sign * value``, so smaller is better for maximized problems too.
After ``n`` evaluations a peer is credited with its incumbent, the point with the best *observed*
value, scored by its noise-free value (what a user would deploy). Then

    regret(peer, n) = (incumbent_loss - optimum_loss) / (median_random_loss(n) - optimum_loss)

so 0 is the optimum and 1 is as good as random search's median at the same budget.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from problems.problem import Problem

__all__ = [
    "LAG",
    "REGRET_FLOOR",
    "ProblemScore",
    "evaluations_to_match",
    "geometric_mean",
    "has_regret",
    "incumbent_losses",
    "mean_ranks",
    "score_problem",
]

# Geometric means need positive numbers; a regret this small already means "found it".
REGRET_FLOOR = 1e-3
# Four parallel workers: each proposal is made while three others are still being evaluated.
LAG = 3

Trace = Mapping[str, Any]


@dataclass(frozen=True)
class ProblemScore:
    problem: str
    optimum: float
    optimum_source: str
    # peer -> budget -> median normalized regret over seeds
    median_regret: dict[str, dict[int, float]]
    # peer -> seeds that finished
    seeds: dict[str, int]
    # peer -> budget -> median regret of the incumbent ``LAG`` evaluations before the budget,
    # on the budget's scale: what a peer would score if its last evaluations came late
    lagged_regret: dict[str, dict[int, float]] = field(default_factory=dict)
    # peer -> median incumbent loss after each evaluation, over the seeds that reached it
    median_loss: dict[str, list[float]] = field(default_factory=dict)


def incumbent_losses(trace: Trace, problem: Problem) -> list[float]:
    """Loss of the incumbent after each evaluation; inf until the first success."""
    best_observed = current = math.inf
    losses = []
    for evaluation in trace["evaluations"]:
        if evaluation["observed"] is not None:
            observed = problem.sign * evaluation["observed"]
            if observed < best_observed:
                best_observed = observed
                current = problem.sign * evaluation["true_value"]
        losses.append(current)
    return losses


def _best_true_loss(trace: Trace, problem: Problem) -> float:
    values = [e["true_value"] for e in trace["evaluations"] if e["true_value"] is not None]
    return min((problem.sign * v for v in values), default=math.inf)


def score_problem(
    problem: Problem,
    traces: Mapping[str, Sequence[Trace]],
    budgets: Sequence[int],
    reference: str,
    calibrated: float | None,
) -> ProblemScore:
    """``traces``: peer -> its traces on this problem; ``reference`` must have some."""
    optimum, source = _optimum_loss(problem, traces, calibrated)
    curves = {peer: [incumbent_losses(t, problem) for t in ts] for peer, ts in traces.items()}
    median_regret: dict[str, dict[int, float]] = {peer: {} for peer in curves}
    lagged_regret: dict[str, dict[int, float]] = {peer: {} for peer in curves}
    for budget in budgets:
        # A reference trace of a smaller budget (a slow peer's run asked for fewer) cannot
        # normalize this budget: without a full one, nothing is scored here.
        full = [c[budget - 1] for c in curves[reference] if len(c) >= budget]
        if not full:
            continue
        scale = statistics.median(full) - optimum
        for peer, peer_curves in curves.items():
            # a peer run at a smaller budget (from a report of the cache) has no regret here
            reaching = [c for c in peer_curves if len(c) >= budget]
            if not reaching:
                continue
            if scale <= 1e-12 * max(1.0, abs(optimum)):
                # Random search's median reached the optimum: there is nothing to normalize by.
                median_regret[peer][budget] = math.nan
                continue
            regrets = [(c[budget - 1] - optimum) / scale for c in reaching]
            median_regret[peer][budget] = statistics.median(regrets)
            lagged = [(c[max(budget - 1 - LAG, 0)] - optimum) / scale for c in reaching]
            lagged_regret[peer][budget] = statistics.median(lagged)
    return ProblemScore(
        problem=problem.name,
        optimum=problem.sign * optimum,
        optimum_source=source,
        median_regret=median_regret,
        seeds={peer: len(ts) for peer, ts in traces.items()},
        lagged_regret=lagged_regret,
        median_loss={peer: _median_curve(c) for peer, c in curves.items()},
    )


def _median_curve(curves: Sequence[Sequence[float]]) -> list[float]:
    longest = max((len(c) for c in curves), default=0)
    return [statistics.median(c[n] for c in curves if len(c) > n) for n in range(longest)]


def evaluations_to_match(score: ProblemScore, peer: str, other: str, budget: int) -> int | None:
    """The fewest evaluations after which ``other``'s median incumbent is as good as ``peer``'s
    after ``budget``; None if ``other``'s traces never get there."""
    mine, theirs = score.median_loss.get(peer, []), score.median_loss.get(other, [])
    if len(mine) < budget:
        return None
    target = mine[budget - 1]
    return next((n + 1 for n, loss in enumerate(theirs) if loss <= target), None)


def _optimum_loss(
    problem: Problem, traces: Mapping[str, Sequence[Trace]], calibrated: float | None
) -> tuple[float, str]:
    best_seen = min(_best_true_loss(t, problem) for ts in traces.values() for t in ts)
    if problem.optimum is not None:
        return problem.sign * problem.optimum, problem.optimum_source
    if calibrated is not None:
        # A peer may beat the calibration search; regret must not go negative.
        loss = problem.sign * calibrated
        return (loss, "calibrated") if loss <= best_seen else (best_seen, "best_seen")
    return best_seen, "best_seen"


def has_regret(score: ProblemScore, peer: str, budget: int) -> bool:
    return not math.isnan(score.median_regret.get(peer, {}).get(budget, math.nan))


def geometric_mean(values: Sequence[float]) -> float:
    floored = [max(v, REGRET_FLOOR) for v in values]
    if not floored:
        return math.nan
    return math.exp(sum(math.log(v) for v in floored) / len(floored))


def mean_ranks(
    scores: Sequence[ProblemScore], peers: Sequence[str], budget: int
) -> dict[str, float]:
    """Average rank (1 = best) of each peer's median regret across problems; ties share ranks."""
    totals = dict.fromkeys(peers, 0.0)
    counted = 0
    for score in scores:
        if not all(has_regret(score, p, budget) for p in peers):
            continue
        counted += 1
        regrets = {p: score.median_regret[p][budget] for p in peers}
        for peer, regret in regrets.items():
            better = sum(r < regret for r in regrets.values())
            tied = sum(r == regret for r in regrets.values())
            totals[peer] += better + (tied + 1) / 2
    return {p: totals[p] / counted if counted else math.nan for p in peers}
