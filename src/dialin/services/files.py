"""Files logged on training runs (``log_image``): the record, signed URLs, and the bytes."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

from dialin.domain.runs import File
from dialin.errors import InvalidField, NotFound
from dialin.services.file_urls import (
    DOWNLOAD_SECONDS,
    UPLOAD_SECONDS,
    signed_path,
    verify_signature,
)
from dialin.services.ports import Clock, UnitOfWork
from dialin.services.run_ports import BlobStore
from dialin.services.runs import require_run

__all__ = ["FileService"]

_SECRET = "file_urls"


def _key(file_id: int) -> str:
    return f"files/{file_id}"


class FileService:
    def __init__(self, uow: UnitOfWork, clock: Clock, blobs: BlobStore | None) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs

    def _storage(self) -> BlobStore:
        if self._blobs is None:
            # SigOpt answers 404 from the files endpoints when uploads are disabled.
            raise NotFound("File storage is disabled on this server")
        return self._blobs

    def create(self, client_id: int, run_id: int, draft: File) -> tuple[File, str]:
        """The new file record and the signed path to PUT its bytes to."""
        self._storage()
        with self._uow(write=True) as store:
            run = require_run(store, client_id, run_id)
            now = self._clock()
            file = store.files.add(
                replace(draft, client_id=client_id, training_run_id=run.id, created=now)
            )
            secret = store.secrets.get(_SECRET)
        return file, signed_path(secret, "upload", file.id, now + UPLOAD_SECONDS)

    def upload(self, file_id: int, expires: int, signature: str, data: bytes) -> None:
        with self._uow(write=True) as store:
            verify_signature(
                store.secrets.get(_SECRET), "upload", file_id, expires, signature, self._clock()
            )
            file = store.files.get(file_id)
            if file is None:
                raise NotFound()
            if len(data) != file.content_length:
                raise InvalidField(
                    "content_length",
                    f"The upload has {len(data)} bytes, the file was declared with "
                    f"{file.content_length}",
                )
            digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
            if digest != file.content_md5:
                raise InvalidField("content_md5", "The upload does not match content_md5")
            # Bytes first: a file is listed on its run only once they are safely stored.
            self._storage().put(_key(file.id), data, file.content_type)
            store.files.mark_uploaded(file.id)

    def get(self, client_id: int, file_id: int) -> tuple[File, str]:
        """The file and a signed path to download it from."""
        with self._uow(write=False) as store:
            file = store.files.get(file_id)
            if file is None or file.client_id != client_id:
                raise NotFound()
            secret = store.secrets.get(_SECRET)
        return file, signed_path(secret, "download", file.id, self._clock() + DOWNLOAD_SECONDS)

    def download(self, file_id: int, expires: int, signature: str) -> tuple[File, bytes]:
        with self._uow(write=False) as store:
            verify_signature(
                store.secrets.get(_SECRET), "download", file_id, expires, signature, self._clock()
            )
            file = store.files.get(file_id)
        data = None if file is None or not file.uploaded else self._storage().get(_key(file.id))
        if file is None or data is None:
            raise NotFound()
        return file, data
