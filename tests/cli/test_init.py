"""``dialin init``: the files it writes, and it never replaces one without ``--force``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from support.dialin import dialin_command

FILES = ["run.yml", "experiment.yml", "model.py", "Dockerfile", ".dockerignore"]


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
    assert [line.removeprefix("Wrote ") for line in result.stdout.splitlines()[:5]] == FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    experiment = yaml.safe_load((tmp_path / "experiment.yml").read_text())
    assert [m["name"] for m in experiment["metrics"]] == ["accuracy"]
    assert {p["name"] for p in experiment["parameters"]} == {"l1_ratio", "log_alpha"}
    model = (tmp_path / "model.py").read_text()
    assert 'log_metric("accuracy"' in model and "sigopt.params" in model
    assert yaml.safe_load((tmp_path / "run.yml").read_text())["run"] == "python model.py"
    assert "COPY . ." in (tmp_path / "Dockerfile").read_text()
    assert "__pycache__" in (tmp_path / ".dockerignore").read_text().split()


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
    assert "sigopt.params" in (tmp_path / "model.py").read_text()


def test_a_directory_in_the_way_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").mkdir()
    result = init(tmp_path, "--force")
    assert result.returncode == 1
    assert "Dockerfile already exists and is not a file." in result.stderr
