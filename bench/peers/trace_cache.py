"""Finished traces on disk, one JSON file per (peer, problem, seed), so long runs can resume.

A cached trace serves any budget up to its own; a report of the cache alone also takes shorter
ones (a slow peer run at budget 40 only), which are then scored at the budgets they reach.
Traces of peers built from this repository's source expire when that source changes (a
fingerprint of the optimizer and domain packages).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from peers.environments import BENCH_DIR, SOURCE_DIR, worker_env
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
    longer = cached_trace(replace(task, budget=task.budget + 1), shorter=False)
    if longer is not None:
        # Another run stored a longer trace meanwhile: keep it, it holds this one.
        return task, cached_trace(task), None
    task.cache_path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole then renamed, so a run killed mid-write leaves no half trace in the cache.
    partial = task.cache_path.with_suffix(".partial")
    partial.write_text(json.dumps(trace))
    partial.replace(task.cache_path)
    return task, trace, None


def source_fingerprint(python: str) -> str:
    """A digest of the dialin source files the dialin peer loads, and of the peer itself.

    Only what is imported counts, so work elsewhere in the package (the API, the runs domain)
    does not throw away hours of traces of an optimizer that did not change.
    """
    digest = hashlib.sha256()
    for name, path in sorted(_loaded_source_files(python).items()):
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Run in the peer's own interpreter: the driver process never imports dialin.
_LIST_LOADED = """
import sys
import peers.dialin_peer
for module in list(sys.modules.values()):
    print(getattr(module, "__file__", None) or "")
"""


def _loaded_source_files(python: str) -> dict[str, Path]:
    """The files by a name that does not depend on where the source was exported to."""
    listing = subprocess.run(
        [python, "-c", _LIST_LOADED],
        env=worker_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    peer = (BENCH_DIR / "peers" / "dialin_peer.py").resolve()
    files = {Path(line).resolve() for line in listing if line.endswith(".py")}
    named = {f.relative_to(SOURCE_DIR).as_posix(): f for f in files if f.is_relative_to(SOURCE_DIR)}
    return {**named, "bench/peers/dialin_peer.py": peer}
