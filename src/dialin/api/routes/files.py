"""Files logged on runs: the record with a signed upload URL, and the bytes behind signed URLs.

The byte routes take no API token: the client uploads without one (§5.9), so the signature in
the URL is the permission.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from dialin.api.deps import Body, Caller, Query, Svc, reply
from dialin.errors import InvalidField
from dialin.wire import parse_int
from dialin.wire.files import parse_file_create, render_file

router = APIRouter(prefix="/v1", tags=["files"])


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _signed(query: dict[str, str]) -> tuple[int, str]:
    expires = parse_int("expires", query.get("expires"))
    signature = query.get("signature")
    if expires is None or not signature:
        raise InvalidField("signature", "File URLs need expires and signature")
    return expires, signature


@router.post("/training_runs/{run_id:id}/files")
def create_file(
    run_id: int, body: Body, request: Request, caller: Caller, services: Svc
) -> Response:
    file, path = services.files.create(caller.client_id, run_id, parse_file_create(body))
    return reply(render_file(file, upload_url=_absolute(request, path)))


@router.get("/files/{file_id:id}")
def fetch_file(file_id: int, request: Request, caller: Caller, services: Svc) -> Response:
    file, path = services.files.get(caller.client_id, file_id)
    return reply(render_file(file, download_url=_absolute(request, path)))


@router.put("/files/{file_id:id}/content")
async def upload_file_content(
    file_id: int, request: Request, query: Query, services: Svc
) -> Response:
    expires, signature = _signed(query)
    services.files.upload(file_id, expires, signature, await request.body())
    return reply({})


@router.get("/files/{file_id:id}/content")
def download_file_content(file_id: int, query: Query, services: Svc) -> Response:
    expires, signature = _signed(query)
    file, data = services.files.download(file_id, expires, signature)
    return Response(content=data, media_type=file.content_type)
