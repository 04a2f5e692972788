"""Experiment lifecycle: every allowed and refused transition, user actions, settling."""

from __future__ import annotations

from itertools import product

import pytest

from dialin.domain.experiment_states import (
    TrialTally,
    change_experiment_state,
    continue_target,
    experiment_action_target,
    refusal_of_new_trials,
    settled_experiment_state,
    trial_target,
)
from dialin.domain.trials import TrialState
from dialin.errors import InvalidField, InvalidTransition

S = TrialState
STOPPING = (S.STOPPING_COMPLETED, S.STOPPING_CANCELED, S.STOPPING_KILLED, S.STOPPING_ERROR)
TERMINAL = (S.COMPLETED, S.CANCELED, S.ERROR)

# Determined's experiment transitions, written out independently of the table under test.
ALLOWED = {
    *((S.ACTIVE, to) for to in (S.PAUSED, *STOPPING, *TERMINAL)),
    *((S.PAUSED, to) for to in (S.ACTIVE, *STOPPING)),
    (S.STOPPING_COMPLETED, S.STOPPING_CANCELED),
    (S.STOPPING_COMPLETED, S.STOPPING_KILLED),
    (S.STOPPING_COMPLETED, S.STOPPING_ERROR),
    (S.STOPPING_COMPLETED, S.COMPLETED),
    (S.STOPPING_COMPLETED, S.ERROR),
    (S.STOPPING_CANCELED, S.STOPPING_KILLED),
    (S.STOPPING_CANCELED, S.STOPPING_ERROR),
    (S.STOPPING_CANCELED, S.CANCELED),
    (S.STOPPING_KILLED, S.STOPPING_ERROR),
    (S.STOPPING_KILLED, S.CANCELED),
    (S.STOPPING_ERROR, S.ERROR),
    # "continue experiment" only
    *((done, S.PAUSED) for done in TERMINAL),
}
PAIRS = [(a, b) for a, b in product(TrialState, TrialState) if a != b]


@pytest.mark.parametrize(("current", "to"), sorted(ALLOWED))
def test_allowed_transitions(current: TrialState, to: TrialState) -> None:
    assert change_experiment_state(7, current, to) == to


@pytest.mark.parametrize(("current", "to"), [p for p in PAIRS if p not in ALLOWED])
def test_refused_transitions(current: TrialState, to: TrialState) -> None:
    with pytest.raises(InvalidTransition, match=f"Experiment 7 is {current}"):
        change_experiment_state(7, current, to)


def test_same_state_is_a_no_op() -> None:
    for state in TrialState:
        assert change_experiment_state(7, state, state) == state


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        (S.ACTIVE, "pause", S.PAUSED),
        (S.PAUSED, "activate", S.ACTIVE),
        (S.ACTIVE, "activate", S.ACTIVE),
        (S.PAUSED, "pause", S.PAUSED),
        (S.ACTIVE, "cancel", S.STOPPING_CANCELED),
        (S.PAUSED, "kill", S.STOPPING_KILLED),
        (S.STOPPING_CANCELED, "kill", S.STOPPING_KILLED),
        (S.STOPPING_COMPLETED, "cancel", S.STOPPING_CANCELED),
    ],
)
def test_user_actions(current: TrialState, action: str, expected: TrialState) -> None:
    assert experiment_action_target(7, current, action) == expected


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (S.COMPLETED, "activate"),
        (S.CANCELED, "pause"),
        (S.ERROR, "cancel"),
        (S.STOPPING_KILLED, "cancel"),
        (S.STOPPING_CANCELED, "activate"),
        (S.STOPPING_CANCELED, "pause"),
    ],
)
def test_refused_user_actions(current: TrialState, action: str) -> None:
    with pytest.raises(InvalidTransition):
        experiment_action_target(7, current, action)


def test_unknown_action_names_the_field() -> None:
    with pytest.raises(InvalidField) as raised:
        experiment_action_target(7, S.ACTIVE, "archive")
    assert raised.value.field == "action"


def test_trials_follow_pause_activate_and_stopping_only() -> None:
    assert trial_target(S.PAUSED) == S.PAUSED
    assert trial_target(S.ACTIVE) == S.ACTIVE
    assert [trial_target(s) for s in STOPPING] == list(STOPPING)
    assert [trial_target(s) for s in TERMINAL] == [None, None, None]


def test_continue_starts_from_terminal_states_only() -> None:
    assert [continue_target(7, s) for s in TERMINAL] == [S.PAUSED] * 3
    for state in (S.ACTIVE, S.PAUSED, *STOPPING):
        with pytest.raises(InvalidTransition, match="only a finished experiment"):
            continue_target(7, state)


def tally(**counts: int) -> TrialTally:
    return TrialTally(**{"live": 0, "completed": 0, "canceled": 0, "errored": 0, **counts})


@pytest.mark.parametrize(
    ("stopping", "ended"),
    [
        (S.STOPPING_COMPLETED, S.COMPLETED),
        (S.STOPPING_CANCELED, S.CANCELED),
        (S.STOPPING_KILLED, S.CANCELED),
        (S.STOPPING_ERROR, S.ERROR),
    ],
)
def test_a_stopping_experiment_without_live_trials_ends(
    stopping: TrialState, ended: TrialState
) -> None:
    assert settled_experiment_state(stopping, tally(completed=2), budget_used=False) == ended
    assert settled_experiment_state(stopping, tally(live=1), budget_used=False) == stopping


@pytest.mark.parametrize(
    ("counts", "ended"),
    [
        ({"completed": 2, "errored": 1}, S.COMPLETED),
        ({"errored": 3}, S.ERROR),
        ({"canceled": 3}, S.CANCELED),
        ({"canceled": 2, "errored": 1}, S.COMPLETED),
    ],
)
def test_an_active_experiment_ends_when_its_budget_is_used_and_every_trial_closed(
    counts: dict[str, int], ended: TrialState
) -> None:
    assert settled_experiment_state(S.ACTIVE, tally(**counts), budget_used=True) == ended
    assert settled_experiment_state(S.ACTIVE, tally(**counts), budget_used=False) == S.ACTIVE
    assert settled_experiment_state(S.ACTIVE, tally(live=1, **counts), budget_used=True) == (
        S.ACTIVE
    )
    assert settled_experiment_state(S.PAUSED, tally(**counts), budget_used=True) == S.PAUSED


def test_tally_counts_states() -> None:
    counted = TrialTally.of([S.ACTIVE, S.PAUSED, S.STOPPING_KILLED, S.COMPLETED, S.ERROR, S.ERROR])
    assert counted == tally(live=3, completed=1, errored=2) and counted.total == 6


def test_new_runs_only_while_active() -> None:
    assert refusal_of_new_trials(7, S.ACTIVE) is None
    assert "activate it" in str(refusal_of_new_trials(7, S.PAUSED))
    assert "takes no new runs" in str(refusal_of_new_trials(7, S.STOPPING_CANCELED))
    assert "continue it" in str(refusal_of_new_trials(7, S.COMPLETED))
