"""Runs one peer on one problem: starts the worker, evaluates what it asks, records the trace.

Evaluation happens here, in the driver's environment, so every peer is scored by the same
scikit-learn and the same noise draws (the i-th evaluation of a seed gets the same draw for all).
"""

from __future__ import annotations

import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from peers.environments import BENCH_DIR, worker_env
from peers.protocol import receive, send
from problems.problem import Problem
from problems.space import Space

__all__ = ["PeerFailed", "run_trace"]

LOG_TAIL_LINES = 15


class PeerFailed(RuntimeError):
    """The worker died or broke the protocol; the message ends with its stderr."""


def run_trace(
    peer: str, python: str, problem: Problem, seed: int, budget: int, log_path: Path
) -> dict[str, Any]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng([seed, zlib.crc32(problem.name.encode())])
    started = time.perf_counter()
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [python, "-m", "peers.run_peer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=BENCH_DIR,
            env=worker_env(),
        )
        try:
            evaluations, versions = _converse(worker, peer, problem, seed, budget, noise)
        except (PeerFailed, OSError, ValueError) as error:
            worker.kill()
            worker.wait()
            raise PeerFailed(f"{error}\n{_tail(log_path)}") from error
        worker.wait()
    return {
        "peer": peer,
        "problem": problem.name,
        "seed": seed,
        "budget": budget,
        "versions": versions,
        "wall_seconds": time.perf_counter() - started,
        "evaluations": evaluations,
    }


def _converse(
    worker: subprocess.Popen[str],
    peer: str,
    problem: Problem,
    seed: int,
    budget: int,
    noise: np.random.Generator,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    assert worker.stdin is not None and worker.stdout is not None
    send(
        worker.stdin,
        {
            "peer": peer,
            "space": problem.space.to_json(),
            "objective": problem.objective,
            "budget": budget,
            "seed": seed,
        },
    )
    ready = _expect(worker, "ready")
    evaluations: list[dict[str, Any]] = []
    asked_at = time.perf_counter()
    while True:
        message = _expect(worker, "evaluate", "done")
        if "done" in message:
            return evaluations, ready["ready"]["versions"]
        if len(evaluations) == budget:
            raise PeerFailed(f"asked for more than {budget} evaluations")
        propose_seconds = time.perf_counter() - asked_at
        assignments = message["evaluate"]
        # Drawn for every evaluation, failed or not, so the sequence stays aligned across peers.
        draw = float(noise.standard_normal())
        problem_error = invalid_assignments(problem.space, assignments)
        result = problem.evaluate(assignments, draw) if problem_error is None else None
        evaluations.append(
            {
                "assignments": assignments,
                "observed": None if result is None else result.observed,
                "true_value": None if result is None else result.true_value,
                "invalid": problem_error,
                "propose_seconds": propose_seconds,
            }
        )
        send(worker.stdin, {"value": evaluations[-1]["observed"]})
        asked_at = time.perf_counter()


def _expect(worker: subprocess.Popen[str], *kinds: str) -> dict[str, Any]:
    assert worker.stdout is not None
    message = receive(worker.stdout)
    if message is None:
        raise PeerFailed(f"worker exited (code {worker.poll()}) while the driver expected {kinds}")
    if not any(kind in message for kind in kinds):
        raise PeerFailed(f"expected {kinds}, got {message}")
    return message


def invalid_assignments(space: Space, assignments: dict[str, Any]) -> str | None:
    """Why the point is outside the space, or None. An invalid point counts as a failure."""
    for conditional in space.conditionals:
        if assignments.get(conditional.name) not in conditional.values:
            return f"{conditional.name}={assignments.get(conditional.name)!r}"
    for param in space.active_params(assignments):
        value = assignments.get(param.name)
        if param.type == "categorical":
            if value not in param.choices:
                return f"{param.name}={value!r}"
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            return f"{param.name}={value!r}"
        if param.type == "int" and value != int(value):
            return f"{param.name}={value!r} is not an integer"
        # Relative slack for floats printed at the very bound.
        slack = 1e-9 * max(1.0, abs(param.high - param.low))
        if not param.low - slack <= value <= param.high + slack:
            return f"{param.name}={value!r} outside [{param.low}, {param.high}]"
    return None


def _tail(log_path: Path) -> str:
    lines = log_path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])
