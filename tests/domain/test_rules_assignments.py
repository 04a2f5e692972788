"""check_assignments accepts exactly the points §4.5 allows."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.parameters import (
    Bounds,
    CategoricalValue,
    Conditional,
    ConstraintTerm,
    LinearConstraint,
    Parameter,
)
from dialin.domain.rules import check_assignments
from dialin.errors import InvalidField

DEFINITION = ExperimentDefinition(
    type="offline",
    parameters=(
        Parameter("x", "double", bounds=Bounds(0, 1)),
        Parameter("y", "double", bounds=Bounds(0, 1)),
        Parameter("n", "int", bounds=Bounds(1, 5), conditions={"mode": ("fast",)}),
        Parameter("l", "double", bounds=Bounds(1, 10), transformation="log"),
        Parameter("g", "double", bounds=Bounds(1, 3), grid=(1.0, 2.0, 3.0)),
        Parameter(
            "c",
            "categorical",
            categorical_values=(
                CategoricalValue("a", 1),
                CategoricalValue("b", 2),
                CategoricalValue("old", 3, deleted=True),
            ),
        ),
        Parameter("gone", "double", bounds=Bounds(0, 1), deleted=True),
    ),
    conditionals=(Conditional("mode", ("fast", "slow")),),
    linear_constraints=(
        LinearConstraint("less_than", 1.5, (ConstraintTerm("x", 1.0), ConstraintTerm("y", 1.0))),
    ),
)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["a", "b", "old", "fast", "slow", "", "x"]),
    st.lists(st.integers(), max_size=2),
)
names = st.sampled_from(["x", "y", "n", "l", "g", "c", "mode", "gone", "zzz"])


def allowed(point: dict[str, object]) -> bool:
    """An independent statement of §4.5 for DEFINITION."""

    def number(v: object) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

    present = {k: v for k, v in point.items() if v is not None}
    if set(present) - {"x", "y", "n", "l", "g", "c", "mode"}:
        return False
    if present.get("mode") not in ("fast", "slow"):
        return False
    fast = present["mode"] == "fast"
    required = {"x", "y", "l", "g", "c", "mode"} | ({"n"} if fast else set())
    if set(present) != required:
        return False
    if not (number(present["x"]) and number(present["y"]) and number(present["l"])):
        return False
    if fast and not (number(present["n"]) and float(present["n"]).is_integer()):  # type: ignore[arg-type]
        return False
    if not (number(present["g"]) and present["g"] in (1, 2, 3)):
        return False
    if present["c"] not in ("a", "b"):
        return False
    if present["l"] <= 0:  # type: ignore[operator]
        return False
    return present["x"] + present["y"] <= 1.5 + 1e-9 * 1.5  # type: ignore[operator,no-any-return]


valid_points = st.fixed_dictionaries(
    {
        "x": st.floats(-5, 5),
        "y": st.floats(-5, 5),
        "l": st.floats(0.001, 100),
        "g": st.sampled_from([1, 2.0, 3]),
        "c": st.sampled_from(["a", "b"]),
        "mode": st.sampled_from(["fast", "slow"]),
        "n": st.integers(-100, 100),
    }
)


@settings(max_examples=200)
@given(st.one_of(st.dictionaries(names, values, max_size=8), valid_points))
def test_accepts_exactly_what_the_rules_allow(point: dict[str, object]) -> None:
    if point.get("mode") == "slow" and "n" in point and isinstance(point.get("n"), int):
        point = {k: v for k, v in point.items() if k != "n"}
    try:
        result = check_assignments(DEFINITION, point)
    except InvalidField as error:
        assert not allowed(point), error.message
        assert error.field.startswith("assignments")
        assert error.field in error.message
        return
    assert allowed(point)
    if "n" in result:
        assert isinstance(result["n"], int)
    assert isinstance(result["x"], float)
    assert set(result) == {k for k, v in point.items() if v is not None}


def test_out_of_bounds_is_accepted() -> None:
    point = {"x": -3.0, "y": 0.0, "l": 500, "g": 2, "c": "a", "mode": "fast", "n": 99}
    assert check_assignments(DEFINITION, point)["n"] == 99
