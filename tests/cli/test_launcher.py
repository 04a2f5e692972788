"""The local launcher as a trial launcher (spec trials §1, §5): sub-states as the model starts,
restarts resuming from the latest checkpoint, pause and kill from another terminal, the
early-exit deadline. Real ``dialin run`` processes, real models, a real server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.dialin import RunningServer
from support.local_runs import RunningDialin, clean_environment, dialin, wait_for
from support.sigopt_client import connect
from support.trial_api import TrialApi

# Resumes from its latest checkpoint, logs a loss per step, checkpoints every 5 steps, crashes
# once at CRASH_AT on a fresh start, stops when asked.
TRAINING = """\
import json, os, sys, tempfile, time
from pathlib import Path

import dialin

restored = dialin.load_latest_checkpoint()
start = json.loads((Path(restored) / "state.json").read_text())["step"] if restored else 0
print("resumed from step", start, flush=True)
for step in range(start + 1, 21):
    time.sleep(float(os.environ.get("STEP_S", "0.05")))
    dialin.log_metric("loss", 1 / step, step=step)
    if step % 5 == 0:
        with tempfile.TemporaryDirectory() as directory:
            Path(directory, "state.json").write_text(json.dumps({"step": step}))
            dialin.log_checkpoint(directory, {"steps_completed": step})
    if start == 0 and step == int(os.environ.get("CRASH_AT", "0")):
        print("crashing", file=sys.stderr, flush=True)
        sys.exit(5)
    if dialin.should_stop():
        print("stopping at step", step, flush=True)
        sys.exit(0)
print("finished", flush=True)
"""

STUBBORN = """\
import signal, sys, time
import dialin

signal.signal(signal.SIGTERM, signal.SIG_IGN)
if len(sys.argv) > 1:
    dialin.report_early_exit("INVALID_HP")
print("up", flush=True)
time.sleep(120)
"""

on_sqlite = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def env(dialin_server: RunningServer) -> dict[str, str]:
    return {
        **clean_environment(),
        "DIALIN_API_URL": dialin_server.api_url,
        "DIALIN_API_TOKEN": dialin_server.token_a,
    }


@pytest.fixture
def api(dialin_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=dialin_server.api_url, auth=(dialin_server.token_a, ""), timeout=30.0
    ) as client:
        yield client


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(TRAINING)
    (tmp_path / "stubborn.py").write_text(STUBBORN)
    return tmp_path


def trial(api: httpx.Client, run_id: str) -> dict[str, Any]:
    reply = api.get(f"/api/v1/trials/{run_id}")
    assert reply.status_code == 200, reply.text
    detail: dict[str, Any] = reply.json()
    return detail


def run_id_in(output: str) -> str:
    match = re.search(r"Run (\d+) started", output)
    assert match, output
    return match.group(1)


def launcher_log(api: httpx.Client, run_id: str) -> list[tuple[int, str]]:
    lines = api.get(f"/api/v1/trials/{run_id}/logs").json()["data"]
    return [
        (line["trial_run_id"], line["content"]) for line in lines if line["stream"] == "launcher"
    ]


@on_sqlite
def test_a_crashed_model_restarts_from_its_latest_checkpoint(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    done = dialin(
        ["run", "-p", "restarts", "--max-restarts", "2", "python", "train.py"],
        workdir,
        {**env, "CRASH_AT": "12"},
    )

    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout
    # The sub-states, in the order the launcher went through them, twice.
    phases = re.findall(r"Run \d+: (QUEUED|STARTING|RUNNING|RESTARTING[^\n]*)", output)
    assert phases == [
        "QUEUED",
        "STARTING",
        "RUNNING",
        "RESTARTING after exit status 5 (restart 1)",
        "STARTING",
        "RUNNING",
    ]
    assert "resumed from step 0" in output and "resumed from step 10" in output
    assert "finished" in output
    run_id = run_id_in(output)
    detail = trial(api, run_id)
    assert (detail["state"], detail["restarts"], detail["trial_run_id"]) == ("COMPLETED", 1, 2)
    assert detail["max_restarts"] == 2
    assert detail["latest_checkpoint"]["steps_completed"] == 20
    # Steps 11 and 12 of the crashed run were redone: each step counts once.
    assert detail["summary_metrics"]["validation_metrics"]["loss"]["count"] == 20
    assert launcher_log(api, run_id) == [
        (1, "STARTING"),
        (1, "RUNNING"),
        (2, "RESTARTING after exit status 5 (restart 1)"),
        (2, "STARTING"),
        (2, "RUNNING"),
    ]
    output_log = api.get(f"/api/v1/trials/{run_id}/logs").json()["data"]
    printed = [(line["trial_run_id"], line["content"]) for line in output_log]
    assert (1, "stderr: crashing") in printed and (2, "stdout: resumed from step 10") in printed
    run = api.get(f"/v1/training_runs/{run_id}").json()
    assert run["state"] == "completed"
    assert "crashing" in run["logs"]["stderr"]["content"]


@on_sqlite
def test_a_model_crashing_past_max_restarts_fails_its_run(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    (workdir / "crash.py").write_text("import sys\nprint('attempt')\nsys.exit(4)\n")

    done = dialin(
        ["run", "-p", "restarts", "--max-restarts", "1", "python", "crash.py"], workdir, env
    )

    assert done.returncode == 4, done.stdout + done.stderr
    assert done.stdout.count("attempt") == 2
    detail = trial(api, run_id_in(done.stdout))
    assert (detail["state"], detail["restarts"], detail["trial_run_id"]) == ("ERROR", 1, 2)


@on_sqlite
def test_pause_and_activate_from_another_terminal(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    with RunningDialin(
        ["run", "-p", "steered", "python", "train.py"], workdir, {**env, "STEP_S": "0.3"}
    ) as running:
        run_id = running.line(r"Run (\d+) started").group(1)
        wait_for(
            lambda: api.get(f"/api/v1/trials/{run_id}/checkpoints/latest").status_code == 200,
            "a first checkpoint",
        )
        assert trial(api, run_id)["state"] == "RUNNING"
        paused = dialin(["trial", "pause", run_id], workdir, env)
        assert paused.returncode == 0, paused.stderr
        # The model sees the stop flag, checkpoints no more and exits 0; the run stays active.
        running.line(r"PAUSED: waiting")
        assert any(line.startswith("stopping at step") for line in running.seen)
        assert trial(api, run_id)["state"] == "PAUSED"
        assert api.get(f"/v1/training_runs/{run_id}").json()["state"] == "active"

        activated = dialin(["trial", "activate", run_id], workdir, env)
        assert activated.returncode == 0, activated.stderr
        output = running.finish()
    assert running.returncode == 0, output
    resumed = re.findall(r"resumed from step (\d+)", output)
    assert resumed[0] == "0" and int(resumed[1]) >= 5
    assert output.count("finished") >= 1
    detail = trial(api, run_id)
    # A pause is no failure: no restart counted, a new allocation.
    assert (detail["state"], detail["restarts"], detail["trial_run_id"]) == ("COMPLETED", 0, 2)


@on_sqlite
def test_kill_from_another_terminal_ends_the_model_at_once(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    with RunningDialin(
        ["run", "-p", "steered", "--stop-grace", "60", "python", "stubborn.py"], workdir, env
    ) as running:
        run_id = running.line(r"Run (\d+) started").group(1)
        running.line(r"^up$")
        killed_at = time.monotonic()
        killed = dialin(["trial", "kill", run_id], workdir, env)
        assert killed.returncode == 0, killed.stderr
        output = running.finish(timeout=60)
        took = time.monotonic() - killed_at
    # SIGKILL without the 60 s grace a stop would get.
    assert took < 20, took
    assert running.returncode == 137, output
    assert "the run was canceled" in output
    assert trial(api, run_id)["state"] == "CANCELED"
    run = api.get(f"/v1/training_runs/{run_id}").json()
    assert run["state"] == "failed" and run["dev_metadata"]["reason"] == "canceled"


@on_sqlite
def test_a_model_still_running_past_its_early_exit_deadline_is_killed(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    started = time.monotonic()
    done = dialin(
        ["run", "-p", "early", "--stop-grace", "60", "python", "stubborn.py", "invalid"],
        workdir,
        env,
    )
    took = time.monotonic() - started

    assert done.returncode == 137, done.stdout + done.stderr
    # The deadline is 10 s after the report; the launcher polls every second.
    assert 10 <= took < 50, took
    detail = trial(api, run_id_in(done.stdout))
    assert detail["early_exit"] == "INVALID_HP"
    assert detail["state"] == "CANCELED"
    reasons = [change["reason"] for change in detail["history"]]
    assert "early exit: runner did not exit in time" in reasons


@on_sqlite
def test_sigterm_stops_the_model_gracefully_and_cancels_its_run(
    workdir: Path, env: dict[str, str], api: httpx.Client, dialin_server: RunningServer
) -> None:
    with RunningDialin(
        ["run", "-p", "terminated", "python", "train.py"], workdir, {**env, "STEP_S": "0.3"}
    ) as running:
        run_id = running.line(r"Run (\d+) started").group(1)
        running.line(r"resumed from step 0")
        wait_for(lambda: trial(api, run_id)["total_batches_processed"] >= 2, "two steps")
        running.process.terminate()
        output = running.finish(timeout=60)
    assert running.returncode == 130, output
    # The model saw the stop and ended its loop itself.
    assert re.search(r"stopping at step \d+", output)
    assert trial(api, run_id)["state"] == "CANCELED"
    run = connect(dialin_server.api_url, dialin_server.token_a).training_runs(run_id).fetch()
    assert run.state == "failed"
    assert run.dev_metadata["reason"] == "canceled" and run.dev_metadata["exit_status"] == 0


def test_the_launcher_phase_is_the_trial_state(dialin_server: RunningServer) -> None:
    """What a launcher reports of its open allocation is the ACTIVE trial's sub-state."""
    api = TrialApi(dialin_server.api_url, dialin_server.token_a)
    try:
        tid = api.trial(api.experiment())["id"]
        assert api.ok("GET", f"/api/v1/trials/{tid}")["state"] == "QUEUED"
        started = api.ok("POST", f"/api/v1/trials/{tid}/allocations", json={"phase": "STARTING"})
        assert (started["state"], started["trial_run_id"]) == ("STARTING", 1)
        phase = f"/api/v1/trials/{tid}/allocations/phase"
        running = api.ok("POST", phase, json={"trial_run_id": 1, "phase": "RUNNING"})
        assert (running["state"], running["trial_state"]) == ("RUNNING", "ACTIVE")
        for body, field in (
            ({"trial_run_id": 1, "phase": "QUEUED"}, "phase"),
            ({"trial_run_id": 1, "phase": "DANCING"}, "phase"),
            ({"phase": "RUNNING"}, "trial_run_id"),
        ):
            refused = api.http.post(phase, json=body)
            assert refused.status_code == 400 and refused.json()["field"] == field, refused.text
        stale = api.http.post(phase, json={"trial_run_id": 7, "phase": "STARTING"})
        assert stale.status_code == 400, stale.text
        assert api.ok("GET", f"/api/v1/trials/{tid}")["state"] == "RUNNING"
    finally:
        api.close()


@on_sqlite
def test_experiment_pause_and_activate_from_another_terminal(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    (workdir / "experiment.yml").write_text(
        "name: paused together\nparameters:\n  - name: x\n    type: double\n"
        "    bounds: {min: 0, max: 1}\nmetrics:\n  - name: loss\n    objective: minimize\n"
        "parallel_bandwidth: 2\nbudget: 2\n"
    )
    with RunningDialin(
        ["optimize", "python", "train.py"], workdir, {**env, "STEP_S": "0.3"}
    ) as running:
        experiment_id = running.line(r"AI experiment (\d+) created").group(1)

        def both_checkpointed() -> list[str] | None:
            trials = api.get(f"/api/v1/experiments/{experiment_id}/trials").json()["data"]
            ids = [str(t["id"]) for t in trials]
            latest = [api.get(f"/api/v1/trials/{i}/checkpoints/latest") for i in ids]
            return ids if len(ids) == 2 and all(r.status_code == 200 for r in latest) else None

        run_ids = wait_for(both_checkpointed, "two checkpointed trials")
        paused = dialin(["experiment", "pause", experiment_id], workdir, env)
        assert paused.returncode == 0, paused.stderr
        wait_for(
            lambda: all(trial(api, i)["state"] == "PAUSED" for i in run_ids), "both trials paused"
        )
        # Paused trials keep their slots: the run is still active for SigOpt clients.
        assert all(api.get(f"/v1/training_runs/{i}").json()["state"] == "active" for i in run_ids)
        activated = dialin(["experiment", "activate", experiment_id], workdir, env)
        assert activated.returncode == 0, activated.stderr
        output = running.finish(timeout=180)
    assert running.returncode == 0, output
    assert f"AI experiment {experiment_id}: 2 runs completed, 0 failed, 0 canceled" in output
    for run_id in run_ids:
        detail = trial(api, run_id)
        # Paused, then resumed from its checkpoint as a second allocation.
        assert (detail["state"], detail["trial_run_id"], detail["restarts"]) == (
            "COMPLETED",
            2,
            0,
        )
    assert len(re.findall(r"resumed from step [1-9]\d*", output)) == 2


@on_sqlite
def test_a_model_that_fails_its_own_run_ends_its_allocation(
    workdir: Path, env: dict[str, str], api: httpx.Client
) -> None:
    # The model reports its failure through SigOpt's client, then exits: the run's end stands
    # (no restart) and the allocation closes, so its wall-clock time stops counting.
    (workdir / "gives_up.py").write_text(
        "import sigopt\nsigopt.log_failure()\nprint('gave up', flush=True)\n"
    )

    done = dialin(
        ["run", "-p", "restarts", "--max-restarts", "2", "python", "gives_up.py"], workdir, env
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("gave up") == 1
    run_id = run_id_in(done.stdout)
    detail = trial(api, run_id)
    assert (detail["state"], detail["restarts"], detail["trial_run_id"]) == ("ERROR", 0, 1)
    assert api.get(f"/v1/training_runs/{run_id}").json()["state"] == "failed"
    spent = detail["wall_clock_time"]
    time.sleep(1.5)
    assert trial(api, run_id)["wall_clock_time"] == spent
