"""Where each peer's interpreter lives, and whether the peer can run there.

Environments are created by bench/setup_quality_env.sh under ``$DIALIN_BENCH_ENVS`` (default
``~/.cache/dialin-bench``). The driver environment falls back to the interpreter running the
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
    "worker_env",
]

BENCH_DIR = Path(__file__).resolve().parent.parent
SOURCE_DIR = BENCH_DIR.parent / "src"


@dataclass(frozen=True)
class Availability:
    python: str | None
    # why the peer cannot run, or None when it can
    reason: str | None = None


def environments_root() -> Path:
    return Path(os.environ.get("DIALIN_BENCH_ENVS", Path.home() / ".cache" / "dialin-bench"))


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(BENCH_DIR), str(SOURCE_DIR)])
    # One core per trace: --jobs decides parallelism, and BLAS or torch threads would skew the
    # peers' proposal times against each other.
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[variable] = "1"
    return env


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
