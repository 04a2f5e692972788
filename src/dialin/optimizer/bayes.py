"""The default strategy: a small space-filling design, then GP-based Bayesian optimization.

Per call, over the history (features ``x``, see ``surrogate``):

* fewer than ``initial_design_size`` points (observed + pending; with ``p`` pending, the
  design is ``p`` points shorter, see ``_in_design``) or fewer than two usable values: the
  space-filling design (``None`` here, the caller runs it, see ``design``);
* one optimized metric: a warped GP on it, and log EI; two, in turn: a warped GP per metric
  and log expected hypervolume improvement over the front of the feasible observations (see
  ``hypervolume``), or a warped GP on a ParEGO scalarisation with fresh weights and log EI
  (see ``multiobjective``). Alone, EHVI spreads along the front but was slow to pull the front
  in where both metrics share a distance to it (DTLZ2); ParEGO the reverse (ZDT1,
  Branin-Currin); alternating was as good as the better one on each, 15 seeds. Prior means are
  pessimistic on three points in four (see ``_prior_mean``); the score is maximized over global
  and local candidates, inside a trust region from eight continuous parameters on (see
  ``maximize``, ``trust``);
* every thresholded metric gets an unwarped GP and a probability-of-feasibility term; failed
  evaluations a success model (see ``score``, ``feasibility``);
* pending suggestions, then each point chosen in the same batch, enter the models as kriging
  believer fantasies (their posterior mean as if observed, also in the incumbent), so parallel
  workers get distinct points;
* no proposal lands within a hundredth of a lengthscale of an observed or pending point (see
  ``_apart_from``);
* on a plateau (the best value tied three times, not improved for eight evaluations), every
  third proposal takes the categorical or conditional value tried least, if it had under a
  third of its share, with EI against that value's own best (see ``neglected``,
  ``_best_within``);
* multitask: the task is a feature; points are chosen for the full-cost task, evaluated on the
  cheapest task early and on ever costlier ones as the budget is consumed (see ``choose_task``);
* ``num_solutions > 1``: every other point is repelled from the solutions found so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric
from dialin.domain.observations import Observation
from dialin.domain.suggestions import Suggestion
from dialin.optimizer.best import best_observations
from dialin.optimizer.constraints import Polytope
from dialin.optimizer.duplicates import Candidate, TakenPoints, point_key, point_keys
from dialin.optimizer.feasibility import SuccessModel
from dialin.optimizer.gp import GaussianProcess
from dialin.optimizer.hypervolume import HypervolumeImprovement, pareto_front, reference_point
from dialin.optimizer.kernels import scaled_sq_distances
from dialin.optimizer.maximize import ranked_candidates
from dialin.optimizer.multiobjective import draw_weights, scalarise
from dialin.optimizer.neglected import neglected_value
from dialin.optimizer.pareto import non_dominated
from dialin.optimizer.score import Repulsion, Score, ThresholdModel
from dialin.optimizer.space import SearchSpace
from dialin.optimizer.surrogate import (
    History,
    MetricModel,
    encode_history,
    fit_metric_model,
    metric_values,
    task_feature,
)
from dialin.optimizer.trust import trust_region

__all__ = ["choose_task", "initial_design_size", "propose_bayes"]

FloatArray = NDArray[np.float64]

_N_INCUMBENTS = 5
_KEY_CHUNK = 64
_REPULSION_RADIUS = 0.1
_PESSIMISTIC_QUANTILE = 0.2
_NEUTRAL_EVERY = 4
_FULL_COST_FROM = 0.75
# in lengthscales (the scaled distance of the kernel): closer to a seen point is a twin
_TWIN_RADIUS = 0.01


def initial_design_size(space: SearchSpace) -> int:
    return max(4, min(2 * len(space.columns), 10))


def _in_design(space: SearchSpace, n_observed: int, n_pending: int) -> bool:
    """Whether the next point still belongs to the space-filling design. Pending points shorten
    it by their number (to four points at least): their results come late, and parallel
    workers that start on the model sooner win back part of that wait. Measured on 14
    problems, 10 seeds, 4 workers: geometric mean regret 0.44 instead of 0.47 at 20
    evaluations, 0.055 instead of 0.062 at 40; for one worker a design three points shorter
    lost at 20 (0.21 instead of 0.19)."""
    size = max(4, initial_design_size(space) - n_pending)
    return n_observed + n_pending < size


def choose_task(
    definition: ExperimentDefinition, observations: Sequence[Observation], index: int
) -> str | None:
    """Cheapest task first, costlier ones as the budget is consumed, the full-cost task in the
    last quarter of the budget and for every sixth point, so best assignments exist early."""
    if not definition.tasks:
        return None
    tasks = sorted(definition.tasks, key=lambda t: t.cost)
    consumed = sum(1.0 if o.task is None else o.task.cost for o in observations)
    budget = float(definition.budget or max(10, 2 * len(observations)))
    fraction = consumed / budget
    if fraction >= _FULL_COST_FROM or index % 6 == 5:
        return tasks[-1].name
    step = int(fraction / _FULL_COST_FROM * (len(tasks) - 1))
    return tasks[min(step, len(tasks) - 2)].name


@dataclass
class _Models:
    objective: MetricModel | None
    objective_gp: GaussianProcess | None
    thresholds: list[ThresholdModel]
    incumbent: float | None
    incumbent_rows: FloatArray
    # the modelled objective per observation, in order (nan where unusable)
    values: FloatArray | None = None
    # two optimized metrics: the second metric's model, the front and reference point of the
    # hypervolume (model units of both), see ``hypervolume``
    second: MetricModel | None = None
    front: FloatArray | None = None
    reference: FloatArray | None = None


def propose_bayes(
    space: SearchSpace,
    polytope: Polytope,
    observations: Sequence[Observation],
    pending: Sequence[Suggestion],
    count: int,
    rng: np.random.Generator,
    taken: TakenPoints,
    *,
    rows: FloatArray,
    deadline: float,
    cache: MutableMapping[str, Any] | None,
) -> list[Candidate] | None:
    """Up to ``count`` points, or None when the design phase is not over or no model fits.
    ``rows`` are the raw rows of the observations, then of the pending suggestions."""
    if _in_design(space, len(observations), len(pending)):
        return None
    # One BLAS thread: the matrices are small, and BLAS thread pools on a busy host cost more
    # in spinning and hand-offs than they save (measured: 17x slower under load).
    with threadpool_limits(limits=1, user_api="blas"):
        return _propose(
            space, polytope, observations, pending, count, rng, taken, rows, deadline, cache
        )


def _propose(
    space: SearchSpace,
    polytope: Polytope,
    observations: Sequence[Observation],
    pending: Sequence[Suggestion],
    count: int,
    rng: np.random.Generator,
    taken: TakenPoints,
    rows: FloatArray,
    deadline: float,
    cache: MutableMapping[str, Any] | None,
) -> list[Candidate] | None:
    definition = space.definition
    # batch members reuse the objective fit through the cache even when the caller keeps none
    cache = {} if cache is None else cache
    n_init = initial_design_size(space)
    history = encode_history(space, observations, rows[: len(observations)])
    optimized = sorted(definition.optimized_metrics, key=lambda m: m.name or "")
    thresholded = [
        m for m in definition.metrics if m.threshold is not None and m.strategy != "store"
    ]
    signed = (
        np.column_stack([metric_values(observations, m.name, m.sign)[0] for m in optimized])
        if optimized
        else None
    )
    pending_x = _pending_features(space, pending, rows[len(observations) :])
    threshold_models = _threshold_models(history, observations, thresholded, cache, rng, deadline)
    if threshold_models is None:
        return None
    success = None
    chosen: list[Candidate] = []
    for k in range(count):
        # the proposal's place in the experiment: alternates metrics models and prior means
        index = len(observations) + len(pending) + k
        models = _objective_models(
            definition,
            history,
            observations,
            optimized,
            signed,
            threshold_models,
            cache,
            rng,
            deadline,
            hypervolume=index % 2 == 0,
        )
        if models is None:
            return chosen or None
        if history.failed.any():
            ell = (
                models.objective_gp.ell
                if models.objective_gp is not None
                else np.full(history.x.shape[1], 0.3)
            )
            success = SuccessModel(history.x, (~history.failed).astype(np.float64), ell)
        fantasies = (
            np.vstack([pending_x, *(_features(space, row[None, :], task) for row, task in chosen)])
            if (pending_x.size or chosen)
            else pending_x
        )
        objective_gp = _with_prior_mean(models.objective, index)
        second_gp = _with_prior_mean(models.second, index)
        thresholds = models.thresholds
        incumbent = _believed_incumbent(definition, models, objective_gp, fantasies)
        incumbent_rows = models.incumbent_rows
        neglected = (
            neglected_value(space, rows, signed[:, 0], index)
            if signed is not None and signed.shape[1] == 1 and models.objective is not None
            else None
        )
        if neglected is not None:
            assert models.objective is not None
            incumbent, incumbent_rows = _best_within(
                models.objective, history, *neglected, incumbent
            )
        if fantasies.shape[0]:
            objective_gp = None if objective_gp is None else _believe(objective_gp, fantasies)
            second_gp = None if second_gp is None else _believe(second_gp, fantasies)
            thresholds = [
                ThresholdModel(_believe(t.gp, fantasies), t.threshold) for t in thresholds
            ]
        hypervolume = None
        if objective_gp is not None and second_gp is not None:
            assert models.front is not None and models.reference is not None
            hypervolume = HypervolumeImprovement.over(
                objective_gp, second_gp, models.front, models.reference
            )
        repulsion = _repulsion(space, observations, index)
        score = Score(
            objective_gp,
            incumbent,
            thresholds,
            success,
            definition.is_multitask,
            repulsion,
            hypervolume,
        )
        region = (
            trust_region(
                space, models.objective_gp, models.incumbent_rows[0], models.values, n_init
            )
            if models.objective_gp is not None
            and models.incumbent_rows.shape[0]
            and neglected is None
            else None
        )
        cands, _ = ranked_candidates(
            score,
            space,
            polytope,
            rng,
            incumbent_rows,
            n_random=min(1024, 512 + 16 * space.n_features),
            n_local=512 if incumbent_rows.shape[0] else 0,
            deadline=deadline,
            region=region,
            keep=neglected,
        )
        task = choose_task(definition, observations, index)
        seen = np.vstack([history.x, fantasies])
        fresh = _first_fresh(
            cands,
            task,
            taken,
            partial(_apart_from, space, task=task, seen=seen, gp=models.objective_gp),
        )
        if fresh is None:
            break
        pick = cands[fresh]
        taken.add(point_key(pick, task))
        chosen.append((pick, task))
    return chosen


def _best_within(
    model: MetricModel, history: History, column: int, value: float, fallback: float | None
) -> tuple[float | None, FloatArray]:
    """The incumbent and incumbent rows among the observations taking ``value`` in raw
    ``column``, for a proposal made within a neglected value (see ``neglected``). Against the
    plateau's value, which the model holds out of the neglected value's reach, EI there is
    driven by the variance alone and sends the point to the edges of the box: tuning an SVM on
    digits, most points so sent to the RBF kernel drew gammas that predict one class. In a
    two-kernel space where RBF is good only in a small region, the best of its points among 24
    proposals scored 0.80 to 0.95 instead of 0.23 to 0.40 (4 seeds); on the benchmark's SVM
    (10 seeds, 80 evaluations) the median stayed at 0.9911. With no usable observation of the
    value, ``fallback`` and no rows."""
    takes = history.rows[model.rows, column] == value
    if not takes.any():
        return fallback, np.zeros((0, history.rows.shape[1]))
    y = model.y[takes]
    order = np.argsort(-y, kind="stable")[:_N_INCUMBENTS]
    return float(y[order[0]]), history.rows[model.rows[takes][order]]


def _with_prior_mean(model: MetricModel | None, index: int) -> GaussianProcess | None:
    if model is None:
        return None
    return model.gp.with_prior_mean(_prior_mean(model.y, index))


def _prior_mean(y: FloatArray, index: int) -> float:
    """The objective model's prior mean, in model units: a low quantile of the targets, so
    that the unknown looks mediocre (as most of the space is) and EI stops chasing far corners
    of high variance; every fourth point the neutral mean 0, which keeps regions whose first
    samples were poor in play. Spaces with categories or conditionals had the neutral mean
    throughout while the design favoured their first and last value: pessimism then locked
    onto the first good category. With an unordered design (see ``design``) it pays there too,
    as the neutral mean sent a category that was behind to the corners of its box: median
    regret at 40 evaluations 0.010 instead of 0.108 on the benchmark's conditional_families
    (30 seeds), 0.51 instead of 0.73 on mlp_wine and 0.76 instead of 0.86 on
    random_forest_breast_cancer (10 seeds)."""
    if index % _NEUTRAL_EVERY == _NEUTRAL_EVERY - 1 or y.size == 0:
        return 0.0
    return float(np.quantile(y, _PESSIMISTIC_QUANTILE))


def _repulsion(
    space: SearchSpace, observations: Sequence[Observation], index: int
) -> Repulsion | None:
    """For ``num_solutions > 1``, every other point keeps away from the solutions found so far,
    so that good points gather in several places for the diverse subset to choose from."""
    wanted = space.definition.num_solutions or 1
    if wanted <= 1 or index % 2 == 0:
        return None
    solutions = best_observations(space.definition, observations)
    if not solutions:
        return None
    rows = space.from_assignments([o.assignments for o in solutions])
    return Repulsion(space.features(rows), _REPULSION_RADIUS * math.sqrt(len(space.columns)))


def _apart_from(
    space: SearchSpace,
    cands: FloatArray,
    task: str | None,
    seen: FloatArray,
    gp: GaussianProcess | None,
) -> NDArray[np.bool_]:
    """Which candidates keep ``_TWIN_RADIUS`` lengthscales from every observed and pending
    point (``seen``, as features): a point that close is a twin, whose result teaches nothing
    its neighbour's does not.

    Pending points: where the model expects one to beat the incumbent, the ground around it
    stays attractive, and without this the next worker was sent to its near twin (12
    problems, 15 seeds, 4 workers, budget 40: geometric mean regret 0.040 instead of 0.043,
    at 0.02 lengthscales; at 0.01, on 18 problems with 10 seeds, 0.093 instead of 0.098).
    Observed points: once the model was sure of a local optimum, EI kept polishing it with
    improvements in the third decimal, for twenty evaluations and more, instead of looking
    elsewhere. On the benchmark (30 seeds), median regret at 80 evaluations: hartmann3_choice
    0.002 instead of 0.45, hartmann6 0.003 instead of 0.049; branin, six_hump_camel,
    hartmann3 and rosenbrock_5d as before (below 0.001, or 0.006). At 0.02 lengthscales the
    final refinement of those four stopped short (0.001 instead of 0.0002); at 0.005 the
    polishing came back (hartmann3_choice 0.04)."""
    if not seen.shape[0] or gp is None:
        return np.ones(cands.shape[0], dtype=bool)
    z = _features(space, cands, task)
    near: NDArray[np.bool_] = scaled_sq_distances(z, seen, gp.ell).min(1) < _TWIN_RADIUS**2
    return ~near


def _first_fresh(
    cands: FloatArray,
    task: str | None,
    taken: TakenPoints,
    apart: Callable[[FloatArray], NDArray[np.bool_]],
) -> int | None:
    """The best candidate not taken and apart from the seen points (``apart`` of a block of
    candidates); failing that, the best one not taken. Blocks are checked best first: usually
    the very first candidate is fresh, and the distances of all candidates to a long history
    cost a third of a proposal (30 ms at 1,000 observations in 20 dimensions)."""
    fallback = None
    for start in range(0, cands.shape[0], _KEY_CHUNK):
        chunk = cands[start : start + _KEY_CHUNK]
        keys = point_keys(chunk, [task] * chunk.shape[0])
        fresh = [i for i, key in enumerate(keys) if key not in taken]
        if not fresh:
            continue
        if fallback is None:
            fallback = start + fresh[0]
        ok = apart(chunk)
        for i in fresh:
            if ok[i]:
                return start + i
    return fallback


def _features(space: SearchSpace, rows: FloatArray, task: str | None) -> FloatArray:
    """Model features of raw ``rows`` evaluated on ``task``: with multitask, the task column."""
    z = space.features(rows)
    if not space.definition.is_multitask:
        return z
    chosen = space.definition.task(task) if task is not None else None
    t = task_feature(space.definition, 1.0 if chosen is None else chosen.cost)
    return np.hstack([z, np.full((z.shape[0], 1), t)])


def _pending_features(
    space: SearchSpace, pending: Sequence[Suggestion], rows: FloatArray
) -> FloatArray:
    if not pending:
        width = space.n_features + (1 if space.definition.is_multitask else 0)
        return np.zeros((0, width))
    z = space.features(rows)
    if space.definition.is_multitask:
        t = [
            task_feature(space.definition, 1.0 if s.task is None else s.task.cost) for s in pending
        ]
        z = np.hstack([z, np.array(t)[:, None]])
    return z


def _believed_incumbent(
    definition: ExperimentDefinition,
    models: _Models,
    gp: GaussianProcess | None,
    fantasies: FloatArray,
) -> float | None:
    """The incumbent with the believer fantasies counted as observations, as the kriging
    believer has it: a pending point the model expects to beat the best raises the bar for the
    next one. Measured against the best observed value alone, the ground around such a point
    stayed the most promising, and the next worker went just beside it. On the benchmark's 18
    problems with 4 workers (10 seeds) the suite moved little: geometric mean regret 0.468
    instead of 0.483 at 20 evaluations, 0.093 instead of 0.091 at 40, 0.028 instead of 0.030
    at 80. Not with thresholds or tasks, where a fantasy's value does not make it eligible as
    the best."""
    incumbent = models.incumbent
    if (
        incumbent is None
        or gp is None
        or not fantasies.shape[0]
        or models.thresholds
        or definition.is_multitask
    ):
        return incumbent
    return max(incumbent, float(np.max(gp.predict(fantasies)[0])))


def _believe(gp: GaussianProcess, x: FloatArray) -> GaussianProcess:
    mean, _ = gp.predict(x)
    return gp.condition_on(x, mean)


def _threshold_models(
    history: History,
    observations: Sequence[Observation],
    metrics: Sequence[Metric],
    cache: MutableMapping[str, Any] | None,
    rng: np.random.Generator,
    deadline: float,
) -> list[ThresholdModel] | None:
    models = []
    for m in metrics:
        values, sds = metric_values(observations, m.name, m.sign)
        fitted = fit_metric_model(
            history,
            values,
            sds,
            warp=False,
            slot=f"threshold:{m.name}",
            cache=cache,
            rng=rng,
            deadline=deadline,
        )
        if fitted is None:
            return None
        assert m.threshold is not None
        models.append(ThresholdModel(fitted.gp, fitted.to_model_units(m.sign * m.threshold)))
    return models


def _meets_thresholds(
    definition: ExperimentDefinition, observations: Sequence[Observation]
) -> NDArray[np.bool_]:
    thresholded = [
        m for m in definition.metrics if m.threshold is not None and m.strategy != "store"
    ]
    ok = []
    for o in observations:
        values = [o.value_of(m.name) for m in thresholded]
        ok.append(
            not o.failed
            and all(
                v is not None and m.satisfies_threshold(v.value)
                for m, v in zip(thresholded, values, strict=True)
            )
        )
    return np.array(ok, dtype=bool)


def _objective_models(
    definition: ExperimentDefinition,
    history: History,
    observations: Sequence[Observation],
    optimized: Sequence[Metric],
    signed: FloatArray | None,
    thresholds: list[ThresholdModel],
    cache: MutableMapping[str, Any] | None,
    rng: np.random.Generator,
    deadline: float,
    hypervolume: bool,
) -> _Models | None:
    no_rows = np.zeros((0, history.rows.shape[1]))
    if signed is None:
        return _Models(None, None, thresholds, None, no_rows) if thresholds else None
    if signed.shape[1] == 2 and hypervolume:
        pair = _pareto_models(
            definition, history, observations, optimized, signed, thresholds, cache, rng, deadline
        )
        if pair is not None:
            return pair
    if signed.shape[1] == 1:
        values, slot = signed[:, 0], "objective"
        sds = metric_values(observations, optimized[0].name, 1.0)[1]
    else:
        values, slot = scalarise(signed, draw_weights(rng)), "parego"
        sds = np.zeros(len(values))
    model = fit_metric_model(
        history, values, sds, warp=True, slot=slot, cache=cache, rng=rng, deadline=deadline
    )
    if model is None:
        return _Models(None, None, thresholds, None, no_rows) if thresholds else None
    y_by_row = np.full(len(observations), -np.inf)
    y_by_row[model.rows] = model.y
    eligible = (
        _meets_thresholds(definition, observations) & history.full_cost & np.isfinite(y_by_row)
    )
    incumbent = None
    if eligible.any():
        incumbent = float(np.max(y_by_row[eligible]))
    elif definition.is_multitask:
        # nothing at full cost yet: the best full-cost value the model expects at a seen point
        x_full = history.x[model.rows].copy()
        x_full[:, -1] = 1.0
        incumbent = float(np.max(model.gp.predict(x_full)[0]))
    ranked = np.argsort(-np.where(eligible, y_by_row, -np.inf), kind="stable")[:_N_INCUMBENTS]
    if eligible.any():
        ranked = ranked[eligible[ranked]]
    else:
        ranked = np.argsort(-y_by_row, kind="stable")[:_N_INCUMBENTS]
        ranked = ranked[np.isfinite(y_by_row[ranked])]
    return _Models(model, model.gp, thresholds, incumbent, history.rows[ranked], values)


def _pareto_models(
    definition: ExperimentDefinition,
    history: History,
    observations: Sequence[Observation],
    optimized: Sequence[Metric],
    signed: FloatArray,
    thresholds: list[ThresholdModel],
    cache: MutableMapping[str, Any] | None,
    rng: np.random.Generator,
    deadline: float,
) -> _Models | None:
    """A model per optimized metric and the Pareto front of the eligible observations, for
    expected hypervolume improvement; None when a metric has too few values for a model (the
    ParEGO scalarisation, one model, answers then)."""
    models = []
    for j, metric in enumerate(optimized):
        sds = metric_values(observations, metric.name, 1.0)[1]
        model = fit_metric_model(
            history,
            signed[:, j],
            sds,
            warp=True,
            slot=f"objective:{metric.name}",
            cache=cache,
            rng=rng,
            deadline=deadline,
        )
        if model is None:
            return None
        models.append(model)
    first, second = models
    y = np.full((len(observations), 2), np.nan)
    y[first.rows, 0] = first.y
    y[second.rows, 1] = second.y
    modelled = np.all(np.isfinite(y), axis=1)
    if not modelled.any():
        return None
    eligible = _meets_thresholds(definition, observations) & history.full_cost & modelled
    front_rows = _front_rows(y, eligible)
    front = pareto_front(y[front_rows]) if front_rows.size else np.zeros((0, 2))
    # The trust region replays progress on an even-weighted scalarisation of both metrics.
    values = scalarise(signed, np.array([0.5, 0.5]))
    return _Models(
        first,
        first.gp,
        thresholds,
        None,
        history.rows[_spread(front_rows, y)],
        values,
        second=second,
        front=front,
        reference=reference_point(front, y[modelled]),
    )


def _front_rows(y: FloatArray, eligible: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Indices of the eligible rows on the Pareto front."""
    candidates = np.nonzero(eligible)[0]
    return candidates[non_dominated(y[candidates])]


def _spread(front_rows: NDArray[np.int64], y: FloatArray) -> NDArray[np.int64]:
    """Up to ``_N_INCUMBENTS`` front rows evenly along the front, for local candidates."""
    if front_rows.size <= _N_INCUMBENTS:
        return front_rows
    ordered = front_rows[np.argsort(-y[front_rows, 0], kind="stable")]
    picks = np.round(np.linspace(0, ordered.size - 1, _N_INCUMBENTS)).astype(np.int64)
    return ordered[picks]
