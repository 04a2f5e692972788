"""The worker's view of a problem: a budgeted function whose values come from the driver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, Literal

from peers.protocol import receive, send

__all__ = ["BudgetSpent", "Objective"]


class BudgetSpent(RuntimeError):
    """Raised when a peer asks for one evaluation more than its budget."""


class Objective:
    def __init__(
        self,
        budget: int,
        direction: Literal["minimize", "maximize"],
        requests: IO[str],
        replies: IO[str],
    ) -> None:
        self.budget = budget
        self.direction = direction
        self.spent = 0
        self._requests = requests
        self._replies = replies

    @property
    def remaining(self) -> int:
        return self.budget - self.spent

    def __call__(self, assignments: Mapping[str, Any]) -> float | None:
        """The observed value, or None when the evaluation failed."""
        if not self.remaining:
            raise BudgetSpent(f"budget of {self.budget} evaluations spent")
        self.spent += 1
        send(self._requests, {"evaluate": dict(assignments)})
        reply = receive(self._replies)
        if reply is None:
            raise EOFError("the driver closed the pipe")
        return reply["value"]
