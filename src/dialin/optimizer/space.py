"""The search space as arrays: assignments <-> raw rows <-> unit-cube samples and model features.

Symbols, for ``C`` conditionals and ``P`` active parameters (sorted by name):

* raw row ``r`` (shape ``(C + P,)``): conditional value indices first, then each parameter's
  value in its natural scale (ints as integral floats, categoricals as the index into
  ``choices``); ``nan`` marks an inactive parameter. A batch is ``R`` of shape ``(n, C + P)``.
* unit sample ``u`` (shape ``(C + P,)`` in ``[0, 1)``): what random and Sobol designs draw;
  ``from_unit`` maps it to a raw row (through a prior's inverse CDF where one is given).
* features ``z`` (shape ``(F,)`` in ``[0, 1]``): what the model sees. A conditional or a
  categorical is one-hot; a numeric parameter is one column scaled to its bounds (log scale
  for log parameters). An inactive parameter encodes as zeros: a fixed value, never noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.parameters import Assignments, BetaPrior, NormalPrior, Parameter, Prior, Value

__all__ = ["Column", "SearchSpace", "snap"]

FloatArray = NDArray[np.float64]

# A numeric parameter of a grid experiment given without a grid is cut into this many values.
_FALLBACK_GRID_SIZE = 5


@dataclass(frozen=True)
class Column:
    """One parameter. ``lo``/``hi`` are in model scale (``log`` of the bounds for log params)."""

    name: str
    kind: str  # "double" | "int" | "categorical"
    lo: float
    hi: float
    log: bool
    choices: tuple[str, ...]  # categorical value names
    grid: tuple[float, ...] | None  # numeric grid, ascending, natural scale
    prior: Prior | None
    # conditional index -> allowed value indices
    conditions: tuple[tuple[int, frozenset[int]], ...]
    # bounds in natural scale: exp(log(max)) may exceed max by an ulp, so results are clipped
    natural: tuple[float, float] = (0.0, 1.0)

    @property
    def n_features(self) -> int:
        return len(self.choices) if self.kind == "categorical" else 1


class SearchSpace:
    """Encodings of one experiment definition's active parameters and conditionals."""

    def __init__(self, definition: ExperimentDefinition, *, grid_everywhere: bool = False) -> None:
        self.definition = definition
        self.conditionals = tuple((c.name, tuple(c.values)) for c in definition.conditionals)
        cond_index = {name: i for i, (name, _) in enumerate(self.conditionals)}
        self.columns = tuple(
            _column(p, cond_index, self.conditionals, grid_everywhere)
            for p in definition.active_parameters
        )
        self.n_conditionals = len(self.conditionals)
        self.n_raw = self.n_conditionals + len(self.columns)
        offsets = [0]
        for _, values in self.conditionals:
            offsets.append(offsets[-1] + len(values))
        for col in self.columns:
            offsets.append(offsets[-1] + col.n_features)
        self._offsets = offsets
        self.n_features = offsets[-1]

    # --- raw rows <-> assignments -------------------------------------------------------------

    def to_assignments(self, row: FloatArray) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for i, (name, values) in enumerate(self.conditionals):
            out[name] = values[int(row[i])]
        for j, col in enumerate(self.columns):
            v = row[self.n_conditionals + j]
            if math.isnan(v):
                continue
            if col.kind == "categorical":
                out[col.name] = col.choices[int(v)]
            elif col.kind == "int":
                out[col.name] = round(v)
            else:
                out[col.name] = float(v)
        return out

    def from_assignments(self, assignments: Sequence[Assignments]) -> FloatArray:
        """Raw rows of given assignments; unknown or missing values become ``nan`` (inactive)."""
        rows = np.full((len(assignments), self.n_raw), np.nan)
        for i, (name, values) in enumerate(self.conditionals):
            index = {v: float(k) for k, v in enumerate(values)}
            rows[:, i] = [index.get(a.get(name), 0.0) for a in assignments]  # type: ignore[arg-type]
        for j, col in enumerate(self.columns):
            given = [a.get(col.name) for a in assignments]
            if col.kind == "categorical":
                rows[:, self.n_conditionals + j] = [_raw_value(col, v) for v in given]
                continue
            # type() rather than isinstance: bools are ints to isinstance, and are not numbers here
            numbers = np.array(
                [v if type(v) is float or type(v) is int else _raw_value(col, v) for v in given],
                dtype=np.float64,
            )
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(numbers) | ((numbers <= 0) if col.log else False)
            rows[:, self.n_conditionals + j] = np.where(bad, np.nan, numbers)
        return self.deactivate(rows)

    def deactivate(self, rows: FloatArray) -> FloatArray:
        """Sets parameters whose conditions fail under each row's conditionals to ``nan``."""
        for j, col in enumerate(self.columns):
            if not col.conditions:
                continue
            active = np.ones(rows.shape[0], dtype=bool)
            for ci, allowed in col.conditions:
                active &= np.isin(rows[:, ci], list(allowed))
            rows[~active, self.n_conditionals + j] = np.nan
        return rows

    # --- unit samples -> raw rows ---------------------------------------------------------------

    def from_unit(
        self, unit: FloatArray, *, use_priors: bool, deactivate: bool = True
    ) -> FloatArray:
        """Raw rows for unit samples of shape ``(n, n_raw)``: uniform in, uniform (or prior) out.
        With ``deactivate=False`` every parameter keeps a value, active or not."""
        u = np.clip(unit, 0.0, np.nextafter(1.0, 0.0))
        rows = np.empty_like(u)
        for i, (_, values) in enumerate(self.conditionals):
            rows[:, i] = np.floor(u[:, i] * len(values))
        for j, col in enumerate(self.columns):
            rows[:, self.n_conditionals + j] = _from_unit(
                col, u[:, self.n_conditionals + j], use_priors
            )
        return self.deactivate(rows) if deactivate else rows

    def to_unit(self, rows: FloatArray) -> FloatArray:
        """Inverse of ``from_unit`` (priors included), cell centres for discrete values; ``nan``
        stays ``nan``. Shape ``(n, n_raw)``."""
        u = np.full_like(rows, np.nan)
        for i, (_, values) in enumerate(self.conditionals):
            u[:, i] = (rows[:, i] + 0.5) / len(values)
        for j, col in enumerate(self.columns):
            k = self.n_conditionals + j
            u[:, k] = _to_unit(col, rows[:, k])
        return u

    # --- raw rows <-> features -----------------------------------------------------------------

    def features(self, rows: FloatArray) -> FloatArray:
        z = np.zeros((rows.shape[0], self.n_features))
        for i, (_, values) in enumerate(self.conditionals):
            _one_hot(z, rows[:, i], self._offsets[i], len(values))
        for j, col in enumerate(self.columns):
            off = self._offsets[self.n_conditionals + j]
            v = rows[:, self.n_conditionals + j]
            if col.kind == "categorical":
                _one_hot(z, v, off, len(col.choices))
                continue
            scaled = np.log(np.maximum(v, 1e-300)) if col.log else v
            width = col.hi - col.lo
            unit = (scaled - col.lo) / width if width > 0 else np.full_like(v, 0.5)
            z[:, off] = np.where(np.isnan(v), 0.0, np.clip(unit, 0.0, 1.0))
        return z

    def from_features(self, z: FloatArray) -> FloatArray:
        """Nearest valid raw rows: argmax of one-hot blocks, rounding ints, snapping to grids."""
        rows = np.empty((z.shape[0], self.n_raw))
        for i, (_, values) in enumerate(self.conditionals):
            off = self._offsets[i]
            rows[:, i] = np.argmax(z[:, off : off + len(values)], axis=1)
        for j, col in enumerate(self.columns):
            off = self._offsets[self.n_conditionals + j]
            if col.kind == "categorical":
                rows[:, self.n_conditionals + j] = np.argmax(
                    z[:, off : off + len(col.choices)], axis=1
                )
                continue
            scaled = col.lo + np.clip(z[:, off], 0.0, 1.0) * (col.hi - col.lo)
            v = np.clip(np.exp(scaled), *col.natural) if col.log else scaled
            rows[:, self.n_conditionals + j] = snap(col, v)
        return self.deactivate(rows)

    def feature_blocks(self) -> list[tuple[int, int, str]]:
        """``(start, stop, kind)`` per conditional (kind "conditional") and per parameter."""
        blocks = [
            (self._offsets[i], self._offsets[i + 1], "conditional")
            for i in range(self.n_conditionals)
        ]
        for j, col in enumerate(self.columns):
            k = self.n_conditionals + j
            kind = "grid" if col.grid is not None else col.kind
            blocks.append((self._offsets[k], self._offsets[k + 1], kind))
        return blocks

    def nominal_columns(self) -> NDArray[np.bool_]:
        """Which raw columns hold unordered values: conditionals and categoricals."""
        nominal = np.zeros(self.n_raw, dtype=bool)
        nominal[: self.n_conditionals] = True
        for j, col in enumerate(self.columns):
            nominal[self.n_conditionals + j] = col.kind == "categorical"
        return nominal

    def column_index(self, name: str) -> int:
        """Position of a parameter in a raw row."""
        return self.n_conditionals + next(k for k, c in enumerate(self.columns) if c.name == name)

    def centre(self) -> FloatArray:
        """A raw row of default values where given, else the middle of each range."""
        row = np.empty(self.n_raw)
        row[: self.n_conditionals] = 0.0
        params = {p.name: p for p in self.definition.active_parameters}
        for j, col in enumerate(self.columns):
            default = params[col.name].default_value
            v = _raw_value(col, default) if default is not None else math.nan
            if math.isnan(v):
                v = _from_unit(col, np.array([0.5]), use_priors=True)[0]
            row[self.n_conditionals + j] = v
        return np.asarray(self.deactivate(row[None, :])[0], dtype=np.float64)


def _column(
    p: Parameter,
    cond_index: Mapping[str, int],
    conditionals: tuple[tuple[str, tuple[str, ...]], ...],
    grid_everywhere: bool,
) -> Column:
    conditions = tuple(
        (
            cond_index[c],
            frozenset(
                conditionals[cond_index[c]][1].index(v)
                for v in vs
                if v in conditionals[cond_index[c]][1]
            ),
        )
        for c, vs in sorted(p.conditions.items())
        if c in cond_index
    )
    if p.type == "categorical":
        active = p.active_values
        choices = active
        if p.grid is not None:
            choices = tuple(v for v in active if v in {str(g) for g in p.grid}) or active
        return Column(p.name, "categorical", 0.0, 1.0, False, choices, None, None, conditions)
    grid: tuple[float, ...] | None = None
    if p.grid is not None:
        grid = tuple(sorted({float(g) for g in p.grid}))
    if p.bounds is not None:
        lo, hi = float(p.bounds.min), float(p.bounds.max)
    elif grid is not None:
        lo, hi = grid[0], grid[-1]
    else:
        lo, hi = 0.0, 1.0
    if grid is not None:
        lo, hi = min(lo, grid[0]), max(hi, grid[-1])
    log = p.is_log and lo > 0
    if grid is None and grid_everywhere:
        grid = _fallback_grid(p.type, lo, hi, log)
    natural = (lo, hi)
    if log:
        lo, hi = math.log(lo), math.log(hi)
    prior = None if (grid is not None or log) else p.prior
    return Column(p.name, p.type, lo, hi, log, (), grid, prior, conditions, natural)


def _fallback_grid(kind: str, lo: float, hi: float, log: bool) -> tuple[float, ...]:
    if kind == "int" and hi - lo + 1 <= _FALLBACK_GRID_SIZE:
        return tuple(float(v) for v in range(int(lo), int(hi) + 1))
    if log:
        values = np.exp(np.linspace(math.log(lo), math.log(hi), _FALLBACK_GRID_SIZE))
    else:
        values = np.linspace(lo, hi, _FALLBACK_GRID_SIZE)
    if kind == "int":
        values = np.round(values)
    return tuple(sorted({float(v) for v in values}))


def _raw_value(col: Column, value: object) -> float:
    if col.kind == "categorical":
        return float(col.choices.index(value)) if value in col.choices else math.nan
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return math.nan
    if col.log and value <= 0:
        return math.nan
    return float(value)


def _from_unit(col: Column, u: FloatArray, use_priors: bool) -> FloatArray:
    if col.kind == "categorical":
        return np.floor(u * len(col.choices))
    if col.grid is not None:
        members: FloatArray = np.asarray(col.grid, dtype=np.float64)[
            np.floor(u * len(col.grid)).astype(int)
        ]
        return members
    if col.kind == "int":
        return np.minimum(np.floor(col.lo + u * (col.hi - col.lo + 1)), col.hi)
    if col.log:
        return np.clip(np.exp(col.lo + u * (col.hi - col.lo)), *col.natural)
    if use_priors and col.prior is not None:
        return _through_prior(col.prior, col.lo, col.hi, u)
    return col.lo + u * (col.hi - col.lo)


def _to_unit(col: Column, v: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        if col.kind == "categorical":
            return (v + 0.5) / len(col.choices)
        if col.grid is not None:
            index = np.searchsorted(np.asarray(col.grid), v)
            return np.where(
                np.isnan(v), np.nan, (np.clip(index, 0, len(col.grid) - 1) + 0.5) / len(col.grid)
            )
        if col.kind == "int":
            return np.clip((v - col.lo + 0.5) / (col.hi - col.lo + 1), 0.0, 1.0)
        scaled = np.log(np.maximum(v, 1e-300)) if col.log else v
        width = col.hi - col.lo
        unit = np.clip((scaled - col.lo) / width, 0.0, 1.0) if width > 0 else np.full_like(v, 0.5)
        if col.prior is None:
            return np.where(np.isnan(v), np.nan, unit)
        return np.where(np.isnan(v), np.nan, _prior_cdf(col.prior, col.lo, col.hi, v))


def _prior_cdf(prior: Prior, lo: float, hi: float, x: FloatArray) -> FloatArray:
    if isinstance(prior, NormalPrior):
        a, b = (lo - prior.mean) / prior.scale, (hi - prior.mean) / prior.scale
        p = stats.truncnorm.cdf(np.clip(x, lo, hi), a, b, loc=prior.mean, scale=prior.scale)
    else:
        p = stats.beta.cdf(np.clip((x - lo) / (hi - lo), 0.0, 1.0), prior.shape_a, prior.shape_b)
    return np.asarray(p, dtype=np.float64)


def _through_prior(prior: Prior, lo: float, hi: float, u: FloatArray) -> FloatArray:
    if isinstance(prior, NormalPrior):
        a, b = (lo - prior.mean) / prior.scale, (hi - prior.mean) / prior.scale
        x = np.asarray(stats.truncnorm.ppf(u, a, b, loc=prior.mean, scale=prior.scale), dtype=float)
    elif isinstance(prior, BetaPrior):
        x = lo + (hi - lo) * np.asarray(
            stats.beta.ppf(u, prior.shape_a, prior.shape_b), dtype=float
        )
    else:
        x = lo + u * (hi - lo)
    # The inverse CDF can return nan far in a tail; the uniform value is a valid stand-in there.
    return np.clip(np.where(np.isfinite(x), x, lo + u * (hi - lo)), lo, hi)


def snap(col: Column, v: FloatArray) -> FloatArray:
    """Nearest valid values of a numeric column: grid members, integers within bounds."""
    if col.grid is not None:
        grid = np.asarray(col.grid, dtype=np.float64)
        key = np.log(grid) if col.log else grid
        target = np.log(np.maximum(v, 1e-300)) if col.log else v
        nearest: FloatArray = grid[np.argmin(np.abs(target[:, None] - key[None, :]), axis=1)]
        return nearest
    if col.kind == "int":
        lo, hi = col.natural
        return np.clip(np.round(v), math.ceil(lo - 1e-9), math.floor(hi + 1e-9))
    return v


def _one_hot(z: FloatArray, index: FloatArray, offset: int, k: int) -> None:
    ok = ~np.isnan(index)
    rows = np.nonzero(ok)[0]
    z[rows, offset + index[ok].astype(int)] = 1.0
