"""The dashboard's session cookie as an alternative to HTTP basic auth, with its CSRF check.

The cookie holds a random secret whose hash names a server-side session; never the API token.
A request the cookie authenticates may change state only when it also sends the session's
CSRF token in ``X-CSRF-Token``: another site can make the browser send the cookie (SameSite
aside) but cannot read the token.
"""

from __future__ import annotations

import hmac

from fastapi import Request, Response

from dialin.domain.sessions import SESSION_LIFETIME_S
from dialin.errors import Forbidden, Unauthenticated
from dialin.services.accounts import Principal
from dialin.services.container import Services
from dialin.services.sessions import SessionPrincipal, SignedIn

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "clear_session_cookie",
    "session_of",
    "session_principal",
    "set_session_cookie",
]

SESSION_COOKIE = "dialin_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_of(request: Request, services: Services) -> SessionPrincipal:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthenticated("Not signed in.")
    return services.sessions.authenticate(secret)


def session_principal(request: Request, services: Services) -> Principal:
    found = session_of(request, services)
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), found.csrf_token.encode()):
            raise Forbidden(f"A request signed in by cookie must send {CSRF_HEADER}.")
    return found.principal


def set_session_cookie(request: Request, response: Response, signed_in: SignedIn) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.cookie_secret,
        max_age=SESSION_LIFETIME_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
