"""Best-known values for problems without a known optimum (``--calibrate``).

A long uniform random search, then a local search around the incumbent in the unit cube (log
scale for log parameters), its step halving whenever a round brings no improvement. The result is
cached in ``bench/quality_optima.json``; the report says which problems used it.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from problems.problem import Problem
from problems.space import Param, Space, sample_uniform

__all__ = ["OPTIMA_PATH", "calibrate", "load_calibrated", "save_calibrated"]

OPTIMA_PATH = Path(__file__).resolve().parent.parent / "quality_optima.json"
LOCAL_ROUND = 10
INITIAL_STEP = 0.1


def load_calibrated(path: Path = OPTIMA_PATH) -> dict[str, float]:
    if not path.exists():
        return {}
    return {name: entry["value"] for name, entry in json.loads(path.read_text()).items()}


def save_calibrated(entries: dict[str, dict[str, Any]], path: Path = OPTIMA_PATH) -> None:
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing.update(entries)
    path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")


def calibrate(
    problem: Problem, random_evaluations: int, local_evaluations: int, seed: int = 0
) -> dict[str, Any]:
    rng = random.Random(seed)
    best_point: dict[str, Any] | None = None
    best_loss = math.inf

    def consider(point: dict[str, Any]) -> bool:
        nonlocal best_point, best_loss
        evaluation = problem.evaluate(point, 0.0)
        if evaluation.true_value is None or problem.sign * evaluation.true_value >= best_loss:
            return False
        best_point, best_loss = point, problem.sign * evaluation.true_value
        return True

    for _ in range(random_evaluations):
        consider(sample_uniform(problem.space, rng))
    step = INITIAL_STEP
    spent = 0
    while spent < local_evaluations and best_point is not None:
        improved = False
        for _ in range(min(LOCAL_ROUND, local_evaluations - spent)):
            improved |= consider(_neighbour(problem.space, best_point, step, rng))
            spent += 1
        if not improved:
            step /= 2
    return {
        "value": problem.sign * best_loss,
        "assignments": best_point,
        "evaluations": random_evaluations + local_evaluations,
    }


def _neighbour(
    space: Space, point: dict[str, Any], step: float, rng: random.Random
) -> dict[str, Any]:
    for _ in range(100):
        moved = {
            c.name: _maybe_switch(point[c.name], c.values, step, rng) for c in space.conditionals
        }
        for param in space.active_params(moved):
            current = point.get(param.name)
            if current is None:
                # A parameter that only now became active: start it anywhere.
                moved[param.name] = sample_uniform(Space((param,)), rng)[param.name]
            elif param.type == "categorical":
                moved[param.name] = _maybe_switch(current, param.choices, step, rng)
            else:
                moved[param.name] = _jitter(param, current, step, rng)
        if space.is_feasible(moved):
            return moved
    return point


def _maybe_switch(value: str, choices: tuple[str, ...], step: float, rng: random.Random) -> str:
    return rng.choice(choices) if rng.random() < step else value


def _jitter(param: Param, value: float, step: float, rng: random.Random) -> float | int:
    def to_unit(v: float) -> float:
        if param.log:
            return (math.log(v) - math.log(param.low)) / (
                math.log(param.high) - math.log(param.low)
            )
        return (v - param.low) / (param.high - param.low)

    def from_unit(u: float) -> float:
        u = min(1.0, max(0.0, u))
        if param.log:
            return math.exp(math.log(param.low) + u * (math.log(param.high) - math.log(param.low)))
        return param.low + u * (param.high - param.low)

    moved = from_unit(to_unit(float(value)) + rng.gauss(0.0, step))
    if param.type == "int":
        return min(int(param.high), max(int(param.low), round(moved)))
    return moved
