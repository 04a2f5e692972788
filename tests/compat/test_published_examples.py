"""SigOpt's published example code (the sigopt-examples repository, the client's README, examples/
and integration tests) run with the real client against ``dialin server``.

Each test follows one example closely: the same calls in the same order, with a small budget and a
dataset that ships with scikit-learn in place of downloads, GPUs or deep-learning frameworks.
"""

from __future__ import annotations

import math
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy
import pytest
import sigopt
from sigopt import Connection
from sigopt.examples import franke_function
from sigopt.run_context import global_run_context
from sklearn import datasets, svm
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

from support.dialin import RunningServer
from support.sigopt_client import connect, raises_api_error

# The examples read ``.data`` of a paginated answer; the client warns that it is one page.
pytestmark = pytest.mark.filterwarnings("ignore:The .data field:RuntimeWarning")


@pytest.fixture
def env_conn(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Connection:
    """``Connection()`` with the token and URL in the environment, as most examples are run."""
    monkeypatch.setenv("SIGOPT_API_TOKEN", server.token_a)
    monkeypatch.setenv("SIGOPT_API_URL", server.api_url)
    return Connection()


def _observations(conn: Connection, experiment_id: str) -> list[Any]:
    return list(conn.experiments(experiment_id).observations().fetch().iterate_pages())


# sigopt-python README: the Franke function loop


def test_readme_franke_optimization_loop(server: RunningServer) -> None:
    conn = Connection(client_token=server.token_a)
    conn.set_api_url(server.api_url)
    experiment = conn.experiments().create(
        name="Franke Optimization",
        parameters=[
            dict(name="x", type="double", bounds=dict(min=0.0, max=1.0)),
            dict(name="y", type="double", bounds=dict(min=0.0, max=1.0)),
        ],
        metrics=[dict(name="f", objective="maximize")],
    )
    assert experiment.observation_budget is None

    def evaluate_model(assignments: Any) -> float:
        return float(franke_function(assignments["x"], assignments["y"]))

    reported = []
    for _ in range(6):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        value = evaluate_model(suggestion.assignments)
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id, values=[dict(name="f", value=value)]
        )
        reported.append(value)

    (best,) = conn.experiments(experiment.id).best_assignments().fetch().data
    assert best.values[0].name == "f" and best.values[0].value == max(reported)
    assert set(best.assignments) == {"x", "y"}
    assert best.values[0].value == pytest.approx(evaluate_model(best.assignments))
    assert conn.experiments(experiment.id).fetch().progress.observation_count == 6


# sigopt-examples/classifier/classifier_tuner.py (its own CI: 2 suggestions, width 1, 1 random)

SVC_PARAMS = [
    {"bounds": {"max": 10.0, "min": 0.01}, "name": "C", "type": "double"},
    {"bounds": {"max": 1.0, "min": 0.0001}, "name": "gamma", "type": "double"},
    {
        "type": "categorical",
        "name": "kernel",
        "categorical_values": [{"name": "rbf"}, {"name": "poly"}, {"name": "sigmoid"}],
    },
]
GBC_PARAMS = [
    {"bounds": {"max": 1.0, "min": 0.01}, "name": "learning_rate", "type": "double"},
    {"bounds": {"max": 500, "min": 20}, "name": "n_estimators", "type": "int"},
    {"bounds": {"max": 5, "min": 2}, "name": "min_samples_split", "type": "int"},
]


def _random_generator(experiment: Any) -> dict[str, Any]:
    suggestion: dict[str, Any] = {}
    for param in experiment.parameters:
        if param.type == "int":
            suggestion[param.name] = numpy.random.randint(param.bounds.min, param.bounds.max)
        if param.type == "double":
            suggestion[param.name] = numpy.random.uniform(param.bounds.min, param.bounds.max)
        elif param.type == "categorical":
            categories = [str(cat.name) for cat in param.categorical_values]
            suggestion[param.name] = str(numpy.random.choice(categories))
    return suggestion


def _grid_values(experiment: Any, width: int) -> list[list[Any]]:
    values: list[list[Any]] = []
    for param in experiment.parameters:
        if param.type == "categorical":
            values.append([cat.name for cat in param.categorical_values])
        else:
            linspace = numpy.linspace(param.bounds.min, param.bounds.max, width)
            if param.type == "int":
                values.append([int(i) for i in numpy.unique([round(i) for i in linspace])])
            else:
                values.append(list(linspace))
    return values


@pytest.mark.parametrize("classifier_type", ["SVC", "GBC"])
def test_classifier_tuner(server: RunningServer, classifier_type: str) -> None:
    conn = Connection(client_token=server.token_a)
    conn.set_api_url(server.api_url)
    digits = datasets.load_digits()
    x_train, y_train = digits["data"][:-300], digits["target"][:-300]
    x_test, y_test = digits["data"][-300:], digits["target"][-300:]
    experiment = conn.experiments().create(
        name="Example Classifier",
        parameters=SVC_PARAMS if classifier_type == "SVC" else GBC_PARAMS,
        metrics=[dict(name="classifier_score", objective="maximize")],
        observation_budget=2,
    )
    existing = list(conn.experiments().fetch().iterate_pages())
    assert experiment.id in {e.id for e in existing}

    def sigopt_generator() -> Iterator[dict[str, Any]]:
        for _ in range(experiment.observation_budget):
            suggestion = conn.experiments(experiment.id).suggestions().create()
            yield suggestion.assignments.to_json()

    def calculate_objective(assignments: dict[str, Any]) -> float:
        if classifier_type == "SVC":
            return float(svm.SVC(**assignments).fit(x_train, y_train).score(x_test, y_test))
        # A stand-in for GradientBoostingClassifier that runs in milliseconds.
        rate, trees = assignments["learning_rate"], assignments["n_estimators"]
        return rate * trees / 500 - assignments["min_samples_split"] / 100

    scores = []
    for assignments in sigopt_generator():
        score = calculate_objective(assignments)
        conn.experiments(experiment.id).observations().create(
            assignments=assignments, values=[dict(name="classifier_score", value=score)]
        )
        scores.append(score)

    # The random and grid searches read the experiment's parameters the same way.
    for param, value in _random_generator(experiment).items():
        spec = {p.name: p for p in experiment.parameters}[param]
        if spec.type == "categorical":
            assert value in {"rbf", "poly", "sigmoid"}
        else:
            assert spec.bounds.min <= value <= spec.bounds.max
    grid = _grid_values(experiment, 1)
    assert [len(values) for values in grid] == [len(values) for values in grid if values]

    best = list(conn.experiments(experiment.id).best_assignments().fetch().iterate_pages())
    assert [b.values[0].value for b in best] == [max(scores)]
    assert set(best[0].assignments) == {p.name for p in experiment.parameters}
    assert len(_observations(conn, experiment.id)) == 2


# sigopt-examples/other-languages/other_languages.py with test/with_new_experiment

OTHER_PROGRAM = "import sys; print(1.0 if sys.argv[1:] else 'no arguments')"


def test_other_languages_subprocess_evaluator(server: RunningServer) -> None:
    creator = connect(server.api_url, server.token_a)
    created = creator.experiments().create(
        name="sigopt-examples test experiment",
        metrics=[dict(name="score", objective="maximize")],
        parameters=[
            {"type": "double", "name": "d", "bounds": {"min": 10, "max": 20}},
            {"type": "int", "name": "i", "bounds": {"min": 1, "max": 100}},
            {
                "type": "categorical",
                "name": "c",
                "categorical_values": [{"name": "a"}, {"name": "b"}],
            },
        ],
    )
    stale = creator.experiments(created.id).suggestions().create()

    connection = Connection(client_token=server.token_a)
    connection.set_api_url(server.api_url)
    experiment = connection.experiments(created.id).fetch()
    connection.experiments(created.id).suggestions().delete(state="open")
    open_suggestions = connection.experiments(created.id).suggestions().fetch(state="open")
    assert list(open_suggestions.iterate_pages()) == []
    with raises_api_error(404):
        connection.experiments(created.id).suggestions(stale.id).fetch()

    def evaluate_metric(assignments: Any) -> float:
        # ``.items()`` where the Python 2 example calls ``.iteritems()``.
        arguments = [f"--{name}={value}" for name, value in assignments.to_json().items()]
        out = subprocess.run(
            [sys.executable, "-c", OTHER_PROGRAM, *arguments],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(out.stdout.strip())

    for _ in range(experiment.observation_budget or 10):
        suggestion = connection.experiments(experiment.id).suggestions().create()
        value = evaluate_metric(suggestion.assignments)
        connection.experiments(experiment.id).observations().create(
            suggestion=suggestion.id, values=[dict(name="score", value=value)]
        )

    observations = _observations(connection, experiment.id)
    assert len(observations) == 10
    assert {o.values[0].value for o in observations} == {1.0}
    assert all(o.assignments["c"] in {"a", "b"} for o in observations)


# sigopt-examples/text-classifier (single-metric ``value=``, log-scaled bounds) and
# estimated-training-time (observation metadata read back page by page)


def test_sentiment_classifier_and_training_time_metadata(env_conn: Connection) -> None:
    conn = env_conn
    experiment = conn.experiments().create(
        name="Sentiment LR Classifier (Python)",
        metrics=[dict(name="cv_scores", objective="maximize")],
        parameters=[
            {"name": "l1_coef", "type": "double", "bounds": {"min": 0, "max": 1.0}},
            {
                "name": "log_reg_coef",
                "type": "double",
                "bounds": {"min": math.log(0.000001), "max": math.log(100.0)},
            },
            {"name": "min_n_gram", "type": "int", "bounds": {"min": 1, "max": 2}},
            {"name": "n_gram_offset", "type": "int", "bounds": {"min": 0, "max": 2}},
            {
                "name": "log_min_df",
                "type": "double",
                "bounds": {"min": numpy.log(0.00000001), "max": numpy.log(0.1)},
            },
        ],
        observation_budget=3,
    )
    by_name = {p.name: p for p in experiment.parameters}
    assert by_name["log_reg_coef"].bounds.min == pytest.approx(math.log(0.000001))

    times = {}
    for _ in range(experiment.observation_budget):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        start_ts = time.time()
        value = suggestion.assignments["l1_coef"] * math.exp(suggestion.assignments["log_reg_coef"])
        end_ts = time.time()
        observation = (
            conn.experiments(experiment.id)
            .observations()
            .create(
                suggestion=suggestion.id, value=value, metadata={"training_time": end_ts - start_ts}
            )
        )
        times[observation.id] = end_ts - start_ts

    observations = _observations(conn, experiment.id)
    assert {o.id: o.metadata["training_time"] for o in observations} == times
    for o in observations:
        assert o.values[0].name == "cv_scores"
        assert {name for name, _ in o.assignments.to_json().items()} == set(by_name)
    with pytest.deprecated_call():
        assert experiment.metric is None  # the notebook falls back to 'Evaluated Metric'


# sigopt-examples/surprise-py-recsys, xgboost-py-regression, multimetric-timeseries: the loop that
# refetches the experiment until progress reaches the budget


def test_progress_loop_with_a_stored_metric(env_conn: Connection) -> None:
    conn = env_conn
    experiment = conn.experiments().create(
        name="Surprise Movies-100k Recommender",
        parameters=[
            dict(name="n_epochs", type="int", bounds=dict(min=5, max=10)),
            dict(name="lr_all", type="double", bounds=dict(min=0.002, max=0.005)),
            dict(name="reg_all", type="double", bounds=dict(min=0.4, max=0.6)),
        ],
        metrics=[
            dict(name="RMSE", objective="minimize", strategy="optimize"),
            dict(name="MAE", objective="minimize", strategy="store"),
        ],
        parallel_bandwidth=1,
        observation_budget=4,
    )

    def evaluate_model(assignments: Any) -> list[dict[str, Any]]:
        rmse = assignments["lr_all"] * 100 + abs(assignments["reg_all"] - 0.5)
        return [dict(name="RMSE", value=rmse), dict(name="MAE", value=rmse / 2)]

    loops = 0
    while experiment.progress.observation_count < experiment.observation_budget:
        suggestion = conn.experiments(experiment.id).suggestions().create()
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id, values=evaluate_model(suggestion.assignments)
        )
        experiment = conn.experiments(experiment.id).fetch()
        loops += 1
    assert loops == 4

    all_best_assignments = conn.experiments(experiment.id).best_assignments().fetch()
    best_assignments = all_best_assignments.data[0].assignments
    rmse = {o.id: {v.name: v.value for v in o.values} for o in _observations(conn, experiment.id)}
    best_rmse = min(v["RMSE"] for v in rmse.values())
    assert evaluate_model(best_assignments)[0]["value"] == pytest.approx(best_rmse)
    assert {v.name for v in all_best_assignments.data[0].values} == {"MAE", "RMSE"}
    assert experiment.progress.observation_budget_consumed == 4


# sigopt-examples/dnn-tuning-nvidia-mxnet/multi_run_experiments_with_failures.py


def test_failed_observations_without_values(env_conn: Connection) -> None:
    conn = env_conn
    hyperparams = [
        {"type": "double", "name": "dropout_rate", "bounds": {"max": 0.9, "min": 0.1}},
        {"type": "int", "name": "epochs", "bounds": {"max": 100, "min": 1}},
    ]
    experiment = conn.experiments().create(
        name="Multicriteria[failures] Sentiment Analysis (SGD Only)",
        parameters=hyperparams,
        observation_budget=2 * len(hyperparams),
        metrics=[
            {"name": "accuracy", "objective": "maximize"},
            {"name": "train_time", "objective": "minimize"},
        ],
    )

    def create_observation_dict(suggestion: Any, n: int) -> dict[str, Any]:
        accuracy, duration = 70.0 + 5 * n, 300.0 - 60 * n
        failed, values = True, None
        if accuracy > 75 and duration < 250:
            values = [
                {"name": "accuracy", "value": accuracy},
                {"name": "train_time", "value": duration},
            ]
            failed = False
        return {"suggestion": suggestion.id, "values": values, "failed": failed}

    for n in range(experiment.observation_budget):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        conn.experiments(experiment.id).observations().create(
            **create_observation_dict(suggestion, n)
        )

    observations = _observations(conn, experiment.id)
    assert sorted(o.failed for o in observations) == [False, False, True, True]
    assert all(o.values == [] for o in observations if o.failed)
    best = conn.experiments(experiment.id).best_assignments().fetch().data
    assert [{v.name: v.value for v in b.values} for b in best] == [
        {"accuracy": 85.0, "train_time": 120.0}
    ]
    experiment = conn.experiments(experiment.id).fetch()
    assert experiment.progress.observation_count == 4


# sigopt-examples/metric-constraints-demo


def test_metric_constraints_demo(env_conn: Connection) -> None:
    conn = env_conn
    experiment = conn.experiments().create(
        name="Traffic Dataset, Constraint Metric v2",
        parameters=[
            dict(name="kernel_size_1", bounds=dict(min=2, max=7), type="int"),
            dict(name="num_filters_1", bounds=dict(min=10, max=50), type="int"),
            dict(name="fc_1", bounds=dict(min=10, max=1000), type="int"),
        ],
        metrics=[
            dict(name="size", objective="minimize", strategy="constraint", threshold=0.25),
            dict(name="validation_accuracy", objective="maximize", strategy="optimize"),
            dict(name="test_accuracy", objective="maximize", strategy="store"),
            dict(name="training_time", objective="minimize", strategy="store"),
        ],
        metadata=dict(
            training_file="train.p",
            environment="Tesla P100-PCIE",
            epochs=10,
            batch_size=32,
            min_acceptable_accuracy=0.2,
        ),
        observation_budget=4,
        parallel_bandwidth=1,
    )
    sizes = [0.1, 0.2, 0.3]

    def create_observation(suggestion: Any, i: int) -> dict[str, Any]:
        if i == 3:  # the model diverged
            return {
                "suggestion": suggestion.id,
                "failed": True,
                "metadata": dict(
                    error_msg="divergence",
                    validation_accuracy=0.1,
                    training_time=3.5,
                    loss=repr([f"{loss:.5f}" for loss in (2.3, 2.4)]),
                ),
            }
        return {
            "suggestion": suggestion.id,
            "values": [
                {"name": "size", "value": sizes[i]},
                {"name": "validation_accuracy", "value": 0.5 + 0.1 * i},
                {"name": "test_accuracy", "value": 0.4},
                {"name": "training_time", "value": 5.0},
            ],
        }

    for i in range(experiment.observation_budget):
        s = conn.experiments(experiment.id).suggestions().create()
        conn.experiments(experiment.id).observations().create(**create_observation(s, i))

    def best_accuracies() -> list[float]:
        best = conn.experiments(experiment.id).best_assignments().fetch().data
        return [{v.name: v.value for v in b.values}["validation_accuracy"] for b in best]

    assert best_accuracies() == [pytest.approx(0.6)]  # size 0.3 breaks the 0.25 threshold
    experiment = conn.experiments(experiment.id).update(
        metrics=[
            dict(name="size", threshold=0.15),
            dict(name="validation_accuracy"),
            dict(name="test_accuracy"),
            dict(name="training_time"),
        ],
    )
    metrics = {m.name: m for m in experiment.metrics}
    assert metrics["size"].threshold == 0.15 and metrics["size"].strategy == "constraint"
    assert metrics["test_accuracy"].strategy == "store"
    assert best_accuracies() == [pytest.approx(0.5)]
    assert experiment.metadata["environment"] == "Tesla P100-PCIE"
    failed = [o for o in _observations(conn, experiment.id) if o.failed]
    assert [o.metadata["error_msg"] for o in failed] == ["divergence"]


# sigopt-examples/optimizing-memn2n: conditionals, experiment types, the experiment client class

OPTIMIZERS = ["Adam", "Adagrad", "GradientDescentMomentum", "RMSProp", "Adadelta"]
CONDITIONAL_PARAMETERS = [
    dict(
        name="learning_rate",
        bounds=dict(min=numpy.log(10e-7), max=numpy.log(1)),
        type="double",
        conditions=dict(optimizer=OPTIMIZERS),
    ),
    dict(
        name="momentum",
        bounds=dict(min=0.1, max=0.99),
        type="double",
        conditions=dict(optimizer=["GradientDescentMomentum", "RMSProp"]),
    ),
    dict(
        name="nesterov",
        type="categorical",
        categorical_values=[dict(name="true"), dict(name="false")],
        conditions=dict(optimizer=["GradientDescentMomentum"]),
    ),
    dict(
        name="beta_1",
        bounds=dict(min=0.8, max=0.99),
        type="double",
        conditions=dict(optimizer=["Adam"]),
    ),
    dict(name="word_embedding_size", bounds=dict(min=10, max=100), type="int"),
    dict(name="hop_size", bounds=dict(min=1, max=3), type="int"),
]


def test_memn2n_conditionals(server: RunningServer) -> None:
    conn = Connection(client_token=server.token_a)
    conn.set_api_url(server.api_url)
    experiment = conn.experiments().create(
        name="memn2n conditionals",
        parameters=CONDITIONAL_PARAMETERS,
        conditionals=[dict(name="optimizer", values=OPTIMIZERS)],
        metrics=[dict(name="accuracy", objective="maximize")],
        parallel_bandwidth=1,
        observation_budget=5,
        metadata={"experiment_type": "conditionals", "sigopt_observation_budget": "5"},
        type="offline",
    )
    assert [c.values for c in experiment.conditionals] == [OPTIMIZERS]
    conditions = {p.name: p.conditions for p in experiment.parameters}
    observation = None
    while experiment.progress.observation_count < experiment.observation_budget:
        suggestion = conn.experiments(experiment.id).suggestions().create()
        assignments = suggestion.assignments
        for name, condition in conditions.items():
            active = not condition or assignments["optimizer"] in condition["optimizer"]
            assert (name in assignments) == active, (name, assignments)
        observation = (
            conn.experiments(experiment.id)
            .observations()
            .create(suggestion=suggestion.id, value=1.0 / assignments["hop_size"])
        )
        experiment = conn.experiments(experiment.id).fetch()

    assert observation is not None
    updated = (
        conn.experiments(experiment.id)
        .observations(observation.id)
        .update(metadata={"epochs": 100})
    )
    assert updated.metadata["epochs"] == 100
    best = conn.experiments(experiment.id).best_assignments().fetch()
    assert best.data[0].assignments["optimizer"] in OPTIMIZERS
    conn.experiments(experiment.id).delete()
    assert conn.experiments(experiment.id).fetch().state == "deleted"


@pytest.mark.parametrize(("experiment_type", "conditionals"), [("random", []), ("offline", None)])
def test_memn2n_random_and_unconditioned_experiments(
    server: RunningServer, experiment_type: str, conditionals: list[Any] | None
) -> None:
    conn = Connection(client_token=server.token_a)
    conn.set_api_url(server.api_url)
    parameters = [{k: v for k, v in p.items() if k != "conditions"} for p in CONDITIONAL_PARAMETERS]
    parameters.append(
        dict(
            name="optimizer",
            type="categorical",
            categorical_values=[dict(name=o) for o in OPTIMIZERS],
        )
    )
    experiment = conn.experiments().create(
        name=f"memn2n {experiment_type}",
        parameters=parameters,
        conditionals=conditionals,
        metrics=[dict(name="accuracy", objective="maximize")],
        parallel_bandwidth=1,
        observation_budget=2,
        metadata={"experiment_type": experiment_type},
        type=experiment_type,
    )
    assert experiment.type == experiment_type and experiment.conditionals == []
    for _ in range(experiment.observation_budget):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        assert set(suggestion.assignments) == {p["name"] for p in parameters}
        conn.experiments(experiment.id).observations().create(suggestion=suggestion.id, value=0.5)
    # The example client's ``create_experiment_metadata`` posts metadata alone, which SigOpt
    # refuses as well.
    with raises_api_error(400):
        conn.experiments(experiment.id).observations().create(metadata={"note": "alone"})
    assert len(_observations(conn, experiment.id)) == 2


# sigopt-examples/bert-distillation-multimetric: the experiment client class and its runs


def test_bert_distillation_optimization_cycle(project: str, server: RunningServer) -> None:
    conn = Connection(client_token=server.token_a)
    conn.set_api_url(server.api_url)
    metrics = [
        dict(name="exact", objective="maximize", strategy="optimize", threshold=50),
        dict(name="num_parameters", objective="minimize", strategy="optimize"),
        dict(name="f1", objective="maximize", strategy="store"),
        dict(name="inference_time", objective="minimize", strategy="store"),
    ]
    experiment = conn.experiments().create(
        name="bert distillation",
        project=project,
        parameters=[
            dict(
                name="learning_rate",
                bounds=dict(min=numpy.log(2e-6), max=numpy.log(1e-1)),
                type="double",
            ),
            dict(name="alpha_ce", bounds=dict(min=0.0000001, max=1.0), type="double"),
            dict(name="n_layers", bounds=dict(min=1, max=20), type="int"),
        ],
        linear_constraints=[],
        conditionals=[],
        metrics=metrics,
        parallel_bandwidth=1,
        observation_budget=3,
        metadata={"dataset": "SQUAD 2.0"},
        type="offline",
    )
    assert experiment.project == project
    n = 0
    while experiment.progress.observation_count < experiment.observation_budget:
        suggestion = conn.experiments(experiment.id).suggestions().create()
        suggestion = (
            conn.experiments(experiment.id)
            .suggestions(suggestion.id)
            .update(metadata={"ray_trial_id": f"trial_{n}"})
        )
        assert suggestion.metadata["ray_trial_id"] == f"trial_{n}"
        failed = n == 1
        values = [
            {"name": "exact", "value": 60.0 + n},
            {"name": "num_parameters", "value": 66e6 - n},
            {"name": "f1", "value": 70.0},
            {"name": "inference_time", "value": 0.5},
        ]
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id,
            values=None if failed else values,
            failed=failed,
            metadata={"error_string": None, "alpha_squad": suggestion.assignments["alpha_ce"]},
        )
        experiment = conn.experiments(experiment.id).fetch()
        n += 1

    best = conn.experiments(experiment.id).best_assignments().fetch().data
    assert [{v.name: v.value for v in b.values}["exact"] for b in best] == [62.0]
    client_id = conn.tokens("self").fetch().client
    listed = conn.clients(client_id).projects(project).experiments().fetch().iterate_pages()
    assert [e.id for e in listed] == [experiment.id]
    observations = _observations(conn, experiment.id)
    assert all("error_string" not in o.metadata for o in observations)


def test_bert_distillation_run(project: str) -> None:
    with sigopt.create_run(name="Distillation Run_experiment_1_suggestion_2") as run:
        run.log_dataset("SQUAD 2.0")
        run.log_model("DistilBert for question answering")
        run.log_metadata("suggestion_id", "2")
        run.log_metadata("experiment_id", "1")
        for epoch in range(3):
            run.log_checkpoint({"exact": 40.0 + epoch, "f1": 50.0 + epoch})
        for name, value in {"exact": 42.0, "f1": 52.0, "num_parameters": 66e6}.items():
            run.log_metric(name, value)
    with sigopt.create_run(name="Distillation Run that failed") as failing:
        failing.log_failure()
        failing.log_metadata(key="error_str", value="out of memory")

    fetched = sigopt.get_run(run.id)
    assert fetched.state == "completed" and fetched.checkpoint_count == 3
    assert fetched.datasets == ["SQUAD 2.0"]
    assert fetched.model.type == "DistilBert for question answering"
    assert dict(fetched.metadata) == {"suggestion_id": "2", "experiment_id": "1"}
    assert {k: v.value for k, v in fetched.values.items()} == {
        "exact": 42.0,
        "f1": 52.0,
        "num_parameters": 66e6,
    }
    failed = sigopt.get_run(failing.id)
    assert failed.state == "failed" and failed.metadata["error_str"] == "out of memory"


# sigopt-python examples/basic.py and examples/parallel.py


def test_basic_and_parallel_ai_experiments(project: str) -> None:
    sigopt.log_dataset("Example dataset")  # outside a run: does nothing, as in SigOpt
    sigopt.log_metadata(key="Dataset Source", value="Example Source")
    sigopt.log_model("Example Model Technique")
    experiment = sigopt.create_experiment(
        name="Basic Test experiment",
        parameters=[{"name": "x", "bounds": {"max": 50.0, "min": 0.0}, "type": "double"}],
        metrics=[{"name": "holdout_accuracy", "objective": "maximize"}],
        parallel_bandwidth=1,
        budget=3,
    )
    accuracies = {}
    for run in experiment.loop():
        with run:
            holdout_accuracy = -abs(run.params.x - 20)
            run.log_metric("holdout_accuracy", holdout_accuracy)
            accuracies[run.id] = holdout_accuracy
    assert len(accuracies) == 3 and experiment.is_finished()
    best_runs = list(experiment.get_best_runs())
    assert [r.id for r in best_runs] == [max(accuracies, key=accuracies.__getitem__)]

    parallel = sigopt.create_experiment(
        name="Basic Test experiment",
        type="offline",
        parameters=[{"name": "x", "bounds": {"max": 50.0, "min": 0.0}, "type": "double"}],
        metrics=[{"name": "holdout_accuracy", "objective": "maximize"}],
        parallel_bandwidth=3,
        budget=3,
    )
    assert parallel.parallel_bandwidth == 3 and parallel.budget == 3
    assert list(parallel.get_best_runs()) == []


# sigopt-examples/get-started notebooks: %%run, and %%experiment followed by %%optimize


def _exec_cell(run_context: Any, cell: Callable[[], None]) -> None:
    """What the notebook magics do around a cell: the module-level API logs to the cell's run."""
    global_run_context.set_run_context(run_context)
    try:
        run_context.log_source_code(content=f"{cell.__name__}()")
        cell()
    finally:
        global_run_context.clear_run_context()


def _run_and_track_in_sigopt() -> None:
    wine = datasets.load_wine()
    features = StandardScaler().fit_transform(wine["data"])
    labels = wine["target"]
    sigopt.log_dataset("Sklearn Wine")
    sigopt.log_metadata(key="Dataset Source", value="sklearn.datasets")
    sigopt.log_metadata(key="Dataset Rows", value=features.shape[0])
    sigopt.log_metadata(key="Dataset Columns", value=features.shape[1])
    sigopt.log_model("LogisticRegression")
    sigopt.params.setdefault("max_depth", numpy.random.randint(low=3, high=15, dtype=int))
    sigopt.params.setdefault("learning_rate", numpy.random.random(size=1)[0])
    t0 = time.time()
    model = LogisticRegression(C=sigopt.params.learning_rate, max_iter=20 * sigopt.params.max_depth)
    mean_accuracy = numpy.mean(cross_val_score(model, features, labels, cv=3))
    sigopt.log_metric(name="accuracy", value=mean_accuracy)
    sigopt.log_metric(name="training and validation time (s)", value=time.time() - t0)


def test_get_started_notebooks(project: str) -> None:
    def my_first_run() -> None:
        sigopt.params.max_depth = numpy.random.randint(low=3, high=15, dtype=int)
        sigopt.params.learning_rate = numpy.random.random(size=1)[0]
        _run_and_track_in_sigopt()

    with sigopt.create_run(name="My_First_Run") as run_context:
        _exec_cell(run_context, my_first_run)
    run = sigopt.get_run(run_context.id)
    assert set(run.values) == {"accuracy", "training and validation time (s)"}
    assert run.metadata["Dataset Rows"] == 178 and run.metadata["Dataset Columns"] == 13
    assert isinstance(run.assignments["max_depth"], int)
    assert run.datasets == ["Sklearn Wine"] and run.source_code.content == "my_first_run()"

    experiment = sigopt.create_experiment(
        **{
            "name": "XGBoost Optimization",
            "metrics": [{"name": "accuracy", "strategy": "optimize", "objective": "maximize"}],
            "parameters": [
                {"name": "max_depth", "type": "int", "bounds": {"min": 3, "max": 12}},
                {
                    "name": "learning_rate",
                    "type": "double",
                    "bounds": {"min": 0.0001, "max": 1.0},
                    "transformation": "log",
                },
            ],
            "budget": 2,
        }
    )
    for run_context in experiment.loop(name="My_First_Optimization"):
        with run_context:
            _exec_cell(run_context, _run_and_track_in_sigopt)
    experiment.refresh()
    assert experiment.progress.finished_run_count == 2
    runs = list(experiment.get_runs())
    assert {r.name for r in runs} == {"My_First_Optimization"}
    for r in runs:
        # Served values win over the notebook's setdefault.
        assert 3 <= r.assignments["max_depth"] <= 12
        assert 0.0001 <= r.assignments["learning_rate"] <= 1.0
        assert set(r.values) == {"accuracy", "training and validation time (s)"}
    (best,) = experiment.get_best_runs()
    assert best.values["accuracy"].value == max(r.values["accuracy"].value for r in runs)


# sigopt-python integration_test/test_experiment.py and test_sigopt.py


def test_integration_experiment_update(project: str) -> None:
    config = {
        "name": "experiment-integration-test",
        "type": "offline",
        "parameters": [
            {"name": "max_depth", "type": "int", "bounds": {"min": 2, "max": 5}},
            {"name": "num_boost_round", "type": "int", "bounds": {"min": 2, "max": 5}},
        ],
        "metrics": [{"name": "f1", "strategy": "optimize", "objective": "maximize"}],
        "parallel_bandwidth": 1,
        "budget": 3,
    }
    experiment = sigopt.create_aiexperiment(**config)
    parameters = experiment.parameters
    parameters[0].bounds.max = 100
    parameters[1].bounds.min = 1
    experiment.update(
        name="experiment-integration-test-1",
        parameters=parameters,
        parallel_bandwidth=2,
        budget=4,
    )
    updated = sigopt.get_aiexperiment(experiment.id)
    assert updated.name == "experiment-integration-test-1"
    assert (updated.budget, updated.parallel_bandwidth) == (4, 2)
    assert (updated.parameters[0].bounds.min, updated.parameters[0].bounds.max) == (2, 100)
    assert (updated.parameters[1].bounds.min, updated.parameters[1].bounds.max) == (1, 5)


@pytest.mark.parametrize(("n", "max_batch_size"), [(10, 3), (11, 20)])
def test_integration_upload_runs(project: str, n: int, max_batch_size: int) -> None:
    runs = [
        {
            "name": f"batch-{i}",
            "assignments": {"x": i, "y": i * i},
            "values": {"r0": dict(value=i * i + i), "r1": dict(value=i**2)},
            "state": "completed" if i % 2 == 0 else "failed",
        }
        for i in range(n)
    ]
    training_runs = sigopt.upload_runs(runs, max_batch_size)
    assert len(training_runs) == n
    stored = [sigopt.get_run(r.id) for r in training_runs]
    assert [r.name for r in stored] == [f"batch-{i}" for i in range(n)]
    assert [r.state for r in stored] == [runs[i]["state"] for i in range(n)]
    assert stored[3].values["r0"].value == 12 and stored[3].assignments["y"] == 9


# The xgboost integration logs every eval metric as a checkpoint and its defaults as parameters


def test_checkpoints_name_more_than_the_experiments_metrics(project: str) -> None:
    experiment = sigopt.create_experiment(
        name="checkpoints",
        parameters=[{"name": "eta", "type": "double", "bounds": {"min": 0.01, "max": 0.5}}],
        metrics=[{"name": "val_set-F1", "objective": "maximize"}],
        budget=1,
    )
    for run in experiment.loop():
        with run:
            run.params.max_row_perbatch = 2**64 - 1  # an xgboost default
            for loss in (0.5, 0.3):
                run.log_checkpoint({"val_set-logloss": loss, "val_set-error": loss / 10})
            run.log_metric("val_set-F1", 0.9)
    (fetched,) = experiment.get_runs()
    assert fetched.checkpoint_count == 2 and fetched.values["val_set-F1"].value == 0.9
    assert fetched.assignments["max_row_perbatch"] == float(2**64 - 1)
    conn = sigopt._global_factory.connection
    checkpoints = list(conn.training_runs(fetched.id).checkpoints().fetch().iterate_pages())
    assert sorted(c.values[0].name for c in checkpoints) == ["val_set-error", "val_set-error"]
    assert sorted(c.to_json()["values"][1]["value"] for c in checkpoints) == [0.3, 0.5]


def test_sigopt_xgboost_integration(project: str) -> None:
    xgb = pytest.importorskip("xgboost")
    import sigopt.xgboost

    features, labels = datasets.load_breast_cancer(return_X_y=True)
    dtrain = xgb.DMatrix(features[:400], label=labels[:400])
    dval = xgb.DMatrix(features[400:], label=labels[400:])
    pos_weight = float((labels[:400] == 0).sum() / (labels[:400] == 1).sum())

    baseline = sigopt.xgboost.run(
        {"scale_pos_weight": pos_weight, "objective": "binary:logistic"},
        dtrain,
        num_boost_round=5,
        run_options={"name": "Baseline XGBoost Fraud Classifier"},
    )
    assert sigopt.get_run(baseline.run.id).name == "Baseline XGBoost Fraud Classifier"

    experiment = sigopt.xgboost.experiment(
        experiment_config=dict(
            name="XGBoost Fraud Classifier",
            type="offline",
            parameters=[
                dict(name="eta", type="double", bounds=dict(min=0.05, max=0.5)),
                dict(name="max_depth", type="int", bounds=dict(min=2, max=5)),
                dict(name="num_boost_round", type="int", bounds=dict(min=3, max=8)),
            ],
            metrics=[dict(name="F1", strategy="optimize", objective="maximize")],
            parallel_bandwidth=1,
            budget=2,
        ),
        dtrain=dtrain,
        evals=[(dval, "val_set")],
        params={"scale_pos_weight": pos_weight, "objective": "binary:logistic", "verbosity": 0},
    )
    assert experiment.is_finished()
    runs = list(experiment.get_runs())
    assert len(runs) == 2
    for run in runs:
        assert run.state == "completed" and run.checkpoint_count >= 1
        assert 0 <= run.values["val_set-F1"].value <= 1
        assert run.values["Training time"].value > 0
        assert 2 <= run.assignments["max_depth"] <= 5
    (best,) = experiment.get_best_runs()
    assert best.values["val_set-F1"].value == max(r.values["val_set-F1"].value for r in runs)


def test_project_must_exist_for_experiments(server: RunningServer) -> None:
    conn = connect(server.api_url, server.token_a)
    with raises_api_error(400) as error:
        conn.experiments().create(
            name="no such project",
            project=f"missing-{secrets.token_hex(4)}",
            parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
        )
    assert "Unknown project" in error.message
