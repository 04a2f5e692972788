"""Suggestion strategies: random, grid, space-filling design and Bayesian optimization.

numpy/scipy/scikit-learn only; no I/O. Given the same history, pending points and seed, the same
proposals.
"""

from dialin.optimizer.best import best_observations
from dialin.optimizer.propose import Proposal, propose

__all__ = ["Proposal", "best_observations", "propose"]
