"""Run tracking with the high-level ``sigopt`` API (§5.1), and the run endpoints over raw HTTP:
MERGE vs PUT (§5.8), archive, lists with filters, batch upload, checkpoints, files (§5.9)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import png
import pytest
import sigopt

from support.dialin import RunningServer
from support.sigopt_client import connect, raises_api_error

SKIP = {"X-Response-Content": "skip"}


@pytest.fixture
def runs_url(http: httpx.Client, project: str) -> str:
    client_id = http.get("/v1/tokens/self").json()["client"]
    return f"/v1/clients/{client_id}/projects/{project}/training_runs"


def _tiny_png(path: Path) -> bytes:
    with path.open("wb") as out:
        png.from_array([[0, 255, 0, 255], [255, 0, 255, 0]], "L").write(out)
    return path.read_bytes()


def test_run_logging_with_the_high_level_api(
    http: httpx.Client, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    image = _tiny_png(Path("plot.png"))
    with sigopt.create_run(name="first") as run:
        run.params.learning_rate = 0.1
        run.params.setdefault("layers", 3)
        run.log_metric("accuracy", 0.91, stddev=0.02)
        run.log_metrics({"loss": 0.3})
        run.log_metadata("dataset", "iris")
        run.log_checkpoint({"accuracy": 0.5})
        run.log_checkpoint({"accuracy": 0.8})
        run.log_dataset("iris")
        run.log_model("svm")
        run.log_image("plot.png", name="plot")

    fetched = sigopt.get_run(run.id)
    assert fetched.state == "completed" and fetched.finished and fetched.completed
    assert dict(fetched.assignments) == {"learning_rate": 0.1, "layers": 3}
    assert fetched.values["accuracy"].value == 0.91
    assert fetched.values["accuracy"].value_stddev == 0.02
    assert fetched.values["loss"].value == 0.3
    assert dict(fetched.metadata) == {"dataset": "iris"}
    assert fetched.datasets == ["iris"] and fetched.model.type == "svm"
    assert fetched.checkpoint_count == 2 and fetched.project == project

    checkpoints = http.get(f"/v1/training_runs/{run.id}/checkpoints").json()
    assert [c["values"][0]["value"] for c in checkpoints["data"]] == [0.8, 0.5]
    one = checkpoints["data"][1]
    assert http.get(f"/v1/training_runs/{run.id}/checkpoints/{one['id']}").json() == one

    (file_id,) = fetched.files
    file = http.get(f"/v1/files/{file_id}").json()
    assert file["name"] == "plot" and file["content_type"] == "image/png"
    assert file["content_length"] == len(image)
    # The download URL is signed: it needs no token, like the upload.
    assert httpx.get(file["download"]["url"]).content == image


def test_failure_and_exception_states(project: str) -> None:
    with sigopt.create_run(name="failing") as run:
        run.log_failure()
    assert sigopt.get_run(run.id).state == "failed"

    with pytest.raises(RuntimeError), sigopt.create_run() as crashed:
        raise RuntimeError("boom")
    fetched = sigopt.get_run(crashed.id)
    assert fetched.state == "failed" and fetched.name.startswith(project)


def test_merge_merges_and_put_replaces(http: httpx.Client, runs_url: str) -> None:
    run = http.post(runs_url, json={"name": "r", "metadata": {"a": 1, "b": "x"}}).json()
    url = f"/v1/training_runs/{run['id']}"
    assert run["assignments"] == {} and run["state"] == "active" and run["completed"] is None

    merged = http.request("MERGE", url, json={"metadata": {"b": None, "c": 2.0}})
    assert merged.status_code == 200
    assert merged.json()["metadata"] == {"a": 1, "c": 2}
    skipped = http.request("MERGE", url, json={"values": {"m": {"value": 1}}}, headers=SKIP)
    assert skipped.status_code == 204 and skipped.content == b""

    put = http.put(url, json={"metadata": {"z": "only"}, "state": "completed"}).json()
    assert put["metadata"] == {"z": "only"}
    assert put["values"]["m"]["value"] == 1
    assert put["completed"] is not None and put["finished"] is True
    assert http.put(url, json={"metadata": None}).json()["metadata"] is None

    for bad in ({"name": None}, {"state": None}, {"state": "paused"}, {"completed": 5}):
        response = http.put(url, json=bad)
        assert response.status_code == 400, bad
        assert response.json()["field"] == next(iter(bad))
    assert http.request("MERGE", url, json={"project": "nope"}).json()["field"] == "project"


def test_archive_and_unarchive(http: httpx.Client, runs_url: str, project: str) -> None:
    run = sigopt.create_run(name="to archive")
    sigopt.archive_run(run.id)
    assert sigopt.get_run(run.id).deleted is True
    sigopt.unarchive_run(run.id)
    assert sigopt.get_run(run.id).deleted is False
    deleted = http.delete(f"/v1/training_runs/{run.id}").json()
    assert deleted["object"] == "training_run" and deleted["deleted"] is True


def test_upload_runs_and_filtered_lists(http: httpx.Client, runs_url: str) -> None:
    with warnings.catch_warnings():
        # upload_runs reads `.data` of each batch, which warns that a page may be partial.
        warnings.simplefilter("ignore", RuntimeWarning)
        uploaded = sigopt.upload_runs(
            [
                {
                    "name": f"uploaded {i}",
                    "assignments": {"x": i},
                    "values": {"y": {"value": i * i}},
                }
                for i in range(5)
            ]
        )
    assert len(uploaded) == 5 and all(set(r.to_json()) == {"id"} for r in uploaded)

    def names(**query: Any) -> list[str]:
        body = http.get(runs_url, params=query).json()
        assert body["count"] >= len(body["data"])
        return [r["name"] for r in body["data"]]

    assert names() == [f"uploaded {i}" for i in reversed(range(5))]
    assert http.get(runs_url.removesuffix("/training_runs")).json()["training_run_count"] == 5
    first = http.get(runs_url, params={"limit": 2}).json()
    assert names(limit=2, before=first["paging"]["before"]) == ["uploaded 2", "uploaded 1"]
    assert names(search="ED 3") == ["uploaded 3"]
    at_least_9 = [{"field": "values.y.value", "operator": ">=", "value": 9}]
    assert names(filters=json.dumps(at_least_9), ascending="true") == ["uploaded 3", "uploaded 4"]
    assert names(sort="assignments.x", limit=2) == ["uploaded 4", "uploaded 3"]
    no_experiment = [{"field": "experiment", "operator": "isnull"}]
    assert len(names(filters=json.dumps(no_experiment))) == 5

    bad_filter = http.get(runs_url, params={"filters": '[{"field": "nope", "operator": "=="}]'})
    assert bad_filter.status_code == 400 and bad_filter.json()["field"] == "filters[0].field"

    batch = runs_url + "/batch"
    one_bad = http.post(batch, json={"runs": [{"name": "ok"}, {"name": "bad", "completed": 1}]})
    assert one_bad.status_code == 400 and one_bad.json()["field"] == "runs[1].completed"
    assert names(search="ok") == []


def test_checkpoint_limits(http: httpx.Client, runs_url: str) -> None:
    run = http.post(runs_url, json={"name": "many checkpoints"}).json()
    url = f"/v1/training_runs/{run['id']}/checkpoints"
    too_much = {"values": [{"name": "a", "value": 1}], "metadata": {str(i): i for i in range(6)}}
    assert http.post(url, json=too_much).status_code == 400
    assert http.post(url, json={"values": [{"name": "a"}]}).json()["field"] == "values[0].value"
    for _ in range(200):
        assert (
            http.post(url, json={"values": [{"name": "a", "value": 1}]}, headers=SKIP).status_code
            == 204
        )
    assert http.post(url, json={"values": [{"name": "a", "value": 1}]}).status_code == 403


def test_file_uploads_are_checked(http: httpx.Client, runs_url: str) -> None:
    run = http.post(runs_url, json={"name": "files"}).json()
    body = {
        "name": "blob",
        "content_length": 3,
        "content_type": "image/png",
        "content_md5": "rL0Y20zC+Fzt72VPzMSk2A==",  # MD5 of b"foo"
    }
    file = http.post(f"/v1/training_runs/{run['id']}/files", json=body).json()
    upload = file["upload"]
    assert upload["method"] == "PUT" and upload["headers"]["Content-MD5"] == body["content_md5"]
    assert httpx.put(upload["url"], content=b"bar").status_code == 400
    assert httpx.put(upload["url"] + "0", content=b"foo").status_code == 403
    assert httpx.put(upload["url"], content=b"foo", headers=upload["headers"]).status_code == 200
    assert http.get(f"/v1/training_runs/{run['id']}").json()["files"] == [file["id"]]
    for bad in ({"content_type": "nothing/png"}, {"content_md5": "Zm9v"}, {"content_length": 0}):
        response = http.post(f"/v1/training_runs/{run['id']}/files", json={**body, **bad})
        assert response.status_code == 400 and response.json()["field"] == next(iter(bad))


def test_runs_of_other_clients_do_not_exist(
    server: RunningServer, runs_url: str, http: httpx.Client
) -> None:
    run = http.post(runs_url, json={"name": "private"}).json()
    other = connect(server.api_url, server.token_b)
    with raises_api_error(404):
        other.training_runs(run["id"]).fetch()
    with raises_api_error(404):
        other.training_runs(run["id"]).update(name="stolen")
