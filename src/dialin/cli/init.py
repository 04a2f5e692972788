"""``dialin init``: a model directory to start from (orchestration §1.1)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from dialin.cli.console import out
from dialin.errors import DialinError, InvalidField

__all__ = ["init"]

# (template, file written): the order files are written and reported in.
TEMPLATES = (
    ("run.yml", "run.yml"),
    ("experiment.yml", "experiment.yml"),
    ("model.py", "model.py"),
    ("Dockerfile", "Dockerfile"),
    # Packaged without its dot: setuptools' data globs skip dotfiles.
    ("dockerignore", ".dockerignore"),
    # All commented out: a cluster is optional, and its example should not look configured.
    ("cluster.yml", "cluster.yml"),
)


@click.command()
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@click.option(
    "-d",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to write the files.",
)
def init(force: bool, directory: Path) -> None:
    """Write run.yml, experiment.yml, a scikit-learn model.py, a Dockerfile, .dockerignore and
    an example cluster.yml: then `dialin optimize` runs the experiment."""
    targets = [(template, directory / name) for template, name in TEMPLATES]
    # Check every file first, so a refusal writes nothing.
    for _, target in targets:
        if target.exists() and not target.is_file():
            raise DialinError(f"{target} already exists and is not a file.")
        if target.exists() and not force:
            raise InvalidField(str(target), f"{target} already exists; pass --force to replace it")
    directory.mkdir(parents=True, exist_ok=True)
    source = files("dialin.orchestrate") / "templates"
    for template, target in targets:
        target.write_text((source / template).read_text(encoding="utf-8"), encoding="utf-8")
        out.print(f"Wrote {target}", markup=False)
    out.print(
        "Next: `dialin optimize` runs the experiment of experiment.yml on model.py"
        " (pip install scikit-learn first).",
        markup=False,
    )
