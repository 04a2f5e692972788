"""Grid search: the Cartesian product of every parameter's grid, parameters sorted by name, the
first parameter varying fastest. Point ``i`` (``i = #observations + #pending``, then ``i + 1``…)
is the mixed-radix expansion of ``i mod N`` for ``N`` the product of the grid sizes: after the
last point the enumeration wraps around.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dialin.optimizer.space import SearchSpace

__all__ = ["grid_rows"]


def grid_rows(space: SearchSpace, index: int, count: int) -> NDArray[np.float64]:
    """Raw rows of grid points ``index .. index + count - 1``; conditionals take index 0."""
    levels = [
        np.arange(len(c.choices), dtype=float)
        if c.kind == "categorical"
        else np.asarray(c.grid or (c.lo,))
        for c in space.columns
    ]
    total = int(np.prod([len(v) for v in levels], dtype=object))
    rows = np.zeros((count, space.n_raw))
    for n in range(count):
        rest = (index + n) % total
        for j, values in enumerate(levels):
            rest, digit = divmod(rest, len(values))
            rows[n, space.n_conditionals + j] = values[digit]
    return space.deactivate(rows)
