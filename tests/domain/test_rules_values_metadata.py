from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialin.domain.experiments import ExperimentDefinition
from dialin.domain.metrics import Metric, MetricValue, Task
from dialin.domain.parameters import Bounds, Parameter
from dialin.domain.rules import check_metadata, check_task, check_values
from dialin.errors import InvalidField

PARAMS = (Parameter("x", "double", bounds=Bounds(0, 1)),)
SINGLE = ExperimentDefinition(type="offline", parameters=PARAMS, metrics=(Metric("m"),))
UNNAMED = ExperimentDefinition(type="offline", parameters=PARAMS)
MULTI = ExperimentDefinition(
    type="offline",
    parameters=PARAMS,
    metrics=(Metric("b"), Metric("a"), Metric("s", strategy="store")),
    budget=3,
)
TASKS = ExperimentDefinition(
    type="offline", parameters=PARAMS, tasks=(Task("t1", 1), Task("t2", 0.2)), budget=3
)


def test_values_are_named_and_sorted(invalid) -> None:
    assert check_values(SINGLE, [MetricValue(None, 1)]) == (MetricValue("m", 1),)
    assert check_values(UNNAMED, [MetricValue(None, 1)]) == (MetricValue(None, 1),)
    assert [
        v.name
        for v in check_values(
            MULTI, [MetricValue("s", 1), MetricValue("b", 2), MetricValue("a", 3)]
        )
    ] == ["a", "b", "s"]
    invalid(lambda: check_values(MULTI, [MetricValue("a", 1), MetricValue("b", 1)]), "values")
    invalid(
        lambda: check_values(
            MULTI, [MetricValue("a", 1), MetricValue(None, 1), MetricValue("s", 1)]
        ),
        "values[1].name",
    )
    invalid(
        lambda: check_values(
            MULTI, [MetricValue("a", 1), MetricValue("a", 1), MetricValue("s", 1)]
        ),
        "values[1].name",
    )
    invalid(lambda: check_values(SINGLE, [MetricValue("z", 1)]), "values[0].name")
    invalid(lambda: check_values(UNNAMED, [MetricValue("z", 1)]), "values[0].name")
    invalid(
        lambda: check_values(SINGLE, [MetricValue("m", float("nan"))], "observations[2].values"),
        "observations[2].values[0].value",
    )
    invalid(lambda: check_values(SINGLE, [MetricValue("m", 1, -0.5)]), "values[0].value_stddev")


def test_tasks(invalid) -> None:
    assert check_task(TASKS, "t2") == Task("t2", 0.2)
    assert check_task(SINGLE, None) is None
    invalid(lambda: check_task(SINGLE, "t1"), "task")
    invalid(lambda: check_task(TASKS, None), "task")
    invalid(lambda: check_task(TASKS, "t3"), "task")


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([1], "metadata"),
        ("x", "metadata"),
        ({f"k{i}": i for i in range(101)}, "metadata"),
        ({"k" * 101: 1}, "metadata." + "k" * 101),
        ({"a": True}, "metadata.a"),
        ({"a": [1]}, "metadata.a"),
        ({"a": {"b": 1}}, "metadata.a"),
        ({"a": "v" * 501}, "metadata.a"),
        ({"a": float("inf")}, "metadata.a"),
    ],
)
def test_metadata_rules(value: object, field: str, invalid) -> None:
    invalid(lambda: check_metadata(value), field)


def test_metadata_limits_and_nulls() -> None:
    assert check_metadata(None) is None
    assert check_metadata({"ip": None}) == {}
    assert check_metadata({"k" * 100: "v" * 500}) == {"k" * 100: "v" * 500}
    assert check_metadata({f"k{i}": i for i in range(100)}) is not None
    assert check_metadata({"a": 1, "b": 2.5}, max_keys=5) == {"a": 1, "b": 2.5}
    with pytest.raises(InvalidField):
        check_metadata({f"k{i}": i for i in range(6)}, "metadata", max_keys=5)


def test_integers_past_64_bits_are_kept_as_doubles(invalid) -> None:
    # xgboost logs max_row_perbatch = 2**64 - 1 among its defaults.
    kept = check_metadata({"max_row_perbatch": 2**64 - 1, "small": 2**63 - 1})
    assert kept == {"max_row_perbatch": float(2**64), "small": 2**63 - 1}
    assert isinstance(kept["max_row_perbatch"], float) and isinstance(kept["small"], int)
    invalid(lambda: check_metadata({"huge": 10**400}), "metadata.huge")


metadata_values = st.one_of(
    st.none(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=500),
)


@given(st.dictionaries(st.text(max_size=100), metadata_values, max_size=100))
def test_random_valid_metadata_is_kept_without_nulls(value: dict[str, object]) -> None:
    assert check_metadata(value) == {k: v for k, v in value.items() if v is not None}
