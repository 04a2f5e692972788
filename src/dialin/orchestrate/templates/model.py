"""A small scikit-learn model to optimize: its hyperparameters come from the run, its accuracy
goes back to it. `python model.py` alone trains once with the defaults below."""

import warnings

import sigopt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score

warnings.filterwarnings("ignore", category=ConvergenceWarning)
sigopt.params.setdefaults(l1_ratio=0.15, log_alpha=-4.0)

features, labels = load_digits(return_X_y=True)
model = SGDClassifier(
    penalty="elasticnet",
    l1_ratio=sigopt.params.l1_ratio,
    alpha=10**sigopt.params.log_alpha,
    max_iter=30,
    random_state=0,
)
accuracy = float(cross_val_score(model, features, labels, cv=3).mean())
print(f"accuracy {accuracy:.4f}")
sigopt.log_metric("accuracy", accuracy)
