"""Optuna 5 peers with their default settings: ``TPESampler(seed=...)`` and ``GPSampler(seed=...)``.

Conditionals map to define-by-run: the conditional is suggested first, then only the parameters
active under it. Failed evaluations are told as FAIL trials.

Optuna cannot declare linear constraints. They are known before any evaluation, so a user would
throw infeasible proposals away instead of running them: such a trial is told as FAIL and costs no
budget. After ``MAX_REJECTIONS`` in a row a uniformly drawn feasible point is enqueued, so a
sampler that keeps proposing the same infeasible point cannot stall.
"""

from __future__ import annotations

import random
from typing import Any

import optuna
from optuna.trial import TrialState

from peers.objective import Objective
from problems.space import Param, Space, sample_uniform

__all__ = ["run_gp", "run_tpe"]

MAX_REJECTIONS = 20


def run_tpe(space: Space, objective: Objective, seed: int) -> None:
    _optimize(optuna.samplers.TPESampler(seed=seed), space, objective, seed)


def run_gp(space: Space, objective: Objective, seed: int) -> None:
    _optimize(optuna.samplers.GPSampler(seed=seed), space, objective, seed)


def _optimize(
    sampler: optuna.samplers.BaseSampler, space: Space, objective: Objective, seed: int
) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=objective.direction, sampler=sampler)
    fallback = random.Random(seed)
    rejections = 0
    while objective.remaining:
        if rejections == MAX_REJECTIONS:
            study.enqueue_trial(sample_uniform(space, fallback))
            rejections = 0
        trial = study.ask()
        point = _suggest(trial, space)
        if not space.is_feasible(point):
            study.tell(trial, state=TrialState.FAIL)
            rejections += 1
            continue
        rejections = 0
        value = objective(point)
        if value is None:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, value)


def _suggest(trial: optuna.Trial, space: Space) -> dict[str, Any]:
    point: dict[str, Any] = {
        c.name: trial.suggest_categorical(c.name, c.values) for c in space.conditionals
    }
    for param in space.active_params(point):
        point[param.name] = _suggest_param(trial, param)
    return point


def _suggest_param(trial: optuna.Trial, param: Param) -> Any:
    if param.type == "categorical":
        return trial.suggest_categorical(param.name, param.choices)
    if param.type == "int":
        return trial.suggest_int(param.name, int(param.low), int(param.high), log=param.log)
    return trial.suggest_float(param.name, param.low, param.high, log=param.log)
