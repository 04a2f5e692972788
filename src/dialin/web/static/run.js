/* One training run: its state, assignments, values and metadata, and its checkpoints. */
"use strict";
(() => {
  const { api, el, table, number, time, pairs, message } = dialin;
  const id = document.getElementById("run").dataset.run;
  const body = document.getElementById("run-body");

  function values(run) {
    return Object.entries(run.values || {}).map(([name, v]) => [name, v.value, v.value_stddev]);
  }

  async function draw() {
    const [run, checkpoints] = await Promise.all([
      api(`/v1/training_runs/${id}`),
      api(`/v1/training_runs/${id}/checkpoints?limit=1000`),
    ]);
    document.getElementById("run-name").textContent = run.name || `Run ${id}`;
    const experiment = run.experiment
      ? el("a", { href: `/experiments/${run.experiment}/summary` }, run.experiment)
      : "—";
    body.replaceChildren(
      el(
        "div",
        { class: "grid" },
        el(
          "section",
          { class: "card" },
          el("h2", {}, "Overview"),
          el(
            "dl",
            { class: "facts" },
            [
              ["State", run.state],
              ["Project", run.project ? el("a", { href: `/projects/${encodeURIComponent(run.project)}` }, run.project) : "—"],
              ["Experiment", experiment],
              ["Created", time(run.created)],
              ["Updated", time(run.updated)],
              ["Completed", time(run.completed)],
              ["Assignments", pairs(run.assignments)],
            ].map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
          ),
        ),
        el(
          "section",
          { class: "card" },
          el("h2", {}, "Values"),
          table(["Metric", "Value", "Std. dev."], values(run), { empty: "No values logged yet." }),
          el("h2", {}, "Metadata"),
          table(["Key", "Value"], Object.entries(run.metadata || {}), { empty: "No metadata." }),
        ),
      ),
    );
    const points = [...checkpoints.data].sort((a, b) => Number(a.id) - Number(b.id));
    const names = [...new Set(points.flatMap((c) => (c.values || []).map((v) => v.name)))];
    const traces = names.map((name) => ({
      type: "scatter",
      mode: "lines+markers",
      name,
      x: points.map((_, i) => i + 1),
      y: points.map((c) => ((c.values || []).find((v) => v.name === name) || {}).value ?? null),
    }));
    const layout = { height: 320, margin: { l: 56, r: 16, t: 16, b: 48 }, xaxis: { title: { text: "checkpoint" } } };
    Plotly.react("plot-checkpoints", traces, layout, { responsive: true, displaylogo: false });
    document.getElementById("checkpoints").replaceChildren(
      table(
        ["Checkpoint", "Created", "Values", "Metadata"],
        points.map((c, i) => [i + 1, time(c.created), (c.values || []).map((v) => `${v.name}: ${number(v.value)}`).join(", "), pairs(c.metadata)]),
        { empty: "No checkpoints yet: log them with sigopt.log_checkpoint({...})." },
      ),
    );
    document.getElementById("run").dataset.loaded = "true";
    return run;
  }

  (async () => {
    let run;
    try {
      run = await draw();
    } catch (error) {
      message(body, `Could not load the run: ${error.message}`);
      return;
    }
    if (run.state === "active") {
      document.getElementById("live").textContent = "Live: refreshes every 5 s";
      dialin.poll(draw, 5);
    }
  })();
})();
