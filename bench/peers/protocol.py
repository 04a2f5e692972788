"""The pipe between the driver and a worker: one JSON object per line.

driver -> worker   {"peer", "space", "objective", "budget", "seed"}
worker -> driver   {"ready": {"versions": {...}}}
worker -> driver   {"evaluate": {assignments}}      (repeated, at most budget times)
driver -> worker   {"value": float | null}          (null: the evaluation failed)
worker -> driver   {"done": true}
"""

from __future__ import annotations

import json
from typing import IO, Any

__all__ = ["receive", "send"]


def send(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, default=_plain) + "\n")
    stream.flush()


def receive(stream: IO[str]) -> dict[str, Any] | None:
    line = stream.readline()
    return json.loads(line) if line else None


def _plain(value: Any) -> Any:
    # numpy scalars (skopt, optuna) carry .item(); anything else is a bug worth a loud error
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__} over the pipe")
