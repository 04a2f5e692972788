"""Classic test functions on numpy vectors ``x`` of shape ``(d,)``; all are minimized.

Definitions and optima follow the Virtual Library of Simulation Experiments (Surjanovic & Bingham).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BRANIN_MIN",
    "CAMEL_MIN",
    "HARTMANN3_MIN",
    "HARTMANN6_MIN",
    "MICHALEWICZ5_MIN",
    "SHEKEL_MIN",
    "STYBLINSKI_TANG_MIN_PER_DIM",
    "ackley",
    "branin",
    "griewank",
    "hartmann3",
    "hartmann6",
    "levy",
    "michalewicz",
    "rosenbrock",
    "shekel",
    "six_hump_camel",
    "styblinski_tang",
]

BRANIN_MIN = 0.397887357729738
CAMEL_MIN = -1.031628453489877
HARTMANN3_MIN = -3.862779787332660
HARTMANN6_MIN = -3.322368011391339
# d = 5, m = 10
MICHALEWICZ5_MIN = -4.687658179
# m = 10, at (4, 4, 4, 4)
SHEKEL_MIN = -10.536409816692
# at x_i = -2.903534 in every coordinate
STYBLINSKI_TANG_MIN_PER_DIM = -39.16616570377142


def branin(x: np.ndarray) -> float:
    x1, x2 = x
    b, c = 5.1 / (4 * np.pi**2), 5 / np.pi
    r, s, t = 6.0, 10.0, 1 / (8 * np.pi)
    return float((x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * np.cos(x1) + s)


def six_hump_camel(x: np.ndarray) -> float:
    x1, x2 = x
    return float((4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2)


_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann3(x: np.ndarray) -> float:
    return float(-_H3_ALPHA @ np.exp(-np.sum(_H3_A * (x - _H3_P) ** 2, axis=1)))


def hartmann6(x: np.ndarray) -> float:
    return float(-_H3_ALPHA @ np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1)))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    d = len(x)
    return float(
        -20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
        - np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
        + 20
        + np.e
    )


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[0]) ** 2
    body = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    return float(head + body + tail)


def styblinski_tang(x: np.ndarray) -> float:
    return float(np.sum(x**4 - 16 * x**2 + 5 * x) / 2)


def michalewicz(x: np.ndarray) -> float:
    """Steep ridges (m = 10) whose optima sit in narrow valleys; on [0, pi]^d."""
    i = np.arange(1, len(x) + 1)
    return float(-np.sum(np.sin(x) * np.sin(i * x**2 / np.pi) ** 20))


_SHEKEL_BETA = 0.1 * np.array([1, 2, 2, 4, 4, 6, 3, 7, 5, 5])
_SHEKEL_C = np.array(
    [
        [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
        [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
        [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
        [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
    ]
)


def shekel(x: np.ndarray) -> float:
    """Ten narrow wells on a flat plain, on [0, 10]^4."""
    return float(-np.sum(1 / (np.sum((x[:, None] - _SHEKEL_C) ** 2, axis=0) + _SHEKEL_BETA)))


def griewank(x: np.ndarray) -> float:
    i = np.arange(1, len(x) + 1)
    return float(np.sum(x**2) / 4000 - np.prod(np.cos(x / np.sqrt(i))) + 1)
