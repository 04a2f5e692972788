"""One metric report into a trial (spec trials §3.3), inside the caller's transaction: rollback,
merge, summaries, and the searcher's word on validations (ASHA stops trials through them).

Both the trial API's reports and SigOpt's checkpoints (validation reports, §7.4) come here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from dialin.domain.asha import AshaConfig, AshaReport, Decision, decide
from dialin.domain.metric_reports import (
    VALIDATION,
    MetricsReport,
    merge_metrics,
    normalize_metrics,
    reports_to_archive,
    summarize,
    summary_to_json,
    total_batches,
    validate_group,
)
from dialin.domain.trial_views import MetricsIngest
from dialin.domain.trials import Trial, TrialState
from dialin.errors import InvalidField, InvalidTransition
from dialin.services.ports import Store
from dialin.services.searcher import asha_config_of, measured
from dialin.services.trial_lifecycle import patch_trial, save_trial

__all__ = ["checked_ingest", "ingest_report", "searcher_stop"]


def checked_ingest(ingest: MetricsIngest) -> tuple[str, dict[str, object]]:
    """(group, metrics) of a report, checked before any transaction."""
    group = validate_group(ingest.group)
    metrics = normalize_metrics(ingest.metrics)
    if ingest.steps_completed is not None and (
        isinstance(ingest.steps_completed, bool) or ingest.steps_completed < 0
    ):
        raise InvalidField("steps_completed", "steps_completed must be a non-negative integer")
    return group, metrics


def ingest_report(
    store: Store,
    trial: Trial,
    ingest: MetricsIngest,
    now: int,
    *,
    checkpoint_extras: Mapping[str, object] | None = None,
    accept_ended: bool = False,
    mirror_values: bool = True,
) -> tuple[MetricsReport, Trial]:
    """§3.3 for a trial whose row the caller locked and whose run id it checked; (the stored
    report, the trial after the searcher's decision). ``accept_ended``: SigOpt takes checkpoints
    on a finished run until it has an observation. ``mirror_values``: a validation also sets
    the run's ``values`` (the run API's reports are the run's results)."""
    group, metrics = checked_ingest(ingest)
    if trial.state.terminal and not accept_ended:
        raise InvalidTransition(f"Trial {trial.id} is {trial.state}: it takes no metrics")
    experiment = (
        None
        if trial.experiment_id is None
        else store.experiments.get(trial.client_id, trial.experiment_id)
    )
    asha = asha_config_of(experiment) if experiment is not None else None
    if group == VALIDATION and asha is not None:
        # Refused before anything is stored: ASHA cannot rank a report it cannot read.
        decide(asha, [AshaReport(trial.id, metrics, ingest.steps_completed)])
    reports = store.trials.reports(trial.id)
    store.trials.archive_reports(
        reports_to_archive(reports, trial.trial_run_id, group, ingest.steps_completed)
    )
    same_step = next(
        (
            r
            for r in store.trials.reports(trial.id)
            if not r.archived
            and r.group == group
            and ingest.steps_completed is not None
            and r.total_batches == ingest.steps_completed
        ),
        None,
    )
    if same_step is not None:
        if ingest.batch_metrics:
            raise InvalidField("batch_metrics", "batch metrics are never overwritten")
        merged = merge_metrics(same_step.metrics, metrics)
        store.trials.replace_report_metrics(same_step.id, merged)
        stored = replace(same_step, metrics=merged)
    else:
        stored = store.trials.add_report(
            trial.id,
            trial.trial_run_id,
            group,
            metrics,
            ingest.batch_metrics,
            ingest.report_time if ingest.report_time is not None else float(now),
            ingest.steps_completed,
            checkpoint_extras,
        )
    if group == VALIDATION and mirror_values:
        _mirror_into_run_values(store, trial, metrics, now)
    current = store.trials.reports(trial.id)
    store.trials.save_summary(
        trial.id, summary_to_json(summarize(current)), total_batches(current), now
    )
    if group == VALIDATION and asha is not None and trial.experiment_id is not None:
        trial = _asha_step(store, trial, asha, trial.experiment_id, now)
    return stored, trial


def _mirror_into_run_values(
    store: Store, trial: Trial, metrics: Mapping[str, object], now: int
) -> None:
    """A trial is its SigOpt run (§7): the latest validation value of each metric is also the
    run's ``values`` entry, which is what finishing the run turns into an observation."""
    run = store.runs.get(trial.client_id, trial.id)
    if run is None:
        return
    latest = {name: measured(metrics, name) for name in metrics}
    entries = {name: {"value": v.value} for name, v in latest.items() if v is not None}
    if entries:
        store.runs.save(
            replace(run, values={**run.values, **entries}, updated=max(run.updated, now))
        )


def _asha_step(store: Store, trial: Trial, asha: AshaConfig, experiment_id: int, now: int) -> Trial:
    history = [
        AshaReport(r.trial_id, r.metrics, r.total_batches)
        for r in store.trials.experiment_validations(experiment_id)
    ]
    if decide(asha, history).get(trial.id) != Decision.STOP or trial.stopped_by_searcher:
        return trial
    return searcher_stop(store, trial, now, "searcher: asha stop")


def searcher_stop(store: Store, trial: Trial, now: int, reason: str) -> Trial:
    """The searcher's Stop (§6.1): the trial is flagged stopped by the searcher. A managed one
    goes STOPPING_COMPLETED and ends through its allocation; an unmanaged (SigOpt) one has no
    allocation to wind down, so it runs on, told by should_stop, until its client ends it."""
    flagged = replace(trial, stopped_by_searcher=True)
    stopped = (
        patch_trial(store, flagged, TrialState.STOPPING_COMPLETED, now, reason)
        if trial.managed
        else flagged
    )
    if stopped is flagged:
        return save_trial(store, trial, flagged, now, reason)
    return stopped
