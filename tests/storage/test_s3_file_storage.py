"""Logged files in S3: the blob store against moto's S3, and a ``dialin server`` configured with
``DIALIN_FILE_STORAGE=s3://...`` serving ``log_image`` uploads and downloads through it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from dialin.storage.blobs import blob_store_for
from dialin.storage.s3_blobs import S3BlobStore
from support.dialin import create_token, server_process
from support.network import free_port

BUCKET = "dialin-files-test"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 as a real HTTP server, with the environment boto3 reads pointed at it."""
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        moto.stop()


def test_blob_store_round_trip(s3_endpoint: str) -> None:
    store = blob_store_for(f"s3://{BUCKET}/some/prefix", "sqlite:///unused.db")
    assert isinstance(store, S3BlobStore)
    store.put("files/1", b"\x89PNG bytes", "image/png")
    assert store.get("files/1") == b"\x89PNG bytes"
    assert store.get("files/2") is None
    stored = boto3.client("s3").get_object(Bucket=BUCKET, Key="some/prefix/files/1")
    assert stored["ContentType"] == "image/png"


def test_server_keeps_uploads_in_s3(s3_endpoint: str, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'dialin.db'}"
    token = create_token(database_url, "alpha")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DIALIN_FILE_STORAGE", f"s3://{BUCKET}/uploads")
        with (
            server_process(database_url) as (api_url, _, _),
            httpx.Client(base_url=api_url, auth=(token, "")) as http,
        ):
            client_id = http.get("/v1/tokens/self").json()["client"]
            http.post(f"/v1/clients/{client_id}/projects", json={"id": "s3", "name": "S3"})
            run = http.post(
                f"/v1/clients/{client_id}/projects/s3/training_runs", json={"name": "r"}
            ).json()
            data = b"not really a png"
            md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
            file = http.post(
                f"/v1/training_runs/{run['id']}/files",
                json={
                    "name": "plot",
                    "content_length": len(data),
                    "content_md5": md5,
                    "content_type": "image/png",
                },
            ).json()
            upload = file["upload"]
            uploaded = httpx.request(
                upload["method"], upload["url"], headers=upload["headers"], content=data
            )
            assert uploaded.status_code == 200, uploaded.text
            download = http.get(f"/v1/files/{file['id']}").json()["download"]["url"]
            assert httpx.get(download).content == data
    key = f"uploads/files/{file['id']}"
    assert boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read() == data
    assert not (tmp_path / "dialin-files").exists()
