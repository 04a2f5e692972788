"""The local optimization loop: up to ``parallel_bandwidth`` model runs at once until the AI
experiment's budget is spent. The server counts the budget (active and finished runs), so
several loops may share one experiment and an interrupted loop resumes where it stopped.

Each run is supervised by a thread of its own (``Launcher.supervise``); the loop only starts
runs while slots and budget allow and collects their ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dialin.errors import DialinError, Forbidden
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.orphans import end_orphaned_runs
from dialin.orchestrate.runs import Launcher, RunEnd

__all__ = ["OptimizeLoop", "Progress", "objective_of"]

_POLL_S = 0.2
_CANCELED_REASONS = ("canceled", "orphaned")


def objective_of(experiment: Mapping[str, Any]) -> tuple[str, bool]:
    """(the first optimized metric's name, whether larger is better)."""
    metrics = experiment.get("metrics") or [{}]
    metric = next((m for m in metrics if m.get("strategy", "optimize") == "optimize"), metrics[0])
    return str(metric.get("name")), metric.get("objective", "maximize") != "minimize"


@dataclass(frozen=True)
class Progress:
    """What the live view shows: run counts, what each running run does, the best run."""

    metric: str
    maximize: bool
    completed: int = 0
    failed: int = 0
    canceled: int = 0
    phases: Mapping[str, str] = field(default_factory=dict)
    best_value: float | None = None
    best_assignments: Mapping[str, Any] = field(default_factory=dict)
    best_run: str | None = None

    @property
    def running(self) -> int:
        return len(self.phases)

    def with_phase(self, run_id: str, phase: str | None) -> Progress:
        phases = {k: v for k, v in self.phases.items() if k != run_id}
        if phase is not None:
            phases[run_id] = phase
        return replace(self, phases=phases)

    def with_finished(self, run: Mapping[str, Any]) -> Progress:
        if run.get("state") == "failed":
            reason = str((run.get("dev_metadata") or {}).get("reason") or "")
            if reason.startswith(_CANCELED_REASONS):
                return replace(self, canceled=self.canceled + 1)
            return replace(self, failed=self.failed + 1)
        counted = replace(self, completed=self.completed + 1)
        value = (run.get("values") or {}).get(self.metric, {}).get("value")
        if value is None:
            return counted
        better = self.best_value is None or (
            value > self.best_value if self.maximize else value < self.best_value
        )
        if not better:
            return counted
        return replace(
            counted,
            best_value=value,
            best_assignments=dict(run.get("assignments") or {}),
            best_run=str(run["id"]),
        )


@dataclass(frozen=True)
class _Failure:
    run_id: str
    error: BaseException


class OptimizeLoop:
    """Runs an existing AI experiment's remaining budget with ``launcher``'s command."""

    def __init__(
        self,
        api: OrchestrationApi,
        experiment_id: str,
        launcher: Launcher,
        interrupt: threading.Event,
        on_progress: Callable[[Progress], None],
    ) -> None:
        self.api = api
        self.experiment_id = experiment_id
        self.launcher = launcher
        self.interrupt = interrupt
        self.on_progress = on_progress
        self._lock = threading.Lock()
        experiment = api.experiment(experiment_id)
        self.bandwidth = int(experiment.get("parallel_bandwidth") or 1)
        metric, maximize = objective_of(experiment)
        # Runs a dead launcher left active end now, so they count below as they ended.
        self.orphans = end_orphaned_runs(api, experiment_id, launcher.stop_grace_s)
        progress = Progress(metric, maximize)
        for run in api.experiment_runs(experiment_id):
            if run.get("state") != "active":
                progress = progress.with_finished(run)
        self.progress = progress
        self._threads: dict[str, threading.Thread] = {}
        # Why the server last refused a new run while budget was left; retried once a run ends.
        self.refusal: str | None = None
        self._done: queue.Queue[RunEnd | _Failure] = queue.Queue()
        launcher.on_phase = self._phase

    def _phase(self, run: Mapping[str, Any], phase: str) -> None:
        with self._lock:
            self.progress = self.progress.with_phase(str(run["id"]), phase)
            self.on_progress(self.progress)

    def _remaining_budget(self) -> int | None:
        remaining = self.api.experiment(self.experiment_id)["progress"]["remaining_budget"]
        return None if remaining is None else int(remaining)

    def _fill_slots(self) -> bool:
        """Start runs while slots and budget allow; False once no budget is left or the server
        refuses new runs (``refusal`` then says why, e.g. a paused experiment)."""
        remaining = self._remaining_budget()
        while len(self._threads) < self.bandwidth and (remaining is None or remaining > 0):
            if self.interrupt.is_set():
                return True
            try:
                run = self.api.create_experiment_run(
                    self.experiment_id, self.launcher.create_body()
                )
            except Forbidden as refused:
                # Another worker may have taken the last of the budget since our read.
                remaining = self._remaining_budget()
                if remaining is None or remaining > 0:
                    self.refusal = str(refused)
                return False
            run_id = str(run["id"])
            thread = threading.Thread(
                target=self._supervise, args=(run,), name=f"run-{run_id}", daemon=True
            )
            self._threads[run_id] = thread
            thread.start()
            if remaining is not None:
                remaining -= 1
        return remaining is None or remaining > 0

    def _supervise(self, run: Mapping[str, Any]) -> None:
        try:
            self._done.put(self.launcher.supervise(run, self.interrupt))
        except BaseException as error:  # handed to the loop's thread, which raises it
            self._done.put(_Failure(str(run["id"]), error))

    def _collect(self, item: RunEnd | _Failure) -> None:
        run_id = item.run_id if isinstance(item, _Failure) else str(item.run["id"])
        self._threads.pop(run_id, None)
        with self._lock:
            self.progress = self.progress.with_phase(run_id, None)
            if isinstance(item, RunEnd):
                self.progress = self.progress.with_finished(item.run)
            self.on_progress(self.progress)
        if isinstance(item, _Failure):
            raise item.error

    def run(self) -> Progress:
        """Until the budget is spent (or forever without one); returns early when interrupted,
        after the running models were stopped and their trials ended CANCELED."""
        budget_left = True
        self.on_progress(self.progress)
        try:
            while True:
                # Read the budget only when a slot is free: not on every turn of this loop.
                free = len(self._threads) < self.bandwidth
                if budget_left and free and not self.interrupt.is_set():
                    budget_left = self._fill_slots()
                if not self._threads:
                    return self.progress
                try:
                    item = self._done.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                self._collect(item)
                if self.refusal is not None:
                    # A paused experiment may be active again by now: ask once more.
                    self.refusal, budget_left = None, True
        except BaseException:
            # Never leave models behind us, whatever went wrong in the loop.
            self.interrupt.set()
            self._drain()
            raise

    def _drain(self) -> None:
        while self._threads:
            try:
                self._collect(self._done.get(timeout=self.launcher.stop_grace_s + 30))
            except queue.Empty:
                return
            except (DialinError, OSError):
                continue
