"""An AI experiment's plots from its runs: the metric against run number with the best so far,
and parallel coordinates of the parameters coloured by the metric.

``.html`` files are standalone Plotly pages (the Plotly bundle is inlined: no network to view
them); ``.png`` files are drawn with matplotlib, from the ``plots`` extra, so the core install
stays light (Plotly's static export, kaleido, would download a browser).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialin.errors import DialinError, InvalidField
from dialin.orchestrate.optimize import objective_of

__all__ = ["ExperimentHistory", "write_plots"]

_EXTRA = "pip install 'dialin[plots]'"


@dataclass(frozen=True)
class ExperimentHistory:
    """Finished runs in creation order. ``values[i]`` is None for a failed run."""

    name: str
    metric: str
    maximize: bool
    parameters: tuple[str, ...]
    run_ids: tuple[str, ...]
    values: tuple[float | None, ...]
    assignments: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(
        cls, experiment: Mapping[str, Any], runs: Sequence[Mapping[str, Any]]
    ) -> ExperimentHistory:
        metric, maximize = objective_of(experiment)
        finished = [r for r in runs if r.get("state") in ("completed", "failed")]
        return cls(
            name=str(experiment.get("name")),
            metric=metric,
            maximize=maximize,
            parameters=tuple(p["name"] for p in experiment.get("parameters", [])),
            run_ids=tuple(str(r["id"]) for r in finished),
            values=tuple(
                (r.get("values") or {}).get(metric, {}).get("value")
                if r.get("state") == "completed"
                else None
                for r in finished
            ),
            assignments=tuple(dict(r.get("assignments") or {}) for r in finished),
        )

    def best_so_far(self) -> list[float | None]:
        best: float | None = None
        trace: list[float | None] = []
        for value in self.values:
            if value is not None and (
                best is None or (value > best if self.maximize else value < best)
            ):
                best = value
            trace.append(best)
        return trace

    def measured(self) -> list[int]:
        """Indexes of the runs that have a value."""
        return [i for i, v in enumerate(self.values) if v is not None]


def write_plots(history: ExperimentHistory, target: Path) -> None:
    if not history.measured():
        raise DialinError(f"no finished run of {history.name!r} has a {history.metric} value yet")
    suffix = target.suffix.lower()
    if suffix == ".html":
        _write_html(history, target)
    elif suffix == ".png":
        _write_png(history, target)
    else:
        raise InvalidField("output", f"{target}: plots are written as .png or .html files")


def _numeric(history: ExperimentHistory, name: str, rows: Sequence[int]) -> list[float] | None:
    values = [history.assignments[i].get(name) for i in rows]
    if all(isinstance(v, int | float) for v in values):
        return [float(v) for v in values if v is not None]
    return None


def _write_html(history: ExperimentHistory, target: Path) -> None:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as error:
        raise DialinError("writing .html plots needs Plotly: pip install plotly") from error
    rows = history.measured()
    numbers = list(range(1, len(history.values) + 1))
    figure = make_subplots(
        rows=2,
        cols=1,
        specs=[[{"type": "xy"}], [{"type": "domain"}]],
        subplot_titles=(f"{history.metric} by run", "parameters"),
        vertical_spacing=0.15,
    )
    figure.add_trace(
        go.Scatter(
            x=[numbers[i] for i in rows],
            y=[history.values[i] for i in rows],
            mode="markers",
            name=history.metric,
            text=[f"run {history.run_ids[i]}" for i in rows],
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(x=numbers, y=history.best_so_far(), mode="lines", name="best so far"),
        row=1,
        col=1,
    )
    dimensions = []
    for name in history.parameters:
        values = _numeric(history, name, rows)
        if values is not None:
            dimensions.append({"label": name, "values": values})
    dimensions.append({"label": history.metric, "values": [history.values[i] for i in rows]})
    figure.add_trace(
        go.Parcoords(
            line={"color": [history.values[i] for i in rows], "showscale": True},
            dimensions=dimensions,
            domain={"x": [0, 1], "y": [0, 0.42]},
        )
    )
    figure.update_layout(title=history.name, height=900)
    figure.update_xaxes(title_text="run", row=1, col=1)
    figure.write_html(str(target), include_plotlyjs=True, full_html=True)


def _write_png(history: ExperimentHistory, target: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError as error:
        raise DialinError(f"writing .png plots needs matplotlib: {_EXTRA}") from error
    rows = history.measured()
    numbers = list(range(1, len(history.values) + 1))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 9))
    top.scatter([numbers[i] for i in rows], [history.values[i] for i in rows], label=history.metric)
    top.step(
        numbers,
        [float("nan") if b is None else b for b in history.best_so_far()],
        where="post",
        color="tab:orange",
        label="best so far",
    )
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_xlabel("run")
    top.set_ylabel(history.metric)
    top.set_title(f"{history.name}: {history.metric} by run")
    top.legend()
    axes = [n for n in history.parameters if _numeric(history, n, rows) is not None]
    columns = [
        *(_numeric(history, n, rows) or [] for n in axes),
        [float(history.values[i] or 0.0) for i in rows],
    ]
    labels = [*axes, history.metric]
    scaled = [_unit(column) for column in columns]
    colours = plt.get_cmap("viridis")(_unit(columns[-1]))
    for index in range(len(rows)):
        bottom.plot(
            range(len(labels)),
            [column[index] for column in scaled],
            color=colours[index],
            alpha=0.8,
        )
    bottom.set_xticks(range(len(labels)), labels)
    bottom.set_yticks([0, 1], ["min", "max"])
    bottom.set_title("parallel coordinates (each axis scaled to its range)")
    figure.tight_layout()
    figure.savefig(target, dpi=100)
    plt.close(figure)


def _unit(column: Sequence[float]) -> list[float]:
    low, high = min(column), max(column)
    span = high - low
    return [0.5 if span == 0 else (v - low) / span for v in column]
