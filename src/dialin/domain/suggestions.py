"""Suggestions handed to workers, and the queue users fill by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from dialin.domain.experiments import Metadata
from dialin.domain.metrics import Task
from dialin.domain.parameters import Assignments

__all__ = ["QueuedSuggestion", "Suggestion", "SuggestionState"]

SuggestionState: TypeAlias = Literal["open", "closed"]


@dataclass(frozen=True)
class Suggestion:
    id: int
    experiment_id: int
    assignments: Assignments
    created: int
    # open until an observation has ever referenced it; deleting that observation does not reopen it
    state: SuggestionState = "open"
    deleted: bool = False
    metadata: Metadata | None = None
    task: Task | None = None


@dataclass(frozen=True)
class QueuedSuggestion:
    id: int
    experiment_id: int
    assignments: Assignments
    created: int
    task: Task | None = None
