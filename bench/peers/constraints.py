"""Linear constraints for peers that cannot declare them.

The constraints are known before any evaluation, so a user would throw infeasible proposals away
instead of running them: such a proposal costs no budget. After ``MAX_REJECTIONS`` in a row the
peer gets a uniformly drawn feasible point instead, so a sampler that keeps proposing the same
infeasible point cannot stall.
"""

from __future__ import annotations

MAX_REJECTIONS = 20

__all__ = ["MAX_REJECTIONS"]
