"""What the run services need from storage: runs, files, shared secrets (parts of
``ports.Store``), and somewhere to keep file bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dialin.domain.paging import Page, PageRequest
from dialin.domain.progress import RunProgress
from dialin.domain.run_filters import RunFilter
from dialin.domain.runs import File, TrainingRun

__all__ = [
    "BlobStore",
    "FileStore",
    "RunStore",
    "SecretStore",
]


class RunStore(Protocol):
    def add(self, run: TrainingRun) -> TrainingRun:
        """Stores ``run`` (its id is ignored) and returns it with its new id."""
        ...

    def add_all(self, runs: Sequence[TrainingRun]) -> list[TrainingRun]: ...

    def get(self, client_id: int, run_id: int, *, lock: bool = False) -> TrainingRun | None: ...
    def save(self, run: TrainingRun) -> None: ...
    def in_project(
        self, client_id: int, project: str, *, experiment_id: int | None = None
    ) -> list[TrainingRun]: ...
    def page_in_project(
        self,
        client_id: int,
        project: str,
        page: PageRequest,
        *,
        filters: Sequence[RunFilter] = (),
        search: str | None = None,
    ) -> Page[TrainingRun]:
        """Filtered, searched, sorted and paged by the database, with the answers of
        ``run_matches`` and ``run_sort_key``; no filter or sort may be ``in_memory_only``."""
        ...

    def page_of_experiment(self, experiment_id: int, page: PageRequest) -> Page[TrainingRun]:
        """Sorted and paged by the database, archived runs included; ``page.sort`` may not be
        ``in_memory_only``."""
        ...

    def with_observations(
        self, experiment_id: int, observation_ids: Sequence[int]
    ) -> list[TrainingRun]: ...
    def of_experiment(self, experiment_id: int, *, deleted: bool | None) -> list[TrainingRun]: ...
    def progress(self, experiment_id: int, budget: int | None) -> RunProgress: ...
    def budget_leases(self, experiment_id: int, now: int) -> int:
        """Unexpired budget leases of the experiment (expired ones are dropped)."""
        ...

    def lease_budget(self, experiment_id: int, expires: int) -> None: ...
    def take_budget_lease(self, experiment_id: int, now: int) -> None:
        """Drops the oldest unexpired lease, if any: a run took its slot."""
        ...

    def count_in_project(self, client_id: int, project: str) -> int:
        """Non-deleted runs of the project."""
        ...

    def delete_of_experiment(self, experiment_id: int, now: int) -> None: ...
    def set_linked_deleted(self, run: TrainingRun, deleted: bool) -> None:
        """The run's suggestion and observation follow its archive state."""
        ...


class FileStore(Protocol):
    def add(self, file: File) -> File: ...
    def get(self, file_id: int) -> File | None: ...
    def mark_uploaded(self, file_id: int) -> None: ...


class SecretStore(Protocol):
    def get(self, name: str) -> str: ...


class BlobStore(Protocol):
    """File bytes by key; the service has checked length and digest before ``put``."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None:
        """Removes the key's bytes; a missing key is no error."""
        ...
