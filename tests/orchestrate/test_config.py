"""run.yml and experiment.yml: every rule of orchestration §2.1, §2.3 and §2.5 names the file,
the line and the field, and the server's experiment rules are checked before any request."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialin.errors import InvalidField
from dialin.orchestrate.config import load_experiment, load_run

VALID_EXPERIMENT = """\
name: SGD classifier
parameters:
  - name: l1_ratio
    type: double
    bounds: {min: 0, max: 1}
metrics:
  - name: accuracy
    objective: maximize
parallel_bandwidth: 2
budget: 4
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(load: object, path: Path) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        load(path)  # type: ignore[operator]
    return caught.value


# (run.yml text, field, line, words of the message)
RUN_CASES = [
    ("name: 3\n", "name", 1, "The run name must be a string, not int"),
    ("name: '  '\n", "name", 1, "The run name cannot be an empty string"),
    ("name: x\nrun: [python, 3]\n", "run[1]", 2, "'run' has some non-string arguments"),
    ("run: {a: 1}\n", "run", 1, "'run' must be a command string or list of command arguments"),
    ("image: 7\n", "image", 1, "The run image must be a string"),
    ("image: ''\n", "image", 1, "The run image cannot be an empty string"),
    ("image: My.Registry/x\n", "image", 1, "image must look like name[:tag]"),
    ("image: user//repo\n", "image", 1, "image must look like name[:tag]"),
    ("image: 'user/repo:'\n", "image", 1, "image must look like name[:tag]"),
    ("resources: [1]\n", "resources", 1, "'resources' must be a mapping of key strings to values"),
    ("resources: {1: 2}\n", "resources", 1, "'resources' can only have string keys"),
    ("resources:\n  requests:\n    cpu: lots\n", "resources.requests.cpu", 3, "quantity"),
    ("resources:\n  limits:\n    memory: 1Gb\n", "resources.limits.memory", 3, "quantity"),
    ("resources:\n  gpus: 1.5\n", "resources.gpus", 2, "not a non-negative integer: 1.5"),
    ("resources:\n  gpus: -1\n", "resources.gpus", 2, "not a non-negative integer"),
    ("aws: {region: x}\n", "aws.region", 1, "unknown aws options: region"),
    ("build_image: maybe\n", "build_image", 1, "build_image must be true or false"),
    (
        "name: x\nimage: y\nflavour: z\nsize: 1\n",
        "flavour",
        3,
        "unknown run options: flavour, size",
    ),
    ("- a\n- b\n", "", 1, "the top level should be a mapping of keys to values"),
    ("name: [unclosed\n", "", 2, "could not parse the YAML"),
]


@pytest.mark.parametrize(("text", "field", "line", "words"), RUN_CASES)
def test_run_file_rules(tmp_path: Path, text: str, field: str, line: int, words: str) -> None:
    error = error_of(load_run, write(tmp_path, "run.yml", text))
    assert error.field == field
    assert error.message.startswith(f"{tmp_path / 'run.yml'}:{line}: "), error.message
    assert words in error.message


def test_a_valid_run_file_and_a_missing_one(tmp_path: Path) -> None:
    config = load_run(
        write(
            tmp_path,
            "run.yml",
            """\
            name: sgd
            run: python train.py --epochs 5
            image: localhost:5000/repo:v1.2
            resources:
              requests: {cpu: 0.5, memory: 512Mi}
              limits: {cpu: 1500m, memory: 1e9}
              gpus: 1
            build_image: false
            """,
        )
    )
    assert config.name == "sgd"
    assert config.command == ("sh", "-c", "python train.py --epochs 5")
    assert config.resources["gpus"] == 1 and config.build_image is False
    assert load_run(write(tmp_path, "list.yml", "run: [python, a.py]\n")).command == (
        "python",
        "a.py",
    )
    assert load_run(tmp_path / "absent.yml").command == ()
    assert load_run(write(tmp_path, "empty.yml", "")).name is None


def _replace(line: str, replacement: str) -> str:
    assert line in VALID_EXPERIMENT
    return VALID_EXPERIMENT.replace(line, replacement)


# (experiment.yml text, field, line, words of the message)
EXPERIMENT_CASES = [
    (_replace("name: SGD classifier\n", ""), "name", None, "name is required"),
    (_replace("name: SGD classifier", "name: 5"), "name", 1, "must be a string"),
    (_replace("name: SGD classifier", "name: ''"), "name", 1, "cannot be an empty string"),
    (
        "name: x\nmetrics: [{name: a}]\n",
        "parameters",
        None,
        "a list of parameters is required",
    ),
    (
        _replace("parameters:\n", "parameters: []\nunused:\n"),
        "parameters",
        2,
        "parameters must be a non-empty list",
    ),
    (
        _replace(
            "  - name: l1_ratio\n    type: double\n",
            "  - 7\n  - name: l1_ratio\n    type: double\n",
        ),
        "parameters[0]",
        3,
        "all parameters must be a mapping of keys to values",
    ),
    (
        _replace("  - name: l1_ratio\n", "  - type: int\n"),
        "parameters[0]",
        3,
        "all parameters require a name",
    ),
    (_replace("    type: double\n", ""), "parameters[0]", 3, "all parameters require a type"),
    (_replace("type: double", "type: ''"), "parameters[0].type", 4, "cannot be an empty string"),
    (
        _replace("    type: double\n", "    type: double\n    3: x\n"),
        "parameters[0]",
        3,
        "all parameter keys must be strings",
    ),
    (
        _replace("bounds: {min: 0, max: 1}", "bounds: {min: zero, max: 1}"),
        "parameters[0].bounds.min",
        5,
        "expected type number",
    ),
    (
        _replace("bounds: {min: 0, max: 1}", "bounds: {min: 2, max: 1}"),
        "parameters[0].bounds",
        5,
        "min",
    ),
    (
        _replace("metrics:\n  - name: accuracy\n    objective: maximize\n", ""),
        "metrics",
        None,
        "a list of metrics is required",
    ),
    (
        _replace("metrics:\n  - name: accuracy\n    objective: maximize\n", "metrics: {}\n"),
        "metrics",
        6,
        "metrics must be a non-empty list",
    ),
    (
        _replace("  - name: accuracy\n", "  - oops\n  - name: accuracy\n"),
        "metrics[0]",
        7,
        "all metrics must be a mapping of keys to values",
    ),
    (
        _replace("  - name: accuracy\n", "  - strategy: optimize\n"),
        "metrics[0]",
        7,
        "all metrics require a name",
    ),
    (
        _replace("objective: maximize", "objective: ''"),
        "metrics[0].objective",
        8,
        "cannot be an empty string",
    ),
    (
        _replace("objective: maximize", "strategy: constraint\n    threshold: high"),
        "metrics[0].threshold",
        9,
        "metric threshold must be a number",
    ),
    (_replace("objective: maximize", "objective: biggest"), "metrics[0].objective", 8, "biggest"),
    (_replace("budget: 4", "budget: -1"), "budget", 10, "budget must be a non-negative number"),
    (_replace("budget: 4", "budget: lots"), "budget", 10, "budget must be a non-negative number"),
    (_replace("budget: 4", "budget: .inf"), "budget", 10, "budget cannot be infinity"),
    # The client lets 0 through (§4.4); the server's rule refuses it, still before any request.
    (_replace("budget: 4", "budget: 0"), "budget", 10, "budget"),
    (
        _replace("parallel_bandwidth: 2", "parallel_bandwidth: 0"),
        "parallel_bandwidth",
        9,
        "parallel_bandwidth must be a positive integer",
    ),
    (
        _replace("parallel_bandwidth: 2", "parallel_bandwidth: 1.5"),
        "parallel_bandwidth",
        9,
        "parallel_bandwidth must be a positive integer",
    ),
    (
        VALID_EXPERIMENT + "project: mine\n",
        "project",
        11,
        "The project field is not permitted in the AIExperiment",
    ),
    (VALID_EXPERIMENT + "1: one\n", "", None, "all AIExperiment keys must be strings"),
    (VALID_EXPERIMENT + "colour: blue\n", "colour", 11, "colour"),
    (_replace("name: SGD classifier", "name: SGD\ntype: bayes"), "type", 2, "bayes"),
    ("[1, 2]\n", "", 1, "the top level should be a mapping of keys to values"),
    ("name: x\n  bad: indent\n", "", 2, "could not parse the YAML"),
]


@pytest.mark.parametrize(("text", "field", "line", "words"), EXPERIMENT_CASES)
def test_experiment_file_rules(
    tmp_path: Path, text: str, field: str, line: int | None, words: str
) -> None:
    path = tmp_path / "experiment.yml"
    path.write_text(text)
    error = error_of(load_experiment, path)
    assert error.field == field, error.message
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert error.message.startswith(where), error.message
    if field:
        assert error.message.startswith(f"{where}{field}: "), error.message
    assert words in error.message


def test_the_field_path_of_a_nested_server_rule_points_at_its_line(tmp_path: Path) -> None:
    text = _replace(
        "metrics:\n",
        "  - name: log_alpha\n    type: double\n    bounds:\n      min: -inf-ish\n"
        "      max: 2\nmetrics:\n",
    )
    error = error_of(load_experiment, write(tmp_path, "experiment.yml", text))
    assert error.field == "parameters[1].bounds.min"
    assert error.message.startswith(f"{tmp_path / 'experiment.yml'}:9: parameters[1].bounds.min: ")


def test_a_valid_experiment_file(tmp_path: Path) -> None:
    config = load_experiment(write(tmp_path, "experiment.yml", VALID_EXPERIMENT))
    assert config.parallel_bandwidth == 2 and config.budget == 4
    assert config.body["name"] == "SGD classifier"


def test_the_experiment_file_must_exist(tmp_path: Path) -> None:
    error = error_of(load_experiment, tmp_path / "experiment.yml")
    assert "does not exist" in error.message
