"""Uniform random search: the reference every regret is normalized against."""

from __future__ import annotations

import random

from peers.objective import Objective
from problems.space import Space, sample_uniform

__all__ = ["run"]


def run(space: Space, objective: Objective, seed: int) -> None:
    rng = random.Random(seed)
    while objective.remaining:
        objective(sample_uniform(space, rng))
