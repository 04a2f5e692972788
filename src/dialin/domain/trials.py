"""The trial lifecycle: states, the one transition table, state patches and allocation exits.

A trial is the same record as a SigOpt training run. Managed trials run on allocations dialin
hands out (each new allocation bumps ``trial_run_id``); unmanaged ones (SigOpt clients) are
driven by the client and never restart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Literal, TypeAlias

from dialin.errors import InvalidField, InvalidTransition

__all__ = [
    "DEFAULT_MAX_RESTARTS",
    "EARLY_EXIT_GRACE_S",
    "TRANSITIONS",
    "ActiveSubState",
    "AllocationExit",
    "EarlyExitReason",
    "ExitCause",
    "ExitOutcome",
    "PatchResult",
    "RunState",
    "Trial",
    "TrialState",
    "account_allocation_time",
    "allocation_exited",
    "change_state",
    "consumes_budget",
    "early_exit_overdue",
    "from_run_state",
    "patch_state",
    "record_early_exit",
    "report_allocation_phase",
    "run_state_of",
    "searcher_exit_reason",
    "settle_without_allocation",
    "should_stop",
    "start_allocation",
]

DEFAULT_MAX_RESTARTS = 5
# After an INVALID_HP report the runner has this long to exit before it is killed.
EARLY_EXIT_GRACE_S = 10

RunState: TypeAlias = Literal["active", "completed", "failed"]


class TrialState(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    STOPPING_COMPLETED = "STOPPING_COMPLETED"
    STOPPING_CANCELED = "STOPPING_CANCELED"
    STOPPING_KILLED = "STOPPING_KILLED"
    STOPPING_ERROR = "STOPPING_ERROR"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"
    ERROR = "ERROR"

    @property
    def terminal(self) -> bool:
        return self in _TERMINAL

    @property
    def stopping(self) -> bool:
        return self in _STOPPED_AS

    @property
    def live(self) -> bool:
        return not self.terminal


class ActiveSubState(StrEnum):
    """What an ACTIVE trial is doing; stored only for unmanaged trials (RUNNING)."""

    QUEUED = "QUEUED"
    PULLING = "PULLING"
    STARTING = "STARTING"
    RUNNING = "RUNNING"


class EarlyExitReason(StrEnum):
    INVALID_HP = "INVALID_HP"
    INIT_INVALID_HP = "INIT_INVALID_HP"


_S = TrialState
_TERMINAL = frozenset({_S.COMPLETED, _S.CANCELED, _S.ERROR})
# A stopping state with no live allocation settles in this terminal state.
_STOPPED_AS: Mapping[TrialState, TrialState] = {
    _S.STOPPING_COMPLETED: _S.COMPLETED,
    _S.STOPPING_CANCELED: _S.CANCELED,
    _S.STOPPING_KILLED: _S.CANCELED,
    _S.STOPPING_ERROR: _S.ERROR,
}

TRANSITIONS: Mapping[TrialState, frozenset[TrialState]] = {
    _S.ACTIVE: frozenset(
        {
            _S.PAUSED,
            _S.STOPPING_COMPLETED,
            _S.STOPPING_CANCELED,
            _S.STOPPING_KILLED,
            _S.STOPPING_ERROR,
            _S.ERROR,
            _S.COMPLETED,
        }
    ),
    _S.PAUSED: frozenset(
        {
            _S.ACTIVE,
            _S.STOPPING_COMPLETED,
            _S.STOPPING_CANCELED,
            _S.STOPPING_KILLED,
            _S.STOPPING_ERROR,
            _S.ERROR,
        }
    ),
    _S.STOPPING_COMPLETED: frozenset(
        {_S.STOPPING_CANCELED, _S.STOPPING_KILLED, _S.STOPPING_ERROR, _S.COMPLETED, _S.ERROR}
    ),
    _S.STOPPING_CANCELED: frozenset({_S.STOPPING_KILLED, _S.STOPPING_ERROR, _S.CANCELED, _S.ERROR}),
    _S.STOPPING_KILLED: frozenset({_S.STOPPING_ERROR, _S.CANCELED, _S.ERROR}),
    _S.STOPPING_ERROR: frozenset({_S.ACTIVE, _S.ERROR}),
    # Reopening a finished trial happens only through "continue experiment".
    _S.COMPLETED: frozenset({_S.ACTIVE}),
    _S.CANCELED: frozenset({_S.ACTIVE}),
    _S.ERROR: frozenset({_S.ACTIVE}),
}


@dataclass(frozen=True)
class Trial:
    id: int
    experiment_id: int | None
    state: TrialState
    start_time: int
    end_time: int | None = None
    managed: bool = False
    restarts: int = 0
    max_restarts: int = DEFAULT_MAX_RESTARTS
    trial_run_id: int = 0
    stopped_by_searcher: bool = False
    early_exit: EarlyExitReason | None = None
    early_exit_at: int | None = None
    # The runner acknowledged the graceful-stop signal: it exits 0 but is not done.
    preemption_acknowledged: bool = False
    # An allocation was started and has not reported its exit yet.
    allocation_open: bool = False
    client_id: int = 0
    name: str = ""
    hparams: Mapping[str, object] = field(default_factory=dict)
    # Stored aggregates of the metric reports (metric_reports.summary_to_json shape).
    summary_metrics: Mapping[str, object] = field(default_factory=dict)
    total_batches_processed: int = 0
    # The runner's report_progress fraction, 0..1.
    progress: float | None = None
    # Times "continue experiment" reopened it; each reopening is a new task.
    reopened: int = 0
    # Seconds of closed allocations, and when the open one started (wall_clock_time).
    allocation_seconds: float = 0.0
    allocation_started_at: int | None = None
    log_retention_days: int | None = None
    # What the open allocation's launcher said it is doing (PULLING, STARTING, RUNNING).
    allocation_phase: ActiveSubState | None = None

    @property
    def sub_state(self) -> ActiveSubState | None:
        """Unmanaged trials are RUNNING while ACTIVE; managed ones wait QUEUED for an allocation,
        then show the phase its launcher reported (RUNNING when it reports none)."""
        if self.state != TrialState.ACTIVE:
            return None
        if self.managed and self.allocation_open and self.allocation_phase is not None:
            return self.allocation_phase
        if not self.managed or self.allocation_open:
            return ActiveSubState.RUNNING
        return ActiveSubState.QUEUED

    @property
    def reported_restarts(self) -> int:
        """An errored trial stores ``max_restarts + 1``; users see at most ``max_restarts``."""
        return min(self.restarts, self.max_restarts)

    @property
    def allocation_id(self) -> str:
        return f"{self.id}.{self.trial_run_id}"

    @property
    def task_ids(self) -> tuple[str, ...]:
        """Task id ``<experiment>.<trial>``; each reopening adds ``<first>-<n>`` (§1.6)."""
        first = f"{self.experiment_id}.{self.id}"
        return (first, *(f"{first}-{n}" for n in range(1, self.reopened + 1)))

    def wall_clock_time(self, now: int | None) -> float:
        """Seconds spent on allocations (managed), else from start to end (unmanaged, §2);
        without ``now``, only what has ended counts."""
        if not self.managed:
            end = self.end_time if self.end_time is not None else now
            return 0.0 if end is None else float(max(end - self.start_time, 0))
        started = self.allocation_started_at
        running = 0 if started is None or now is None else max(now - started, 0)
        return self.allocation_seconds + running


def account_allocation_time(before: Trial, after: Trial, now: int) -> Trial:
    """Closes the time of an allocation that ended and opens it for one that started, so
    ``wall_clock_time`` sums allocations only (a reallocation does both at once)."""
    seconds = before.allocation_seconds
    started = before.allocation_started_at
    reallocated = after.trial_run_id != before.trial_run_id
    if started is not None and (not after.allocation_open or reallocated):
        seconds += max(now - started, 0)
        started = None
    if after.allocation_open and (started is None or reallocated):
        started = now
    return replace(after, allocation_seconds=seconds, allocation_started_at=started)


def change_state(trial: Trial, to: TrialState, now: int) -> Trial:
    """The one way a trial's state changes: by the table, with the entry effects of §1.1."""
    if to == trial.state:
        return trial
    if to not in TRANSITIONS[trial.state]:
        raise InvalidTransition(f"A trial cannot go from {trial.state} to {to}")
    if to.terminal:
        return replace(trial, state=to, end_time=now)
    if trial.state.terminal:
        # Reopened by "continue experiment": a new task, a fresh failure budget, no end yet.
        return replace(
            trial,
            state=to,
            end_time=None,
            restarts=0,
            preemption_acknowledged=False,
            stopped_by_searcher=False,
            early_exit=None,
            early_exit_at=None,
            reopened=trial.reopened + 1,
        )
    return replace(trial, state=to)


@dataclass(frozen=True)
class PatchResult:
    trial: Trial
    # True when the side effect of the requested state is to be (re)applied, e.g. re-send a kill.
    apply_side_effect: bool


def patch_state(trial: Trial, requested: TrialState, now: int) -> PatchResult:
    """A state change requested from outside (user, searcher), filtered by the rules of §1.3."""
    if trial.state.terminal or requested.terminal:
        return PatchResult(trial, apply_side_effect=False)
    if requested == trial.state:
        return PatchResult(trial, apply_side_effect=True)
    if trial.state.stopping and requested not in TRANSITIONS[trial.state]:
        return PatchResult(trial, apply_side_effect=False)
    return PatchResult(change_state(trial, requested, now), apply_side_effect=True)


def settle_without_allocation(trial: Trial, now: int) -> Trial:
    """A stopping trial with no live allocation goes straight to its terminal state."""
    if trial.state.stopping and not trial.allocation_open:
        return change_state(trial, _STOPPED_AS[trial.state], now)
    return trial


def start_allocation(trial: Trial) -> Trial:
    """A new allocation (first start, crash restart, resume): a new ``trial_run_id``.
    At most one allocation is open per trial."""
    if trial.state != TrialState.ACTIVE:
        raise InvalidTransition(f"A {trial.state} trial gets no allocation")
    if trial.allocation_open:
        raise InvalidTransition(f"Trial {trial.id} already has an open allocation")
    return replace(
        trial,
        trial_run_id=trial.trial_run_id + 1,
        preemption_acknowledged=False,
        allocation_open=True,
        allocation_phase=None,
    )


def report_allocation_phase(trial: Trial, trial_run_id: int, phase: str) -> Trial:
    """The launcher of the open allocation says what it does now (PULLING, STARTING, RUNNING)."""
    try:
        parsed = ActiveSubState(phase)
    except ValueError:
        parsed = ActiveSubState.QUEUED
    if parsed == ActiveSubState.QUEUED:
        raise InvalidField("phase", "phase must be one of PULLING, STARTING, RUNNING")
    if not trial.allocation_open or trial_run_id != trial.trial_run_id:
        raise InvalidTransition(
            f"Allocation {trial.id}.{trial_run_id} is not the trial's open allocation"
        )
    return replace(trial, allocation_phase=parsed)


class ExitCause(StrEnum):
    """Why an allocation ended, as the launcher reports it."""

    EXITED = "EXITED"  # the processes ended on their own, with the given exit code
    CRASHED = "CRASHED"  # non-zero exit or signal
    UNRECOVERABLE = "UNRECOVERABLE"  # e.g. an invalid resource request
    TRANSIENT = "TRANSIENT"  # agent lost, restore error, resources aborted
    KILLED = "KILLED"  # dialin itself ended it (pause, cancel, kill)


# Errors no retry can fix (the scheduler will refuse the same submission again).
_NON_RETRYABLE = (
    re.compile(r"submission (was )?rejected", re.IGNORECASE),
    re.compile(r"invalid resource request", re.IGNORECASE),
)


@dataclass(frozen=True)
class AllocationExit:
    cause: ExitCause
    error: str | None = None
    # A log policy with action "don't retry" matched the task's logs.
    log_policy_forbids_retry: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None or self.cause in (
            ExitCause.CRASHED,
            ExitCause.UNRECOVERABLE,
            ExitCause.TRANSIENT,
        )


@dataclass(frozen=True)
class ExitOutcome:
    trial: Trial
    # Start a new allocation (then ``trial_run_id`` is already bumped in ``trial``).
    reallocate: bool
    rule: str


def allocation_exited(trial: Trial, exit: AllocationExit, now: int) -> ExitOutcome:
    """The decision list of §1.5: the first matching rule wins; the result is terminal, a new
    allocation, or (PAUSED) a wait for activation."""

    def end(state: TrialState, rule: str) -> ExitOutcome:
        return ExitOutcome(change_state(trial, state, now), reallocate=False, rule=rule)

    def again(source: Trial, rule: str) -> ExitOutcome:
        return ExitOutcome(start_allocation(source), reallocate=True, rule=rule)

    if not trial.allocation_open:
        raise InvalidTransition(f"Trial {trial.id} has no open allocation")
    trial = replace(trial, allocation_open=False)
    if trial.state.terminal:
        # The model ended its run itself before exiting (SigOpt's log_failure, or a run it
        # ended): the exit only closes the allocation, whose time stops counting.
        return ExitOutcome(trial, reallocate=False, rule="trial already ended")
    if trial.state.stopping:
        return end(TrialState.ERROR if exit.failed else _STOPPED_AS[trial.state], "stopping state")
    if trial.stopped_by_searcher:
        return end(TrialState.ERROR if exit.failed else TrialState.COMPLETED, "searcher stopped")
    if exit.cause == ExitCause.UNRECOVERABLE:
        return end(TrialState.ERROR, "unrecoverable system error")
    if exit.error is not None and any(p.search(exit.error) for p in _NON_RETRYABLE):
        return end(TrialState.ERROR, "non-retryable error")
    if exit.cause == ExitCause.TRANSIENT:
        if trial.state == TrialState.PAUSED:
            return ExitOutcome(trial, reallocate=False, rule="transient error while paused")
        return again(trial, "transient system error")
    if exit.failed:
        if exit.log_policy_forbids_retry:
            return end(TrialState.ERROR, "log policy: don't retry")
        counted = replace(trial, restarts=trial.restarts + 1)
        if counted.restarts > counted.max_restarts:
            return ExitOutcome(
                change_state(counted, TrialState.ERROR, now), reallocate=False, rule="max restarts"
            )
        if counted.state == TrialState.PAUSED:
            return ExitOutcome(counted, reallocate=False, rule="crashed while paused")
        return again(counted, "restart after crash")
    if exit.cause == ExitCause.EXITED and not trial.preemption_acknowledged:
        return end(TrialState.COMPLETED, "runner finished")
    if trial.early_exit is not None:
        return end(TrialState.COMPLETED, "invalid hyperparameters")
    if trial.state == TrialState.ACTIVE:
        return again(trial, "resume after preemption")
    return ExitOutcome(trial, reallocate=False, rule="paused")


def record_early_exit(trial: Trial, reason: str, now: int) -> Trial:
    """The runner's early-exit report: once per trial; the runner must then exit."""
    try:
        parsed = EarlyExitReason(reason)
    except ValueError as error:
        raise InvalidField(
            "reason", f"reason must be one of {', '.join(EarlyExitReason)}, not {reason!r}"
        ) from error
    if trial.early_exit is not None:
        raise InvalidTransition(f"Trial {trial.id} already reported an early exit")
    if trial.state.terminal:
        raise InvalidTransition(f"Trial {trial.id} is {trial.state}")
    return replace(trial, early_exit=parsed, early_exit_at=now)


def early_exit_overdue(trial: Trial, now: int) -> bool:
    """Still running ``EARLY_EXIT_GRACE_S`` after an early-exit report: to be killed."""
    return (
        trial.early_exit_at is not None
        and trial.state.live
        and trial.state != TrialState.STOPPING_KILLED
        and now - trial.early_exit_at >= EARLY_EXIT_GRACE_S
    )


def consumes_budget(trial: Trial) -> bool:
    """An invalid-hyperparameter exit frees its budget slot for a replacement."""
    return trial.early_exit is None


def should_stop(trial: Trial) -> bool:
    """The graceful-stop signal (§5.2): the runner should checkpoint and exit 0."""
    return (
        trial.state != TrialState.ACTIVE
        or trial.stopped_by_searcher
        or trial.early_exit is not None
    )


def searcher_exit_reason(trial: Trial) -> str | None:
    """What the searcher is told about an ended trial (§5.1); None for a normal completion."""
    if trial.early_exit is not None:
        return "INVALID_HP"
    if trial.state == TrialState.ERROR:
        return "ERRORED"
    if trial.state == TrialState.CANCELED:
        return "USER_CANCELED"
    return None


_RUN_STATE: Mapping[TrialState, RunState] = {
    **{s: "active" for s in TrialState if s.live},
    _S.COMPLETED: "completed",
    _S.ERROR: "failed",
    _S.CANCELED: "failed",
}


def run_state_of(state: TrialState) -> RunState:
    """SigOpt has no pause or stopping states; cancelled runs are failed runs (§7.2)."""
    return _RUN_STATE[state]


def from_run_state(state: RunState) -> TrialState:
    return {
        "active": TrialState.ACTIVE,
        "completed": TrialState.COMPLETED,
        "failed": TrialState.ERROR,
    }[state]
