"""dialin: self-hosted hyperparameter optimization speaking SigOpt's v1 API."""

__all__ = ["__version__"]

__version__ = "0.1.0"
