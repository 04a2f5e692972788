"""Tuning scikit-learn models on datasets that ship with scikit-learn (nothing is downloaded).

Cross-validation splits and model seeds are fixed, so a point always scores the same. The optimum
is unknown: it comes from ``--calibrate`` (cached JSON) or else from the best value of any trace.
scikit-learn is imported lazily: peer workers import this package's space module without it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from problems.problem import Problem
from problems.space import Conditional, Param, Space

__all__ = ["model_tuning_problems"]

FOLDS = 3


def model_tuning_problems() -> list[Problem]:
    return [
        _svr_diabetes(),
        _hgb_diabetes(),
        _random_forest_breast_cancer(),
        _mlp_wine(),
        _svc_digits(),
    ]


def _tuning(
    name: str, space: Space, objective: str, score: Callable[[Mapping[str, Any]], float]
) -> Problem:
    return Problem(
        name=name,
        space=space,
        objective=objective,  # type: ignore[arg-type]
        function=score,
        optimum=None,
        optimum_source="best_seen",
        family="model_tuning",
    )


@cache
def _dataset(name: str) -> tuple[Any, Any]:
    from sklearn import datasets

    loader = {
        "digits": datasets.load_digits,
        "diabetes": datasets.load_diabetes,
        "breast_cancer": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
    }[name]
    return loader(return_X_y=True)


def _cross_validated(model: Any, dataset: str, scoring: str, classification: bool) -> float:
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    x, y = _dataset(dataset)
    splitter = StratifiedKFold if classification else KFold
    folds = splitter(FOLDS, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        # Short MLP trainings warn on every fit; the score says enough.
        warnings.simplefilter("ignore")
        return float(cross_val_score(model, x, y, cv=folds, scoring=scoring).mean())


def _svr_diabetes() -> Problem:
    def r2(a: Mapping[str, Any]) -> float:
        from sklearn.svm import SVR

        model = SVR(C=float(a["C"]), gamma=float(a["gamma"]), epsilon=float(a["epsilon"]))
        return _cross_validated(model, "diabetes", "r2", classification=False)

    space = Space(
        (
            Param("C", "double", 1e-2, 1e5, log=True),
            Param("gamma", "double", 1e-4, 1e2, log=True),
            Param("epsilon", "double", 1e-2, 1e2, log=True),
        )
    )
    return _tuning("svr_diabetes", space, "maximize", r2)


def _hgb_diabetes() -> Problem:
    def mean_squared_error(a: Mapping[str, Any]) -> float:
        from sklearn.ensemble import HistGradientBoostingRegressor

        model = HistGradientBoostingRegressor(
            learning_rate=float(a["learning_rate"]),
            max_depth=int(a["max_depth"]),
            min_samples_leaf=int(a["min_samples_leaf"]),
            l2_regularization=float(a["l2_regularization"]),
            max_iter=int(a["max_iter"]),
            random_state=0,
        )
        return -_cross_validated(model, "diabetes", "neg_mean_squared_error", classification=False)

    space = Space(
        (
            Param("learning_rate", "double", 1e-3, 1.0, log=True),
            # Depth, leaf size and rounds are capped so one 3-fold evaluation stays near a second.
            Param("max_depth", "int", 1, 8),
            Param("min_samples_leaf", "int", 2, 100, log=True),
            Param("l2_regularization", "double", 1e-6, 10.0, log=True),
            Param("max_iter", "int", 10, 200),
        )
    )
    return _tuning("hgb_diabetes", space, "minimize", mean_squared_error)


def _random_forest_breast_cancer() -> Problem:
    def roc_auc(a: Mapping[str, Any]) -> float:
        from sklearn.ensemble import RandomForestClassifier

        max_features = None if a["max_features"] == "all" else a["max_features"]
        model = RandomForestClassifier(
            n_estimators=int(a["n_estimators"]),
            max_depth=int(a["max_depth"]),
            min_samples_split=int(a["min_samples_split"]),
            max_features=max_features,
            criterion=a["criterion"],
            random_state=0,
        )
        return _cross_validated(model, "breast_cancer", "roc_auc", classification=True)

    space = Space(
        (
            Param("n_estimators", "int", 10, 100),
            Param("max_depth", "int", 1, 20),
            Param("min_samples_split", "int", 2, 20),
            Param("max_features", "categorical", choices=("sqrt", "log2", "all")),
            Param("criterion", "categorical", choices=("gini", "entropy")),
        )
    )
    return _tuning("random_forest_breast_cancer", space, "maximize", roc_auc)


def _mlp_wine() -> Problem:
    """The solver is a conditional: momentum exists only for sgd, beta_1 only for adam."""

    def log_loss(a: Mapping[str, Any]) -> float:
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        solver_settings = (
            {"momentum": float(a["momentum"])}
            if a["solver"] == "sgd"
            else {"beta_1": float(a["beta_1"])}
        )
        model = MLPClassifier(
            hidden_layer_sizes=(int(a["hidden_units"]),),
            activation=a["activation"],
            alpha=float(a["alpha"]),
            learning_rate_init=float(a["learning_rate_init"]),
            solver=a["solver"],
            max_iter=100,
            random_state=0,
            **solver_settings,
        )
        pipeline = make_pipeline(StandardScaler(), model)
        return -_cross_validated(pipeline, "wine", "neg_log_loss", classification=True)

    space = Space(
        (
            Param("hidden_units", "int", 2, 128, log=True),
            Param("activation", "categorical", choices=("relu", "tanh", "logistic")),
            Param("alpha", "double", 1e-6, 1.0, log=True),
            Param("learning_rate_init", "double", 1e-4, 0.3, log=True),
            Param("momentum", "double", 0.0, 0.99, conditions={"solver": ("sgd",)}),
            Param("beta_1", "double", 0.5, 0.999, conditions={"solver": ("adam",)}),
        ),
        conditionals=(Conditional("solver", ("adam", "sgd")),),
    )
    return _tuning("mlp_wine", space, "minimize", log_loss)


def _svc_digits() -> Problem:
    """The kernel is a conditional: degree exists only for the polynomial one, gamma for all."""

    def accuracy(a: Mapping[str, Any]) -> float:
        from sklearn.svm import SVC

        extra = {"degree": int(a["degree"]), "coef0": 1.0} if a["kernel"] == "poly" else {}
        model = SVC(C=float(a["C"]), gamma=float(a["gamma"]), kernel=a["kernel"], **extra)
        return _cross_validated(model, "digits", "accuracy", classification=True)

    space = Space(
        (
            Param("C", "double", 1e-3, 1e3, log=True),
            Param("gamma", "double", 1e-6, 1.0, log=True),
            Param("degree", "int", 2, 5, conditions={"kernel": ("poly",)}),
        ),
        conditionals=(Conditional("kernel", ("rbf", "poly", "sigmoid")),),
    )
    return _tuning("svc_digits", space, "maximize", accuracy)
