"""run.yml and experiment.yml (orchestration spec §2.1, §2.3, §2.5), with file, line and field.

The YAML is composed as well as loaded: the composed nodes carry the line of every key and list
item, so an error found on a field path (``parameters[1].bounds.min``) points at its line. The
server's own experiment rules run here too, through ``dialin.wire``, so nothing is created when
the file is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialin.errors import InvalidField
from dialin.wire import parse_experiment_create

__all__ = ["ConfigFile", "ExperimentConfig", "RunConfig", "load_experiment", "load_run"]

_QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_IMAGE = re.compile(r"^([a-z0-9_-]+(:[0-9]+)?/?[a-z0-9_-]+)(:[a-zA-Z0-9_.-]+)?$")
_RUN_KEYS = ("name", "run", "image", "resources", "aws", "build_image")
_AWS_KEYS = ("aws_access_key_id", "aws_secret_access_key")
_LAST_SEGMENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def _child(parent: str, key: object) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _lines_of(node: yaml.Node | None, path: str, lines: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = _child(path, key.value)
                lines.setdefault(here, key.start_mark.line + 1)
                _lines_of(value, here, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = _child(path, index)
            lines.setdefault(here, item.start_mark.line + 1)
            _lines_of(item, here, lines)


@dataclass(frozen=True)
class ConfigFile:
    """A loaded YAML mapping and the line of each key path in it."""

    name: str
    content: Mapping[str, Any]
    lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of ``path``, else of its nearest enclosing key that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            trimmed = _LAST_SEGMENT.sub("", path)
            if trimmed == path:
                return None
            path = trimmed
        return None

    def error(self, path: str, message: str) -> InvalidField:
        # The wire's messages end with "(field)"; the prefix names it already.
        message = message.removesuffix(f" ({path})")
        line = self.line_of(path)
        where = f"{self.name}:{line}" if line is not None else self.name
        return InvalidField(path, f"{where}: {path}: {message}" if path else f"{where}: {message}")

    @classmethod
    def read(cls, path: Path, *, required: bool) -> ConfigFile:
        name = str(path)
        if not path.exists():
            if required:
                raise InvalidField("", f"{name}: the file does not exist")
            return cls(name, {})
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidField("", f"{name}: could not open the file: {error}") from error
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            content = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark is not None else name
            problem = getattr(error, "problem", None) or str(error)
            raise InvalidField("", f"{where}: could not parse the YAML: {problem}") from error
        if content is None:
            return cls(name, {})
        if not isinstance(content, dict):
            raise InvalidField("", f"{name}:1: the top level should be a mapping of keys to values")
        lines: dict[str, int] = {}
        _lines_of(node, "", lines)
        return cls(name, content, lines)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _non_empty_string(config: ConfigFile, key: str, value: object, what: str) -> str:
    if not isinstance(value, str):
        raise config.error(key, f"{what} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise config.error(key, f"{what} cannot be an empty string")
    return value


@dataclass(frozen=True)
class RunConfig:
    """run.yml: the run's name and command; image and resources serve cluster commands."""

    name: str | None = None
    command: tuple[str, ...] = ()
    image: str | None = None
    resources: Mapping[str, Any] = field(default_factory=dict)
    aws: Mapping[str, str] = field(default_factory=dict)
    build_image: bool = True


def _command(config: ConfigFile, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return ("sh", "-c", value)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise config.error(f"run[{index}]", "'run' has some non-string arguments")
        return tuple(value)
    raise config.error("run", "'run' must be a command string or list of command arguments")


def _quantity(config: ConfigFile, path: str, value: object) -> None:
    if isinstance(value, bool) or not _QUANTITY.match(str(value)):
        raise config.error(path, f"not a Kubernetes quantity: {value!r}")


def _resources(config: ConfigFile, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise config.error("resources", "'resources' must be a mapping of key strings to values")
    for key in value:
        if not isinstance(key, str):
            raise config.error("resources", "'resources' can only have string keys")
    unknown = sorted(set(value) - {"requests", "limits", "gpus"})
    if unknown:
        raise config.error(f"resources.{unknown[0]}", f"unknown resources: {', '.join(unknown)}")
    for kind in ("requests", "limits"):
        amounts = value.get(kind)
        if amounts is None:
            continue
        if not isinstance(amounts, dict):
            raise config.error(f"resources.{kind}", f"resources.{kind} must be a mapping")
        for name, amount in amounts.items():
            _quantity(config, f"resources.{kind}.{name}", amount)
    gpus = value.get("gpus")
    if gpus is not None and (not isinstance(gpus, int) or isinstance(gpus, bool) or gpus < 0):
        raise config.error(
            "resources.gpus", f"resources.gpus is not a non-negative integer: {gpus}"
        )
    return dict(value)


def _aws(config: ConfigFile, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise config.error("aws", "'aws' must be a mapping of AWS credentials")
    unknown = sorted(str(k) for k in set(value) - set(_AWS_KEYS))
    if unknown:
        raise config.error(f"aws.{unknown[0]}", f"unknown aws options: {', '.join(unknown)}")
    return {k: _non_empty_string(config, f"aws.{k}", v, f"aws.{k}") for k, v in value.items()}


def load_run(path: Path) -> RunConfig:
    """run.yml (§2.3); a missing file is an empty one."""
    config = ConfigFile.read(path, required=False)
    content = config.content
    unknown = [str(k) for k in content if k not in _RUN_KEYS]
    if unknown:
        raise config.error(unknown[0], f"unknown run options: {', '.join(unknown)}")
    name = content.get("name")
    image = content.get("image")
    if image is not None:
        _non_empty_string(config, "image", image, "The run image")
        if not _IMAGE.match(image):
            raise config.error(
                "image",
                "image must look like name[:tag] or namespace/name[:tag]"
                " (lowercase; the registry comes from the cluster)",
            )
    build_image = content.get("build_image", True)
    if not isinstance(build_image, bool):
        raise config.error("build_image", "build_image must be true or false")
    return RunConfig(
        name=None if name is None else _non_empty_string(config, "name", name, "The run name"),
        command=_command(config, content.get("run")),
        image=image,
        resources=_resources(config, content.get("resources")),
        aws=_aws(config, content.get("aws")),
        build_image=build_image,
    )


@dataclass(frozen=True)
class ExperimentConfig:
    """experiment.yml: the AI experiment's create body, checked by the client and server rules."""

    body: Mapping[str, Any]
    parallel_bandwidth: int
    budget: int | None


def _entries(config: ConfigFile, key: str, singular: str) -> Sequence[Any]:
    value = config.content.get(key)
    if value is None:
        raise config.error(key, f"a list of {key} is required")
    if not isinstance(value, list) or not value:
        raise config.error(key, f"{key} must be a non-empty list")
    for index, item in enumerate(value):
        here = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise config.error(here, f"all {key} must be a mapping of keys to values")
        for item_key in item:
            if not isinstance(item_key, str):
                raise config.error(here, f"all {singular} keys must be strings")
    return value


def _check_parameters(config: ConfigFile) -> None:
    for index, parameter in enumerate(_entries(config, "parameters", "parameter")):
        for key in ("name", "type"):
            here = f"parameters[{index}].{key}"
            if parameter.get(key) is None:
                raise config.error(f"parameters[{index}]", f"all parameters require a {key}")
            _non_empty_string(config, here, parameter[key], f"The parameter {key}")


def _check_metrics(config: ConfigFile) -> None:
    for index, metric in enumerate(_entries(config, "metrics", "metric")):
        if metric.get("name") is None:
            raise config.error(f"metrics[{index}]", "all metrics require a name")
        _non_empty_string(config, f"metrics[{index}].name", metric["name"], "The metric name")
        for key in ("strategy", "objective"):
            if metric.get(key) is not None:
                _non_empty_string(
                    config, f"metrics[{index}].{key}", metric[key], f"The metric {key}"
                )
        threshold = metric.get("threshold")
        if threshold is not None and not _is_number(threshold):
            raise config.error(f"metrics[{index}].threshold", "metric threshold must be a number")


def load_experiment(path: Path) -> ExperimentConfig:
    """experiment.yml (§2.5): the client's rules, then every server rule of an AI experiment."""
    config = ConfigFile.read(path, required=True)
    content = config.content
    for key in content:
        if not isinstance(key, str):
            raise config.error("", f"all AIExperiment keys must be strings, not {key!r}")
    if "project" in content:
        raise config.error(
            "project",
            "The project field is not permitted in the AIExperiment. Please set the"
            " SIGOPT_PROJECT environment variable instead.",
        )
    if content.get("name") is None:
        raise config.error("name", "name is required")
    _non_empty_string(config, "name", content["name"], "The AIExperiment name")
    _check_parameters(config)
    _check_metrics(config)
    budget = content.get("budget")
    if budget is not None:
        if not _is_number(budget) or budget < 0:
            raise config.error("budget", "budget must be a non-negative number")
        if math.isinf(budget):
            raise config.error("budget", "budget cannot be infinity")
    bandwidth = content.get("parallel_bandwidth")
    if bandwidth is not None and (
        not isinstance(bandwidth, int) or isinstance(bandwidth, bool) or bandwidth <= 0
    ):
        raise config.error("parallel_bandwidth", "parallel_bandwidth must be a positive integer")
    try:
        draft = parse_experiment_create(content, ai=True)
    except InvalidField as error:
        raise config.error(error.field, error.message) from error
    return ExperimentConfig(
        body=content,
        parallel_bandwidth=draft.definition.parallel_bandwidth or 1,
        budget=draft.definition.budget,
    )
