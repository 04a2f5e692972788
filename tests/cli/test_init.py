"""``dialin init``: the files it writes, and it never replaces one without ``--force``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from support.dialin import dialin_command

FILES = ["run.yml", "experiment.yml", "model.py", "Dockerfile", ".dockerignore", "cluster.yml"]


def init(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*dialin_command(), "init", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_writes_a_model_directory(tmp_path: Path) -> None:
    result = init(tmp_path)
    assert result.returncode == 0, result.stderr
    written = result.stdout.splitlines()[: len(FILES)]
    assert [line.removeprefix("Wrote ") for line in written] == FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    experiment = yaml.safe_load((tmp_path / "experiment.yml").read_text())
    assert [m["name"] for m in experiment["metrics"]] == ["accuracy"]
    assert {p["name"] for p in experiment["parameters"]} == {"l1_ratio", "log_alpha"}
    model = (tmp_path / "model.py").read_text()
    assert "import dialin" in model and "import sigopt" not in model
    assert 'dialin.get_parameter("l1_ratio", 0.15)' in model
    assert 'dialin.log_metric("accuracy"' in model
    assert yaml.safe_load((tmp_path / "run.yml").read_text())["run"] == "python model.py"
    dockerfile = (tmp_path / "Dockerfile").read_text()
    assert "COPY . ." in dockerfile
    assert "pip install --no-cache-dir dialin scikit-learn" in dockerfile
    assert "__pycache__" in (tmp_path / ".dockerignore").read_text().split()
    # An example to uncomment: as written it configures no cluster.
    cluster = (tmp_path / "cluster.yml").read_text()
    assert yaml.safe_load(cluster) is None and "# cluster_name: tiny-cluster" in cluster


def test_refuses_to_replace_a_file_without_force(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text("mine\n")
    refused = init(tmp_path)
    assert refused.returncode == 2
    assert "model.py already exists" in refused.stderr and "--force" in refused.stderr
    # Nothing was written: the check comes before the first file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]
    assert (tmp_path / "model.py").read_text() == "mine\n"

    forced = init(tmp_path, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "dialin.get_parameter" in (tmp_path / "model.py").read_text()


def test_the_model_runs_alone_as_a_plain_script(tmp_path: Path) -> None:
    """Outside any run it trains once with its defaults and prints its metric."""
    assert init(tmp_path).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALIN_", "SIGOPT_"))}
    result = subprocess.run(
        [sys.executable, "model.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"accuracy = 0\.\d+\n", result.stdout)


def test_a_directory_in_the_way_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").mkdir()
    result = init(tmp_path, "--force")
    assert result.returncode == 1
    assert "Dockerfile already exists and is not a file." in result.stderr
