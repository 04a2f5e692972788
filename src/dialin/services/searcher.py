"""What the experiment's searcher ranks trials by: its early-stopping (ASHA) settings, else the
first optimized metric (spec trials §7.1)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from dialin.domain.asha import AshaConfig
from dialin.domain.experiments import Experiment
from dialin.domain.metric_reports import numeric_value
from dialin.domain.metrics import MetricValue

__all__ = ["EARLY_STOPPING_KEY", "asha_config_of", "measured", "searcher_metric"]

# Experiment.extras key of the dialin extension ``early_stopping: {type: asha, ...}``.
EARLY_STOPPING_KEY = "early_stopping"


def asha_config_of(experiment: Experiment) -> AshaConfig | None:
    stored = experiment.extras.get(EARLY_STOPPING_KEY)
    if not isinstance(stored, Mapping):
        return None
    return AshaConfig.from_json(stored)


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
