"""The dashboard in a real browser against a real ``dialin server`` seeded by the sigopt client."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sigopt import Connection
from web_support import open_page, plot, screenshot, signed_in_page, wait_for_tab

from support.dialin import RunningServer, running_server
from support.sigopt_client import connect, first_page

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own on SQLite, so client ``alpha`` starts with no experiment."""
    directory: Path = tmp_path_factory.mktemp("dashboard")
    with running_server(f"sqlite:///{directory / 'dialin.db'}") as running:
        yield running


@pytest.fixture(scope="module")
def experiment(server: RunningServer) -> Any:
    """Twelve observations from three machines, two failed, and one open suggestion."""
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    project = conn.clients(client_id).projects().create(id="vision", name="Vision models")
    created = conn.experiments().create(
        name="Classifier accuracy",
        project=project.id,
        parameters=[
            {"name": "gamma", "type": "double", "bounds": {"min": 0.001, "max": 1.0}},
            {"name": "kernel", "type": "categorical", "categorical_values": ["rbf", "linear"]},
        ],
        metrics=[{"name": "accuracy", "objective": "maximize"}],
        observation_budget=30,
    )
    for i in range(12):
        machine = {"instance_id": f"i-{i % 3:04d}", "hostname": f"host-{i % 2}"}
        suggestion = conn.experiments(created.id).suggestions().create(metadata=machine)
        failed = i in (4, 9)
        conn.experiments(created.id).observations().create(
            suggestion=suggestion.id,
            failed=failed,
            values=None if failed else [{"name": "accuracy", "value": 0.5 + 0.03 * (i % 5)}],
            metadata={**machine, "error": "CUDA out of memory"}
            if failed
            else {**machine, "seconds": 10.0 + i},
        )
    conn.experiments(created.id).suggestions().create(metadata={"instance_id": "i-open-7"})
    return created


def test_sign_in_on_the_form_shows_the_empty_state(chromium: Any, server: RunningServer) -> None:
    fresh = server.new_token(f"newcomer-{secrets.token_hex(3)}")
    context, page, problems = open_page(chromium)
    page.goto(f"{server.api_url}/")
    assert page.url.startswith(f"{server.api_url}/signin")
    screenshot(page, "signin")
    page.fill("#token", fresh)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#empty-state")
    assert "dialin token create" in page.inner_text("#empty-state")
    assert "conn.experiments().create(" in page.inner_text("#empty-state")
    assert fresh not in page.content()
    cookie = next(c for c in context.cookies() if c["name"] == "dialin_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["value"] != fresh
    screenshot(page, "experiments-empty")

    page.click("#sign-out")
    page.wait_for_url(f"{server.api_url}/signin")
    page.goto(f"{server.api_url}/")
    assert page.url.startswith(f"{server.api_url}/signin")
    context.close()
    assert problems.errors == []


def test_experiment_list_and_project_page(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/")
        row = page.locator("#experiments tr", has_text="Classifier accuracy")
        row.wait_for()
        assert "12 / 30" in row.inner_text()
        screenshot(page, "experiments")
        page.fill("#search", "no such name")
        page.press("#search", "Enter")
        page.wait_for_selector("#experiments .empty")

        page.goto(f"{server.api_url}/projects/vision")
        page.locator("#experiments tr", has_text="Classifier accuracy").wait_for()
        assert page.inner_text("#project-name") == "Vision models"
        screenshot(page, "project")


def test_every_tab_opens_at_its_own_url(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        base = f"{server.api_url}/experiments/{experiment.id}"
        page.goto(f"{base}/summary")
        wait_for_tab(page, "summary")
        machines = page.inner_text("#machines")
        assert "i-0000" in machines and "host-1" in machines
        assert page.inner_text("#open-count") == "1"
        assert "0.59" in page.inner_text("#best")
        screenshot(page, "experiment-summary")

        for tab in ("analysis", "suggestions", "history"):
            page.click(f"#tab-{tab}")
            wait_for_tab(page, tab)
            assert page.url == f"{base}/{tab}"
            assert page.is_hidden("#panel-summary")
        page.go_back()
        wait_for_tab(page, "suggestions")
        assert page.url == f"{base}/suggestions"

        for tab in ("analysis", "suggestions", "history"):
            page.goto(f"{base}/{tab}")
            wait_for_tab(page, tab)
            if tab == "analysis":
                for plot_id in (
                    "plot-history",
                    "plot-full-history",
                    "plot-parallel",
                    "plot-scatter",
                ):
                    plot(page, plot_id)
            screenshot(page, f"experiment-{tab}")


def test_suggestions_tab_shows_instance_id_and_deletes_open_ones(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    conn: Connection = connect(server.api_url, server.token_a)
    extra = (
        conn.experiments(experiment.id).suggestions().create(metadata={"instance_id": "i-doomed"})
    )
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/experiments/{experiment.id}/suggestions")
        wait_for_tab(page, "suggestions")
        open_row = page.locator("tr", has_text="i-open-7")
        assert open_row.locator("td.instance-id").inner_text() == "i-open-7"
        assert "open" in open_row.inner_text()
        closed_row = page.locator(f"tr[data-suggestion='{1}']")
        assert closed_row.locator("td.instance-id").inner_text() == "i-0000"

        page.locator(f"tr[data-suggestion='{extra.id}'] button", has_text="Delete").click()
        page.locator(f"tr[data-suggestion='{extra.id}']").wait_for(state="detached")
        open_ids = [
            s.id
            for s in first_page(conn.experiments(experiment.id).suggestions().fetch(state="open"))
        ]
        assert extra.id not in open_ids


def test_history_shows_all_metadata_of_a_failed_observation(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/experiments/{experiment.id}/history")
        wait_for_tab(page, "history")
        assert page.locator("#panel-history tbody tr").count() == 12
        page.check("#history-failed-only")
        page.wait_for_function("document.querySelectorAll('#panel-history tbody tr').length === 2")
        page.locator("#panel-history tr.failed button.link").first.click()
        dialog = page.locator("#metadata-dialog")
        dialog.wait_for(state="visible")
        text = dialog.inner_text()
        assert "failed" in text
        assert "instance_id" in text and "i-0000" in text
        assert "CUDA out of memory" in text
        screenshot(page, "experiment-history-failed-metadata")
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")


def test_plots_take_metadata_keys_as_axes(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/experiments/{experiment.id}/analysis")
        wait_for_tab(page, "analysis")
        history = plot(page, "plot-history")
        assert history["layout"]["y"] == "accuracy"
        assert [t["name"] for t in history["data"]] == ["observations", "best so far", "failed"]
        assert len(history["data"][2]["x"]) == 2

        page.select_option("#parallel-axis-0", "metadata:instance_id")
        page.wait_for_function(
            "document.getElementById('plot-parallel').data[0].dimensions[0].label === 'instance_id'"
        )
        dimension = plot(page, "plot-parallel")["data"][0]["dimensions"][0]
        assert dimension["ticktext"] == ["i-0000", "i-0001", "i-0002"]

        page.select_option("#history-y", "metadata:seconds")
        page.wait_for_function(
            "document.getElementById('plot-history').layout.yaxis.title.text === 'seconds'"
        )
        history = plot(page, "plot-history")
        assert sorted(history["data"][0]["y"]) == [10.0 + i for i in range(12) if i not in (4, 9)]

        page.select_option("#scatter-color", "metadata:hostname")
        page.wait_for_function(
            "document.getElementById('plot-scatter').data[0].marker.colorbar?.title?.text"
            " === 'hostname'"
        )
        screenshot(page, "experiment-analysis-metadata-axes")


def test_another_client_gets_a_404_page(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_b) as (page, problems):
        path = f"/experiments/{experiment.id}/summary"
        problems.allow(404, path)
        answer = page.goto(f"{server.api_url}{path}")
        assert answer.status == 404
        assert "Not found" in page.inner_text("#not-found")
        assert "Classifier accuracy" not in page.content()
        screenshot(page, "not-found")


def test_a_training_run_opens_from_its_project(
    chromium: Any, server: RunningServer, experiment: Any
) -> None:
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    run = conn.clients(client_id).projects("vision").training_runs().create(name="resnet-18")
    for loss in (0.9, 0.5, 0.3):
        conn.training_runs(run.id).checkpoints().create(values=[{"name": "loss", "value": loss}])
    conn.training_runs(run.id).update(
        values={"accuracy": {"value": 0.91}}, metadata={"gpu": "A100"}, state="completed"
    )
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/projects/vision")
        page.locator("#runs a", has_text="resnet-18").click()
        page.wait_for_url(f"{server.api_url}/runs/{run.id}")
        page.wait_for_selector("#run[data-loaded=true]")
        assert "0.91" in page.inner_text("#run-body") and "A100" in page.inner_text("#run-body")
        # A SigOpt checkpoint is a validation report of the run's trial: its curve.
        (curve,) = plot(page, "plot-metrics")["data"]
        assert (curve["name"], curve["y"]) == ("validation", [0.9, 0.5, 0.3])
        screenshot(page, "run")
