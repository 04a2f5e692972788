"""Dashboard sign-in sessions: a browser's stand-in for the API token it signed in with."""

from __future__ import annotations

from dataclasses import dataclass

from dialin.domain.accounts import ApiToken

__all__ = ["SESSION_LIFETIME_S", "WebSession"]

SESSION_LIFETIME_S = 14 * 24 * 3600


@dataclass(frozen=True)
class WebSession:
    """Only a hash of the cookie's secret is stored; ``csrf_token`` must come back in a header
    on every state-changing request the browser makes with the cookie."""

    id: int
    token: ApiToken
    csrf_token: str = ""
    created: int = 0
    expires: int = 0
