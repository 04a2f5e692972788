"""Every problem by name, and the small subset the quick mode runs."""

from __future__ import annotations

from functools import cache

from problems.model_tuning import model_tuning_problems
from problems.problem import Problem
from problems.synthetic import synthetic_problems

__all__ = ["QUICK_PROBLEMS", "all_problems", "problems_named"]

# One plain function, one categorical, one failure region and one model: each path of the
# protocol is exercised in a few minutes.
QUICK_PROBLEMS = ("branin", "hartmann3_choice", "hartmann6_failures", "svr_diabetes")


@cache
def all_problems() -> dict[str, Problem]:
    return {p.name: p for p in [*synthetic_problems(), *model_tuning_problems()]}


def problems_named(names: list[str]) -> list[Problem]:
    known = all_problems()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown problems {unknown}; known: {sorted(known)}")
    return [known[n] for n in names]
