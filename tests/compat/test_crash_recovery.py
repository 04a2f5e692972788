"""Seed program: a worker dies holding open suggestions; its restart reports them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any

from sigopt import Connection

from support.dialin import RunningServer

CRASHING_WORKER = textwrap.dedent(
    """
    import sys, time
    from sigopt import Connection

    api_url, api_token, experiment_id, instance_id = sys.argv[1:]
    conn = Connection(client_token=api_token)
    conn.set_api_url(api_url)
    for _ in range(3):
        suggestion = conn.experiments(experiment_id).suggestions().create(
            metadata={"instance_id": instance_id}
        )
        print(suggestion.id, flush=True)
    print("evaluating", flush=True)
    time.sleep(600)
    """
)


def evaluate_metric(assignments: Any) -> float:
    return float(1 - assignments["gamma"])


def crash_a_worker(server: RunningServer, experiment_id: str, instance_id: str) -> set[str]:
    """Run a worker that opens suggestions, then kill it before it reports; return their ids."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CRASHING_WORKER,
            server.api_url,
            server.token_a,
            experiment_id,
            instance_id,
        ],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert worker.stdout is not None
        opened = set()
        for line in worker.stdout:
            if line.strip() == "evaluating":
                break
            opened.add(line.strip())
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    assert worker.returncode == -signal.SIGKILL
    return opened


def test_restarted_worker_reports_its_open_suggestions(
    server: RunningServer, conn: Connection, experiment: Any
) -> None:
    current_instance_id = "i-0crashed"
    crashed = crash_a_worker(server, experiment.id, current_instance_id)
    survivor = (
        conn.experiments(experiment.id).suggestions().create(metadata={"instance_id": "i-0healthy"})
    )
    assert len(crashed) == 3

    reported = set()
    suggestions = conn.experiments(experiment.id).suggestions().fetch(state="open")
    for suggestion in suggestions.iterate_pages():
        if suggestion.metadata["instance_id"] == current_instance_id:
            value = evaluate_metric(suggestion.assignments)
            conn.experiments(experiment.id).observations().create(
                suggestion=suggestion.id,
                value=value,
            )
            reported.add(suggestion.id)

    assert reported == crashed
    still_open = conn.experiments(experiment.id).suggestions().fetch(state="open")
    assert [s.id for s in still_open.iterate_pages()] == [survivor.id]
    observed = conn.experiments(experiment.id).observations().fetch()
    assert {o.suggestion for o in observed.iterate_pages()} == crashed


def test_recovery_across_pages(server: RunningServer, conn: Connection, experiment: Any) -> None:
    crashed = crash_a_worker(server, experiment.id, "i-0paged")

    suggestions = conn.experiments(experiment.id).suggestions().fetch(state="open", limit=1)
    recovered = [
        s.id for s in suggestions.iterate_pages() if s.metadata["instance_id"] == "i-0paged"
    ]
    for suggestion_id in recovered:
        conn.experiments(experiment.id).observations().create(suggestion=suggestion_id, value=1.0)

    assert set(recovered) == crashed and len(recovered) == len(crashed)
    assert conn.experiments(experiment.id).suggestions().fetch(state="open").count == 0


def test_or_simply_delete_open_suggestions(
    server: RunningServer, conn: Connection, experiment: Any
) -> None:
    crash_a_worker(server, experiment.id, "i-0deleted")

    conn.experiments(experiment.id).suggestions().delete(state="open")

    assert conn.experiments(experiment.id).suggestions().fetch(state="open").count == 0
