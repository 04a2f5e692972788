"""Optimizer quality: dialin's ``propose`` against random search, Optuna TPE and GP, sigoptlite and
scikit-optimize on a suite of analytic and model-tuning problems.

    bash bench/setup_quality_env.sh                       # once: one virtualenv per peer family
    python bench/optimizer_quality.py --quick             # 4 problems, budget 20, 2 seeds
    python bench/optimizer_quality.py --jobs 2            # everything: 5 seeds, budget 80
    python bench/optimizer_quality.py --calibrate         # best-known values for model tuning

Each (peer, problem, seed) is one trace of ``--budget`` evaluations, cached as JSON, so a run that
is stopped continues where it was; the budgets 20 and 40 are read off the same traces. See
bench/README.md for the protocol and the numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peers.environments import BENCH_DIR, SOURCE_DIR, availability, run_single_threaded
from peers.registry import PEERS, REFERENCE_PEER
from peers.trace_cache import (
    SOURCE_PEERS,
    TraceTask,
    cached_trace,
    run_and_store,
    source_fingerprint,
)
from problems.calibration import calibrate, load_calibrated, save_calibrated
from problems.scoring import LAG, ProblemScore, score_problem
from problems.suite import QUICK_PROBLEMS, all_problems, problems_named
from problems.summary import summarize

REPORTED_BUDGETS = (20, 40, 80)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    console = Console()
    if not console.is_terminal:
        # Piped into a file, Rich would wrap the regret table at 80 columns.
        console = Console(width=170)
    if args.calibrate:
        _calibrate(args, console)
        return 0
    started = time.perf_counter()
    problems = problems_named(args.problems)
    peers, unavailable = _resolve_peers(args.peers)
    if REFERENCE_PEER not in peers:
        console.print(f"[yellow]{REFERENCE_PEER} is not available: regrets cannot be normalized")
        return 2
    budgets = sorted({b for b in REPORTED_BUDGETS if b <= args.budget} | {args.budget})
    source_python = next((peers[p] for p in SOURCE_PEERS if p in peers), None)
    fingerprint = source_fingerprint(source_python) if source_python else ""
    tasks = [
        TraceTask(peer, python, problem.name, seed, args.budget, args.cache, fingerprint)
        for problem in problems
        for peer, python in peers.items()
        for seed in range(args.seeds)
    ]
    traces, errors = _run_all(tasks, args.jobs, args.fresh, args.report_only, console)
    scores = _score(problems, list(peers), traces, budgets)
    summary = summarize(scores, list(peers), budgets)
    wall_seconds = time.perf_counter() - started
    peer_info = _peer_info(peers, unavailable, traces)
    print_report(console, scores, peer_info, summary, budgets, errors, wall_seconds)
    results = {
        "config": {
            "problems": [p.name for p in problems],
            "peers": list(peers),
            "budgets": budgets,
            "seeds": args.seeds,
            "jobs": args.jobs,
            "dialin_source": str(SOURCE_DIR),
            "dialin_commit": _git_commit(),
            "dialin_source_fingerprint": fingerprint,
        },
        "peers": peer_info,
        "problems": {s.problem: _score_json(s) for s in scores},
        "summary": summary,
        "errors": errors,
        "wall_seconds": wall_seconds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"results: {args.out}   traces: {args.cache}")
    return 1 if errors else 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--problems", help="comma-separated names (default: all)")
    parser.add_argument("--peers", help=f"comma-separated, from {', '.join(PEERS)} (default: all)")
    parser.add_argument("--budget", type=int, help="evaluations per trace (default 80)")
    parser.add_argument("--seeds", type=int, help="seeds per peer and problem (default 5)")
    parser.add_argument("--jobs", type=int, default=1, help="traces run at once (default 1)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 4 problems, budget 20, 2 seeds"
    )
    parser.add_argument(
        "--out", type=Path, default=BENCH_DIR / "results" / "optimizer_quality.json"
    )
    parser.add_argument(
        "--cache", type=Path, help="trace cache (default: quality_traces beside --out)"
    )
    parser.add_argument("--fresh", action="store_true", help="ignore cached traces")
    parser.add_argument(
        "--report-only", action="store_true", help="report the cached traces, run nothing"
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="search best-known values, then exit"
    )
    parser.add_argument("--calibrate-evaluations", type=int, default=400)
    args = parser.parse_args(argv)
    if args.quick:
        args.problems = args.problems or ",".join(QUICK_PROBLEMS)
        args.budget = args.budget or 20
        args.seeds = args.seeds or 2
    args.budget = args.budget or max(REPORTED_BUDGETS)
    args.seeds = args.seeds or 5
    args.problems = args.problems.split(",") if args.problems else list(all_problems())
    args.peers = args.peers.split(",") if args.peers else list(PEERS)
    args.cache = args.cache or args.out.parent / "quality_traces"
    unknown = [p for p in args.peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers {unknown}; known: {list(PEERS)}")
    return args


def _resolve_peers(names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Available peers with their interpreters, and unavailable ones with the reason."""
    if REFERENCE_PEER not in names:
        names = [REFERENCE_PEER, *names]
    available, unavailable = {}, {}
    for name in names:
        found = availability(PEERS[name])
        if found.python is None:
            unavailable[name] = found.reason or "unavailable"
        else:
            available[name] = found.python
    return available, unavailable


def _run_all(
    tasks: list[TraceTask], jobs: int, fresh: bool, report_only: bool, console: Console
) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], list[dict[str, Any]]]:
    traces: dict[tuple[str, str], list[dict[str, Any]]] = {}
    errors: list[dict[str, Any]] = []
    to_run = []
    for task in tasks:
        cached = None if fresh else cached_trace(task, shorter=report_only)
        if cached is not None:
            traces.setdefault((task.peer, task.problem), []).append(cached)
        elif not report_only:
            to_run.append(task)
    done = sum(len(ts) for ts in traces.values())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task(f"traces ({done} cached)", total=done + len(to_run), last="")
        progress.advance(bar, done)
        with ProcessPoolExecutor(max(1, jobs), initializer=run_single_threaded) as pool:
            futures = [pool.submit(run_and_store, task) for task in to_run]
            for future in as_completed(futures):
                task, trace, error = future.result()
                if trace is not None:
                    traces.setdefault((task.peer, task.problem), []).append(trace)
                else:
                    errors.append(
                        {
                            "peer": task.peer,
                            "problem": task.problem,
                            "seed": task.seed,
                            "error": error,
                        }
                    )
                    console.print(
                        f"[red]{task.peer} on {task.problem} seed {task.seed} failed:[/] {error}"
                    )
                progress.update(bar, advance=1, last=f"{task.peer} {task.problem} s{task.seed}")
    return traces, errors


def _score(
    problems: list[Any],
    peers: list[str],
    traces: dict[tuple[str, str], list[dict[str, Any]]],
    budgets: list[int],
) -> list[ProblemScore]:
    calibrated = load_calibrated()
    scores = []
    for problem in problems:
        by_peer = {p: traces[(p, problem.name)] for p in peers if traces.get((p, problem.name))}
        if REFERENCE_PEER in by_peer:
            scores.append(
                score_problem(
                    problem, by_peer, budgets, REFERENCE_PEER, calibrated.get(problem.name)
                )
            )
    return scores


def print_report(
    console: Console,
    scores: list[ProblemScore],
    peer_info: dict[str, dict[str, Any]],
    summary: dict[str, Any],
    budgets: list[int],
    errors: list[dict[str, Any]],
    wall_seconds: float,
) -> None:
    peers = [p for p, info in peer_info.items() if info["available"]]
    console.print(_peer_table(peer_info))
    regrets = Table(title="Median normalized regret (0 = optimum, 1 = random search's median)")
    for column in ("problem", "optimum (source)", "n", *peers):
        regrets.add_column(column, justify="left" if column == "problem" else "right")
    for score in scores:
        for budget in budgets:
            row = {p: score.median_regret.get(p, {}).get(budget) for p in peers}
            best = min(
                (v for p, v in row.items() if p != "dialin_parallel" and v is not None),
                default=math.nan,
            )
            optimum = (
                f"{score.optimum:.5g} ({score.optimum_source})" if budget == budgets[0] else ""
            )
            regrets.add_row(
                score.problem if budget == budgets[0] else "",
                optimum,
                str(budget),
                *(_regret_cell(row.get(p), best) for p in peers),
                end_section=budget == budgets[-1],
            )
    console.print(regrets)
    console.print(_summary_table(summary, peers, budgets))
    for line in _summary_lines(summary):
        console.print(line)
    if errors:
        console.print(f"[red]{len(errors)} traces failed; see the logs beside the trace cache")
    console.print(f"wall time {wall_seconds:.0f} s")


def _peer_table(peer_info: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Peers")
    for column in ("peer", "status", "versions", "traces", "s / proposal"):
        table.add_column(column)
    for name, info in peer_info.items():
        if not info["available"]:
            table.add_row(name, f"[red]unavailable[/]: {info['reason']}", "", "", "")
            continue
        versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        seconds = info["mean_propose_seconds"]
        table.add_row(
            name, "ok", versions, str(info["traces"]), "" if seconds is None else f"{seconds:.2f}"
        )
    return table


def _regret_cell(value: float | None, best: float) -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    text = f"{value:.3f}" if value < 100 else f"{value:.3g}"
    return f"[bold green]{text}[/]" if value == best else text


def _summary_table(summary: dict[str, Any], peers: list[str], budgets: list[int]) -> Table:
    table = Table(
        title="Summary: mean rank (1 = best; all peers with traces at the budget, on the "
        "problems all of them ran, and apart the peers that ran every problem) and dialin's "
        "wins/ties/losses per budget"
    )
    table.add_column("peer")
    for budget in budgets:
        table.add_column(f"rank @{budget} ({summary['ranked_problems'][budget]})", justify="right")
    for budget in budgets:
        coverage = summary["full_coverage"][budget]
        table.add_column(f"rank, all @{budget} ({coverage['problems']})", justify="right")
    for budget in budgets:
        table.add_column(f"dialin W/T/L @{budget}", justify="right")
    wins = summary.get("dialin_wins", {})
    ranked = {p for b in budgets for p in summary["mean_rank"][b]}
    for peer in (p for p in peers if p in ranked):
        ranks = [summary["mean_rank"][b].get(peer) for b in budgets]
        full = [summary["full_coverage"][b]["mean_rank"].get(peer) for b in budgets]
        record = [wins.get(peer, {}).get(b) for b in budgets]
        table.add_row(
            peer,
            *("" if r is None else f"{r:.2f}" for r in ranks),
            *("" if r is None else f"{r:.2f}" for r in full),
            *("" if c is None else f"{c['wins']}/{c['ties']}/{c['losses']}" for c in record),
        )
    return table


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    for budget, share in summary.get("dialin_beats_tpe_share", {}).items():
        if share is not None:
            lines.append(f"dialin beats TPE on {share:.0%} of problems at budget {budget}")
    for budget, means in summary.get("geomean_regret_vs_sigoptlite", {}).items():
        lines.append(
            f"geometric mean regret at {budget} over {means['problems']} problems: "
            f"dialin {means['dialin']:.3f}, sigoptlite {means['sigoptlite']:.3f}"
        )
    for budget, loss in summary.get("parallel_vs_sequential", {}).items():
        if loss["ratio"] is not None:
            lines.append(
                f"4 parallel workers vs sequential at {budget}: geometric mean regret "
                f"{loss['dialin_parallel']:.3f} vs {loss['dialin']:.3f} (x{loss['ratio']:.2f}), "
                f"worse on {loss['parallel_worse_on']} of {loss['problems']} problems; "
                f"sequential {LAG} evaluations earlier {loss['lagged']:.3f} "
                f"(x{loss['lag_ratio']:.2f})"
            )
        if loss["ratio"] is not None and loss["evaluations_ratio"] is not None:
            unmatched = loss["evaluations_unmatched"]
            lines.append(
                f"  in evaluations: parallel runs need {'at least ' if unmatched else ''}"
                f"x{loss['evaluations_ratio']:.2f} as many to match sequential's median at "
                f"{budget} (the wait alone: x{(budget + LAG) / budget:.2f})"
                + (
                    f"; unmatched within the traces on {unmatched} of {loss['problems']}"
                    if unmatched
                    else ""
                )
            )
    return lines


def _peer_info(
    peers: dict[str, str],
    unavailable: dict[str, str],
    traces: dict[tuple[str, str], list[dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    info: dict[str, dict[str, Any]] = {}
    for name in PEERS:
        if name in unavailable:
            info[name] = {"available": False, "reason": unavailable[name]}
        if name not in peers:
            continue
        own = [t for (peer, _), ts in traces.items() if peer == name for t in ts]
        seconds = [e["propose_seconds"] for t in own for e in t["evaluations"]]
        info[name] = {
            "available": True,
            "versions": own[0]["versions"] if own else {},
            "mean_propose_seconds": sum(seconds) / len(seconds) if seconds else None,
            "traces": len(own),
        }
    return info


def _score_json(score: ProblemScore) -> dict[str, Any]:
    return {
        "optimum": score.optimum,
        "optimum_source": score.optimum_source,
        "median_regret": score.median_regret,
        "lagged_regret": score.lagged_regret,
        "seeds": score.seeds,
    }


def _git_commit() -> str | None:
    result = subprocess.run(
        ["git", "-C", str(SOURCE_DIR.parent), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or None


def _calibrate(args: argparse.Namespace, console: Console) -> None:
    targets = [p for p in problems_named(args.problems) if p.optimum is None]
    local = args.calibrate_evaluations // 2
    random_evaluations = args.calibrate_evaluations - local
    entries = {}
    with ProcessPoolExecutor(max(1, args.jobs), initializer=run_single_threaded) as pool:
        futures = {
            pool.submit(_calibrate_one, p.name, random_evaluations, local): p.name for p in targets
        }
        for future in as_completed(futures):
            name = futures[future]
            entries[name] = future.result()
            console.print(f"{name}: {entries[name]['value']:.6g}")
    save_calibrated(entries)


def _calibrate_one(name: str, random_evaluations: int, local: int) -> dict[str, Any]:
    return calibrate(all_problems()[name], random_evaluations, local)


if __name__ == "__main__":
    sys.exit(main())
