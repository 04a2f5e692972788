"""A small scikit-learn model to optimize: its hyperparameters come from the run, its accuracy
goes back to it. `python model.py` alone trains once with the defaults below and prints the
accuracy; `dialin optimize` (or `sigopt optimize`) runs it with the experiment's assignments."""

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score

import dialin

warnings.filterwarnings("ignore", category=ConvergenceWarning)

features, labels = load_digits(return_X_y=True)
model = SGDClassifier(
    penalty="elasticnet",
    l1_ratio=dialin.get_parameter("l1_ratio", 0.15),
    alpha=10 ** dialin.get_parameter("log_alpha", -4.0),
    max_iter=30,
    random_state=0,
)
accuracy = float(cross_val_score(model, features, labels, cv=3).mean())
dialin.log_metric("accuracy", accuracy)
