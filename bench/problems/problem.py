"""A benchmark problem: a space, an objective, and what is known of its optimum."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from problems.space import Space

__all__ = ["Evaluation", "OptimumSource", "Problem"]

# known: proven analytically; computed: found numerically once (constrained or lattice optima,
# stated beside the problem); calibrated: a long search cached in JSON; best_seen: the best any
# peer reached in this run's traces.
OptimumSource = Literal["known", "computed", "calibrated", "best_seen"]


@dataclass(frozen=True)
class Evaluation:
    """What a worker would report, and the truth the regret is measured on."""

    observed: float | None
    # The value without observation noise; equals ``observed`` on noise-free problems.
    true_value: float | None

    @property
    def failed(self) -> bool:
        return self.observed is None


@dataclass(frozen=True)
class Problem:
    name: str
    space: Space
    objective: Literal["minimize", "maximize"]
    # The noise-free function of the assignments.
    function: Callable[[Mapping[str, Any]], float]
    optimum: float | None
    optimum_source: OptimumSource
    # Evaluations whose assignments fall in here fail: the optimizer sees no value.
    fails: Callable[[Mapping[str, Any]], bool] | None = None
    noise_stddev: float = 0.0
    family: str = "synthetic"

    @property
    def sign(self) -> float:
        """+1 if smaller is better: multiply a value by it to get a loss."""
        return 1.0 if self.objective == "minimize" else -1.0

    def evaluate(self, assignments: Mapping[str, Any], noise: float) -> Evaluation:
        """``noise`` is a standard normal draw owned by the caller, so traces stay reproducible."""
        if not self.space.is_feasible(assignments):
            return Evaluation(None, None)
        if self.fails is not None and self.fails(assignments):
            return Evaluation(None, None)
        value = float(self.function(assignments))
        return Evaluation(value + self.noise_stddev * noise, value)
