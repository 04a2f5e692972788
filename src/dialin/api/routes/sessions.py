"""Dashboard sign-in and sign-out: an API token in, an HttpOnly session cookie out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dialin.api.deps import Body, Svc, reply
from dialin.api.session import (
    SESSION_COOKIE,
    clear_session_cookie,
    session_of,
    session_principal,
    set_session_cookie,
)
from dialin.services.accounts import Principal
from dialin.wire.fields import expect_string, reject_unknown_keys, require

router = APIRouter(prefix="/api/v1/sessions", tags=["dashboard"])


def _render(principal: Principal, csrf_token: str) -> dict[str, object]:
    return {
        "object": "session",
        "client": {"id": str(principal.client_id), "name": principal.client.name},
        "csrf_token": csrf_token,
    }


@router.post("")
def sign_in(request: Request, body: Body, services: Svc) -> Response:
    reject_unknown_keys(body, ("token",))
    token = expect_string(require(body, "token"), "token").strip()
    signed_in = services.sessions.sign_in(token)
    response = reply(_render(signed_in.principal, signed_in.csrf_token))
    set_session_cookie(request, response, signed_in)
    return response


@router.get("/current")
def current_session(request: Request, services: Svc) -> Response:
    found = session_of(request, services)
    return reply(_render(found.principal, found.csrf_token))


@router.delete("/current")
def sign_out(request: Request, services: Svc) -> Response:
    session_principal(request, services)
    services.sessions.sign_out(request.cookies[SESSION_COOKIE])
    response = reply({})
    clear_session_cookie(request, response)
    return response
