"""``dialin run`` and ``dialin optimize`` as users run them: real model subprocesses, a real
server (remote through the environment, or embedded when none is configured)."""

from __future__ import annotations

import os
import re
import secrets
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.dialin import RunningServer
from support.local_runs import (
    RunningDialin,
    clean_environment,
    dialin,
    experiment_id_in,
    runs_of,
    wait_for,
)

QUICK_MODEL = """\
import os, sys, time
import sigopt

x = sigopt.params.x
print("x", x, *sys.argv[1:], flush=True)
crash = os.environ.get("CRASH_ONCE")
if crash:
    try:
        os.close(os.open(crash, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        pass
    else:
        print("crashing on purpose", file=sys.stderr)
        sys.exit(3)
deadline = time.monotonic() + float(os.environ.get("MODEL_SLEEP", "0"))
while time.monotonic() < deadline:
    time.sleep(0.1)
sigopt.log_metric("score", -((x - 0.3) ** 2))
"""

EXPERIMENT = """\
name: NAME
parameters:
  - name: x
    type: double
    bounds: {min: 0, max: 1}
metrics:
  - name: score
    objective: maximize
parallel_bandwidth: 2
budget: BUDGET
"""


# The session's SQLite server: these tests are about processes, not databases.
on_sqlite = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def server(dialin_server: RunningServer) -> RunningServer:
    return dialin_server


@pytest.fixture
def token(server: RunningServer) -> str:
    return server.token_a


@pytest.fixture
def remote_env(server: RunningServer, token: str) -> dict[str, str]:
    return {**clean_environment(), "DIALIN_API_URL": server.api_url, "DIALIN_API_TOKEN": token}


@pytest.fixture
def api(server: RunningServer, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.api_url, auth=(token, ""), timeout=30.0) as client:
        yield client


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    directory = tmp_path / "quick-model"
    directory.mkdir()
    (directory / "quick.py").write_text(QUICK_MODEL)
    return directory


def write_experiment(directory: Path, budget: int) -> str:
    """An experiment.yml of its own name, so tests sharing a client tell theirs apart."""
    name = f"quick {secrets.token_hex(4)}"
    (directory / "experiment.yml").write_text(
        EXPERIMENT.replace("BUDGET", str(budget)).replace("NAME", name)
    )
    return name


def test_optimize_the_init_template_on_an_embedded_server(tmp_path: Path) -> None:
    env = clean_environment()
    assert dialin(["init"], tmp_path, env).returncode == 0
    experiment = tmp_path / "experiment.yml"
    # One round of parallel_bandwidth 2: scikit-learn's import is most of a run's time.
    experiment.write_text(experiment.read_text().replace("budget: 20", "budget: 2"))

    done = dialin(["optimize"], tmp_path, env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "serving on http://127.0.0.1:" in done.stderr
    experiment_id = experiment_id_in(done.stdout)
    assert f"AI experiment {experiment_id}: 2 runs completed, 0 failed, 0 canceled" in done.stdout
    assert re.search(
        r"Best accuracy 0\.\d+ \(run \d+\): l1_ratio=[\d.e-]+, log_alpha=", done.stdout
    )
    assert f"dialin experiment plot {experiment_id}" in done.stdout
    assert f"/experiments/{experiment_id}" in done.stdout
    assert (tmp_path / "dialin.db").is_file()

    for name in ("history.html", "history.png"):
        plotted = dialin(["experiment", "plot", experiment_id, "-o", name], tmp_path, env)
        assert plotted.returncode == 0, plotted.stderr
        assert f"Wrote {name} (2 runs)" in plotted.stdout
    assert "plotly" in (tmp_path / "history.html").read_text()[:200_000].lower()
    assert (tmp_path / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@on_sqlite
def test_a_crashing_run_does_not_stop_the_experiment(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    write_experiment(workdir, budget=4)
    env = {**remote_env, "CRASH_ONCE": str(workdir / "crashed")}

    done = dialin(["optimize", "python", "quick.py"], workdir, env)

    assert done.returncode == 0, done.stdout + done.stderr
    experiment_id = experiment_id_in(done.stdout)
    assert f"AI experiment {experiment_id}: 3 runs completed, 1 failed, 0 canceled" in done.stdout
    assert "crashing on purpose" in done.stdout
    runs = runs_of(api, experiment_id)
    assert sorted(r["state"] for r in runs) == ["completed"] * 3 + ["failed"]
    (crashed,) = [r for r in runs if r["state"] == "failed"]
    assert crashed["dev_metadata"]["exit_status"] == 3
    # No restarts unless asked for (--max-restarts): the trial errored.
    assert _trial(api, crashed["id"])["state"] == "ERROR"
    assert "crashing on purpose" in crashed["logs"]["stderr"]["content"]
    assert all("score" in r["values"] for r in runs if r["state"] == "completed")
    # The project is the directory's name, created on first use.
    assert {r["project"] for r in runs} == {"quick-model"}


def _trial(api: httpx.Client, run_id: str | int) -> dict[str, Any]:
    reply = api.get(f"/api/v1/trials/{run_id}")
    assert reply.status_code == 200, reply.text
    trial: dict[str, Any] = reply.json()
    return trial


@contextmanager
def _slow_experiment(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client, budget: int
) -> Iterator[tuple[RunningDialin, str, list[dict[str, Any]]]]:
    """``dialin optimize`` with models that run for a minute, once both of its first runs
    have their models running: (the command, the experiment id, its runs)."""
    name = write_experiment(workdir, budget=budget)

    def two_running() -> list[dict[str, Any]] | None:
        listed = api.get("/v1/aiexperiments", params={"limit": 100}).json()["data"]
        mine = [e for e in listed if e["name"] == name]
        if not mine:
            return None
        runs = runs_of(api, mine[0]["id"])
        started = [r for r in runs if "model_pid" in r["dev_metadata"]]
        return runs if len(started) == 2 else None

    with RunningDialin(
        ["optimize", "--stop-grace", "5", "python", "quick.py"],
        workdir,
        {**remote_env, "MODEL_SLEEP": "60"},
    ) as slow:
        runs = wait_for(two_running, "two running models")
        yield slow, str(runs[0]["experiment"]), runs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes: the launcher that would reap it is dead.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@on_sqlite
def test_an_interrupted_experiment_resumes_to_its_budget_exactly(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    with _slow_experiment(workdir, remote_env, api, budget=5) as (slow, experiment_id, _):
        slow.process.send_signal(signal.SIGINT)
        stdout = slow.finish(timeout=60)
    assert slow.returncode == 130, stdout
    assert f"dialin optimize --resume {experiment_id}" in stdout
    assert f"AI experiment {experiment_id}: 0 runs completed, 0 failed, 2 canceled" in stdout
    interrupted = runs_of(api, experiment_id)
    # SigOpt has no canceled state: its clients see failed runs that say why.
    assert [r["state"] for r in interrupted] == ["failed", "failed"]
    assert all(r["dev_metadata"]["reason"] == "canceled" for r in interrupted)
    assert [_trial(api, r["id"])["state"] for r in interrupted] == ["CANCELED", "CANCELED"]

    resumed = dialin(
        ["optimize", "--resume", experiment_id, "python", "quick.py"], workdir, remote_env
    )

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"AI experiment {experiment_id}: 3 runs completed, 0 failed, 2 canceled" in (
        resumed.stdout
    )
    runs = runs_of(api, experiment_id)
    assert len(runs) == 5
    assert [r["state"] for r in runs[2:]] == ["completed"] * 3
    progress = api.get(f"/v1/aiexperiments/{experiment_id}").json()["progress"]
    assert progress["remaining_budget"] == 0 and progress["total_run_count"] == 5


@on_sqlite
def test_resume_ends_the_runs_of_a_killed_optimize(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    """A SIGKILLed ``dialin optimize`` leaves active runs and running models behind; the
    resume stops those models, ends the runs and still creates no run past the budget."""
    with _slow_experiment(workdir, remote_env, api, budget=3) as (slow, experiment_id, orphans):
        slow.process.kill()
        slow.finish(timeout=30)
    models = [int(r["dev_metadata"]["model_pid"]) for r in orphans]
    assert all(_alive(pid) for pid in models)
    assert [r["state"] for r in runs_of(api, experiment_id)] == ["active", "active"]

    resumed = dialin(
        ["optimize", "--resume", experiment_id, "--stop-grace", "2", "python", "quick.py"],
        workdir,
        remote_env,
    )

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    for run in orphans:
        assert f"Run {run['id']} ended: orphaned: its launcher" in resumed.stdout
    assert not any(_alive(pid) for pid in models)
    assert f"AI experiment {experiment_id}: 1 runs completed, 0 failed, 2 canceled" in (
        resumed.stdout
    )
    runs = runs_of(api, experiment_id)
    assert [r["state"] for r in runs] == ["failed", "failed", "completed"]
    assert all(r["dev_metadata"]["reason"].startswith("orphaned") for r in runs[:2])
    assert [_trial(api, r["id"])["state"] for r in runs] == ["CANCELED", "CANCELED", "COMPLETED"]
    progress = api.get(f"/v1/aiexperiments/{experiment_id}").json()["progress"]
    assert progress["total_run_count"] == 3 and progress["remaining_budget"] == 0


@on_sqlite
def test_run_exits_with_the_model_status_and_keeps_its_output(
    server: RunningServer, token: str, workdir: Path, api: httpx.Client
) -> None:
    (workdir / "fail.py").write_text(
        "import sys\nprint('hello', *sys.argv[1:])\nprint('oops', file=sys.stderr)\nsys.exit(3)\n"
    )
    # SigOpt's variables work as dialin's do.
    env = {**clean_environment(), "SIGOPT_API_URL": server.api_url, "SIGOPT_API_TOKEN": token}

    done = dialin(
        ["run", "-p", "failing", "--", "python", "fail.py", "--lr=0.1", "--", "x"], workdir, env
    )

    assert done.returncode == 3, done.stdout + done.stderr
    assert "hello --lr=0.1 -- x" in done.stdout and "oops" in done.stderr
    assert "command exited with non-zero status: 3" in done.stdout
    run_id = re.search(r"Run (\d+) started in project failing", done.stdout)
    assert run_id, done.stdout
    run = api.get(f"/v1/training_runs/{run_id.group(1)}").json()
    assert run["state"] == "failed" and run["project"] == "failing"
    assert run["logs"]["stdout"]["content"] == "hello --lr=0.1 -- x\n"
    assert run["logs"]["stderr"]["content"] == "oops\n"
    assert run["dev_metadata"]["exit_status"] == 3


CONTEXT_MODEL = """\
import base64, json, os, sys

run = json.loads(base64.b64decode(os.environ["SIGOPT_CONTEXT"]))["global_run_context"]["run"]
print(run["id"], os.environ["DIALIN_TRIAL_ID"], os.environ["SIGOPT_PROJECT"], *sys.argv[1:])
"""


@on_sqlite
def test_run_hands_the_model_its_run(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    (workdir / "context.py").write_text(CONTEXT_MODEL)
    (workdir / "run.yml").write_text("name: from run.yml\nrun: [python, context.py, --flag]\n")

    done = dialin(["run", "-p", "handed"], workdir, {**remote_env, "SIGOPT_PROJECT": "ignored"})

    assert done.returncode == 0, done.stdout + done.stderr
    run_id = re.search(r"Run (\d+) started in project handed", done.stdout)
    assert run_id, done.stdout
    assert f"{run_id.group(1)} {run_id.group(1)} handed --flag" in done.stdout
    run = api.get(f"/v1/training_runs/{run_id.group(1)}").json()
    assert run["name"] == "from run.yml" and run["state"] == "completed"
    assert (
        run["logs"]["stdout"]["content"] == f"{run_id.group(1)} {run_id.group(1)} handed --flag\n"
    )


def test_config_errors_exit_2_before_anything_is_created(tmp_path: Path) -> None:
    env = clean_environment()
    (tmp_path / "experiment.yml").write_text(
        EXPERIMENT.replace("budget: BUDGET", "budget: 3").replace(
            "    bounds: {min: 0, max: 1}\n",
            "    bounds: {min: 0, max: 1}\n  - name: y\n    type: double\n    bounds:\n"
            "      min: low\n      max: 1\n",
        )
    )
    bad = dialin(["optimize", "python", "quick.py"], tmp_path, env)
    assert bad.returncode == 2
    assert "experiment.yml:9: parameters[1].bounds.min: " in bad.stderr
    assert "Traceback" not in bad.stderr

    (tmp_path / "run.yml").write_text("name: x\nrun: [python, 3]\n")
    bad_run = dialin(["run"], tmp_path, env)
    assert (
        bad_run.returncode == 2 and "run.yml:2: run[1]: 'run' has some non-string" in bad_run.stderr
    )

    (tmp_path / "run.yml").write_text("name: no command\n")
    missing = dialin(["run"], tmp_path, env)
    assert missing.returncode == 2 and "Missing command" in missing.stderr

    assert not (tmp_path / "dialin.db").exists()


def test_a_remote_server_needs_a_token(tmp_path: Path) -> None:
    env = {**clean_environment(), "DIALIN_API_URL": "http://127.0.0.1:9"}
    done = dialin(["run", "python", "-c", "pass"], tmp_path, env)
    assert done.returncode == 1 and "no API token" in done.stderr


@on_sqlite
def test_experiment_kill_from_another_terminal_kills_its_running_models(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    with _slow_experiment(workdir, remote_env, api, budget=2) as (slow, experiment_id, first):
        killed = dialin(["experiment", "kill", experiment_id], workdir, remote_env)
        assert killed.returncode == 0, killed.stderr
        stdout = slow.finish(timeout=60)
    assert slow.returncode == 0, stdout
    assert f"AI experiment {experiment_id}: 0 runs completed, 0 failed, 2 canceled" in stdout
    assert [_trial(api, r["id"])["state"] for r in first] == ["CANCELED", "CANCELED"]
    assert all(not _alive(int(r["dev_metadata"]["model_pid"])) for r in first)


@on_sqlite
def test_resume_ends_runs_whose_launcher_on_another_host_fell_silent(
    workdir: Path, remote_env: dict[str, str], api: httpx.Client
) -> None:
    client = api.get("/v1/tokens/self").json()["client"]
    project = f"elsewhere-{secrets.token_hex(4)}"
    created = api.post(f"/v1/clients/{client}/projects", json={"id": project, "name": project})
    assert created.status_code == 200, created.text
    experiment = api.post(
        f"/v1/clients/{client}/projects/{project}/aiexperiments",
        json={
            "name": "launched elsewhere",
            "parameters": [{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
            "metrics": [{"name": "score"}],
            "budget": 2,
        },
    ).json()

    def launched_elsewhere(heartbeat_age_s: int) -> dict[str, Any]:
        meta = {
            "launcher_host": "another-host.example",
            "launcher_pid": 4242,
            "launcher_heartbeat": int(time.time()) - heartbeat_age_s,
        }
        created = api.post(
            f"/v1/aiexperiments/{experiment['id']}/training_runs",
            json={"name": "remote", "dev_metadata": meta},
        )
        assert created.status_code == 200, created.text
        run: dict[str, Any] = created.json()
        return run

    silent, beating = launched_elsewhere(600), launched_elsewhere(5)

    resumed = dialin(
        ["optimize", "--resume", experiment["id"], "python", "quick.py"], workdir, remote_env
    )

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert re.search(
        rf"Run {silent['id']} ended: orphaned: its launcher another-host.example:4242 sent no"
        r" heartbeat for 6\d\d s",
        resumed.stdout,
    ), resumed.stdout
    assert f"Run {beating['id']} ended" not in resumed.stdout
    assert _trial(api, silent["id"])["state"] == "CANCELED"
    # A launcher that still beats owns its run; the budget is full, so nothing else ran.
    assert [r["state"] for r in runs_of(api, experiment["id"])] == ["failed", "active"]
