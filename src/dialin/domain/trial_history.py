"""What happened to a trial: its state changes and restarts, and the log lines its runs wrote."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LogLine", "StateChange"]


@dataclass(frozen=True)
class StateChange:
    id: int
    trial_id: int
    at: int
    from_state: str | None
    to_state: str
    trial_run_id: int
    restarts: int
    # What caused it: a user action, a decision rule of the allocation exit, the searcher.
    reason: str


@dataclass(frozen=True)
class LogLine:
    id: int
    trial_id: int
    trial_run_id: int
    stream: str
    content: str
    at: int
