"""Steps every trial use case shares, inside the caller's transaction: writing a trial (and what
its end sets off), patching it, and the experiment's state, recomputed from its trials.

A trial that ends gives its experiment an observation; a trial whose state changed makes the
experiment settle (spec trials §1.6, §6.1): a stopping experiment with no live trial ends, and an
ACTIVE one ends once its budget is used and every trial has closed.
"""

from __future__ import annotations

from dataclasses import replace

from dialin.domain.experiment_states import (
    TrialTally,
    change_experiment_state,
    continue_target,
    experiment_action_target,
    settled_experiment_state,
    trial_target,
)
from dialin.domain.experiments import Experiment
from dialin.domain.observations import Observation
from dialin.domain.scoring import score
from dialin.domain.trials import (
    Trial,
    TrialState,
    account_allocation_time,
    change_state,
    patch_state,
    settle_without_allocation,
)
from dialin.services.ports import Store
from dialin.services.searcher import result_values

__all__ = [
    "act_on_experiment",
    "continue_experiment",
    "patch_trial",
    "save_trial",
    "settle_experiment",
]


def save_trial(
    store: Store, before: Trial, after: Trial, now: int, reason: str, *, settle: bool = True
) -> Trial:
    """Every trial write; returns the trial as stored (its allocation time accounted)."""
    after = account_allocation_time(before, after, now)
    store.trials.save(after, now, reason)
    if after.state.terminal and not before.state.terminal:
        _observe_end(store, after, now)
    if settle and after.state != before.state and after.experiment_id is not None:
        experiment = store.experiments.get(after.client_id, after.experiment_id)
        if experiment is not None:
            settle_experiment(store, experiment)
    return after


def _observe_end(store: Store, trial: Trial, now: int) -> None:
    """The result the optimizer consumes (trials §7.2): the run's final values if it logged any,
    else its best validation's metrics. Failed when the trial did not complete or a metric is
    missing. Only runs whose suggestion the server made get one, as SigOpt runs do (§7.3)."""
    run = store.runs.get(trial.client_id, trial.id)
    if run is None or run.experiment_id is None:
        return
    if run.suggestion_id is None or run.observation_id is not None:
        return
    experiment = store.experiments.get(trial.client_id, run.experiment_id)
    if experiment is None:
        return
    values = result_values(experiment, run, store.trials.reports(trial.id))
    failed = trial.state != TrialState.COMPLETED or any(v is None for v in values)
    parameters = {p.name for p in experiment.definition.active_parameters}
    observation = Observation(
        id=0,
        experiment_id=experiment.id,
        assignments={k: v for k, v in run.assignments.items() if k in parameters},
        created=now,
        values=() if failed else tuple(v for v in values if v is not None),
        failed=failed,
        suggestion_id=run.suggestion_id,
    )
    saved = store.observations.add(observation, score(experiment.definition, observation))
    store.suggestions.close(run.suggestion_id)
    store.runs.save(replace(run, observation_id=saved.id))


def patch_trial(
    store: Store, trial: Trial, requested: TrialState, now: int, reason: str, *, settle: bool = True
) -> Trial:
    """A state change asked from outside (user, searcher), filtered as §1.3 says; a stopping
    trial without an allocation ends at once."""
    changed = settle_without_allocation(patch_state(trial, requested, now).trial, now)
    if changed == trial:
        return trial
    return save_trial(store, trial, changed, now, reason, settle=settle)


def settle_experiment(store: Store, experiment: Experiment) -> TrialState:
    """The experiment's state recomputed from its trials; returns it.

    The experiment's row lock makes concurrent settles take turns: two runs ending at once
    would otherwise each count the other as live, and the experiment would never end. Locks
    go trial rows first, then the experiment, in every use case, so none deadlock."""
    store.experiments.get(experiment.client_id, experiment.id, lock=True)
    current = store.trials.experiment_state(experiment.id)
    budget = experiment.definition.budget
    tally = TrialTally.of(store.trials.trial_states(experiment.id))
    used = budget is not None and tally.total >= budget
    settled = settled_experiment_state(current, tally, budget_used=used)
    if settled != current:
        change_experiment_state(experiment.id, current, settled)
        progress = 1.0 if settled == TrialState.COMPLETED else None
        store.trials.save_experiment_state(
            experiment.id, settled, progress or store.trials.experiment_progress(experiment.id)
        )
    return settled


def act_on_experiment(
    store: Store, experiment: Experiment, action: str, now: int
) -> tuple[TrialState, list[Trial]]:
    """pause, activate, cancel or kill: the experiment changes by its table, then its live
    trials follow (§1.4); (the experiment's settled state, its trials)."""
    trials = store.trials.of_experiment(experiment.id, lock=True)
    store.experiments.get(experiment.client_id, experiment.id, lock=True)
    current = store.trials.experiment_state(experiment.id)
    target = experiment_action_target(experiment.id, current, action)
    store.trials.save_experiment_state(
        experiment.id, target, store.trials.experiment_progress(experiment.id)
    )
    follow = trial_target(target)
    if follow is not None:
        reason = f"user: {action} experiment"
        trials = [
            patch_trial(store, t, follow, now, reason, settle=False) if t.state.live else t
            for t in trials
        ]
    return settle_experiment(store, experiment), trials


def continue_experiment(
    store: Store, experiment: Experiment, now: int
) -> tuple[TrialState, list[Trial]]:
    """Continue a finished experiment (§1.6): PAUSED with its progress reset, its managed
    trials that did not complete reopened (a single-trial experiment's trial always), then
    ACTIVE. Unmanaged (SigOpt) runs stay as their clients left them: nothing runs them again."""
    trials = store.trials.of_experiment(experiment.id, lock=True)
    store.experiments.get(experiment.client_id, experiment.id, lock=True)
    current = store.trials.experiment_state(experiment.id)
    store.trials.save_experiment_state(experiment.id, continue_target(experiment.id, current), 0.0)
    single = len(trials) == 1
    reopened = []
    for trial in trials:
        if (
            trial.managed
            and trial.state.terminal
            and (single or trial.state != TrialState.COMPLETED)
        ):
            trial = save_trial(
                store,
                trial,
                change_state(trial, TrialState.ACTIVE, now),
                now,
                "user: continue experiment",
                settle=False,
            )
        reopened.append(trial)
    store.trials.save_experiment_state(
        experiment.id,
        change_experiment_state(experiment.id, TrialState.PAUSED, TrialState.ACTIVE),
        0.0,
    )
    return settle_experiment(store, experiment), reopened
