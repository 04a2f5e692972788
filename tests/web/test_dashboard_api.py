"""Dashboard sign-in and the analysis endpoints over HTTP: cookie sessions, CSRF, isolation."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from sigopt import Connection

from support.dialin import RunningServer
from support.sigopt_client import connect


@pytest.fixture
def conn(dialin_server: RunningServer) -> Connection:
    return connect(dialin_server.api_url, dialin_server.token_a)


@pytest.fixture
def browser(dialin_server: RunningServer) -> Iterator[httpx.Client]:
    """An HTTP client that keeps cookies, as a browser does, signed in as client ``alpha``."""
    with httpx.Client(base_url=dialin_server.api_url, timeout=30) as http:
        answer = http.post("/api/v1/sessions", json={"token": dialin_server.token_a})
        assert answer.status_code == 200, answer.text
        http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        yield http


def experiment_with_history(conn: Connection) -> tuple[str, str]:
    """An experiment with two observations (one failed) and an open suggestion."""
    experiment = conn.experiments().create(
        name="dashboard api",
        parameters=[{"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}}],
        metrics=[{"name": "score", "objective": "maximize"}],
    )
    for failed in (False, True):
        suggestion = conn.experiments(experiment.id).suggestions().create()
        conn.experiments(experiment.id).observations().create(
            suggestion=suggestion.id,
            failed=failed,
            values=None if failed else [{"name": "score", "value": 0.5}],
            metadata={"hostname": "box-1", "instance_id": "i-9"},
        )
    open_suggestion = conn.experiments(experiment.id).suggestions().create()
    return experiment.id, open_suggestion.id


def test_sign_in_sets_an_httponly_samesite_cookie_that_is_not_the_token(
    dialin_server: RunningServer,
) -> None:
    with httpx.Client(base_url=dialin_server.api_url) as http:
        answer = http.post("/api/v1/sessions", json={"token": dialin_server.token_a})
    assert answer.status_code == 200
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert dialin_server.token_a not in cookie
    assert dialin_server.token_a not in answer.text
    assert answer.json()["client"]["name"] == "alpha"


def test_a_wrong_token_is_refused_without_echoing_it(dialin_server: RunningServer) -> None:
    with httpx.Client(base_url=dialin_server.api_url) as http:
        answer = http.post("/api/v1/sessions", json={"token": "not-a-token-xyz"})
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert "not-a-token-xyz" not in answer.text


def test_the_cookie_reads_the_api_and_changes_need_the_csrf_token(
    conn: Connection, browser: httpx.Client
) -> None:
    experiment_id, suggestion_id = experiment_with_history(conn)
    assert browser.get(f"/v1/experiments/{experiment_id}").json()["name"] == "dashboard api"

    path = f"/v1/experiments/{experiment_id}/suggestions/{suggestion_id}"
    no_csrf = browser.delete(path, headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403
    assert browser.get(path).json()["state"] == "open"
    assert browser.delete(path).status_code == 200
    assert browser.get(path).status_code == 404


def test_another_clients_experiment_does_not_exist_for_the_session(
    dialin_server: RunningServer, browser: httpx.Client
) -> None:
    theirs, _ = experiment_with_history(connect(dialin_server.api_url, dialin_server.token_b))
    for path in (
        f"/v1/experiments/{theirs}",
        f"/api/v1/experiments/{theirs}/analysis",
        f"/api/v1/experiments/{theirs}/failed_observations",
        f"/experiments/{theirs}/analysis",
    ):
        assert browser.get(path).status_code == 404, path


def test_analysis_sends_fields_best_so_far_failures_and_machines(
    conn: Connection, browser: httpx.Client
) -> None:
    experiment_id, _ = experiment_with_history(conn)
    analysis = browser.get(f"/api/v1/experiments/{experiment_id}/analysis").json()
    assert analysis["observation_count"] == 2
    assert analysis["failed_count"] == 1
    assert not analysis["sampled"]
    keys = [f["key"] for f in analysis["fields"]]
    assert keys == ["parameter:x", "metric:score", "metadata:hostname", "metadata:instance_id"]
    assert analysis["points"]["failed"] == [False, True]
    assert analysis["points"]["values"]["metadata:instance_id"] == ["i-9", "i-9"]
    assert analysis["best_so_far"]["score"] == {"number": [1], "value": [0.5]}
    machines = {(r["key"], r["value"]): r["observation_count"] for r in analysis["reporters"]}
    assert machines == {("hostname", "box-1"): 2, ("instance_id", "i-9"): 2}

    failed = browser.get(f"/api/v1/experiments/{experiment_id}/failed_observations").json()
    assert failed["count"] == 1
    assert failed["data"][0]["metadata"] == {"hostname": "box-1", "instance_id": "i-9"}


def test_max_points_is_checked(conn: Connection, browser: httpx.Client) -> None:
    experiment_id, _ = experiment_with_history(conn)
    answer = browser.get(f"/api/v1/experiments/{experiment_id}/analysis?max_points=1")
    assert answer.status_code == 400
    assert answer.json()["field"] == "max_points"


def test_sign_out_ends_the_session_and_no_log_line_holds_the_token(
    dialin_server: RunningServer,
) -> None:
    token = dialin_server.new_token(f"signer-{secrets.token_hex(3)}")
    with httpx.Client(base_url=dialin_server.api_url, timeout=30) as http:
        signed_in = http.post("/api/v1/sessions", json={"token": token}).json()
        http.headers["X-CSRF-Token"] = signed_in["csrf_token"]
        assert http.get("/api/v1/sessions/current").status_code == 200
        assert http.delete("/api/v1/sessions/current").status_code == 200
        assert http.get("/api/v1/sessions/current").status_code == 401
        assert http.get("/v1/experiments").status_code == 401
    assert token not in dialin_server.stdout() + dialin_server.stderr()
