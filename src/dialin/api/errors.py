"""The one place where dialin's errors become HTTP statuses and SigOpt's error JSON."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from dialin.errors import (
    Conflict,
    DialinError,
    Forbidden,
    InvalidField,
    InvalidTransition,
    NotComputable,
    NotFound,
    SchemaMismatch,
    Unauthenticated,
)

__all__ = ["error_response", "install_error_handlers", "status_of"]

log = logging.getLogger("dialin.api")

_STATUS: dict[type[DialinError], int] = {
    InvalidField: 400,
    InvalidTransition: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    NotComputable: 422,
    SchemaMismatch: 503,
}


def status_of(error: DialinError) -> int:
    for kind in type(error).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]  # type: ignore[index]
    return 500


def error_response(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"message": message, "status": status, **extra}, status_code=status)


async def _dialin_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DialinError)
    extra: dict[str, object] = {}
    if isinstance(error, Forbidden) and error.token_status:
        extra["token_status"] = error.token_status
    if isinstance(error, InvalidField):
        extra["field"] = error.field
    return error_response(status_of(error), error.message, **extra)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return error_response(404, f"Endpoint not found: {request.url.path}")
    if error.status_code == 405:
        methods = _allowed(request)
        return error_response(405, f"This endpoint accepts only the following methods: {methods}")
    return error_response(error.status_code, str(error.detail))


def _allowed(request: Request) -> list[str]:
    # Each verb is its own route, so Starlette's Allow header names only the first match.
    methods: set[str] = set()
    for route in request.app.state.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods - {"HEAD"})


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # Never echo the request (it may hold a token); the log has the traceback.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DialinError, _dialin_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
