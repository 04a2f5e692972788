/* Metric curves from trial metric reports (/api/v1): one line per run and group over steps.
   Shared by the run page and the AI-experiment page. */
"use strict";
const dialinCurves = (() => {
  const { el } = dialin;
  const DASH = { validation: "solid", training: "dot" };

  /* A report value as a number; null for strings, booleans and non-finite values. */
  function numeric(value) {
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }

  /* Every metric that has at least one numeric value, sorted by name. */
  function metricNames(reports) {
    const names = new Set();
    for (const report of reports) {
      for (const [name, value] of Object.entries(report.metrics || {})) {
        if (numeric(value) !== null) names.add(name);
      }
    }
    return [...names].sort();
  }

  // Plotly's own palette: one color per run, so a run's groups read as one run.
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  /* Lines of one metric: `series` is [{label, reports}]; a line per label and group, colored by
     series when there are several (groups differ by dash), else by group. */
  function traces(series, metric) {
    const lines = [];
    for (const [index, { label, reports }] of series.entries()) {
      const groups = [...new Set(reports.map((r) => r.group))].sort().reverse();
      for (const group of groups) {
        const points = reports.filter((r) => r.group === group && numeric((r.metrics || {})[metric]) !== null);
        if (!points.length) continue;
        const color = series.length > 1 ? COLORS[index % COLORS.length] : COLORS[lines.length % COLORS.length];
        lines.push({
          type: "scatter",
          mode: points.length > 1 ? "lines+markers" : "markers",
          name: label ? `${label} · ${group}` : group,
          meta: group,
          legendgroup: label || group,
          line: { dash: DASH[group] || "dash", color },
          marker: { color },
          x: points.map((r, i) => r.steps_completed ?? i + 1),
          y: points.map((r) => r.metrics[metric]),
        });
      }
    }
    return lines;
  }

  /* A labelled metric picker; calls `onchange(name)`. */
  function picker(id, names, selected, onchange) {
    return el(
      "span",
      { class: "picker" },
      el("label", { for: id }, "Metric"),
      el(
        "select",
        { id, onchange: (event) => onchange(event.target.value) },
        names.map((name) => el("option", { value: name, selected: name === selected }, name)),
      ),
    );
  }

  function draw(node, lines, metric) {
    const layout = {
      height: 380,
      margin: { l: 64, r: 16, t: 16, b: 48 },
      xaxis: { title: { text: "steps completed" } },
      yaxis: { title: { text: metric } },
      legend: { orientation: "h", y: -0.2 },
    };
    return Plotly.react(node, lines, layout, { responsive: true, displaylogo: false });
  }

  return { numeric, metricNames, traces, picker, draw };
})();
