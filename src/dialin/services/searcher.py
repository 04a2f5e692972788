"""What the experiment's searcher ranks trials by: its early-stopping (ASHA) settings, else the
first optimized metric (spec trials §7.1)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from dialin.domain.asha import AshaConfig
from dialin.domain.experiments import Experiment
from dialin.domain.metric_reports import MetricsReport, best_validation, numeric_value
from dialin.domain.metrics import MetricValue
from dialin.domain.runs import TrainingRun
from dialin.domain.training_monitor import TrainingMonitor

__all__ = [
    "EARLY_STOPPING_KEY",
    "TRAINING_MONITOR_KEY",
    "asha_config_of",
    "measured",
    "result_values",
    "searcher_metric",
    "training_monitor_of",
]

# Experiment.extras key of the dialin extension ``early_stopping: {type: asha, ...}``.
EARLY_STOPPING_KEY = "early_stopping"
# Experiment.extras key of SigOpt's ``training_monitor``.
TRAINING_MONITOR_KEY = "training_monitor"


def asha_config_of(experiment: Experiment) -> AshaConfig | None:
    stored = experiment.extras.get(EARLY_STOPPING_KEY)
    if not isinstance(stored, Mapping):
        return None
    return AshaConfig.from_json(stored)


def training_monitor_of(experiment: Experiment) -> TrainingMonitor | None:
    stored = experiment.extras.get(TRAINING_MONITOR_KEY)
    if not isinstance(stored, Mapping):
        return None
    objectives = {m.name: m.objective for m in experiment.definition.metrics if m.name}
    return TrainingMonitor.from_json(stored, objectives)


def searcher_metric(experiment: Experiment | None) -> tuple[str, bool] | None:
    """(metric, smaller_is_better): the early-stopping metric, else the first optimized one."""
    if experiment is None:
        return None
    asha = asha_config_of(experiment)
    if asha is not None:
        return asha.metric, asha.smaller_is_better
    optimized = experiment.definition.optimized_metrics
    if not optimized or optimized[0].name is None:
        return None
    return optimized[0].name, optimized[0].objective == "minimize"


def measured(metrics: Mapping[str, object], name: str) -> MetricValue | None:
    number = numeric_value(metrics.get(name))
    return None if number is None or not math.isfinite(number) else MetricValue(name, number)


def result_values(
    experiment: Experiment, run: TrainingRun, reports: Iterable[MetricsReport]
) -> list[MetricValue | None]:
    """What a finished run's observation records for each experiment metric (trials §7.2): its
    final values if it logged any, else its best validation's metrics; None where missing."""
    names = [m.name for m in experiment.definition.metrics if m.name]
    if run.values:
        return [run.metric_value(name) for name in names]
    metric = searcher_metric(experiment)
    best = (
        None if metric is None else best_validation(reports, metric[0], smaller_is_better=metric[1])
    )
    return [measured({} if best is None else best.metrics, name) for name in names]
