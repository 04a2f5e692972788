"""Suggestion latency of dialin's default optimizer against Optuna's samplers, in one run.

For every history size (observations) × dimension, times one suggestion of ``propose`` on an
``offline`` experiment of that many double parameters, cold (no cache) and warm (the cache of
a previous call on a history one observation shorter, as the service keeps it), and Optuna's
``TPESampler`` (and ``GPSampler`` when torch is installed) sampling one trial of a study holding
the same history. Prints medians and 95th percentiles in milliseconds, and the ratio of
dialin's cold median to TPE's.

    python bench/optimizer_latency.py [--repeats 5] [--sizes 10,100,300,1000] [--dims 2,10,20]

With both Optuna samplers, in the environment bench/setup_quality_env.sh makes for them:

    PYTHONPATH=src ~/.cache/dialin-bench/optuna/bin/python bench/optimizer_latency.py
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue
from dialin.domain.observations import Observation
from dialin.domain.parameters import Bounds, Parameter
from dialin.optimizer import propose


def _objective(x: np.ndarray) -> float:
    # smooth, multimodal and anisotropic: a history a GP has to work for
    weights = 1.0 / (1.0 + np.arange(x.size))
    return float(np.sum(weights * np.sin(6.0 * x + np.arange(x.size))) + np.sum((x - 0.3) ** 2))


def _history(
    n: int, dim: int, seed: int
) -> tuple[ExperimentDefinition, list[Observation], np.ndarray]:
    definition = ExperimentDefinition(
        type="offline",
        parameters=tuple(Parameter(f"x{i:02d}", "double", Bounds(0.0, 1.0)) for i in range(dim)),
        metrics=(Metric("f", "minimize"),),
    )
    points = np.random.default_rng(seed).random((n, dim))
    observations = [
        Observation(
            id=i + 1,
            experiment_id=1,
            assignments={f"x{j:02d}": float(v) for j, v in enumerate(row)},
            created=i,
            values=(MetricValue("f", _objective(row)),),
        )
        for i, row in enumerate(points)
    ]
    return definition, observations, points


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.array(samples) * 1000.0
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def _dialin(n: int, dim: int, repeats: int) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    for r in range(repeats):
        definition, observations, _ = _history(n, dim, seed=r)
        start = time.perf_counter()
        propose(definition, observations, [], seed=r)
        cold.append(time.perf_counter() - start)
        cache: dict[str, object] = {}
        propose(definition, observations[:-1], [], seed=r, cache=cache)
        start = time.perf_counter()
        propose(definition, observations, [], seed=r, cache=cache)
        warm.append(time.perf_counter() - start)
    return cold, warm


def _optuna(n: int, dim: int, repeats: int, make_sampler: Callable[[int], object]) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {
        f"x{j:02d}": optuna.distributions.FloatDistribution(0.0, 1.0) for j in range(dim)
    }
    samples = []
    for r in range(repeats):
        _, _, points = _history(n, dim, seed=r)
        study = optuna.create_study(direction="minimize", sampler=make_sampler(r))  # type: ignore[arg-type]
        study.add_trials(
            [
                optuna.trial.create_trial(
                    params={f"x{j:02d}": float(v) for j, v in enumerate(row)},
                    distributions=distributions,
                    value=_objective(row),
                )
                for row in points
            ]
        )
        start = time.perf_counter()
        study.ask(fixed_distributions=distributions)
        samples.append(time.perf_counter() - start)
    return samples


def _gp_sampler() -> Callable[[int], object] | None:
    try:
        import optuna
        import torch  # noqa: F401
    except ImportError:
        return None
    return lambda seed: optuna.samplers.GPSampler(seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,300,1000")
    parser.add_argument("--dims", default="2,10,20")
    args = parser.parse_args()
    import optuna

    gp_sampler = _gp_sampler()
    print(
        f"optuna {optuna.__version__}; GPSampler: {'timed' if gp_sampler else 'skipped (no torch)'}"
    )
    header = " | ".join(
        [
            f"{'obs':>5} {'dim':>4}",
            f"{'dialin p50':>10} {'p95':>8} {'warm p50':>9}",
            f"{'TPE p50':>8} {'p95':>8}",
            f"{'GP p50':>8}",
            f"{'dialin/TPE':>10}",
        ]
    )
    print(header)
    print("-" * len(header))
    for n in (int(s) for s in args.sizes.split(",")):
        for dim in (int(s) for s in args.dims.split(",")):
            cold, warm = _dialin(n, dim, args.repeats)
            tpe = _optuna(n, dim, args.repeats, lambda seed: optuna.samplers.TPESampler(seed=seed))
            gp = _optuna(n, dim, args.repeats, gp_sampler) if gp_sampler else []
            c50, c95 = _percentiles(cold)
            w50, _ = _percentiles(warm)
            t50, t95 = _percentiles(tpe)
            g50 = f"{_percentiles(gp)[0]:8.1f}" if gp else f"{'skipped':>8}"
            ratio = c50 / t50 if t50 > 0 else math.inf
            row = [
                f"{n:>5} {dim:>4}",
                f"{c50:10.1f} {c95:8.1f} {w50:9.1f}",
                f"{t50:8.1f} {t95:8.1f}",
                g50,
                f"{ratio:10.2f}",
            ]
            print(" | ".join(row))


if __name__ == "__main__":
    main()
