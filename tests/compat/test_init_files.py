"""The files ``dialin init`` writes work unchanged with SigOpt's own CLI against dialin:
``sigopt optimize -e experiment.yml`` takes run.yml's command, and model.py's ``dialin`` run API
finds its run in the context ``sigopt optimize`` hands it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from support.dialin import RunningServer, dialin_command
from support.sigopt_client import connect

SIGOPT = str(Path(sys.executable).parent / "sigopt")
TIMEOUT_S = 180


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sigopt_optimize_runs_the_init_files(dialin_server: RunningServer, tmp_path: Path) -> None:
    model_dir = tmp_path / "sgd-digits"
    model_dir.mkdir()
    written = subprocess.run(
        [*dialin_command(), "init"],
        cwd=model_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert written.returncode == 0, written.stderr
    experiment_file = model_dir / "experiment.yml"
    # Only the budget changes: scikit-learn's import makes every run take seconds here.
    experiment_file.write_text(experiment_file.read_text().replace("budget: 20", "budget: 2"))
    token = dialin_server.new_token(f"init-{secrets.token_hex(4)}")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SIGOPT_API_URL": dialin_server.api_url,
        "SIGOPT_API_TOKEN": token,
        "SIGOPT_HOME": str(tmp_path / ".sigopt"),
    }
    env.pop("SIGOPT_PROJECT", None)

    def sigopt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SIGOPT, *args],
            cwd=model_dir,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT_S,
        )

    created = sigopt("create", "project")
    assert created.returncode == 0, created.stderr
    done = sigopt("optimize", "-e", "experiment.yml")
    assert done.returncode == 0, done.stdout + done.stderr

    conn = connect(dialin_server.api_url, token)
    (experiment,) = list(conn.aiexperiments().fetch().iterate_pages())
    assert experiment.project == "sgd-digits"
    assert experiment.progress.total_run_count == 2 and experiment.progress.remaining_budget == 0
    filters = json.dumps([{"field": "experiment", "operator": "==", "value": experiment.id}])
    project_runs = conn.clients(experiment.client).projects(experiment.project).training_runs()
    runs = list(project_runs.fetch(filters=filters).iterate_pages())
    assert len(runs) == 2
    for run in runs:
        assert run.state == "completed" and run.name == "sgd-digits"
        assert 0 < run.values["accuracy"].value <= 1
        assert set(run.assignments) >= {"l1_ratio", "log_alpha"}
