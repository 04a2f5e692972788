"""Trial state machine: every allowed and every refused transition, patches, allocation exits."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest

from dialin.domain.trials import (
    EARLY_EXIT_GRACE_S,
    AllocationExit,
    ExitCause,
    Trial,
    TrialState,
    allocation_exited,
    change_state,
    consumes_budget,
    early_exit_overdue,
    from_run_state,
    patch_state,
    record_early_exit,
    run_state_of,
    searcher_exit_reason,
    settle_without_allocation,
    should_stop,
    start_allocation,
)
from dialin.errors import InvalidField, InvalidTransition

S = TrialState
NOW = 1_700_000_000

# trials.md §1.2, written out independently of the table under test.
ALLOWED = {
    (S.ACTIVE, S.PAUSED),
    (S.ACTIVE, S.STOPPING_COMPLETED),
    (S.ACTIVE, S.STOPPING_CANCELED),
    (S.ACTIVE, S.STOPPING_KILLED),
    (S.ACTIVE, S.STOPPING_ERROR),
    (S.ACTIVE, S.ERROR),
    (S.ACTIVE, S.COMPLETED),
    (S.PAUSED, S.ACTIVE),
    (S.PAUSED, S.STOPPING_COMPLETED),
    (S.PAUSED, S.STOPPING_CANCELED),
    (S.PAUSED, S.STOPPING_KILLED),
    (S.PAUSED, S.STOPPING_ERROR),
    (S.PAUSED, S.ERROR),
    (S.STOPPING_COMPLETED, S.STOPPING_CANCELED),
    (S.STOPPING_COMPLETED, S.STOPPING_KILLED),
    (S.STOPPING_COMPLETED, S.STOPPING_ERROR),
    (S.STOPPING_COMPLETED, S.COMPLETED),
    (S.STOPPING_COMPLETED, S.ERROR),
    (S.STOPPING_CANCELED, S.STOPPING_KILLED),
    (S.STOPPING_CANCELED, S.STOPPING_ERROR),
    (S.STOPPING_CANCELED, S.CANCELED),
    (S.STOPPING_CANCELED, S.ERROR),
    (S.STOPPING_KILLED, S.STOPPING_ERROR),
    (S.STOPPING_KILLED, S.CANCELED),
    (S.STOPPING_KILLED, S.ERROR),
    (S.STOPPING_ERROR, S.ACTIVE),
    (S.STOPPING_ERROR, S.ERROR),
    (S.COMPLETED, S.ACTIVE),
    (S.CANCELED, S.ACTIVE),
    (S.ERROR, S.ACTIVE),
}
PAIRS = [(a, b) for a, b in product(TrialState, TrialState) if a != b]
REFUSED = [pair for pair in PAIRS if pair not in ALLOWED]


def trial(state: TrialState = S.ACTIVE, **changes: object) -> Trial:
    """A trial whose allocation is running (unless ``allocation_open=False``)."""
    base = Trial(id=7, experiment_id=1, state=state, start_time=NOW - 100, allocation_open=True)
    return replace(base, **changes)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED), ids=lambda s: str(s))
def test_allowed_transition_changes_the_state(source: TrialState, target: TrialState) -> None:
    after = change_state(trial(source, end_time=NOW - 1 if source.terminal else None), target, NOW)
    assert after.state == target
    assert after.end_time == (NOW if target.terminal else None)


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=lambda s: str(s))
def test_refused_transition_raises(source: TrialState, target: TrialState) -> None:
    with pytest.raises(InvalidTransition, match=f"{source} to {target}"):
        change_state(trial(source), target, NOW)


def test_the_table_covers_every_pair() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(TrialState) * (len(TrialState) - 1)


@pytest.mark.parametrize("state", list(TrialState))
def test_same_state_is_a_no_op(state: TrialState) -> None:
    before = trial(state)
    assert change_state(before, state, NOW) is before


def test_reopening_a_finished_trial_clears_its_end_and_restarts() -> None:
    ended = trial(S.ERROR, end_time=NOW - 5, restarts=6)
    reopened = change_state(ended, S.ACTIVE, NOW)
    assert (reopened.end_time, reopened.restarts) == (None, 0)


@pytest.mark.parametrize(
    ("stopping", "terminal"),
    [
        (S.STOPPING_COMPLETED, S.COMPLETED),
        (S.STOPPING_CANCELED, S.CANCELED),
        (S.STOPPING_KILLED, S.CANCELED),
        (S.STOPPING_ERROR, S.ERROR),
    ],
)
def test_stopping_without_allocation_settles(stopping: TrialState, terminal: TrialState) -> None:
    assert settle_without_allocation(trial(stopping, allocation_open=False), NOW).state == terminal
    assert settle_without_allocation(trial(stopping), NOW).state == stopping


class TestPatch:
    @pytest.mark.parametrize("current", [S.COMPLETED, S.CANCELED, S.ERROR])
    @pytest.mark.parametrize("requested", list(TrialState))
    def test_terminal_trial_ignores_every_patch(
        self, current: TrialState, requested: TrialState
    ) -> None:
        result = patch_state(trial(current), requested, NOW)
        assert (result.trial.state, result.apply_side_effect) == (current, False)

    @pytest.mark.parametrize("requested", [S.COMPLETED, S.CANCELED, S.ERROR])
    def test_terminal_request_is_ignored(self, requested: TrialState) -> None:
        result = patch_state(trial(S.ACTIVE), requested, NOW)
        assert (result.trial.state, result.apply_side_effect) == (S.ACTIVE, False)

    def test_same_state_reapplies_the_side_effect_without_a_write(self) -> None:
        before = trial(S.STOPPING_KILLED)
        result = patch_state(before, S.STOPPING_KILLED, NOW)
        assert result.trial is before and result.apply_side_effect

    @pytest.mark.parametrize(
        ("current", "requested"),
        [
            (S.STOPPING_KILLED, S.STOPPING_CANCELED),
            (S.STOPPING_KILLED, S.PAUSED),
            (S.STOPPING_CANCELED, S.STOPPING_COMPLETED),
            (S.STOPPING_CANCELED, S.ACTIVE),
            (S.STOPPING_ERROR, S.STOPPING_KILLED),
        ],
    )
    def test_stopping_trial_only_escalates(
        self, current: TrialState, requested: TrialState
    ) -> None:
        result = patch_state(trial(current), requested, NOW)
        assert (result.trial.state, result.apply_side_effect) == (current, False)

    def test_escalation_applies(self) -> None:
        result = patch_state(trial(S.STOPPING_CANCELED), S.STOPPING_KILLED, NOW)
        assert (result.trial.state, result.apply_side_effect) == (S.STOPPING_KILLED, True)


def crashed(error: str = "exit code 1") -> AllocationExit:
    return AllocationExit(ExitCause.CRASHED, error=error)


class TestAllocationExit:
    def test_stopping_trial_ends_in_its_terminal_state(self) -> None:
        outcome = allocation_exited(trial(S.STOPPING_KILLED), AllocationExit(ExitCause.KILLED), NOW)
        assert (outcome.trial.state, outcome.reallocate) == (S.CANCELED, False)

    def test_stopping_trial_with_error_ends_in_error(self) -> None:
        outcome = allocation_exited(trial(S.STOPPING_COMPLETED), crashed(), NOW)
        assert outcome.trial.state == S.ERROR

    def test_searcher_stopped_trial_completes(self) -> None:
        outcome = allocation_exited(
            trial(stopped_by_searcher=True, preemption_acknowledged=True),
            AllocationExit(ExitCause.EXITED),
            NOW,
        )
        assert outcome.trial.state == S.COMPLETED

    def test_unrecoverable_error_is_final(self) -> None:
        outcome = allocation_exited(
            trial(), AllocationExit(ExitCause.UNRECOVERABLE, "bad slots"), NOW
        )
        assert outcome.trial.state == S.ERROR

    def test_non_retryable_error_text_is_final(self) -> None:
        outcome = allocation_exited(trial(), crashed("Slurm: submission rejected"), NOW)
        assert (outcome.trial.state, outcome.trial.restarts) == (S.ERROR, 0)

    def test_transient_error_reallocates_without_counting(self) -> None:
        outcome = allocation_exited(
            trial(trial_run_id=2), AllocationExit(ExitCause.TRANSIENT, "agent lost"), NOW
        )
        assert outcome.reallocate
        assert (outcome.trial.restarts, outcome.trial.trial_run_id) == (0, 3)

    def test_crash_restarts_with_a_new_run_id(self) -> None:
        outcome = allocation_exited(trial(trial_run_id=1), crashed(), NOW)
        assert outcome.reallocate and outcome.trial.state == S.ACTIVE
        assert (outcome.trial.restarts, outcome.trial.trial_run_id) == (1, 2)

    def test_crash_beyond_max_restarts_errors(self) -> None:
        outcome = allocation_exited(trial(restarts=2, max_restarts=2), crashed(), NOW)
        assert (outcome.trial.state, outcome.reallocate) == (S.ERROR, False)
        assert outcome.trial.restarts == 3 and outcome.trial.reported_restarts == 2

    def test_log_policy_forbids_retry(self) -> None:
        exit = AllocationExit(ExitCause.CRASHED, "CUDA OOM", log_policy_forbids_retry=True)
        assert allocation_exited(trial(), exit, NOW).trial.state == S.ERROR

    def test_clean_exit_completes(self) -> None:
        outcome = allocation_exited(trial(), AllocationExit(ExitCause.EXITED), NOW)
        assert (outcome.trial.state, outcome.rule) == (S.COMPLETED, "runner finished")

    def test_invalid_hp_exit_completes(self) -> None:
        early = record_early_exit(trial(preemption_acknowledged=True), "INVALID_HP", NOW)
        outcome = allocation_exited(early, AllocationExit(ExitCause.EXITED), NOW)
        assert outcome.trial.state == S.COMPLETED
        assert searcher_exit_reason(outcome.trial) == "INVALID_HP"
        assert not consumes_budget(outcome.trial)

    def test_acknowledged_preemption_resumes_an_active_trial(self) -> None:
        outcome = allocation_exited(
            trial(preemption_acknowledged=True, trial_run_id=4),
            AllocationExit(ExitCause.EXITED),
            NOW,
        )
        assert outcome.reallocate and outcome.trial.trial_run_id == 5
        assert outcome.trial.restarts == 0

    def test_paused_trial_waits(self) -> None:
        outcome = allocation_exited(
            trial(S.PAUSED, preemption_acknowledged=True), AllocationExit(ExitCause.KILLED), NOW
        )
        assert (outcome.trial.state, outcome.reallocate) == (S.PAUSED, False)

    def test_exit_of_a_trial_its_model_ended_closes_the_allocation(self) -> None:
        # SigOpt's log_failure ends the run (ERROR) while the model process still runs
        ended = trial(S.ERROR, end_time=NOW - 5)
        outcome = allocation_exited(ended, crashed(), NOW)
        assert (outcome.trial.state, outcome.reallocate) == (S.ERROR, False)
        assert not outcome.trial.allocation_open
        assert outcome.trial.restarts == 0 and outcome.trial.end_time == NOW - 5

    def test_terminal_trial_without_allocation_has_nothing_to_exit(self) -> None:
        with pytest.raises(InvalidTransition):
            allocation_exited(
                trial(S.COMPLETED, allocation_open=False), AllocationExit(ExitCause.EXITED), NOW
            )

    def test_only_an_open_allocation_exits(self) -> None:
        closed = allocation_exited(trial(), AllocationExit(ExitCause.EXITED), NOW).trial
        assert not closed.allocation_open
        with pytest.raises(InvalidTransition):
            allocation_exited(replace(closed, state=S.ACTIVE), crashed(), NOW)

    def test_reallocation_opens_the_next_allocation(self) -> None:
        outcome = allocation_exited(trial(), crashed(), NOW)
        assert outcome.trial.allocation_open


def test_each_allocation_bumps_the_run_id() -> None:
    first = start_allocation(trial(allocation_open=False))
    assert (first.trial_run_id, first.allocation_open) == (1, True)
    with pytest.raises(InvalidTransition, match="already has an open allocation"):
        start_allocation(first)


def test_paused_trial_gets_no_allocation() -> None:
    with pytest.raises(InvalidTransition):
        start_allocation(trial(S.PAUSED, allocation_open=False))


class TestEarlyExit:
    def test_one_report_per_trial(self) -> None:
        once = record_early_exit(trial(), "INIT_INVALID_HP", NOW)
        with pytest.raises(InvalidTransition):
            record_early_exit(once, "INVALID_HP", NOW)

    def test_unknown_reason(self) -> None:
        with pytest.raises(InvalidField):
            record_early_exit(trial(), "UNSPECIFIED", NOW)

    def test_runner_still_alive_after_grace_is_overdue(self) -> None:
        early = record_early_exit(trial(), "INVALID_HP", NOW)
        assert should_stop(early)
        assert not early_exit_overdue(early, NOW + EARLY_EXIT_GRACE_S - 1)
        assert early_exit_overdue(early, NOW + EARLY_EXIT_GRACE_S)


@pytest.mark.parametrize(
    ("state", "signal"),
    [
        (S.ACTIVE, False),
        (S.PAUSED, True),
        (S.STOPPING_COMPLETED, True),
        (S.STOPPING_CANCELED, True),
        (S.STOPPING_KILLED, True),
    ],
)
def test_graceful_stop_signal(state: TrialState, signal: bool) -> None:
    assert should_stop(trial(state)) is signal


def test_searcher_stop_raises_the_signal() -> None:
    assert should_stop(trial(stopped_by_searcher=True))


@pytest.mark.parametrize(
    ("state", "run_state"),
    [
        *((s, "active") for s in TrialState if s.live),
        (S.COMPLETED, "completed"),
        (S.ERROR, "failed"),
        (S.CANCELED, "failed"),
    ],
)
def test_sigopt_run_state(state: TrialState, run_state: str) -> None:
    assert run_state_of(state) == run_state


def test_sigopt_run_state_back() -> None:
    assert [from_run_state(s) for s in ("active", "completed", "failed")] == [
        S.ACTIVE,
        S.COMPLETED,
        S.ERROR,
    ]
