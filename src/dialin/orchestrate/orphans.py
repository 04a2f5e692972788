"""Runs a dead launcher left active: found and ended when an experiment is resumed.

A run is orphaned when its ``dev_metadata`` names a launcher on this host that is no longer
running (owners.py), or a launcher on another host whose heartbeat (written every
``HEARTBEAT_S``) is older than ``STALE_AFTER_S``. A model on this host, if still alive (models
run in sessions of their own, so they outlive a SIGKILLed launcher), is stopped as Ctrl-C stops
one: SIGTERM, SIGKILL after the grace period; one on another host cannot be reached from here.
Then the run's trial is cancelled and the run says why in ``dev_metadata.reason``.

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
from dialin.orchestrate.runs import HEARTBEAT_S

__all__ = ["STALE_AFTER_S", "end_orphaned_runs", "orphan_reason"]

# Four missed heartbeats, and room for the clocks of two hosts to disagree.
STALE_AFTER_S = 4 * HEARTBEAT_S
_WAIT_S = 0.1


def orphan_reason(run: Mapping[str, Any], now: float) -> str | None:
    """Why an active run is an orphan, or None when it is not (its launcher is alive, or it
    was not started by a dialin launcher)."""
    if run.get("state") != "active":
        return None
    meta = run.get("dev_metadata") or {}
    owner = Owner.from_dev_metadata("launcher", meta)
    if owner is None:
        return None
    if owner.local:
        return None if owner.alive() else f"orphaned: its launcher {owner} is gone"
    beat = meta.get("launcher_heartbeat")
    if isinstance(beat, int | float) and now - beat > STALE_AFTER_S:
        return f"orphaned: its launcher {owner} sent no heartbeat for {int(now - beat)} s"
    return None


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
        reason = orphan_reason(run, time.time())
        if reason is None:
            continue
        run_id = str(run["id"])
        model = Owner.from_dev_metadata("model", run.get("dev_metadata") or {})
        if model is not None and model.local:
            _stop_model(model, grace_s)
        trial = api.cancel_trial(run_id)
        if trial.get("trial_state") == "STOPPING_CANCELED":
            # Another resume may have ended it first.
            with contextlib.suppress(DialinError):
                api.allocation_exited(run_id, int(trial["trial_run_id"]), "KILLED", None)
        ended.append(api.merge_run(run_id, {"dev_metadata": {"reason": reason}}))
    return ended
