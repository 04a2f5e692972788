"""The local optimization loop: up to ``parallel_bandwidth`` model runs at once until the AI
experiment's budget is spent. The server counts the budget (active and finished runs), so
several loops may share one experiment and an interrupted loop resumes where it stopped."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dialin.errors import Forbidden
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.local import Interrupt, ModelProcess
from dialin.orchestrate.runs import Launcher, RunEnd

__all__ = ["OptimizeLoop", "Progress", "objective_of"]

_POLL_S = 0.2


def objective_of(experiment: Mapping[str, Any]) -> tuple[str, bool]:
    """(the first optimized metric's name, whether larger is better)."""
    metrics = experiment.get("metrics") or [{}]
    metric = next((m for m in metrics if m.get("strategy", "optimize") == "optimize"), metrics[0])
    return str(metric.get("name")), metric.get("objective", "maximize") != "minimize"


@dataclass(frozen=True)
class Progress:
    """What the live view shows: run counts and the best run so far."""

    metric: str
    maximize: bool
    completed: int = 0
    failed: int = 0
    running: int = 0
    best_value: float | None = None
    best_assignments: Mapping[str, Any] = field(default_factory=dict)
    best_run: str | None = None

    def with_finished(self, run: Mapping[str, Any]) -> Progress:
        if run.get("state") == "failed":
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


class OptimizeLoop:
    """Runs an existing AI experiment's remaining budget with ``launcher``'s command."""

    def __init__(
        self,
        api: OrchestrationApi,
        experiment_id: str,
        launcher: Launcher,
        interrupt: Interrupt,
        on_progress: Callable[[Progress], None],
        stop_grace_s: float,
    ) -> None:
        self.api = api
        self.experiment_id = experiment_id
        self.launcher = launcher
        self.interrupt = interrupt
        self.on_progress = on_progress
        self.stop_grace_s = stop_grace_s
        experiment = api.experiment(experiment_id)
        self.bandwidth = int(experiment.get("parallel_bandwidth") or 1)
        metric, maximize = objective_of(experiment)
        progress = Progress(metric, maximize)
        # Runs of an earlier, interrupted loop count as they ended.
        for run in api.experiment_runs(experiment_id):
            if run.get("state") != "active":
                progress = progress.with_finished(run)
        self.progress = progress
        self._running: dict[str, ModelProcess] = {}
        self._done: queue.Queue[ModelProcess] = queue.Queue()

    def _remaining_budget(self) -> int | None:
        remaining = self.api.experiment(self.experiment_id)["progress"]["remaining_budget"]
        return None if remaining is None else int(remaining)

    def _fill_slots(self) -> bool:
        """Start runs while slots and budget allow; False once no budget is left."""
        remaining = self._remaining_budget()
        while len(self._running) < self.bandwidth and (remaining is None or remaining > 0):
            if self.interrupt.is_set():
                return True
            try:
                run = self.api.create_experiment_run(
                    self.experiment_id, self.launcher.create_body()
                )
            except Forbidden:
                # Another worker took the last of the budget between our read and this create.
                return False
            self._running[str(run["id"])] = self.launcher.start(run, self._done)
            if remaining is not None:
                remaining -= 1
            self._report()
        return remaining is None or remaining > 0

    def _report(self) -> None:
        self.progress = replace(self.progress, running=len(self._running))
        self.on_progress(self.progress)

    def _finished(self, process: ModelProcess) -> RunEnd:
        end = self.launcher.finish(process)
        self._running.pop(str(end.run["id"]), None)
        self.progress = self.progress.with_finished(end.run)
        self._report()
        return end

    def _stop_all(self) -> None:
        stoppers = [
            threading.Thread(
                target=process.stop, args=(self.interrupt.signal_number, self.stop_grace_s)
            )
            for process in self._running.values()
        ]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for process in list(self._running.values()):
            self._finished(process)

    def run(self) -> Progress:
        """Until the budget is spent (or forever without one); returns early when interrupted,
        after the running models were stopped and their runs ended failed ("canceled")."""
        budget_left = True
        self._report()
        try:
            while True:
                if budget_left and not self.interrupt.is_set():
                    budget_left = self._fill_slots()
                if self.interrupt.is_set():
                    self._stop_all()
                    return self.progress
                if not self._running:
                    return self.progress
                try:
                    finished = self._done.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                self._finished(finished)
        except BaseException:
            # Never leave models behind us, whatever went wrong in the loop.
            self._stop_all_quietly()
            raise

    def _stop_all_quietly(self) -> None:
        for process in self._running.values():
            process.stop(self.interrupt.signal_number, self.stop_grace_s)
