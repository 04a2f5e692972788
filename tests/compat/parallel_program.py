"""The master/worker program of SigOpt's "Run SigOpt in Parallel" guide, adapted to run here.

Changes from the guide: workers are local processes rather than machines, each gets a distinct
hostname, the loop is shorter, and each worker writes what it received to a JSON file so the
test can check it. The SigOpt calls are the guide's, unchanged; the API URL comes from
``SIGOPT_API_URL`` as it would for any user.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import socket
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sigopt import Connection

ITERATIONS = 4


def evaluate_metric(assignments: Any) -> float:
    return -((math.log10(assignments["gamma"]) + 1.5) ** 2)


def master(api_token: str, record_dir: Path, num_workers: int = 1) -> tuple[str, list[BaseProcess]]:
    # Create the SigOpt connection
    conn = Connection(client_token=api_token)

    # Create the experiment on master
    experiment = conn.experiments().create(
        name="Classifier Accuracy",
        parameters=[
            {
                "bounds": {
                    "max": 1.0,
                    "min": 0.001,
                },
                "name": "gamma",
                "type": "double",
            }
        ],
        parallel_bandwidth=num_workers,
    )

    workers = [
        spin_up_worker(
            api_token=api_token,
            experiment_id=experiment.id,
            hostname=f"{socket.gethostname()}-w{i}",
            record_path=record_dir / f"w{i}.json",
        )
        for i in range(num_workers)
    ]
    return experiment.id, workers


def spin_up_worker(**kwargs: Any) -> BaseProcess:
    process = multiprocessing.get_context("spawn").Process(target=run_worker, kwargs=kwargs)
    process.start()
    return process


# Each worker runs the same optimization loop
# for the experiment created on master
def run_worker(api_token: str, experiment_id: str, hostname: str, record_path: Path) -> None:
    # Create the SigOpt connection
    conn = Connection(client_token=api_token)

    received = []
    for _ in range(ITERATIONS):
        # Receive a Suggestion
        suggestion = conn.experiments(experiment_id).suggestions().create()
        opened = time.time()

        # Evaluate Your Metric
        value = evaluate_metric(suggestion.assignments)

        # Report an Observation
        # Include the hostname so that you can track
        # progress on the web interface
        closing = time.time()
        conn.experiments(experiment_id).observations().create(
            suggestion=suggestion.id,
            value=value,
            metadata=dict(hostname=hostname),
        )
        received.append(
            {
                "id": suggestion.id,
                "assignments": dict(suggestion.assignments),
                "opened": opened,
                "closing": closing,
            }
        )
    record_path.write_text(json.dumps({"hostname": hostname, "suggestions": received}))
