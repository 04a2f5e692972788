"""Which points are taken already: observed, pending, or proposed earlier in the same batch.

A point's key is its raw row (see ``space``) with values rounded to 12 significant digits,
plus the task name for multitask experiments: the same point on another task is a new point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

__all__ = ["Candidate", "PointKey", "TakenPoints", "pick_fresh", "point_key"]

PointKey = tuple[object, ...]


def point_key(row: NDArray[np.float64], task: str | None = None) -> PointKey:
    # "+ 0.0" turns -0.0 (an int rounded up from -0.4) into 0.0, so both have one key
    return (*("-" if math.isnan(v) else f"{v + 0.0:.12g}" for v in row.tolist()), task)


class TakenPoints:
    def __init__(self, rows: NDArray[np.float64], tasks: Iterable[str | None]) -> None:
        self._keys = {point_key(r, t) for r, t in zip(rows, tasks, strict=True)}

    def __contains__(self, key: PointKey) -> bool:
        return key in self._keys

    def add(self, key: PointKey) -> None:
        self._keys.add(key)


Candidate = tuple[NDArray[np.float64], str | None]


def pick_fresh(candidates: Iterable[Candidate], taken: TakenPoints, count: int) -> list[Candidate]:
    """The first ``count`` candidates not taken; marks them taken. May return fewer."""
    chosen: list[Candidate] = []
    if count <= 0:
        return chosen
    for row, task in candidates:
        key = point_key(row, task)
        if key in taken:
            continue
        taken.add(key)
        chosen.append((row, task))
        if len(chosen) == count:
            break
    return chosen
