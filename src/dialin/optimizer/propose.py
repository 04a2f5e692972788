"""``propose``: the optimizer's one entry point, dispatching on the experiment type.

Every strategy works on raw rows (see ``space``); this module turns the history into rows,
keeps the set of taken points (observed and pending) so no proposal repeats one, and turns the
chosen rows back into assignments.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Task
from dialin.domain.observations import Observation
from dialin.domain.parameters import Value
from dialin.domain.suggestions import Suggestion
from dialin.optimizer.bayes import choose_task, propose_bayes
from dialin.optimizer.constraints import Polytope
from dialin.optimizer.design import propose_design
from dialin.optimizer.duplicates import Candidate, TakenPoints
from dialin.optimizer.grid import grid_rows
from dialin.optimizer.random import propose_random
from dialin.optimizer.space import SearchSpace
from dialin.optimizer.validity import is_valid

__all__ = ["Proposal", "propose"]


@dataclass(frozen=True)
class Proposal:
    # ints as int, doubles as float, categorical and conditional values as names;
    # parameters whose conditions fail are absent
    assignments: dict[str, Value]
    task: Task | None = None


def propose(
    definition: ExperimentDefinition,
    observations: Sequence[Observation],
    pending: Sequence[Suggestion],
    count: int = 1,
    seed: int = 0,
    *,
    time_budget: float = 2.0,
    cache: dict[str, Any] | None = None,
) -> list[Proposal]:
    """``count`` new points for the experiment; the same inputs and seed give the same points.

    ``observations`` are the experiment's non-deleted observations (failed included), ``pending``
    its open suggestions. ``cache`` is an optional dict the caller keeps between calls of one
    experiment; model state is stored in it and reused when the history is unchanged.
    """
    count = max(int(count), 0)
    if count == 0:
        return []
    index = len(observations) + len(pending)
    task_names = [t.name for t in definition.tasks]
    if definition.type == "grid":
        space = SearchSpace(definition, grid_everywhere=True)
        rows = grid_rows(space, index, count)
        return [_proposal(space, definition, r, _grid_task(definition)) for r in rows]
    space = SearchSpace(definition)
    if space.n_raw == 0:
        # every parameter deleted: the only point there is
        return [Proposal({}, definition.full_cost_task) for _ in range(count)]
    polytope = Polytope(space)
    history = [o.assignments for o in observations] + [s.assignments for s in pending]
    history_tasks = [_task_name(o.task) for o in observations] + [
        _task_name(s.task) for s in pending
    ]
    history_rows = space.from_assignments(history)
    taken = TakenPoints(history_rows, history_tasks)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, len(observations), len(pending), count])
    chosen: list[Candidate] | None = None
    if definition.type == "random":
        chosen = propose_random(space, polytope, rng, task_names, taken, count)
    else:
        deadline = time.monotonic() + 0.85 * max(time_budget, 0.0)
        chosen = _bayes_or_nothing(
            space, polytope, observations, pending, count, rng, taken, history_rows, deadline, cache
        )
        # a model-chosen point that is somehow invalid is replaced by a design point
        done = [c for c in chosen or [] if is_valid(definition, space.to_assignments(c[0]))]
        if len(done) < count:
            design_tasks = task_names
            if definition.is_multitask:
                design_tasks = [choose_task(definition, observations, index) or task_names[0]]
            placed = np.vstack([history_rows, *(row[None, :] for row, _ in done)])
            chosen = done + propose_design(
                space,
                polytope,
                seed & 0xFFFFFFFF,
                placed,
                design_tasks,
                taken,
                count - len(done),
                rng,
            )
    assert chosen is not None
    return [_proposal(space, definition, row, task) for row, task in chosen]


def _bayes_or_nothing(
    space: SearchSpace,
    polytope: Polytope,
    observations: Sequence[Observation],
    pending: Sequence[Suggestion],
    count: int,
    rng: np.random.Generator,
    taken: TakenPoints,
    rows: np.ndarray[Any, Any],
    deadline: float,
    cache: dict[str, Any] | None,
) -> list[Candidate] | None:
    # A model failure must never cost the user a suggestion: the space-filling design, which
    # needs no model, answers instead. Numerical warnings are expected on degenerate histories.
    try:
        with np.errstate(all="ignore"):
            return propose_bayes(
                space,
                polytope,
                observations,
                pending,
                count,
                rng,
                taken,
                rows=rows,
                deadline=deadline,
                cache=cache,
            )
    except Exception:
        return None


def _task_name(task: Task | None) -> str | None:
    return None if task is None else task.name


def _grid_task(definition: ExperimentDefinition) -> str | None:
    full = definition.full_cost_task
    return None if full is None else full.name


def _proposal(
    space: SearchSpace,
    definition: ExperimentDefinition,
    row: np.ndarray[Any, Any],
    task: str | None,
) -> Proposal:
    return Proposal(space.to_assignments(row), None if task is None else definition.task(task))
