"""Seed program: one master and eight worker processes sharing one experiment."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from parallel_program import ITERATIONS, master
from sigopt import Connection

from support.dialin import RunningServer

NUM_WORKERS = 8


@pytest.mark.timeout(180)
def test_workers_never_share_a_suggestion(
    server: RunningServer, conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGOPT_API_URL", server.api_url)

    experiment_id, workers = master(server.token_a, tmp_path, num_workers=NUM_WORKERS)
    try:
        for worker in workers:
            worker.join(timeout=150)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()
    assert [w.exitcode for w in workers] == [0] * NUM_WORKERS

    records = [json.loads((tmp_path / f"w{i}.json").read_text()) for i in range(NUM_WORKERS)]
    received = [(r["hostname"], s) for r in records for s in r["suggestions"]]
    ids = [s["id"] for _, s in received]
    assert len(ids) == NUM_WORKERS * ITERATIONS
    assert len(set(ids)) == len(ids), "a suggestion id was served twice"
    for (_, a), (_, b) in itertools.combinations(received, 2):
        open_together = a["opened"] < b["closing"] and b["opened"] < a["closing"]
        assert not (open_together and a["assignments"] == b["assignments"]), (a, b)

    observations = list(conn.experiments(experiment_id).observations().fetch().iterate_pages())
    assert len(observations) == NUM_WORKERS * ITERATIONS
    host_of_suggestion = {s["id"]: host for host, s in received}
    for observation in observations:
        assert dict(observation.metadata) == {
            "hostname": host_of_suggestion[observation.suggestion]
        }
    assert conn.experiments(experiment_id).suggestions().fetch(state="open").count == 0
    assert conn.experiments(experiment_id).fetch().progress.observation_count == len(ids)
