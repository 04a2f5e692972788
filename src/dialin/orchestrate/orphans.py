"""Runs a dead launcher left active: found and ended when an experiment is resumed.

A run is orphaned when its ``dev_metadata`` names a launcher on this host that is no longer
running (owners.py). Its model, if still alive (models run in sessions of their own, so they
outlive a SIGKILLed launcher), is stopped as Ctrl-C stops one: SIGTERM, SIGKILL after the
grace period. Then its trial is cancelled and the run says why in ``dev_metadata.reason``.

Its budget slot stays used: the run did start with its assignments (and may have logged
metrics), and SigOpt counts every failed run against the budget; only a run reporting invalid
hyperparameters gives its slot back (trials §5.1), which an orphan did not.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Mapping
from typing import Any

from dialin.errors import DialinError
from dialin.orchestrate.api import OrchestrationApi
from dialin.orchestrate.owners import Owner

__all__ = ["end_orphaned_runs", "orphan_owner"]

_WAIT_S = 0.1


def orphan_owner(run: Mapping[str, Any]) -> Owner | None:
    """The dead launcher of an active run, or None when the run is not an orphan (alive,
    launched elsewhere, or not by a dialin launcher)."""
    if run.get("state") != "active":
        return None
    owner = Owner.from_dev_metadata("launcher", run.get("dev_metadata") or {})
    if owner is None or not owner.local or owner.alive():
        return None
    return owner


def _stop_model(model: Owner, grace_s: float) -> None:
    model.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while model.alive() and time.monotonic() < deadline:
        # Not our child: there is nothing to wait on but its disappearance.
        time.sleep(_WAIT_S)
    model.kill()


def end_orphaned_runs(
    api: OrchestrationApi, experiment_id: str, grace_s: float
) -> list[Mapping[str, Any]]:
    """End the experiment's orphaned runs (trial CANCELED, run failed); returns them ended."""
    ended: list[Mapping[str, Any]] = []
    for run in api.experiment_runs(experiment_id):
        owner = orphan_owner(run)
        if owner is None:
            continue
        run_id = str(run["id"])
        model = Owner.from_dev_metadata("model", run.get("dev_metadata") or {})
        if model is not None:
            _stop_model(model, grace_s)
        trial = api.cancel_trial(run_id)
        if trial.get("trial_state") == "STOPPING_CANCELED":
            # Another resume may have ended it first.
            with contextlib.suppress(DialinError):
                api.allocation_exited(run_id, int(trial["trial_run_id"]), "KILLED", None)
        ended.append(
            api.merge_run(
                run_id, {"dev_metadata": {"reason": f"orphaned: its launcher {owner} is gone"}}
            )
        )
    return ended
