"""Linear constraints as a polytope over raw rows, and uniform sampling inside it.

Symbols: ``A`` (shape ``(m, n_raw)``) and ``b`` (shape ``(m,)``) with every feasible raw row
``r`` satisfying ``A @ r <= b + slack``; only the ``k`` constrained columns ``cols`` have
nonzero weights. Constraints that share no column form separate groups, sampled apart: first by
rejection from the box (exact, and fast unless the group is tight), then by hit-and-run in
normalised coordinates ``y = (x - lo) / width`` from the group's Chebyshev centre, rounding
integer columns so that the constraints still hold.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

from dialin.optimizer.space import SearchSpace

__all__ = ["Polytope"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_REJECTION_BATCH = 256
_REJECTION_ROUNDS = 4
_HIT_AND_RUN_BURN_IN = 32
_HIT_AND_RUN_THIN = 4
_ROUNDING_TRIES = 32


class Polytope:
    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        constraints = space.definition.linear_constraints
        known = {c.name for c in space.columns}
        names = sorted({t.name for c in constraints for t in c.terms} & known)
        self.cols = np.array([space.column_index(n) for n in names], dtype=np.int64)
        a = np.zeros((len(constraints), space.n_raw))
        b = np.zeros(len(constraints))
        slack = np.zeros(len(constraints))
        for i, c in enumerate(constraints):
            sign = -1.0 if c.type == "greater_than" else 1.0
            for t in c.terms:
                if t.name in known:
                    a[i, space.column_index(t.name)] = sign * t.weight
            b[i] = sign * c.threshold
            # half of LinearConstraint.holds' tolerance, so that accepted points pass it surely
            slack[i] = 0.5e-9 * max(1.0, abs(c.threshold))
        self.a, self.b, self.slack = a, b, slack
        cols = [space.columns[j - space.n_conditionals] for j in self.cols]
        self.lo = np.array([c.lo for c in cols])
        self.hi = np.array([c.hi for c in cols])
        self.is_int = np.array([c.kind == "int" for c in cols], dtype=bool)
        self.groups = [
            (group, _Group.of(self, group)) for group in _connected_groups(a[:, self.cols] != 0)
        ]

    @property
    def active(self) -> bool:
        return bool(self.a.shape[0]) and bool(self.cols.size)

    def feasible(self, rows: FloatArray) -> NDArray[np.bool_]:
        if not self.active:
            return np.ones(rows.shape[0], dtype=bool)
        lhs = np.nan_to_num(rows[:, self.cols]) @ self.a[:, self.cols].T
        return np.asarray(np.all(lhs <= self.b + self.slack, axis=1), dtype=bool)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """``n`` feasible values of the constrained columns, natural scale, shape ``(n, k)``."""
        out = np.empty((n, self.cols.size))
        for group, part in self.groups:
            out[:, group] = part.sample(rng, n)
        return out

    def repair(self, rng: np.random.Generator, x: FloatArray) -> FloatArray | None:
        """``x`` (constrained columns, natural scale) moved into the polytope: integer columns
        rounded feasibly, or None when that fails."""
        out = x.copy()
        for group, part in self.groups:
            fixed = part.round_feasibly(rng, x[group])
            if fixed is None:
                return None
            out[group] = fixed
        return out


class _Group:
    """One connected set of constraints ``a @ x <= b + slack`` on columns boxed by ``lo, hi``."""

    def __init__(
        self,
        a: FloatArray,
        b: FloatArray,
        slack: FloatArray,
        lo: FloatArray,
        hi: FloatArray,
        is_int: NDArray[np.bool_],
    ) -> None:
        self.a, self.b, self.slack, self.lo, self.hi, self.is_int = a, b, slack, lo, hi, is_int

    @staticmethod
    def of(polytope: Polytope, group: IntArray) -> _Group:
        cols = polytope.cols[group]
        rows = np.nonzero(np.any(polytope.a[:, cols] != 0, axis=1))[0]
        return _Group(
            polytope.a[np.ix_(rows, cols)],
            polytope.b[rows],
            polytope.slack[rows],
            polytope.lo[group],
            polytope.hi[group],
            polytope.is_int[group],
        )

    def holds(self, x: FloatArray) -> NDArray[np.bool_]:
        return np.asarray(np.all(x @ self.a.T <= self.b + self.slack, axis=-1), dtype=bool)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        found: list[FloatArray] = []
        total = 0
        for _ in range(_REJECTION_ROUNDS):
            x = self.lo + rng.random((_REJECTION_BATCH, self.lo.size)) * (
                self.hi - self.lo + self.is_int
            )
            x = np.where(self.is_int, np.minimum(np.floor(x), self.hi), x)
            ok = x[self.holds(x)]
            found.append(ok)
            total += ok.shape[0]
            if total >= n:
                return np.vstack(found)[:n]
        return np.vstack([*found, self._hit_and_run(rng, n - total)])[:n]

    def _hit_and_run(self, rng: np.random.Generator, n: int) -> FloatArray:
        width = np.maximum(self.hi - self.lo, 1e-12)
        a = self.a * width
        b = self.b - self.a @ self.lo
        centre = _chebyshev_centre(a, b)
        y = centre.copy()
        out = np.empty((n, self.lo.size))
        got, steps = 0, 0
        while got < n and steps < _HIT_AND_RUN_BURN_IN + (n + 16) * _HIT_AND_RUN_THIN * 8:
            y = _hit_and_run_step(rng, y, a, b)
            steps += 1
            if steps < _HIT_AND_RUN_BURN_IN or steps % _HIT_AND_RUN_THIN:
                continue
            x = self.round_feasibly(rng, self.lo + y * width)
            if x is not None:
                out[got] = x
                got += 1
        if got < n:
            # no feasible rounding found: the centre, rounded, is the least bad answer
            fallback = self.lo + centre * width
            out[got:] = np.where(
                self.is_int, np.clip(np.round(fallback), self.lo, self.hi), fallback
            )
        return out

    def round_feasibly(self, rng: np.random.Generator, x: FloatArray) -> FloatArray | None:
        if not self.is_int.any():
            return x if self.holds(x) else None
        candidate = np.where(self.is_int, np.clip(np.round(x), self.lo, self.hi), x)
        if self.holds(candidate):
            return candidate
        floor = np.clip(np.floor(x), self.lo, self.hi)
        ceil = np.clip(np.ceil(x), self.lo, self.hi)
        for _ in range(_ROUNDING_TRIES):
            pick = rng.random(x.shape[0]) < 0.5
            candidate = np.where(self.is_int, np.where(pick, floor, ceil), x)
            if self.holds(candidate):
                return candidate
        return None


def _connected_groups(touches: NDArray[np.bool_]) -> list[IntArray]:
    """Column positions of each set of columns linked through shared constraints."""
    k = touches.shape[1]
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for row in touches:
        members = np.nonzero(row)[0]
        for m in members[1:]:
            parent[root(int(m))] = root(int(members[0]))
    roots = [root(i) for i in range(k)]
    return [
        np.array([i for i in range(k) if roots[i] == r], dtype=np.int64) for r in sorted(set(roots))
    ]


def _chebyshev_centre(a: FloatArray, b: FloatArray) -> FloatArray:
    """Centre of the largest ball inside ``a y <= b`` and the unit box."""
    k = a.shape[1]
    norms = np.linalg.norm(a, axis=1)
    box = np.vstack([np.eye(k), -np.eye(k)])
    a_ub = np.vstack([np.hstack([a, norms[:, None]]), np.hstack([box, np.ones((2 * k, 1))])])
    b_ub = np.concatenate([b, np.ones(k), np.zeros(k)])
    cost = np.zeros(k + 1)
    cost[-1] = -1.0
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=[(0, 1)] * k + [(0, None)], method="highs")
    return np.asarray(res.x[:k], dtype=np.float64) if res.status == 0 else np.full(k, 0.5)


def _hit_and_run_step(
    rng: np.random.Generator, y: FloatArray, a: FloatArray, b: FloatArray
) -> FloatArray:
    d = np.asarray(rng.standard_normal(y.shape[0]), dtype=np.float64)
    d = d / (float(np.linalg.norm(d)) + 1e-300)
    lo_t: float = -math.inf
    hi_t: float = math.inf
    # the box 0 <= y + t d <= 1, then the rows a (y + t d) <= b
    nz: NDArray[np.bool_] = d != 0
    t1, t2 = (0.0 - y[nz]) / d[nz], (1.0 - y[nz]) / d[nz]
    if nz.any():
        lo_t = max(lo_t, float(np.max(np.minimum(t1, t2))))
        hi_t = min(hi_t, float(np.min(np.maximum(t1, t2))))
    ad = a @ d
    room = b - a @ y
    pos, neg = ad > 1e-14, ad < -1e-14
    if pos.any():
        hi_t = min(hi_t, float(np.min(room[pos] / ad[pos])))
    if neg.any():
        lo_t = max(lo_t, float(np.max(room[neg] / ad[neg])))
    if not (math.isfinite(lo_t) and math.isfinite(hi_t)) or hi_t <= lo_t:
        return y
    return np.asarray(y + rng.uniform(lo_t, hi_t) * d, dtype=np.float64)
