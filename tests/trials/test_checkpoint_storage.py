"""Trial checkpoints live in the file storage (a directory, or S3 via moto), laid out as
``checkpoints/<uuid>/<path>`` plus ``metadata.json``; GC deletes what the keep policy does not
keep once the experiment ends, and everything when it is deleted. A real ``dialin server``."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from support.dialin import create_token, server_process
from support.network import free_port
from support.trial_api import TrialApi

BUCKET = "dialin-checkpoints-test"
FILES = {"model.bin": b"\x00weights\xff", "optimizer/state.json": b'{"lr": 0.1}'}

# Reads a stored object by its key under the storage root; None when it is absent.
Reader = Callable[[str], bytes | None]


@contextmanager
def _moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ThreadedMotoServer, Reader]]:
    """A moto S3 server with an empty bucket, and dialin's file storage pointed at it."""
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    for name, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)

    def read(key: str) -> bytes | None:
        try:
            body: bytes = s3.get_object(Bucket=BUCKET, Key=f"root/{key}")["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return body

    monkeypatch.setenv("DIALIN_FILE_STORAGE", f"s3://{BUCKET}/root")
    try:
        yield moto, read
    finally:
        moto.stop()


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reader]:
    with _moto_s3(monkeypatch) as (_, read):
        yield read


@pytest.fixture(params=["directory", "s3"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Reader:
    if request.param == "s3":
        reader: Reader = request.getfixturevalue("moto_s3")
        return reader
    root = tmp_path / "files"
    monkeypatch.setenv("DIALIN_FILE_STORAGE", str(root))

    def read(key: str) -> bytes | None:
        path = root / key
        return path.read_bytes() if path.is_file() else None

    return read


@pytest.fixture
def api(storage: Reader, tmp_path: Path) -> Iterator[TrialApi]:
    database_url = f"sqlite:///{tmp_path / 'dialin.db'}"
    token = create_token(database_url, "alpha")
    with server_process(database_url) as (api_url, _, _):
        client = TrialApi(api_url, token)
        yield client
        client.close()


def _checkpoint(api: TrialApi, trial_id: int, steps: int) -> str:
    checkpoint_uuid = str(uuid.uuid4())
    api.ok(
        "POST",
        f"/api/v1/trials/{trial_id}/checkpoints",
        json={
            "uuid": checkpoint_uuid,
            "trial_run_id": 1,
            "metadata": {"steps_completed": steps, "note": "kept"},
            "files": {p: base64.b64encode(c).decode() for p, c in FILES.items()},
        },
    )
    return checkpoint_uuid


def _files(api: TrialApi, trial_id: int, checkpoint_uuid: str) -> httpx.Response:
    return api.http.get(f"/api/v1/trials/{trial_id}/checkpoints/{checkpoint_uuid}/files")


def test_checkpoints_are_files_and_gc_keeps_the_best_and_the_latest(
    api: TrialApi, storage: Reader
) -> None:
    experiment = api.experiment(budget=1)
    trial = api.started_trial(experiment)["id"]
    uuids = {}
    for steps, loss in [(1, 0.5), (2, 0.2), (3, 0.4)]:
        api.report(trial, 1, steps, loss=loss)
        uuids[steps] = _checkpoint(api, trial, steps)

    for checkpoint_uuid in uuids.values():
        for path, content in FILES.items():
            assert storage(f"checkpoints/{checkpoint_uuid}/{path}") == content
        metadata = json.loads(storage(f"checkpoints/{checkpoint_uuid}/metadata.json") or b"")
        assert metadata["note"] == "kept"
    downloaded = _files(api, trial, uuids[3]).json()["files"]
    assert {p: base64.b64decode(c) for p, c in downloaded.items()} == FILES

    ended = api.ok(
        "POST",
        f"/api/v1/trials/{trial}/allocations/exit",
        json={"trial_run_id": 1, "cause": "EXITED"},
    )
    assert ended["state"] == "COMPLETED"
    view = api.ok("GET", f"/api/v1/experiments/{experiment}")
    assert view["state"] == "COMPLETED" and view["checkpoint_count"] == 2

    # Default policy: the trial's best (step 2, loss 0.2) and its latest (step 3) survive.
    states = {
        c["steps_completed"]: c
        for c in api.ok("GET", f"/api/v1/trials/{trial}/checkpoints")["data"]
    }
    assert {s: c["state"] for s, c in states.items()} == {
        1: "DELETED",
        2: "COMPLETED",
        3: "COMPLETED",
    }
    assert states[1]["resources"] == {}
    assert storage(f"checkpoints/{uuids[1]}/model.bin") is None
    assert storage(f"checkpoints/{uuids[1]}/metadata.json") is None
    assert _files(api, trial, uuids[1]).status_code == 404
    assert storage(f"checkpoints/{uuids[2]}/model.bin") == FILES["model.bin"]
    assert api.ok("GET", f"/api/v1/trials/{trial}")["total_checkpoint_size"] == 2 * sum(
        len(c) for c in FILES.values()
    )

    # Deleting the experiment keeps nothing.
    api.ok("DELETE", f"/v1/aiexperiments/{experiment}")
    left = api.ok("GET", f"/api/v1/trials/{trial}/checkpoints")["data"]
    assert {c["state"] for c in left} == {"DELETED"}
    for checkpoint_uuid in uuids.values():
        assert storage(f"checkpoints/{checkpoint_uuid}/model.bin") is None


def test_the_experiments_keep_policy_decides(api: TrialApi, storage: Reader) -> None:
    keep_best_only = {"save_experiment_best": 1, "save_trial_best": 0, "save_trial_latest": 0}
    experiment = api.experiment(budget=2, checkpoint_storage=keep_best_only)
    fetched = api.ok("GET", f"/v1/aiexperiments/{experiment}")
    assert fetched["checkpoint_storage"] == keep_best_only
    uuids = {}
    for lr, loss in [(0.1, 0.3), (0.2, 0.1)]:
        trial = api.started_trial(experiment, lr=lr)["id"]
        api.report(trial, 1, 5, loss=loss)
        uuids[loss] = _checkpoint(api, trial, 5)
        api.ok(
            "POST",
            f"/api/v1/trials/{trial}/allocations/exit",
            json={"trial_run_id": 1, "cause": "EXITED"},
        )
    # Only the experiment's best checkpoint (loss 0.1) survives its end.
    assert storage(f"checkpoints/{uuids[0.1]}/model.bin") == FILES["model.bin"]
    assert storage(f"checkpoints/{uuids[0.3]}/model.bin") is None
    bad = api.http.post(
        f"/v1/clients/{api.client_id}/projects/{api.project()}/aiexperiments",
        json={
            "name": "bad",
            "parameters": [{"name": "lr", "type": "double", "bounds": {"min": 0, "max": 1}}],
            "metrics": [{"name": "loss"}],
            "checkpoint_storage": {"save_trial_best": -1},
        },
    )
    assert bad.status_code == 400
    assert bad.json()["field"] == "checkpoint_storage.save_trial_best"


def test_an_unreachable_storage_does_not_fail_the_change_that_ends_the_experiment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'dialin.db'}"
    token = create_token(database_url, "alpha")
    with _moto_s3(monkeypatch) as (moto, _), server_process(database_url) as (api_url, _, _):
        api = TrialApi(api_url, token)
        experiment = api.experiment(budget=1)
        trial = api.started_trial(experiment)["id"]
        for steps, loss in [(1, 0.5), (2, 0.2), (3, 0.4)]:
            api.report(trial, 1, steps, loss=loss)
            _checkpoint(api, trial, steps)
        moto.stop()

        # The trial's end is saved and answered; GC could not delete step 1's files, so its
        # record stays COMPLETED for the next collection instead of claiming them gone.
        ended = api.ok(
            "POST",
            f"/api/v1/trials/{trial}/allocations/exit",
            json={"trial_run_id": 1, "cause": "EXITED"},
        )
        assert ended["state"] == "COMPLETED"
        assert api.ok("GET", f"/api/v1/experiments/{experiment}")["state"] == "COMPLETED"
        checkpoints = api.ok("GET", f"/api/v1/trials/{trial}/checkpoints")["data"]
        assert {c["state"] for c in checkpoints} == {"COMPLETED"}
        api.close()
