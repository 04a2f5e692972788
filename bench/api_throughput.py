"""API throughput: W worker processes doing suggestion→observation round trips on one experiment.

Targets, all measured in the same run: dialin on SQLite (1 API process), dialin on PostgreSQL
with 1 and with 4 API processes, and the peer, Optuna's RDB storage on the same PostgreSQL
server (``study.ask()`` / ``study.tell()`` with ``RandomSampler``). dialin workers use the real
``sigopt.Connection`` (``--client sigopt``), raw ``httpx`` with keep-alive (``--client httpx``)
or both. Every worker records each suggestion (or trial) it got; the parent counts duplicates:
an id handed out twice, or identical assignments open in two workers at once.

    python bench/api_throughput.py --workers-list 1,8,32 --seconds 20 --out results.json

Goal: at 32 workers, dialin on PostgreSQL with 4 API processes makes at least 3x Optuna's
round trips per second, with zero duplicates.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.dialin import create_token, server_process
from support.postgres import database, throwaway_cluster

GOAL_WORKERS = 32
GOAL_RATIO = 3.0
GOAL_TARGET = "dialin-pg-4"
PEER = "optuna-rdb-pg"
CATEGORIES = ("a", "b", "c")
START_TIMEOUT_S = 300.0
# A worker that only sees errors stops instead of spinning on a broken server.
MAX_CONSECUTIVE_ERRORS = 20

PARAMETERS = [
    {"name": "x", "type": "double", "bounds": {"min": 0.0, "max": 1.0}},
    {"name": "n", "type": "int", "bounds": {"min": 1, "max": 100}},
    {"name": "c", "type": "categorical", "categorical_values": [{"name": c} for c in CATEGORIES]},
]


def objective(assignments: dict[str, Any]) -> float:
    """Cheap on purpose: the benchmark measures the API, not the model."""
    return (
        -((float(assignments["x"]) - 0.3) ** 2)
        + int(assignments["n"]) / 100
        + CATEGORIES.index(assignments["c"]) / 10
    )


@dataclass(frozen=True)
class Target:
    name: str
    client: str  # "sigopt", "httpx" or "optuna"
    url: str  # dialin: the API URL; Optuna: the storage URL
    token: str = ""


@dataclass(frozen=True)
class Job:
    target: Target
    study: str  # dialin: the experiment id; Optuna: the study name
    worker: int
    seconds: float
    round_trips: int


# One handed-out suggestion: (worker, id, assignments, opened, closed, ask latency, total latency).
Record = tuple[int, str, tuple[tuple[str, Any], ...], float, float, float, float]


# A round trip answers (suggestion id, assignments, when the suggestion arrived).
RoundTrip = Callable[[], tuple[str, dict[str, Any], float]]


def _point(assignments: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(assignments.items()))


def _sigopt_round_trip(target: Target, study: str) -> RoundTrip:
    from sigopt import Connection

    conn = Connection(client_token=target.token)
    conn.set_api_url(target.url)
    experiment = conn.experiments(study)

    def round_trip() -> tuple[str, dict[str, Any]]:
        suggestion = experiment.suggestions().create()
        assignments = dict(suggestion.assignments)
        asked = time.monotonic()
        experiment.observations().create(suggestion=suggestion.id, value=objective(assignments))
        return suggestion.id, assignments, asked

    return round_trip


def _httpx_round_trip(target: Target, study: str) -> RoundTrip:
    import httpx

    http = httpx.Client(base_url=target.url, auth=(target.token, ""), timeout=60.0)
    path = f"/v1/experiments/{study}"

    def round_trip() -> tuple[str, dict[str, Any]]:
        answer = http.post(f"{path}/suggestions", json={})
        answer.raise_for_status()
        suggestion = answer.json()
        asked = time.monotonic()
        observed = http.post(
            f"{path}/observations",
            json={"suggestion": suggestion["id"], "value": objective(suggestion["assignments"])},
        )
        observed.raise_for_status()
        return suggestion["id"], suggestion["assignments"], asked

    return round_trip


def _optuna_round_trip(target: Target, study: str) -> RoundTrip:
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {
        "x": FloatDistribution(0.0, 1.0),
        "n": IntDistribution(1, 100),
        "c": CategoricalDistribution(CATEGORIES),
    }
    loaded = optuna.load_study(
        study_name=study,
        storage=optuna.storages.RDBStorage(target.url),
        sampler=optuna.samplers.RandomSampler(seed=os.getpid()),
    )

    def round_trip() -> tuple[str, dict[str, Any]]:
        trial = loaded.ask(space)
        asked = time.monotonic()
        loaded.tell(trial, objective(trial.params))
        return str(trial.number), trial.params, asked

    return round_trip


ROUND_TRIPS: dict[str, Callable[[Target, str], RoundTrip]] = {
    "sigopt": _sigopt_round_trip,
    "httpx": _httpx_round_trip,
    "optuna": _optuna_round_trip,
}


def _worker(job: Job, barrier: Any, results: Any) -> None:
    records: list[Record] = []
    errors: list[str] = []
    try:
        round_trip = ROUND_TRIPS[job.target.client](job.target, job.study)
        # One warm-up round trip opens the connection; it is checked for duplicates, not timed.
        _timed(round_trip, job.worker, records)
        warmup = len(records)
        barrier.wait(timeout=START_TIMEOUT_S)
        deadline = time.monotonic() + job.seconds
        consecutive = 0
        while (
            (len(records) - warmup < job.round_trips)
            if job.round_trips
            else (time.monotonic() < deadline)
        ):
            try:
                _timed(round_trip, job.worker, records)
                consecutive = 0
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}"[:300])
                consecutive += 1
                if consecutive >= MAX_CONSECUTIVE_ERRORS:
                    break
        results.put((job.worker, records[:warmup], records[warmup:], errors))
    except Exception as error:
        barrier.abort()
        results.put((job.worker, records, [], [f"{type(error).__name__}: {error}"[:300]]))


def _timed(round_trip: RoundTrip, worker: int, out: list[Record]) -> None:
    started = time.monotonic()
    suggestion_id, assignments, asked = round_trip()
    closed = time.monotonic()
    out.append(
        (worker, str(suggestion_id), _point(assignments), started, closed,
         asked - started, closed - started)
    )  # fmt: skip


@dataclass(frozen=True)
class Measurement:
    target: str
    client: str
    workers: int
    repeat: int
    round_trips: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    ask_p50_ms: float
    errors: int
    duplicate_ids: int
    duplicate_open_points: int
    first_errors: list[str]

    @property
    def duplicates(self) -> int:
        return self.duplicate_ids + self.duplicate_open_points


def count_duplicates(records: list[Record]) -> tuple[int, int]:
    """(ids handed out more than once, pairs of workers holding the same point at once)."""
    by_id: dict[str, int] = defaultdict(int)
    by_point: dict[tuple[tuple[str, Any], ...], list[Record]] = defaultdict(list)
    for record in records:
        by_id[record[1]] += 1
        by_point[record[2]].append(record)
    repeated_ids = sum(count - 1 for count in by_id.values())
    open_together = sum(
        1
        for group in by_point.values()
        for a, b in combinations(group, 2)
        if a[0] != b[0] and a[1] != b[1] and a[3] < b[4] and b[3] < a[4]
    )
    return repeated_ids, open_together


def measure(
    ctx: Any, target: Target, study: str, workers: int, repeat: int, args: Any
) -> Measurement:
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    processes = [
        ctx.Process(
            target=_worker,
            args=(Job(target, study, w, args.seconds, args.round_trips), barrier, results),
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    # A worker that failed to start breaks the barrier; its error is reported with the rest.
    with suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=START_TIMEOUT_S)
    started = time.monotonic()
    answers = [results.get(timeout=START_TIMEOUT_S + args.seconds * 10) for _ in processes]
    for process in processes:
        process.join()
    timed = [r for _, _, rs, _ in answers for r in rs]
    every = timed + [r for _, warm, _, _ in answers for r in warm]
    errors = [e for *_, es in answers for e in es]
    elapsed = max((r[4] for r in timed), default=started) - started
    latencies = np.array([r[6] for r in timed]) * 1000 if timed else np.array([np.nan])
    asks = np.array([r[5] for r in timed]) * 1000 if timed else np.array([np.nan])
    repeated_ids, open_together = count_duplicates(every)
    return Measurement(
        target=target.name,
        client=target.client,
        workers=workers,
        repeat=repeat,
        round_trips=len(timed),
        seconds=round(elapsed, 3),
        per_second=len(timed) / elapsed if elapsed > 0 else 0.0,
        p50_ms=float(np.percentile(latencies, 50)),
        p99_ms=float(np.percentile(latencies, 99)),
        ask_p50_ms=float(np.percentile(asks, 50)),
        errors=len(errors),
        duplicate_ids=repeated_ids,
        duplicate_open_points=open_together,
        first_errors=sorted(set(errors))[:5],
    )


@contextmanager
def dialin_target(name: str, client: str, db_url: str, processes: int) -> Iterator[Target]:
    token = create_token(db_url, "bench")
    with server_process(db_url, workers=processes) as (api_url, _, _):
        yield Target(name, client, api_url, token)


def new_study(target: Target, label: str) -> str:
    if target.client == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        optuna.create_study(
            study_name=label,
            storage=optuna.storages.RDBStorage(target.url),
            sampler=optuna.samplers.RandomSampler(),
            direction="maximize",
        )
        return label
    from sigopt import Connection

    conn = Connection(client_token=target.token)
    conn.set_api_url(target.url)
    experiment = conn.experiments().create(name=label, type="random", parameters=PARAMETERS)
    return str(experiment.id)


def _targets(stack: ExitStack, chosen: set[str], clients: list[str]) -> list[Target]:
    def wanted(name: str) -> bool:
        return not chosen or name in chosen

    pg_server = stack.enter_context(throwaway_cluster())
    found: list[Target] = []
    for client in clients:
        suffix = "" if client == clients[0] else f" ({client})"
        if wanted("dialin-sqlite-1"):
            db = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "dialin.db"
            found.append(
                stack.enter_context(
                    dialin_target(f"dialin-sqlite-1{suffix}", client, f"sqlite:///{db}", 1)
                )
            )
        for processes in (1, 4):
            name = f"dialin-pg-{processes}"
            if wanted(name):
                db_url = stack.enter_context(database(pg_server))
                found.append(
                    stack.enter_context(dialin_target(name + suffix, client, db_url, processes))
                )
    if wanted(PEER):
        found.append(Target(PEER, "optuna", stack.enter_context(database(pg_server))))
    return found


def summarize(measurements: list[Measurement]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[Measurement]] = defaultdict(list)
    for m in measurements:
        groups[(m.target, m.workers)].append(m)
    rows = []
    for (target, workers), ms in groups.items():
        rows.append(
            {
                "target": target,
                "client": ms[0].client,
                "workers": workers,
                "repeats": len(ms),
                **{
                    key: statistics.median(getattr(m, key) for m in ms)
                    for key in ("per_second", "p50_ms", "p99_ms", "ask_p50_ms", "round_trips")
                },
                "errors": sum(m.errors for m in ms),
                "duplicates": sum(m.duplicates for m in ms),
            }
        )
    return rows


def ratios(rows: list[dict[str, Any]]) -> dict[int, float]:
    speed = {(r["target"], r["workers"]): r["per_second"] for r in rows}
    return {
        w: speed[(GOAL_TARGET, w)] / speed[(PEER, w)]
        for (t, w) in speed
        if t == GOAL_TARGET and speed.get((PEER, w))
    }


def report(console: Console, rows: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    title = "API throughput" + (f" (medians of {repeats} repeats)" if repeats > 1 else "")
    table = Table(title=title)
    for column in ("target", "client", "W", "round trips/s", "p50 ms", "p99 ms", "ask p50 ms"):
        table.add_column(column, justify="left" if column in ("target", "client") else "right")
    for column in ("round trips", "errors", "duplicates"):
        table.add_column(column, justify="right")
    for r in sorted(rows, key=lambda r: r["workers"]):
        table.add_row(
            r["target"], r["client"], str(r["workers"]), f"{r['per_second']:.1f}",
            f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['ask_p50_ms']:.1f}",
            f"{r['round_trips']:.0f}", str(r["errors"]), str(r["duplicates"]),
        )  # fmt: skip
    console.print(table)
    by_workers = ratios(rows)
    for workers, ratio in sorted(by_workers.items()):
        console.print(f"{GOAL_TARGET} / {PEER} at W={workers}: {ratio:.2f}x")
    duplicates = sum(r["duplicates"] for r in rows if r["target"].startswith("dialin"))
    goal_ratio = by_workers.get(GOAL_WORKERS)
    met = goal_ratio is not None and goal_ratio >= GOAL_RATIO and duplicates == 0
    console.print(
        f"Goal: at W={GOAL_WORKERS}, {GOAL_TARGET} >= {GOAL_RATIO:.0f}x {PEER} round trips/s "
        f"with zero duplicates: "
        + ("not measured" if goal_ratio is None else ("MET" if met else "NOT MET"))
        + ("" if goal_ratio is None else f" ({goal_ratio:.2f}x, {duplicates} dialin duplicates)")
    )
    return {"ratios": by_workers, "goal_ratio": goal_ratio, "goal_met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers-list", default="1,8,32", help="worker process counts")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration per measurement")
    parser.add_argument(
        "--round-trips", type=int, default=0, help="round trips per worker (overrides --seconds)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="repeats; medians are printed")
    parser.add_argument("--client", choices=["sigopt", "httpx", "both"], default="sigopt")
    parser.add_argument(
        "--targets", default="", help=f"comma-separated subset, e.g. {GOAL_TARGET},{PEER}"
    )
    parser.add_argument("--out", type=Path, help="write every measurement and the medians as JSON")
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers_list.split(",") if w.strip()]
    clients = ["sigopt", "httpx"] if args.client == "both" else [args.client]
    chosen = {t.strip() for t in args.targets.split(",") if t.strip()}
    # A piped run (tee, CI logs) keeps the whole table readable instead of Rich's 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 150)
    ctx = multiprocessing.get_context("forkserver")
    # Workers fork from a server that imported the clients once, so starting 32 is quick.
    ctx.set_forkserver_preload(["sigopt", "httpx", "optuna", "sqlalchemy", "psycopg", "numpy"])
    measurements: list[Measurement] = []
    with ExitStack() as stack:
        targets = _targets(stack, chosen, clients)
        # Targets alternate inside each (repeat, W) so drift hits dialin and the peer alike.
        for repeat in range(args.repeat):
            for workers in worker_counts:
                for target in targets:
                    study = new_study(target, f"bench-w{workers}-r{repeat}")
                    m = measure(ctx, target, study, workers, repeat, args)
                    measurements.append(m)
                    console.print(
                        f"[dim]repeat {repeat + 1}/{args.repeat} W={workers:>2} "
                        f"{target.name:<24} {m.per_second:8.1f}/s p50 {m.p50_ms:7.1f} ms "
                        f"p99 {m.p99_ms:7.1f} ms errors {m.errors} duplicates {m.duplicates}[/]"
                    )
                    for error in m.first_errors:
                        console.print(f"[red]  {error}[/]")
    rows = summarize(measurements)
    verdict = report(console, rows, args.repeat)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "command": " ".join(sys.argv),
                    "settings": {k: str(v) for k, v in vars(args).items()},
                    "machine": {
                        "cpus": os.cpu_count(),
                        "python": platform.python_version(),
                        "platform": platform.platform(),
                    },
                    "medians": rows,
                    **verdict,
                    "measurements": [asdict(m) for m in measurements],
                },
                indent=2,
            )
        )
        console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
