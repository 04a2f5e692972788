"""SigOpt's transport rules: routing quirks, authentication answers, error bodies."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.conftest import basic

EXPERIMENT = {
    "name": "t",
    "parameters": [{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
}


def test_no_token_is_401_and_a_bad_token_is_403(app_client: tuple[TestClient, str]) -> None:
    client, _ = app_client
    missing = client.get("/v1/experiments")
    assert missing.status_code == 401
    assert missing.json()["status"] == 401 and "token" in missing.json()["message"].lower()
    wrong = client.get("/v1/experiments", headers=basic("not-a-token"))
    assert wrong.status_code == 403
    assert wrong.json()["token_status"] == "invalid"
    malformed = client.get("/v1/experiments", headers={"Authorization": "Basic %%%"})
    assert malformed.status_code == 400


def test_unknown_routes_are_404_and_wrong_verbs_405(app_client: tuple[TestClient, str]) -> None:
    client, token = app_client
    unknown = client.get("/v1/nothing-here", headers=basic(token))
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Endpoint not found: /v1/nothing-here", "status": 404}
    assert client.get("/v1/experiments/abc", headers=basic(token)).status_code == 404
    wrong = client.patch("/v1/experiments", headers=basic(token))
    assert wrong.status_code == 405
    assert "GET" in wrong.json()["message"] and "POST" in wrong.json()["message"]


def test_doubled_slashes_route_and_options_answer_empty(app_client: tuple[TestClient, str]) -> None:
    client, token = app_client
    assert client.get("http://testserver//v1/tokens/self", headers=basic(token)).status_code == 200
    options = client.options("/v1/experiments")
    assert options.status_code == 200 and options.json() == {}


def test_skip_header_turns_success_into_204_but_not_errors(
    app_client: tuple[TestClient, str],
) -> None:
    client, token = app_client
    skip = {**basic(token), "X-Response-Content": "skip"}
    created = client.post("/v1/experiments", json=EXPERIMENT, headers=skip)
    assert created.status_code == 204 and created.content == b""
    failed = client.post("/v1/experiments", json={"name": "t"}, headers=skip)
    assert failed.status_code == 400 and failed.json()["status"] == 400


def test_token_self_names_its_client(app_client: tuple[TestClient, str]) -> None:
    client, token = app_client
    body = client.get("/v1/tokens/self", headers=basic(token)).json()
    assert body["object"] == "token" and isinstance(body["client"], str)
    assert body["token_type"] == "client-api" and body["development"] is False
    assert body["token"] == token, "SigOpt echoes the caller's own token"


def test_openapi_document_is_served(app_client: tuple[TestClient, str]) -> None:
    client, _ = app_client
    document = client.get("/openapi.json").json()
    assert "/v1/experiments/{experiment_id}/suggestions" in document["paths"]


def test_a_revoked_token_is_refused_at_once_by_the_process_that_revoked_it(
    app_client: tuple[TestClient, str],
) -> None:
    client, token = app_client
    assert client.get("/v1/tokens/self", headers=basic(token)).status_code == 200
    accounts = client.app.state.services.accounts  # type: ignore[attr-defined]
    token_id = accounts.tokens()[0][0].id
    accounts.revoke(token_id)
    refused = client.get("/v1/tokens/self", headers=basic(token))
    assert refused.status_code == 403 and refused.json()["token_status"] == "revoked"
