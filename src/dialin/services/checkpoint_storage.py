"""Checkpoint files in the file storage SigOpt's logged files use (local disk or S3), laid out
as ``checkpoints/<uuid>/<resource path>`` plus ``checkpoints/<uuid>/metadata.json`` (spec
trials §4.6); the database holds only the record.

Databases from before kept the bytes in ``trial_checkpoint_files``: those move to the file
storage the first time they are read, and are dropped when GC deletes their checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from dialin.domain.checkpoints import Checkpoint
from dialin.errors import NotFound
from dialin.services.ports import UnitOfWork
from dialin.services.run_ports import BlobStore

__all__ = ["METADATA_FILE", "CheckpointFiles", "checkpoint_key"]

METADATA_FILE = "metadata.json"
_BINARY = "application/octet-stream"


def checkpoint_key(uuid: str, path: str) -> str:
    return f"checkpoints/{uuid}/{path}"


class CheckpointFiles:
    def __init__(self, uow: UnitOfWork, blobs: BlobStore | None) -> None:
        self._uow = uow
        self._blobs = blobs

    def _storage(self) -> BlobStore:
        if self._blobs is None:
            raise NotFound("File storage is disabled on this server: it keeps no checkpoints")
        return self._blobs

    def put(self, uuid: str, files: Mapping[str, bytes], metadata: Mapping[str, object]) -> None:
        """Every file, then ``metadata.json``: a checkpoint is reported only once stored."""
        storage = self._storage()
        for path, content in files.items():
            storage.put(checkpoint_key(uuid, path), content, _BINARY)
        document = json.dumps(dict(metadata), sort_keys=True).encode()
        storage.put(checkpoint_key(uuid, METADATA_FILE), document, "application/json")

    def read(self, checkpoint: Checkpoint) -> dict[str, bytes]:
        storage = self._storage()
        found: dict[str, bytes] = {}
        for path in sorted(checkpoint.resources):
            content = storage.get(checkpoint_key(checkpoint.uuid, path))
            if content is None:
                return self._move_legacy(checkpoint)
            found[path] = content
        return found

    def _move_legacy(self, checkpoint: Checkpoint) -> dict[str, bytes]:
        with self._uow(write=True) as store:
            legacy = store.trials.legacy_checkpoint_files(checkpoint.uuid)
            if not legacy:
                raise NotFound(f"The files of checkpoint {checkpoint.uuid} are gone")
            # Bytes first: the rows go only once the file storage holds every file.
            self.put(checkpoint.uuid, legacy, checkpoint.metadata)
            store.trials.drop_legacy_checkpoint_files(checkpoint.uuid)
        return legacy

    def delete(self, checkpoint: Checkpoint) -> None:
        storage = self._storage()
        for path in (*checkpoint.resources, METADATA_FILE):
            storage.delete(checkpoint_key(checkpoint.uuid, path))
