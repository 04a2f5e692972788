"""The summary across problems, from dialin's point of view: ranks, wins, and two ratios."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from problems.scoring import (
    ProblemScore,
    evaluations_to_match,
    geometric_mean,
    has_regret,
    mean_ranks,
)

__all__ = ["summarize"]

SUBJECT = "dialin"
REFERENCE = "random"
PARALLEL = "dialin_parallel"
# Sequential peers ranked against each other; the parallel variant is compared to dialin only.
RANKED_EXCLUDES = (PARALLEL,)


def summarize(
    scores: Sequence[ProblemScore], peers: Sequence[str], budgets: Sequence[int]
) -> dict[str, Any]:
    ranked = [p for p in peers if p not in RANKED_EXCLUDES]
    summary: dict[str, Any] = {"mean_rank": {}, "ranked_problems": {}, "full_coverage": {}}
    for b in budgets:
        # Every peer with a regret at this budget, on the problems all of them ran; and apart,
        # the peers that ran every problem, on all of them: slow peers often cover only some.
        present = [p for p in ranked if any(has_regret(s, p, b) for s in scores)]
        summary["mean_rank"][b] = mean_ranks(scores, present, b)
        summary["ranked_problems"][b] = len(_both(scores, present, b))
        scored = [s for s in scores if has_regret(s, REFERENCE, b)]
        covering = [p for p in ranked if all(has_regret(s, p, b) for s in scored)]
        summary["full_coverage"][b] = {
            "mean_rank": mean_ranks(scores, covering, b),
            "problems": len(_both(scores, covering, b)),
        }
    if SUBJECT not in peers:
        return summary
    summary["dialin_wins"] = {
        peer: {b: _head_to_head(scores, SUBJECT, peer, b) for b in budgets}
        for peer in ranked
        if peer != SUBJECT
    }
    if "tpe" in peers:
        summary["dialin_beats_tpe_share"] = {
            b: _share_won(summary["dialin_wins"]["tpe"][b]) for b in budgets if b in (40, 80)
        }
    if "sigoptlite" in peers:
        summary["geomean_regret_vs_sigoptlite"] = {
            b: _geomeans(scores, (SUBJECT, "sigoptlite"), b) for b in budgets if b in (20, 40)
        }
    if PARALLEL in peers:
        summary["parallel_vs_sequential"] = {b: _parallel_loss(scores, b) for b in budgets}
    return summary


def _both(scores: Sequence[ProblemScore], peers: Sequence[str], budget: int) -> list[ProblemScore]:
    return [s for s in scores if all(has_regret(s, p, budget) for p in peers)]


def _head_to_head(
    scores: Sequence[ProblemScore], peer: str, other: str, budget: int
) -> dict[str, int]:
    counts = {"wins": 0, "ties": 0, "losses": 0}
    for score in _both(scores, (peer, other), budget):
        mine, theirs = score.median_regret[peer][budget], score.median_regret[other][budget]
        counts["wins" if mine < theirs else "ties" if mine == theirs else "losses"] += 1
    return counts


def _share_won(counts: dict[str, int]) -> float | None:
    total = sum(counts.values())
    return counts["wins"] / total if total else None


def _geomeans(scores: Sequence[ProblemScore], peers: Sequence[str], budget: int) -> dict[str, Any]:
    common = _both(scores, peers, budget)
    means: dict[str, Any] = {
        p: geometric_mean([s.median_regret[p][budget] for s in common]) for p in peers
    }
    means["problems"] = len(common)
    return means


def _parallel_loss(scores: Sequence[ProblemScore], budget: int) -> dict[str, Any]:
    """How much four asynchronous workers cost against one: a ratio above 1 is a loss."""
    means = _geomeans(scores, (SUBJECT, PARALLEL), budget)
    common = _both(scores, (SUBJECT, PARALLEL), budget)
    means["ratio"] = means[PARALLEL] / means[SUBJECT] if common else None
    # The same sequential runs credited with their incumbent LAG evaluations early: the part of
    # the loss that is only the wait for the other workers' results.
    means["lagged"] = geometric_mean([s.lagged_regret[SUBJECT][budget] for s in common])
    means["lag_ratio"] = means["lagged"] / means[SUBJECT] if common else None
    means["parallel_worse_on"] = sum(
        s.median_regret[PARALLEL][budget] > s.median_regret[SUBJECT][budget] for s in common
    )
    means.update(_evaluations_ratio(common, budget))
    return means


def _evaluations_ratio(common: Sequence[ProblemScore], budget: int) -> dict[str, Any]:
    """The loss counted in evaluations: how many the parallel runs need to be as good as the
    sequential runs after ``budget``, as a ratio (geometric mean over problems). The regret
    ratio magnifies gaps near the optimum (0.002 against 0.027 is x13 and a few evaluations);
    this says what the user pays. Waiting on three workers alone costs LAG evaluations.
    Parallel runs that never get there within their traces count as one evaluation more,
    which makes the ratio a lower bound; traces no longer than ``budget`` give no ratio."""
    if not any(len(s.median_loss[PARALLEL]) > budget for s in common):
        return {"evaluations_ratio": None, "evaluations_unmatched": None}
    ratios, unmatched = [], 0
    for score in common:
        n = evaluations_to_match(score, SUBJECT, PARALLEL, budget)
        if n is None:
            unmatched += 1
            n = len(score.median_loss[PARALLEL]) + 1
        ratios.append(n / budget)
    return {
        "evaluations_ratio": geometric_mean(ratios),
        "evaluations_unmatched": unmatched,
    }
