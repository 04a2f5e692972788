"""Which points are taken already: observed, pending, or proposed earlier in the same batch.

A point's key is its raw row (see ``space``) rounded to 12 significant digits (so a value that
went through a decimal rendering still matches), as bytes, plus the task name for multitask
experiments: the same point on another task is a new point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["Candidate", "PointKey", "TakenPoints", "pick_fresh", "point_key", "point_keys"]

PointKey = tuple[bytes, str | None]
Candidate = tuple[NDArray[np.float64], str | None]


def point_keys(rows: NDArray[np.float64], tasks: Sequence[str | None]) -> list[PointKey]:
    with np.errstate(all="ignore"):
        finite = np.isfinite(rows)
        exponent = np.where(finite & (rows != 0), np.floor(np.log10(np.abs(rows))), 0.0)
        # "+ 0.0" turns -0.0 (an int rounded up from -0.4) into 0.0, so both have one key
        mantissa = np.round(np.where(finite, rows, 0.0) * 10.0 ** (11.0 - exponent)) + 0.0
    code = np.ascontiguousarray(np.hstack([np.where(finite, mantissa, np.inf), exponent + 0.0]))
    return [(code[i].tobytes(), tasks[i]) for i in range(rows.shape[0])]


def point_key(row: NDArray[np.float64], task: str | None = None) -> PointKey:
    return point_keys(row[None, :], [task])[0]


class TakenPoints:
    def __init__(self, rows: NDArray[np.float64], tasks: Iterable[str | None]) -> None:
        self._keys = set(point_keys(rows, list(tasks)))

    def __contains__(self, key: PointKey) -> bool:
        return key in self._keys

    def add(self, key: PointKey) -> None:
        self._keys.add(key)


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
