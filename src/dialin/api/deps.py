"""Typed dependencies: the services, the calling principal, the parsed JSON body."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response

from dialin.api.session import SESSION_COOKIE, session_principal
from dialin.errors import InvalidField
from dialin.services.accounts import Principal
from dialin.services.container import Services
from dialin.wire import parse_json_body

__all__ = ["Body", "Caller", "Query", "Svc", "reply"]


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _token_from(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip() or None
    if scheme.lower() != "basic":
        raise InvalidField("Authorization", "Authorization must use HTTP basic auth")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise InvalidField("Authorization", "Malformed Authorization header") from error
    # The token is the user name; the password is empty.
    return decoded.partition(":")[0] or None


def _principal(request: Request, services: Annotated[Services, Depends(_services)]) -> Principal:
    header = request.headers.get("authorization")
    if header is None and SESSION_COOKIE in request.cookies:
        return session_principal(request, services)
    return services.accounts.authenticate(_token_from(header))


async def _body(request: Request) -> dict[str, Any]:
    return parse_json_body(await request.body(), request.headers.get("content-type"))


def _query(request: Request) -> dict[str, str]:
    return dict(request.query_params)


Svc = Annotated[Services, Depends(_services)]
Caller = Annotated[Principal, Depends(_principal)]
Body = Annotated[dict[str, Any], Depends(_body)]
Query = Annotated[dict[str, str], Depends(_query)]


def reply(payload: Any) -> Response:
    return JSONResponse(payload)
