"""A training process killed mid-run restarts as a new allocation and resumes from its latest
checkpoint; its dead predecessor's reports are refused. Real processes, a real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.dialin import RunningServer
from support.trial_api import TrialApi

PROGRAM = Path(__file__).with_name("train_program.py")
CHECKPOINT_WAIT_S = 60.0


@pytest.fixture
def api(dialin_server: RunningServer) -> Iterator[TrialApi]:
    client = TrialApi(dialin_server.api_url, dialin_server.token_a)
    yield client
    client.close()


def _environment(server: RunningServer, trial_id: int, trial_run_id: int) -> dict[str, str]:
    """What a dialin launcher sets for a run, and nothing else of dialin's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALIN_", "SIGOPT_"))}
    return {
        **env,
        "DIALIN_API_URL": server.api_url,
        "DIALIN_API_TOKEN": server.token_a,
        "DIALIN_TRIAL_ID": str(trial_id),
        "DIALIN_TRIAL_RUN_ID": str(trial_run_id),
    }


def _wait_for_checkpoint(api: TrialApi, trial_id: int, steps: int) -> None:
    deadline = time.monotonic() + CHECKPOINT_WAIT_S
    while time.monotonic() < deadline:
        latest = api.http.get(f"/api/v1/trials/{trial_id}/checkpoints/latest")
        if latest.status_code == 200 and latest.json()["steps_completed"] >= steps:
            return
        # The training process is elsewhere; polling the server is how a launcher watches it.
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint at step {steps} after {CHECKPOINT_WAIT_S:.0f} s")


@pytest.mark.slow
def test_killed_training_resumes_from_its_latest_checkpoint(
    api: TrialApi, dialin_server: RunningServer
) -> None:
    trial = api.started_trial(api.experiment(), lr=0.5)
    tid = trial["id"]
    assert trial["trial_run_id"] == 1
    first = subprocess.Popen(
        [sys.executable, str(PROGRAM)],
        env=_environment(dialin_server, tid, 1),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_checkpoint(api, tid, 10)
        first.send_signal(signal.SIGKILL)
        output, errors = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == -signal.SIGKILL, errors
    assert output.startswith("fresh start")
    resumable = api.ok("GET", f"/api/v1/trials/{tid}/checkpoints/latest")["steps_completed"]

    exited = api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 1, "cause": "CRASHED", "error": "killed by signal 9"},
    )
    assert exited["reallocate"] is True
    assert (exited["trial_run_id"], exited["restarts"], exited["state"]) == (2, 1, "RUNNING")

    stale = api.report(tid, 1, resumable + 1, loss=0.0)
    assert stale.status_code == 400
    assert stale.json()["field"] == "trial_run_id"

    second = subprocess.run(
        [sys.executable, str(PROGRAM)],
        env=_environment(dialin_server, tid, 2),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0] == f"resumed from step {resumable}"
    assert second.stdout.splitlines()[-1] == "finished"

    done = api.ok(
        "POST",
        f"/api/v1/trials/{tid}/allocations/exit",
        json={"trial_run_id": 2, "cause": "EXITED"},
    )
    assert done["state"] == "COMPLETED"
    detail = api.ok("GET", f"/api/v1/trials/{tid}")
    assert (detail["restarts"], detail["trial_run_id"]) == (1, 2)
    assert detail["total_batches_processed"] == 30
    assert detail["latest_checkpoint"]["steps_completed"] == 30
    # The work the killed run did past its checkpoint was redone: its reports are archived,
    # so each step counts once.
    loss = detail["summary_metrics"]["validation_metrics"]["loss"]
    assert loss["count"] == 30 and loss["last"] == pytest.approx(0.5 / 30)
    assert detail["best_validation"]["steps_completed"] == 30
    reasons = [change["reason"] for change in detail["history"]]
    assert reasons == [
        "created",
        "allocation started",
        "restart after crash",
        "runner finished",
    ]
