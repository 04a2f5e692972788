"""Errors every layer raises; each layer edge translates them once.

    DialinError
     ├── InvalidField(field)      bad input, names the offending field      → 400 / exit 2
     ├── Unauthenticated          no credentials at all                     → 401
     ├── Forbidden                credentials refused or action not allowed → 403
     ├── NotFound                 missing, or owned by another client       → 404
     ├── Conflict                 the object already exists                 → 409
     ├── InvalidTransition        a state change the state machine refuses  → 400
 ├── NotComputable            not enough data yet for the answer        → 422
     └── SchemaMismatch           the database is at an unknown revision    → exit 2

The HTTP mapping lives in ``dialin.api.errors`` only, exit codes in ``dialin.cli.main`` only.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DialinError",
    "Forbidden",
    "InvalidField",
    "InvalidTransition",
    "NotComputable",
    "NotFound",
    "SchemaMismatch",
    "Unauthenticated",
]


class DialinError(Exception):
    """Base of every error dialin raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidField(DialinError):
    """Input that breaks a rule; ``field`` is the culprit's path (``parameters[1].bounds.min``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Unauthenticated(DialinError):
    pass


class Forbidden(DialinError):
    def __init__(self, message: str, token_status: str | None = None) -> None:
        super().__init__(message)
        self.token_status = token_status


class NotFound(DialinError):
    def __init__(self, message: str = "The requested resource could not be found") -> None:
        super().__init__(message)


class Conflict(DialinError):
    pass


class InvalidTransition(DialinError):
    pass


class NotComputable(DialinError):
    pass


class SchemaMismatch(DialinError):
    pass
