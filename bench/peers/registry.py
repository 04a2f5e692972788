"""Which peers exist, which environment each runs in, and where its entry point lives.

Standard library only: the driver reads it to launch workers, the workers read it to dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PEERS", "REFERENCE_PEER", "PeerSpec"]


@dataclass(frozen=True)
class PeerSpec:
    name: str
    # a directory under the benchmark environments root (see bench/setup_quality_env.sh)
    environment: str
    module: str
    entry: str
    # imported once per environment to tell an installed peer from a missing one
    requires: tuple[str, ...]
    # packages whose versions the report shows
    packages: tuple[str, ...] = ()


PEERS: dict[str, PeerSpec] = {
    spec.name: spec
    for spec in (
        PeerSpec("random", "driver", "peers.random_search", "run", ()),
        PeerSpec("tpe", "optuna", "peers.optuna_peer", "run_tpe", ("optuna",), ("optuna",)),
        PeerSpec(
            "optuna_gp",
            "optuna",
            "peers.optuna_peer",
            "run_gp",
            ("optuna", "torch"),
            ("optuna", "torch"),
        ),
        PeerSpec(
            "sigoptlite",
            "sigoptlite",
            "peers.sigoptlite_peer",
            "run",
            ("sigopt", "sigoptlite", "libsigopt"),
            ("sigoptlite", "libsigopt", "numpy"),
        ),
        PeerSpec("skopt", "skopt", "peers.skopt_peer", "run", ("skopt",), ("scikit-optimize",)),
        PeerSpec("dialin", "driver", "peers.dialin_peer", "run_sequential", ("dialin.optimizer",)),
        # four workers asking at once: every proposal sees the other three open points as pending
        PeerSpec(
            "dialin_parallel", "driver", "peers.dialin_peer", "run_parallel", ("dialin.optimizer",)
        ),
    )
}

# Normalized regret divides by this peer's median, so it always runs.
REFERENCE_PEER = "random"
