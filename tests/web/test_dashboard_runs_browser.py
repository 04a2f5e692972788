"""The AI-experiment page, the run (trial) page and the project page in a real browser, against
a real ``dialin server`` seeded by the sigopt client and the trial API a launcher uses."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web_support import plot, screenshot, signed_in_page, wait_for_tab

from support.dialin import RunningServer, running_server
from support.sigopt_client import connect
from support.trial_api import TrialApi

pytestmark = pytest.mark.timeout(240)

CHECKPOINT_UUID = str(uuid.UUID(int=0xC0FFEE))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    directory: Path = tmp_path_factory.mktemp("dashboard-runs")
    with running_server(f"sqlite:///{directory / 'dialin.db'}") as running:
        yield running


@dataclass(frozen=True)
class Seeded:
    experiment_id: str
    # A run paused, activated, crashed once, then finished; one killed; one still running.
    finished: str
    killed: str
    running: str


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[TrialApi]:
    client = TrialApi(server.api_url, server.token_a)
    yield client
    client.close()


def _start(api: TrialApi, run_id: str) -> None:
    api.ok("POST", f"/api/v1/trials/{run_id}/allocations")


def _exit(api: TrialApi, run_id: str, trial_run_id: int, cause: str) -> dict[str, Any]:
    return api.ok(
        "POST",
        f"/api/v1/trials/{run_id}/allocations/exit",
        json={"trial_run_id": trial_run_id, "cause": cause},
    )


def _reported(api: TrialApi, run_id: str, run: int, step: int, group: str, loss: float) -> None:
    answer = api.report(int(run_id), run, step, group, loss=loss)
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def seeded(server: RunningServer, api: TrialApi) -> Seeded:
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    conn.clients(client_id).projects().create(id="nlp", name="Language models")
    experiment = (
        conn.clients(client_id)
        .projects("nlp")
        .aiexperiments()
        .create(
            name="Transformer sweep",
            parameters=[{"name": "lr", "type": "double", "bounds": {"min": 0.0001, "max": 0.1}}],
            metrics=[{"name": "loss", "objective": "minimize"}],
            budget=10,
        )
    )
    runs = conn.aiexperiments(experiment.id)
    finished, killed, running = (
        runs.training_runs().create(name=name).id for name in ("run-alpha", "run-beta", "run-gamma")
    )

    _start(api, finished)
    for step, loss in ((10, 0.9), (20, 0.6), (30, 0.45)):
        _reported(api, finished, 1, step, "training", loss)
    _reported(api, finished, 1, 30, "validation", 0.5)
    api.ok(
        "POST",
        f"/api/v1/trials/{finished}/logs",
        json={"trial_run_id": 1, "stream": "stdout", "lines": ["epoch 1 loss 0.9", "epoch 3"]},
    )
    api.ok(
        "POST",
        f"/api/v1/trials/{finished}/logs",
        json={"trial_run_id": 1, "stream": "stderr", "lines": ["warning: slow data loader"]},
    )
    api.ok(
        "POST",
        f"/api/v1/trials/{finished}/checkpoints",
        json={
            "uuid": CHECKPOINT_UUID,
            "trial_run_id": 1,
            "metadata": {"steps_completed": 30, "framework": "torch"},
            "files": {"model.bin": base64.b64encode(b"weights").decode()},
        },
    )
    api.ok("POST", f"/api/v1/trials/{finished}/pause")
    api.ok("POST", f"/api/v1/trials/{finished}/activate")
    restarted = _exit(api, finished, 1, "CRASHED")
    assert restarted["reallocate"] and restarted["trial_run_id"] == 2
    _reported(api, finished, 2, 40, "training", 0.3)
    _reported(api, finished, 2, 40, "validation", 0.2)
    assert _exit(api, finished, 2, "EXITED")["state"] == "COMPLETED"

    _start(api, killed)
    _reported(api, killed, 1, 10, "validation", 0.95)
    api.ok("POST", f"/api/v1/trials/{killed}/kill")
    assert _exit(api, killed, 1, "KILLED")["state"] == "CANCELED"

    _start(api, running)
    _reported(api, running, 1, 10, "training", 0.8)
    return Seeded(str(experiment.id), str(finished), str(killed), str(running))


def traces(page: Any, plot_id: str) -> dict[str, dict[str, Any]]:
    """The plot's traces by name."""
    return {t["name"]: t for t in plot(page, plot_id)["data"]}


def test_the_ai_experiment_page_shows_runs_states_best_runs_and_curves(
    chromium: Any, server: RunningServer, seeded: Seeded
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/")
        page.locator("#experiments a", has_text="Transformer sweep").click()
        page.wait_for_url(f"{server.api_url}/aiexperiments/{seeded.experiment_id}/summary")
        wait_for_tab(page, "summary")
        states = page.locator("#trial-states")
        for state in ("COMPLETED", "CANCELED", "RUNNING"):
            assert states.locator(f"li[data-state={state}]").inner_text().endswith(" 1")
        assert "1 restart in all" in states.inner_text()
        best = page.inner_text("#best-runs")
        assert "run-alpha" in best and "0.2" in best and "run-beta" not in best
        assert "3 of 10 runs" in page.inner_text("#panel-summary")
        screenshot(page, "ai-experiment")

        page.click("#tab-runs")
        wait_for_tab(page, "runs")
        assert page.url == f"{server.api_url}/aiexperiments/{seeded.experiment_id}/runs"
        row = page.locator(f"tr[data-run='{seeded.finished}']")
        assert row.locator(".trial-state").inner_text() == "COMPLETED"
        assert "loss: 0.2" in row.locator(".values").inner_text()
        assert "lr=" in row.inner_text()
        killed = page.locator(f"tr[data-run='{seeded.killed}'] .trial-state")
        assert killed.inner_text() == "CANCELED"
        running = page.locator(f"tr[data-run='{seeded.running}'] .trial-state")
        assert running.inner_text() == "RUNNING"
        screenshot(page, "ai-experiment-runs")

        page.click("#tab-curves")
        wait_for_tab(page, "curves")
        lines = traces(page, "plot-curves")
        assert lines["run-alpha · validation"]["y"] == [0.5, 0.2]
        assert lines["run-alpha · validation"]["x"] == [30, 40]
        assert lines["run-alpha · training"]["y"] == [0.9, 0.6, 0.45, 0.3]
        assert "run-beta · validation" in lines and "run-gamma · training" in lines
        screenshot(page, "ai-experiment-curves")
        page.select_option("#curves-group", "validation")
        page.wait_for_function(
            "document.getElementById('plot-curves')?.data?.every((t) => t.meta === 'validation')"
        )

        page.go_back()
        wait_for_tab(page, "runs")
        page.goto(f"{server.api_url}/experiments/{seeded.experiment_id}/summary")
        wait_for_tab(page, "summary")
        assert page.url.endswith(f"/aiexperiments/{seeded.experiment_id}/summary")


def test_the_run_page_shows_metrics_logs_checkpoints_and_transitions(
    chromium: Any, server: RunningServer, seeded: Seeded
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/aiexperiments/{seeded.experiment_id}/runs")
        wait_for_tab(page, "runs")
        page.locator(f"tr[data-run='{seeded.finished}'] a").click()
        page.wait_for_url(f"{server.api_url}/runs/{seeded.finished}")
        wait_for_tab(page, "overview")
        assert page.inner_text("#trial-state") == "COMPLETED"
        assert page.inner_text("#restart-count") == "1 of at most 5"
        assert page.get_by_role("link", name="Transformer sweep").get_attribute("href") == (
            f"/aiexperiments/{seeded.experiment_id}/summary"
        )
        metrics = page.inner_text("#summary-metrics")
        assert "Best validation" in metrics and "step 40: loss=0.2" in metrics
        assert "training" in metrics and "validation" in metrics
        lines = traces(page, "plot-metrics")
        assert lines["training"]["y"] == [0.9, 0.6, 0.45, 0.3]
        assert lines["validation"]["x"] == [30, 40]
        screenshot(page, "run-detail")

        page.click("#tab-logs")
        wait_for_tab(page, "logs")
        assert page.url == f"{server.api_url}/runs/{seeded.finished}/logs"
        stderr = page.locator("#log-lines li[data-stream=stderr]")
        assert stderr.count() == 1 and "warning: slow data loader" in stderr.inner_text()
        assert page.locator("#log-lines li[data-stream=stdout]").count() == 2
        page.select_option("#log-stream", "stderr")
        assert page.locator("#log-lines li").count() == 1
        screenshot(page, "run-logs")

        page.click("#tab-checkpoints")
        wait_for_tab(page, "checkpoints")
        checkpoint = page.locator(f"tr[data-checkpoint='{CHECKPOINT_UUID}']")
        text = checkpoint.inner_text()
        assert "COMPLETED" in text and "model.bin (7 B)" in text and "framework=torch" in text
        assert "30" in text
        screenshot(page, "run-checkpoints")

        page.click("#tab-history")
        wait_for_tab(page, "history")
        history = page.inner_text("#state-history")
        assert "ACTIVE → PAUSED" in history and "user: pause" in history
        assert "PAUSED → ACTIVE" in history and "user: activate" in history
        assert "restart after crash" in history and "runner finished" in history
        assert page.inner_text("#history-restarts") == "1 of at most 5"
        screenshot(page, "run-history")


def test_a_running_runs_logs_arrive_without_a_reload(
    chromium: Any, server: RunningServer, seeded: Seeded, api: TrialApi
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/runs/{seeded.running}/logs")
        wait_for_tab(page, "logs")
        assert page.is_visible("#log-empty")
        assert "Live" in page.inner_text("#live")
        api.ok(
            "POST",
            f"/api/v1/trials/{seeded.running}/logs",
            json={"trial_run_id": 1, "stream": "stderr", "lines": ["CUDA out of memory"]},
        )
        page.locator("#log-lines li", has_text="CUDA out of memory").wait_for(timeout=15_000)
        assert page.is_hidden("#log-empty")


def test_a_long_log_opens_at_its_end_and_pages_back(
    chromium: Any, server: RunningServer, api: TrialApi
) -> None:
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    conn.clients(client_id).projects().create(id="logs", name="Logs")
    run = conn.clients(client_id).projects("logs").training_runs().create(name="chatty").id
    _start(api, run)
    lines = [f"line {i}" for i in range(1100)]
    api.ok("POST", f"/api/v1/trials/{run}/logs", json={"trial_run_id": 1, "lines": lines})

    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/runs/{run}/logs")
        wait_for_tab(page, "logs")
        shown = page.locator("#log-lines li .log-text")
        assert shown.count() == 500
        assert (shown.first.inner_text(), shown.last.inner_text()) == ("line 600", "line 1099")
        earlier = page.get_by_role("button", name="Show 500 earlier lines")
        earlier.click()
        page.wait_for_function("document.querySelectorAll('#log-lines li').length === 1000")
        assert shown.first.inner_text() == "line 100"
        earlier.click()
        page.wait_for_function("document.querySelectorAll('#log-lines li').length === 1100")
        assert shown.first.inner_text() == "line 0" and earlier.is_hidden()
        screenshot(page, "run-logs-long")


def test_an_archived_run_keeps_its_sigopt_record_on_its_page(
    chromium: Any, server: RunningServer
) -> None:
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    conn.clients(client_id).projects().create(id="archive", name="Archive")
    run = conn.clients(client_id).projects("archive").training_runs().create(name="old-run")
    conn.training_runs(run.id).update(values={"accuracy": {"value": 0.7}}, state="completed")
    conn.training_runs(run.id).delete()

    with signed_in_page(chromium, server.api_url, server.token_a) as (page, problems):
        # The trial side of an archived run is gone: the page expects that answer.
        problems.allow(404, f"/api/v1/trials/{run.id}")
        page.goto(f"{server.api_url}/runs/{run.id}")
        wait_for_tab(page, "overview")
        assert page.inner_text("#run-state") == "archived"
        assert "0.7" in page.inner_text("#run-body") and "archived" in page.inner_text("#run-body")
        page.click("#tab-logs")
        wait_for_tab(page, "logs")
        assert "This run is archived" in page.inner_text("#panel-logs")


def test_the_project_page_lists_ai_experiments_and_runs(
    chromium: Any, server: RunningServer, seeded: Seeded
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/projects/nlp")
        experiment = page.locator("#experiments a", has_text="Transformer sweep")
        experiment.wait_for()
        assert experiment.get_attribute("href") == f"/aiexperiments/{seeded.experiment_id}/summary"
        page.locator(f"#runs tr[data-run='{seeded.running}']").wait_for()
        assert page.locator("#runs tbody tr").count() == 3
        assert "3 training runs" in page.inner_text("#runs")
        screenshot(page, "project-ai")


def test_a_new_ai_experiment_says_what_to_do_and_a_long_one_pages_and_samples(
    chromium: Any, server: RunningServer, seeded: Seeded
) -> None:
    conn = connect(server.api_url, server.token_a)
    client_id = str(conn.tokens("self").fetch().client)
    definition = {
        "parameters": [{"name": "lr", "type": "double", "bounds": {"min": 0.0, "max": 1.0}}],
        "metrics": [{"name": "loss", "objective": "minimize"}],
    }
    conn.clients(client_id).projects().create(id="sweeps", name="Sweeps")
    ai = conn.clients(client_id).projects("sweeps").aiexperiments()
    empty = ai.create(name="Empty sweep", **definition)
    long = ai.create(name="Long sweep", **definition)
    runs = [conn.aiexperiments(long.id).training_runs().create(name=f"r{i}").id for i in range(27)]

    with signed_in_page(chromium, server.api_url, server.token_a) as (page, _problems):
        page.goto(f"{server.api_url}/aiexperiments/{empty.id}/summary")
        wait_for_tab(page, "summary")
        assert "No runs yet" in page.inner_text("#trial-states")
        assert "No best run yet" in page.inner_text("#best-runs")
        for tab in ("curves", "runs"):
            # Tabs are links: reachable and followed from the keyboard.
            page.focus(f"#tab-{tab}")
            page.keyboard.press("Enter")
            wait_for_tab(page, tab)
            assert "No runs yet" in page.inner_text(f"#panel-{tab}")
        screenshot(page, "ai-experiment-empty")
        first = conn.aiexperiments(empty.id).training_runs().create(name="first-run")
        # The open page refreshes itself: the new run appears without a reload.
        page.locator(f"#panel-runs tr[data-run='{first.id}']").wait_for(timeout=15_000)

        page.goto(f"{server.api_url}/aiexperiments/{long.id}/runs")
        wait_for_tab(page, "runs")
        assert page.locator("#panel-runs tbody tr").count() == 25
        assert "27 runs" in page.inner_text("#panel-runs caption")
        page.get_by_role("button", name="Older →").click()
        page.wait_for_function("document.querySelectorAll('#panel-runs tbody tr').length === 2")
        oldest = page.locator("#panel-runs tbody tr").evaluate_all(
            "rows => rows.map((r) => r.dataset.run)"
        )
        assert sorted(oldest) == sorted(str(r) for r in runs[:2])
        page.click("#tab-curves")
        wait_for_tab(page, "curves")
        assert "No metric reports yet" in page.inner_text("#panel-curves")
        assert "Curves of 20 of 27 runs" in page.inner_text("#curves-sampled")


def test_another_client_gets_the_404_page_for_the_ai_experiment_and_its_run(
    chromium: Any, server: RunningServer, seeded: Seeded
) -> None:
    with signed_in_page(chromium, server.api_url, server.token_b) as (page, problems):
        for path in (
            f"/aiexperiments/{seeded.experiment_id}/runs",
            f"/runs/{seeded.finished}/logs",
        ):
            problems.allow(404, path)
            answer = page.goto(f"{server.api_url}{path}")
            assert answer.status == 404
            assert "Not found" in page.inner_text("#not-found")
            assert "Transformer sweep" not in page.content() and "run-alpha" not in page.content()
