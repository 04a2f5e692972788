"""Finished traces on disk, one JSON file per (peer, problem, seed), so long runs can resume.

A cached trace serves any budget up to its own; a report of the cache alone also takes shorter
ones (a slow peer run at budget 40 only), which are then scored at the budgets they reach.
Traces of peers built from this repository's source expire when that source changes (a
fingerprint of the optimizer and domain packages).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peers.environments import SOURCE_DIR
from peers.trace import PeerFailed, run_trace
from problems.suite import all_problems

__all__ = ["SOURCE_PEERS", "TraceTask", "cached_trace", "run_and_store", "source_fingerprint"]

SOURCE_PEERS = ("dialin", "dialin_parallel")


@dataclass(frozen=True)
class TraceTask:
    peer: str
    python: str
    problem: str
    seed: int
    budget: int
    cache_root: Path
    fingerprint: str

    @property
    def cache_path(self) -> Path:
        return self.cache_root / self.peer / self.problem / f"seed{self.seed}.json"

    @property
    def log_path(self) -> Path:
        return self.cache_root / "logs" / self.peer / self.problem / f"seed{self.seed}.log"


def cached_trace(task: TraceTask, *, shorter: bool = False) -> dict[str, Any] | None:
    """The cached trace cut to ``task.budget``; one of a smaller budget only if ``shorter``."""
    if not task.cache_path.exists():
        return None
    trace = json.loads(task.cache_path.read_text())
    if trace["budget"] < task.budget and not shorter:
        return None
    if task.peer in SOURCE_PEERS and trace.get("source_fingerprint") != task.fingerprint:
        return None
    trace["evaluations"] = trace["evaluations"][: task.budget]
    return trace


def run_and_store(task: TraceTask) -> tuple[TraceTask, dict[str, Any] | None, str | None]:
    """Runs in a pool process; the problem is looked up by name since closures do not pickle."""
    problem = all_problems()[task.problem]
    try:
        trace = run_trace(task.peer, task.python, problem, task.seed, task.budget, task.log_path)
    except PeerFailed as failure:
        return task, None, str(failure)
    trace["source_fingerprint"] = task.fingerprint if task.peer in SOURCE_PEERS else None
    task.cache_path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole then renamed, so a run killed mid-write leaves no half trace in the cache.
    partial = task.cache_path.with_suffix(".partial")
    partial.write_text(json.dumps(trace))
    partial.replace(task.cache_path)
    return task, trace, None


def source_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in ("optimizer", "domain"):
        for path in sorted((SOURCE_DIR / "dialin" / package).glob("**/*.py")):
            digest.update(path.relative_to(SOURCE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
