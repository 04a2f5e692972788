"""Spec §1 over raw HTTP: ids, timestamps, pagination, errors, verbs, auth, OpenAPI document."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from sigopt import Connection

from support.dialin import RunningServer
from support.sigopt_client import connect

PARAMETERS = [{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}]
ID_KEYS = {"id", "experiment", "suggestion", "client", "organization", "observation"}
TIME_KEYS = {"created", "updated"}


def assert_wire_types(body: Any) -> None:
    """Stored ids are strings of digits, timestamps integers, objects carry ``object``."""
    if isinstance(body, list):
        for item in body:
            assert_wire_types(item)
        return
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if key in ID_KEYS and value is not None and body.get("object") != "project":
            assert isinstance(value, str) and value.isdigit(), f"{key}={value!r}"
        if key in TIME_KEYS and value is not None:
            assert isinstance(value, int) and not isinstance(value, bool), f"{key}={value!r}"
        if key not in ("assignments", "metadata", "conditions"):
            assert_wire_types(value)


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert body["status"] == status
    return body


@pytest.fixture
def experiment_id(http: httpx.Client) -> str:
    response = http.post("/v1/experiments", json={"name": "Wire", "parameters": PARAMETERS})
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_objects_ids_and_timestamps(http: httpx.Client, experiment_id: str) -> None:
    experiment = http.get(f"/v1/experiments/{experiment_id}").json()
    suggestion = http.post(f"/v1/experiments/{experiment_id}/suggestions", json={}).json()
    observation = http.post(
        f"/v1/experiments/{experiment_id}/observations",
        json={"suggestion": suggestion["id"], "values": [{"value": 1}]},
    ).json()

    assert experiment["object"] == "experiment"
    assert suggestion["object"] == "suggestion"
    assert observation["object"] == "observation"
    assert experiment["parameters"][0]["object"] == "parameter"
    assert experiment["progress"]["object"] == "progress"
    for body in (experiment, suggestion, observation):
        assert_wire_types(body)
    assert observation["suggestion"] == suggestion["id"]


def test_post_without_body_is_an_empty_object(http: httpx.Client, experiment_id: str) -> None:
    response = http.post(f"/v1/experiments/{experiment_id}/suggestions")

    assert response.status_code == 200, response.text


def test_pagination_shape_and_limit_zero(http: httpx.Client, experiment_id: str) -> None:
    for _ in range(3):
        http.post(f"/v1/experiments/{experiment_id}/suggestions", json={})
    path = f"/v1/experiments/{experiment_id}/suggestions"

    counted = http.get(path, params={"limit": 0}).json()
    assert counted["object"] == "pagination"
    assert counted["count"] == 3
    assert counted["data"] == []
    assert set(counted["paging"]) == {"before", "after"}

    first = http.get(path, params={"limit": 2}).json()
    assert len(first["data"]) == 2
    assert isinstance(first["paging"]["before"], str)
    assert isinstance(first["paging"]["after"], str)
    rest = http.get(path, params={"limit": 2, "before": first["paging"]["before"]}).json()
    assert len(rest["data"]) == 1
    assert rest["paging"]["before"] is None
    assert rest["count"] == 3
    ids = [s["id"] for s in first["data"] + rest["data"]]
    assert ids == sorted(ids, key=int, reverse=True)
    newer = http.get(path, params={"limit": 2, "after": rest["paging"]["after"]}).json()
    assert [s["id"] for s in newer["data"]] == ids[:2]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 1001},
        {"limit": -1},
        {"before": ""},
        {"before": "!!not-a-marker!!"},
        {"deleted": "maybe"},
        {"ascending": "sometimes"},
    ],
)
def test_bad_list_parameters(
    http: httpx.Client, experiment_id: str, params: dict[str, Any]
) -> None:
    response = http.get(f"/v1/experiments/{experiment_id}/suggestions", params=params)

    assert_error(response, 400)


def test_query_booleans_as_the_client_sends_them(http: httpx.Client, experiment_id: str) -> None:
    for raw in ("True", "False", "true", "0", "1"):
        response = http.get(f"/v1/experiments/{experiment_id}/suggestions", params={"deleted": raw})
        assert response.status_code == 200, (raw, response.text)


def test_validation_error_names_the_field(http: httpx.Client) -> None:
    response = http.post(
        "/v1/experiments",
        json={"name": "No bounds", "parameters": [{"name": "a", "type": "double"}]},
    )

    body = assert_error(response, 400)
    assert "bounds" in body["message"]


def test_wrong_json_type_names_the_field(http: httpx.Client) -> None:
    response = http.post("/v1/experiments", json={"name": 12, "parameters": PARAMETERS})

    body = assert_error(response, 400)
    assert "name" in body["message"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"name": NaN}', b'{"a": 1, "a": 2}', b"[1, 2]", b'{"name": "x\\u0000"}'],
)
def test_malformed_bodies(http: httpx.Client, content: bytes) -> None:
    response = http.post(
        "/v1/experiments", content=content, headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400)


def test_skip_header_answers_204(http: httpx.Client, experiment_id: str) -> None:
    response = http.put(
        f"/v1/experiments/{experiment_id}",
        json={"name": "Skipped"},
        headers={"X-Response-Content": "skip"},
    )

    assert response.status_code == 204
    assert response.content == b""
    assert http.get(f"/v1/experiments/{experiment_id}").json()["name"] == "Skipped"


def test_skip_header_keeps_errors(http: httpx.Client) -> None:
    response = http.get("/v1/experiments/999999999", headers={"X-Response-Content": "skip"})

    assert_error(response, 404)


def test_unknown_route(http: httpx.Client) -> None:
    assert_error(http.get("/v1/no_such_thing"), 404)
    assert_error(http.get("/v1/experiments/not-a-number"), 404)


def test_wrong_verb(http: httpx.Client, experiment_id: str) -> None:
    body = assert_error(http.post(f"/v1/experiments/{experiment_id}", json={}), 405)

    assert "GET" in body["message"]


def test_options_answers_empty_object(http: httpx.Client) -> None:
    response = http.options("/v1/experiments")

    assert response.status_code == 200
    assert response.json() == {}


def test_merge_verb_is_routed(http: httpx.Client, experiment_id: str) -> None:
    response = http.request("MERGE", f"/v1/experiments/{experiment_id}", json={})

    assert_error(response, 405)


def test_merge_on_a_training_run(http: httpx.Client, conn: Connection, client_id: str) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    if not any(p.startswith("/v1/training_runs/") for p in paths):
        pytest.skip("no /v1/training_runs/{id} route served yet")
    project = (
        conn.clients(client_id).projects().create(id=f"merge-{secrets.token_hex(4)}", name="M")
    )
    run = http.post(
        f"/v1/clients/{client_id}/projects/{project.id}/training_runs", json={"name": "run"}
    ).json()

    response = http.request(
        "MERGE",
        f"/v1/training_runs/{run['id']}",
        json={"values": {"accuracy": {"value": 0.5}}},
        headers={"X-Response-Content": "skip"},
    )

    assert response.status_code == 204, response.text
    fetched = http.get(f"/v1/training_runs/{run['id']}").json()
    assert fetched["values"]["accuracy"]["value"] == 0.5


def test_duplicate_slashes_collapse(server: RunningServer, conn: Connection) -> None:
    slashed = connect(server.api_url + "/", server.token_a)

    assert slashed.tokens("self").fetch().client == conn.tokens("self").fetch().client


def test_no_token_is_401(anonymous_http: httpx.Client) -> None:
    body = assert_error(anonymous_http.get("/v1/experiments"), 401)

    assert "token" in body["message"].lower()


def test_unknown_token_is_403(anonymous_http: httpx.Client) -> None:
    response = anonymous_http.get("/v1/experiments", auth=(f"bogus-{secrets.token_hex(8)}", ""))

    assert_error(response, 403)


def test_health_needs_no_token(anonymous_http: httpx.Client) -> None:
    response = anonymous_http.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document(anonymous_http: httpx.Client) -> None:
    response = anonymous_http.get("/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/v1/experiments" in paths
    assert any(p.endswith("/suggestions") for p in paths)
    assert any(p.endswith("/observations") for p in paths)
