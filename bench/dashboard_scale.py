"""Dashboard at scale: an experiment with 100,000 observations and 20 metadata keys.

Seeds the data through the service layer (``ObservationService.create_batch``), starts a real
``dialin server``, then times the data endpoints the Analysis tab reads and a real browser's
load of the tab (Playwright driving ``/usr/bin/chromium``).

A user watches a live experiment, so the realistic load is a cold one: an observation arrived
since the last answer, and the API process must compute the history again. Each cold request
and cold load follows a new observation reported through the API; warm ones repeat without
one and are served by the API process's short-lived history cache.

A tab counts as open once the plots in the browser window are drawn (the others draw when
scrolled into view, or when the browser is idle); the time until all four are drawn is
printed beside it.

    python bench/dashboard_scale.py --observations 100000 --metadata-keys 20 --loads 5

Goal: the Analysis tab opens in under 2 s on a cold load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from dialin.domain.drafts import ObservationDraft
from dialin.domain.metrics import MetricValue
from dialin.services.container import Services
from dialin.storage.db import Database
from dialin.storage.schema import ensure_schema
from dialin.storage.store import SqlUnitOfWork
from dialin.wire import parse_experiment_create
from support.dialin import server_process

GOAL_S = 2.0
BATCH = 5000
HOSTS = [f"worker-{i:02d}" for i in range(16)]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def seed(database_url: str, observations: int, metadata_keys: int) -> tuple[str, int]:
    """A client's token and its experiment holding ``observations`` observations."""
    database = Database(database_url)
    ensure_schema(database)
    services = Services.build(SqlUnitOfWork(database), lambda: int(time.time()))
    issued = services.accounts.issue_token("bench")
    draft = parse_experiment_create(
        {
            "name": "Dashboard at scale",
            "parameters": [
                {"name": "x", "type": "double", "bounds": {"min": 0, "max": 1}},
                {"name": "n", "type": "int", "bounds": {"min": 1, "max": 100}},
                {"name": "c", "type": "categorical", "categorical_values": ["a", "b", "c"]},
            ],
            "metrics": [{"name": "accuracy", "objective": "maximize"}],
            "observation_budget": observations,
        },
        ai=False,
    )
    experiment = services.experiments.create(issued.client.id, draft).experiment
    rng = random.Random(7)
    for start in range(0, observations, BATCH):
        drafts = []
        for i in range(start, min(start + BATCH, observations)):
            metadata: dict[str, str | float] = {
                "hostname": HOSTS[i % len(HOSTS)],
                "instance_id": f"i-{i % 64:08x}",
            }
            metadata.update({f"m{k:02d}": rng.random() for k in range(metadata_keys - 2)})
            failed = rng.random() < 0.02
            x = rng.random()
            drafts.append(
                ObservationDraft(
                    assignments={"x": x, "n": rng.randint(1, 100), "c": rng.choice("abc")},
                    values=() if failed else (MetricValue("accuracy", x * (1 - x) + rng.random()),),
                    failed=failed,
                    metadata=metadata,
                )
            )
        services.observations.create_batch(issued.client.id, experiment.id, drafts)
    database.dispose()
    return issued.secret, experiment.id


# The plots inside the browser window are drawn, and the browser painted them.
VISIBLE_DRAWN = """() => {
    const plots = [...document.querySelectorAll('#panel-analysis .plot')];
    const inView = plots.filter((node) => {
        const box = node.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight;
    });
    return plots.length > 0 && inView.length > 0 && inView.every((node) => node._fullLayout);
}"""
ALL_DRAWN = (
    "() => ['plot-history','plot-full-history','plot-parallel','plot-scatter']"
    ".every(id => document.getElementById(id)?._fullLayout)"
)
NEXT_PAINT = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def report_one(http: httpx.Client, experiment_id: int, i: int) -> None:
    """A new observation, as a worker reports it: the next analysis answer is computed."""
    metadata: dict[str, str | float] = {"hostname": HOSTS[i % len(HOSTS)], "instance_id": "i-new"}
    metadata.update({f"m{k:02d}": 0.5 for k in range(18)})
    http.post(
        f"/v1/experiments/{experiment_id}/observations",
        json={
            "assignments": {"x": 0.5, "n": 50, "c": "a"},
            "values": [{"name": "accuracy", "value": 0.1}],
            "metadata": metadata,
        },
    ).raise_for_status()


def median_ms(times: list[float]) -> str:
    low, high = min(times) * 1000, max(times) * 1000
    return f"median {statistics.median(times) * 1000:8.1f} ms (min {low:.0f}, max {high:.0f})"


def timed(action: object) -> float:
    began = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - began


def browser_loads(
    api_url: str, http: httpx.Client, token: str, experiment_id: int, loads: int
) -> dict[str, list[float]]:
    """Seconds until the visible plots and until all plots are drawn, for cold and warm loads."""
    from playwright.sync_api import sync_playwright

    found: dict[str, list[float]] = {
        "cold visible": [],
        "cold all": [],
        "warm visible": [],
        "warm all": [],
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(f"{api_url}/signin")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{api_url}/")
        for i in range(loads * 2):
            kind = "cold" if i % 2 == 0 else "warm"
            if kind == "cold":
                report_one(http, experiment_id, 1000 + i)
            # Not timed: tearing down the previous load's charts (WebGL without a GPU is slow
            # to release) belongs to that page, not to opening this one.
            page.goto("about:blank")
            began = time.perf_counter()
            page.goto(f"{api_url}/experiments/{experiment_id}/analysis")
            page.wait_for_selector("#panel-analysis[data-loaded=true]", timeout=60_000)
            page.wait_for_function(VISIBLE_DRAWN, timeout=60_000, polling="raf")
            page.evaluate(NEXT_PAINT)
            found[f"{kind} visible"].append(time.perf_counter() - began)
            page.wait_for_function(ALL_DRAWN, timeout=60_000, polling="raf")
            found[f"{kind} all"].append(time.perf_counter() - began)
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--metadata-keys", type=int, default=20)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dialin-dashboard-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'dialin.db'}"
        began = time.perf_counter()
        token, experiment_id = seed(url, args.observations, args.metadata_keys)
        print(f"seeded {args.observations} observations in {time.perf_counter() - began:.1f} s")
        with server_process(url) as (api_url, _process, _logs):
            path = f"/api/v1/experiments/{experiment_id}/analysis"
            with httpx.Client(base_url=api_url, auth=(token, ""), timeout=120) as http:
                first = timed(lambda: http.get(path).raise_for_status())
                print(f"GET analysis, first after start     {first:8.2f} s")
                cold, warm = [], []
                for i in range(args.loads):
                    report_one(http, experiment_id, i)
                    cold.append(timed(lambda: http.get(path).raise_for_status()))
                    warm.append(timed(lambda: http.get(path).raise_for_status()))
                print(f"GET analysis, cold (new observation) {median_ms(cold)}")
                print(f"GET analysis, warm (cached)          {median_ms(warm)}")
                endpoints = {
                    "experiment": f"/v1/experiments/{experiment_id}",
                    "observations page": f"/v1/experiments/{experiment_id}/observations?limit=50",
                    "experiments page": "/v1/experiments?limit=25",
                }
                for name, other in endpoints.items():
                    times = [
                        timed(lambda p=other: http.get(p).raise_for_status()) for _ in range(5)
                    ]
                    print(f"GET {name:32s} {median_ms(times)}")
                answer = http.get(path).json()
                size = len(http.get(path).content)
                print(
                    f"analysis answer: {size / 1e6:.2f} MB, {answer['point_count']} of "
                    f"{answer['observation_count']} observations, sampled={answer['sampled']}"
                )
                loads = browser_loads(api_url, http, token, experiment_id, args.loads)
    for name, times in loads.items():
        print(
            f"Analysis tab, {name:13s} in Chromium: median {statistics.median(times):.2f} s "
            f"over {len(times)} loads ({', '.join(f'{t:.2f}' for t in times)})"
        )
    opened = statistics.median(loads["cold visible"])
    verdict = "meets" if opened < GOAL_S else "MISSES"
    print(f"goal: a cold load opens in < {GOAL_S:.0f} s: {verdict} ({opened:.2f} s)")
    return 0 if opened < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
