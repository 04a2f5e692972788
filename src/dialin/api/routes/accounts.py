"""Tokens, clients and organizations."""

from __future__ import annotations

from fastapi import APIRouter, Response

from dialin.api.deps import Caller, Svc, reply
from dialin.wire import render_client, render_organization, render_token

router = APIRouter(prefix="/v1", tags=["accounts"])


@router.get("/tokens/{token}")
def fetch_token(token: str, caller: Caller, services: Svc) -> Response:
    return reply(render_token(services.accounts.own_token(caller, token), caller.secret))


@router.get("/clients/{client_id:id}")
def fetch_client(client_id: int, caller: Caller, services: Svc) -> Response:
    return reply(render_client(services.accounts.client(caller, client_id)))


@router.get("/organizations/{organization_id:id}")
def fetch_organization(organization_id: int, caller: Caller, services: Svc) -> Response:
    # One organization per client, sharing the client's id.
    return reply(render_organization(services.accounts.client(caller, organization_id)))
