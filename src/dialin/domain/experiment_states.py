"""The experiment's side of the trial lifecycle (spec trials §1.4, §1.6, §6.1): its states, the
one transition table, what a user action does to it and its trials, and when it settles.

States are the trial states: an experiment is ACTIVE or PAUSED, stopping, or terminal. SigOpt's
own ``state`` (active/deleted) is the archive flag, kept apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from dialin.domain.trials import TrialState
from dialin.errors import InvalidField, InvalidTransition

__all__ = [
    "EXPERIMENT_ACTIONS",
    "EXPERIMENT_TRANSITIONS",
    "ExperimentAction",
    "TrialTally",
    "change_experiment_state",
    "continue_target",
    "experiment_action_target",
    "experiment_progress",
    "refusal_of_new_trials",
    "settled_experiment_state",
    "trial_target",
]

ExperimentAction: TypeAlias = Literal["pause", "activate", "cancel", "kill"]
EXPERIMENT_ACTIONS: tuple[ExperimentAction, ...] = ("pause", "activate", "cancel", "kill")

_S = TrialState
_STOPPING = frozenset(
    {_S.STOPPING_COMPLETED, _S.STOPPING_CANCELED, _S.STOPPING_KILLED, _S.STOPPING_ERROR}
)
_TERMINAL = frozenset({_S.COMPLETED, _S.CANCELED, _S.ERROR})

# Determined's experiment table: terminal states are left only by "continue" (to PAUSED, then
# activated); a stopping experiment only becomes more severe or settles.
EXPERIMENT_TRANSITIONS: Mapping[TrialState, frozenset[TrialState]] = {
    _S.ACTIVE: frozenset({_S.PAUSED, *_STOPPING, *_TERMINAL}),
    _S.PAUSED: frozenset({_S.ACTIVE, *_STOPPING}),
    _S.STOPPING_COMPLETED: frozenset(
        {_S.STOPPING_CANCELED, _S.STOPPING_KILLED, _S.STOPPING_ERROR, _S.COMPLETED, _S.ERROR}
    ),
    _S.STOPPING_CANCELED: frozenset({_S.STOPPING_KILLED, _S.STOPPING_ERROR, _S.CANCELED}),
    _S.STOPPING_KILLED: frozenset({_S.STOPPING_ERROR, _S.CANCELED}),
    _S.STOPPING_ERROR: frozenset({_S.ERROR}),
    _S.COMPLETED: frozenset({_S.PAUSED}),
    _S.CANCELED: frozenset({_S.PAUSED}),
    _S.ERROR: frozenset({_S.PAUSED}),
}

_ACTION_TARGET: Mapping[str, TrialState] = {
    "pause": _S.PAUSED,
    "activate": _S.ACTIVE,
    "cancel": _S.STOPPING_CANCELED,
    "kill": _S.STOPPING_KILLED,
}
# What a stopping experiment with no live trial becomes.
_SETTLES_AS: Mapping[TrialState, TrialState] = {
    _S.STOPPING_COMPLETED: _S.COMPLETED,
    _S.STOPPING_CANCELED: _S.CANCELED,
    _S.STOPPING_KILLED: _S.CANCELED,
    _S.STOPPING_ERROR: _S.ERROR,
}


def change_experiment_state(experiment_id: int, current: TrialState, to: TrialState) -> TrialState:
    """The one way an experiment's state changes; same-state writes are no-ops."""
    if to == current:
        return current
    if to not in EXPERIMENT_TRANSITIONS[current]:
        raise InvalidTransition(f"Experiment {experiment_id} is {current}: it cannot become {to}")
    return to


def experiment_action_target(experiment_id: int, current: TrialState, action: str) -> TrialState:
    """The state a user action moves the experiment to, or InvalidTransition (e.g. activating a
    COMPLETED experiment: that takes "continue")."""
    if action not in _ACTION_TARGET:
        raise InvalidField("action", f"action must be one of {', '.join(EXPERIMENT_ACTIONS)}")
    if current.terminal:
        # Leaving a terminal state is "continue", never a pause or an activation.
        raise InvalidTransition(
            f"Experiment {experiment_id} is {current}: continue it before you {action} it"
        )
    return change_experiment_state(experiment_id, current, _ACTION_TARGET[action])


def trial_target(experiment_state: TrialState) -> TrialState | None:
    """The state the experiment's live trials are patched to after it changed (§1.4), or None
    when they are left alone."""
    if experiment_state in (_S.PAUSED, _S.ACTIVE) or experiment_state.stopping:
        return experiment_state
    return None


def continue_target(experiment_id: int, current: TrialState) -> TrialState:
    """Continue starts from a terminal state only (§1.6): the experiment goes through PAUSED."""
    if not current.terminal:
        raise InvalidTransition(
            f"Experiment {experiment_id} is {current}: only a finished experiment is continued"
        )
    return change_experiment_state(experiment_id, current, _S.PAUSED)


@dataclass(frozen=True)
class TrialTally:
    """The experiment's trials as the settle rule counts them (deleted runs excluded)."""

    live: int
    completed: int
    canceled: int
    errored: int

    @classmethod
    def of(cls, states: Iterable[TrialState]) -> TrialTally:
        listed = list(states)
        return cls(
            live=sum(1 for s in listed if s.live),
            completed=sum(1 for s in listed if s == _S.COMPLETED),
            canceled=sum(1 for s in listed if s == _S.CANCELED),
            errored=sum(1 for s in listed if s == _S.ERROR),
        )

    @property
    def total(self) -> int:
        return self.live + self.completed + self.canceled + self.errored


def settled_experiment_state(
    current: TrialState, tally: TrialTally, *, budget_used: bool
) -> TrialState:
    """The state recomputed from the trials after each change (§1.6, §6.1).

    A stopping experiment with no live trial ends. An ACTIVE one ends once its budget is used
    and every trial has closed, as the searcher's automatic Shutdown does: ERROR if every trial
    failed, CANCELED if every one was cancelled, else COMPLETED.
    """
    if tally.live:
        return current
    if current.stopping:
        return _SETTLES_AS[current]
    if current == _S.ACTIVE and budget_used and tally.total:
        if tally.errored >= tally.total:
            return _S.ERROR
        if tally.canceled >= tally.total:
            return _S.CANCELED
        return _S.COMPLETED
    return current


def refusal_of_new_trials(experiment_id: int, state: TrialState) -> str | None:
    """Why the experiment takes no new trial or run now, or None when it does."""
    if state == _S.ACTIVE:
        return None
    if state == _S.PAUSED:
        return f"Experiment {experiment_id} is PAUSED: activate it to create runs"
    if state.stopping:
        return f"Experiment {experiment_id} is {state}: it takes no new runs"
    return f"Experiment {experiment_id} is {state}: continue it to create runs"


def experiment_progress(
    trial_progress: Iterable[tuple[TrialState, float | None]], budget: int | None
) -> float:
    """The searcher's progress (§6.3, random): each trial counts 1 once closed, else its
    reported fraction; over the budget when there is one, else over the trials."""
    listed = list(trial_progress)
    done = sum(1.0 if state.terminal else (fraction or 0.0) for state, fraction in listed)
    slots = budget if budget else len(listed)
    return 0.0 if not slots else min(done / slots, 1.0)
