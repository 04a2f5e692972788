"""The ``sigopt`` command line as users run it against dialin: ``sigopt create project``,
``sigopt optimize`` on a small scikit-learn model, and several ``sigopt start-worker`` processes
sharing one budget."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sigopt import Connection

from support.dialin import RunningServer
from support.sigopt_client import connect

SIGOPT = str(Path(sys.executable).parent / "sigopt")
TIMEOUT_S = 120

MODEL = """\
import sigopt
from sklearn.datasets import load_iris
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

features, labels = load_iris(return_X_y=True)
sigopt.log_dataset("iris")
model = SVC(C=sigopt.params.C, gamma=sigopt.params.gamma)
sigopt.log_model("SVC")
sigopt.log_metric("accuracy", cross_val_score(model, features, labels, cv=3).mean())
"""

EXPERIMENT = """\
name: SVC on iris
metrics:
  - name: accuracy
    objective: maximize
parameters:
  - name: C
    type: double
    bounds: {min: 0.01, max: 100}
    transformation: log
  - name: gamma
    type: double
    bounds: {min: 0.0001, max: 1}
    transformation: log
budget: 3
"""

TRACKED = """\
import sigopt

sigopt.params.setdefault("C", 2.0)
sigopt.log_metadata("note", "tracked by sigopt run")
sigopt.log_metric("accuracy", 0.75)
"""

QUICK = """\
import random, time
import sigopt

time.sleep(random.random() / 5)
sigopt.log_metric("accuracy", sigopt.params.C)
"""


def _sigopt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SIGOPT, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT_S,
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "quick.py").write_text(QUICK)
    (tmp_path / "tracked.py").write_text(TRACKED)
    (tmp_path / "experiment.yml").write_text(EXPERIMENT)
    return tmp_path


@pytest.fixture
def token(server: RunningServer) -> str:
    return server.new_token(f"cli-{secrets.token_hex(4)}")


@pytest.fixture
def env(server: RunningServer, token: str, workdir: Path) -> dict[str, str]:
    """What the SigOpt docs tell users to export, and a SigOpt home of the test's own."""
    project = f"cli-{secrets.token_hex(4)}"
    environment = {
        **os.environ,
        "SIGOPT_API_URL": server.api_url,
        "SIGOPT_API_TOKEN": token,
        "SIGOPT_PROJECT": project,
        "SIGOPT_HOME": str(workdir / ".sigopt"),
    }
    created = _sigopt(["create", "project"], environment, workdir)
    assert created.returncode == 0, created.stderr
    return environment


def experiment_runs(conn: Connection, experiment: Any) -> list[Any]:
    """The experiment's runs, as ``AIExperimentContext.get_runs`` lists them."""
    filters = json.dumps([{"field": "experiment", "operator": "==", "value": experiment.id}])
    runs = conn.clients(experiment.client).projects(experiment.project).training_runs()
    return list(runs.fetch(filters=filters).iterate_pages())


def test_optimize_a_scikit_learn_model(
    server: RunningServer, token: str, env: dict[str, str], workdir: Path
) -> None:
    done = _sigopt(["optimize", "-e", "experiment.yml", sys.executable, "model.py"], env, workdir)
    assert done.returncode == 0, done.stderr

    conn = connect(server.api_url, token)
    (experiment,) = list(conn.aiexperiments().fetch().iterate_pages())
    assert experiment.progress.total_run_count == 3 and experiment.progress.remaining_budget == 0
    runs = experiment_runs(conn, experiment)
    assert len(runs) == 3
    for run in runs:
        assert run.state == "completed" and run.observation is not None
        assert "accuracy" in run.values, done.stderr
        assert 0 < run.values["accuracy"].value <= 1
        assert run.datasets == ["iris"] and run.model.type == "SVC"
    (best,) = conn.aiexperiments(experiment.id).best_training_runs().fetch().data
    assert best.values["accuracy"].value == max(r.values["accuracy"].value for r in runs)


def test_run_tracks_a_program(
    server: RunningServer, token: str, env: dict[str, str], workdir: Path
) -> None:
    done = _sigopt(["run", sys.executable, "tracked.py"], env, workdir)
    assert done.returncode == 0, done.stderr
    conn = connect(server.api_url, token)
    client_id = conn.tokens("self").fetch().client
    runs = conn.clients(client_id).projects(env["SIGOPT_PROJECT"]).training_runs().fetch()
    (run,) = list(runs.iterate_pages())
    assert run.name.startswith(env["SIGOPT_PROJECT"]) and run.state == "completed"
    assert dict(run.assignments) == {"C": 2} and run.values["accuracy"].value == 0.75
    assert run.metadata["note"] == "tracked by sigopt run"


def test_workers_never_exceed_the_budget(
    server: RunningServer, token: str, env: dict[str, str], workdir: Path
) -> None:
    conn = connect(server.api_url, token)
    client_id = conn.tokens("self").fetch().client
    experiment = (
        conn.clients(client_id)
        .projects(env["SIGOPT_PROJECT"])
        .aiexperiments()
        .create(
            name="Shared budget",
            parameters=[{"name": "C", "type": "double", "bounds": {"min": 0, "max": 1}}],
            metrics=[{"name": "accuracy"}],
            budget=7,
            parallel_bandwidth=4,
        )
    )
    workers = [
        subprocess.Popen(
            [SIGOPT, "start-worker", experiment.id, sys.executable, "quick.py"],
            env=env,
            cwd=workdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(w.wait(timeout=TIMEOUT_S), w.communicate()[1]) for w in workers]

    runs = experiment_runs(conn, experiment)
    progress = conn.aiexperiments(experiment.id).fetch().progress
    assert len(runs) == 7, (progress, outcomes)
    assert all(r.state == "completed" and r.observation is not None for r in runs)
    assert len({r.suggestion for r in runs}) == 7
    # A worker that would lose the race for the last run is told nothing remains: every
    # worker ends cleanly.
    for code, stderr in outcomes:
        assert code == 0, stderr
    assert "used its budget" not in "".join(stderr for _, stderr in outcomes)
