"""A worker process: ``python -m peers.run_peer`` with ``bench/`` on PYTHONPATH, started by the
driver (see peers/trace.py) inside the peer's own virtualenv.

Protocol messages use a private copy of stdout; the real stdout is pointed at stderr so that
libraries printing progress cannot corrupt the pipe.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import random
import sys

from peers.objective import Objective
from peers.protocol import receive, send
from peers.registry import PEERS
from problems.space import Space


def main() -> None:
    requests = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    config = receive(sys.stdin)
    if config is None:
        raise SystemExit("no configuration on stdin")
    spec = PEERS[config["peer"]]
    # Some peers (sigoptlite) draw from the global generators; seed them for reproducible traces.
    random.seed(config["seed"])
    _seed_numpy(config["seed"])
    entry = getattr(importlib.import_module(spec.module), spec.entry)
    send(requests, {"ready": {"versions": _versions(spec.packages)}})
    objective = Objective(config["budget"], config["objective"], requests, sys.stdin)
    entry(Space.from_json(config["space"]), objective, config["seed"])
    send(requests, {"done": True})


def _seed_numpy(seed: int) -> None:
    import numpy

    numpy.random.seed(seed)


def _versions(packages: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for package in packages:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "source tree"
    return found


if __name__ == "__main__":
    main()
