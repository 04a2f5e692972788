"""dialin: self-hosted hyperparameter optimization speaking SigOpt's v1 API.

Training code uses the run API at the top level (``dialin.get_parameter``, ``dialin.log_metric``,
...). It is loaded on first use, so ``import dialin`` stays light for training processes.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "__version__",
    "get_parameter",
    "load_latest_checkpoint",
    "log_checkpoint",
    "log_metric",
    "report_early_exit",
    "should_stop",
]

__version__ = "0.1.0"

_RUN_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str) -> Any:
    if name in _RUN_API:
        from dialin.client import run

        return getattr(run, name)
    raise AttributeError(f"module 'dialin' has no attribute {name!r}")
