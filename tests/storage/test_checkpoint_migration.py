"""Checkpoints of older databases: SigOpt checkpoints become validation reports (revision
0006), and trial checkpoint bytes kept in the database move to the file storage when read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from dialin.domain.checkpoints import Checkpoint, CheckpointState
from dialin.services.checkpoint_storage import CheckpointFiles
from dialin.storage.blobs import LocalBlobStore
from dialin.storage.db import Database
from dialin.storage.schema import _config, upgrade
from dialin.storage.store import SqlUnitOfWork

NOW = 1_700_000_000


@pytest.fixture
def old_database(database_url: str) -> Iterator[Database]:
    """An empty database, to be migrated by the test itself."""
    db = Database(database_url)
    yield db
    db.dispose()


def _insert(database: Database, statement: str, **values: object) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(statement), values)


def _run_at_0005(database: Database) -> None:
    config = _config(database)
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
    _insert(database, "INSERT INTO clients (id, name, created) VALUES (1, 'alpha', :now)", now=NOW)
    _insert(
        database,
        "INSERT INTO training_runs (id, client_id, project, name, state, created, updated,"
        ' deleted, favorite, assignments, assignments_meta, assignments_sources, "values",'
        " dev_metadata, sys_metadata, datasets, logs, model, source_code, checkpoint_count)"
        " VALUES (1, 1, 'p', 'r', 'active', :now, :now, false, false, '{}', '{}', '{}', '{}',"
        " '{}', '{}', '{}', '{}', '{}', '{}', 2)",
        now=NOW,
    )


def test_sigopt_checkpoints_become_validation_reports(old_database: Database) -> None:
    database = old_database
    _run_at_0005(database)
    for created, value in [(NOW, 0.5), (NOW + 5, 0.8)]:
        _insert(
            database,
            'INSERT INTO checkpoints (training_run_id, "values", metadata, created)'
            " VALUES (1, :values, :metadata, :created)",
            values=json.dumps([{"name": "acc", "value": value, "value_stddev": 0.1}]),
            metadata=json.dumps({"epoch": 1}),
            created=created,
        )
    upgrade(database)
    with SqlUnitOfWork(database)(write=False) as store:
        reports = store.trials.reports(1)
    assert [(r.group, r.total_batches, dict(r.metrics)) for r in reports] == [
        ("validation", 1, {"acc": 0.5}),
        ("validation", 2, {"acc": 0.8}),
    ]
    assert reports[1].end_time == NOW + 5
    assert reports[0].checkpoint_extras == {"metadata": {"epoch": 1}, "value_stddev": {"acc": 0.1}}


def test_checkpoint_bytes_in_the_database_move_to_the_file_storage(
    old_database: Database, tmp_path: Path
) -> None:
    database = old_database
    _run_at_0005(database)
    upgrade(database)
    checkpoint = Checkpoint(
        uuid="0b6c1d2e-0000-4000-8000-000000000001",
        trial_id=1,
        trial_run_id=1,
        report_time=NOW,
        state=CheckpointState.COMPLETED,
        resources={"model.bin": 3},
        metadata={"steps_completed": 4},
    )
    uow = SqlUnitOfWork(database)
    with uow(write=True) as store:
        store.trials.add_checkpoint(checkpoint)
    _insert(
        database,
        "INSERT INTO trial_checkpoint_files (checkpoint_uuid, path, content)"
        " VALUES (:uuid, 'model.bin', :content)",
        uuid=checkpoint.uuid,
        content=b"abc",
    )
    files = CheckpointFiles(uow, LocalBlobStore(tmp_path))
    assert files.read(checkpoint) == {"model.bin": b"abc"}
    stored = tmp_path / "checkpoints" / checkpoint.uuid
    assert (stored / "model.bin").read_bytes() == b"abc"
    assert json.loads((stored / "metadata.json").read_text()) == {"steps_completed": 4}
    with uow(write=False) as store:
        assert store.trials.legacy_checkpoint_files(checkpoint.uuid) == {}
    assert files.read(checkpoint) == {"model.bin": b"abc"}
