"""Where each peer's interpreter lives, and whether the peer can run there.

Environments are created by bench/setup_quality_env.sh under ``$DIALIN_BENCH_ENVS`` (default
``~/.cache/dialin-bench``); dialin itself is imported from ``$DIALIN_BENCH_SOURCE`` (default: this
repository's ``src``). The driver environment falls back to the interpreter running the
benchmark, so random search and dialin work without any setup.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from peers.registry import PeerSpec

__all__ = [
    "BENCH_DIR",
    "SOURCE_DIR",
    "Availability",
    "availability",
    "environments_root",
    "run_single_threaded",
    "worker_env",
]

BENCH_DIR = Path(__file__).resolve().parent.parent
# The dialin source the dialin peers import; point it at an exported commit to benchmark that
# commit rather than a work tree that is being edited.
SOURCE_DIR = Path(os.environ.get("DIALIN_BENCH_SOURCE", BENCH_DIR.parent / "src")).resolve()


@dataclass(frozen=True)
class Availability:
    python: str | None
    # why the peer cannot run, or None when it can
    reason: str | None = None


def environments_root() -> Path:
    return Path(os.environ.get("DIALIN_BENCH_ENVS", Path.home() / ".cache" / "dialin-bench"))


# One core per trace: --jobs decides parallelism. BLAS, OpenMP or torch threads would skew the
# peers' proposal times against each other, and OpenMP threads spinning on cores taken by other
# jobs slow scikit-learn's gradient boosting down by an order of magnitude.
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def worker_env() -> dict[str, str]:
    return {
        **os.environ,
        **SINGLE_THREADED,
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(SOURCE_DIR)]),
    }


def run_single_threaded() -> None:
    """For the driver's own pool processes, which evaluate the problems."""
    os.environ.update(SINGLE_THREADED)
    # numpy's BLAS was loaded before the environment changed; cap it directly.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def availability(spec: PeerSpec) -> Availability:
    python = _interpreter(spec.environment)
    if python is None:
        setup = f"bash bench/setup_quality_env.sh {spec.environment}"
        return Availability(None, f"no environment {spec.environment!r}; run {setup}")
    return _importable(python, spec.requires)


def _interpreter(environment: str) -> str | None:
    candidate = environments_root() / environment / "bin" / "python"
    if candidate.exists():
        return str(candidate)
    return sys.executable if environment == "driver" else None


@cache
def _importable(python: str, modules: tuple[str, ...]) -> Availability:
    if not modules:
        return Availability(python)
    probe = "; ".join(f"import {m}" for m in modules)
    result = subprocess.run(
        [python, "-c", probe], env=worker_env(), capture_output=True, text=True, check=False
    )
    if result.returncode == 0:
        return Availability(python)
    last_line = (result.stderr.strip().splitlines() or ["import failed"])[-1]
    return Availability(None, f"{python}: {last_line}")
