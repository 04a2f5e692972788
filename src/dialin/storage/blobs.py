"""File bytes on local disk, or in S3 when the location is ``s3://bucket/prefix``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from dialin.storage.db import is_sqlite

if TYPE_CHECKING:
    from dialin.storage.s3_blobs import S3BlobStore

__all__ = ["LocalBlobStore", "blob_store_for", "default_file_directory"]

DIRECTORY_NAME = "dialin-files"


class LocalBlobStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader in another API process never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
            out.write(data)
        os.replace(out.name, path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # Empty directories left behind (a deleted checkpoint's) go too, up to the root.
        for parent in path.parents:
            if parent == self.directory or not parent.is_relative_to(self.directory):
                break
            try:
                parent.rmdir()
            except OSError:
                break


def default_file_directory(database_url: str) -> Path:
    if is_sqlite(database_url):
        database = make_url(database_url).database
        if database and database != ":memory:":
            return Path(database).resolve().parent / DIRECTORY_NAME
    return Path.cwd() / DIRECTORY_NAME


def blob_store_for(location: str | None, database_url: str) -> LocalBlobStore | S3BlobStore:
    if location and location.startswith("s3://"):
        # Imported here: boto3 is optional and only S3 deployments install it.
        from dialin.storage.s3_blobs import S3BlobStore

        return S3BlobStore.from_url(location)
    directory = Path(location) if location else default_file_directory(database_url)
    return LocalBlobStore(directory)
