/* One AI experiment: Summary (definition, budget, trial states, best runs), Runs (paged table)
   and Curves (metric curves of a bounded number of runs), each at /aiexperiments/{id}/{tab}. */
"use strict";
(() => {
  const { api, el, table, number, time, pairs, badge } = dialin;
  const root = document.getElementById("aiexperiment");
  const id = root.dataset.experiment;
  const base = `/v1/aiexperiments/${id}`;
  const PAGE = 25;
  // Curves are drawn for the most recent runs and the best ones, never for thousands.
  const CURVE_RUNS = 20;
  let experiment = null;
  const runs = { marker: null, paging: {} };
  const curves = { metric: null, group: "" };

  function runLink(run) {
    return el("span", {}, el("a", { href: `/runs/${run.id}` }, run.name || `Run ${run.id}`), " ", el("small", { class: "muted" }, `#${run.id}`), run.deleted ? [" ", badge("archived")] : null);
  }

  function valuesText(run) {
    const entries = Object.values(run.values || {});
    if (!entries.length) return "—";
    return entries.map((v) => `${v.name}: ${number(v.value)}`).join(", ");
  }

  function budget() {
    const p = experiment.progress || {};
    const total = p.total_run_count || 0;
    if (!experiment.budget) return `${total} runs (no budget)`;
    return el(
      "span",
      {},
      el("progress", { max: experiment.budget, value: Math.min(total, experiment.budget), "aria-label": "budget used" }),
      ` ${total} of ${experiment.budget} runs (${Math.round((100 * total) / experiment.budget)}%)`,
    );
  }

  function tally(states) {
    const entries = Object.entries(states.counts);
    if (!entries.length) {
      return el("p", { class: "empty" }, "No runs yet: start one with sigopt.create_experiment(...).loop() or experiment.create_run().");
    }
    return el(
      "div",
      {},
      el("ul", { class: "tally" }, entries.map(([state, count]) => el("li", { "data-state": state }, badge(state), ` ${count}`))),
      el("p", { class: "muted" }, `${states.total} run${states.total === 1 ? "" : "s"}, ${states.restarts} restart${states.restarts === 1 ? "" : "s"} in all`),
    );
  }

  async function drawSummary() {
    const [states, best] = await Promise.all([
      api(`/api/v1/experiments/${id}/trial_states`),
      api(`${base}/best_training_runs?limit=10`),
    ]);
    const p = experiment.progress || {};
    const metricNames = experiment.metrics.map((m) => m.name);
    document.getElementById("panel-summary").replaceChildren(
      el(
        "div",
        { class: "grid" },
        el(
          "section",
          { class: "card" },
          el("h2", {}, "Overview"),
          dialin.facts([
            ["State", badge(experiment.state)],
            ["Budget", budget()],
            ["Active runs", String(p.active_run_count ?? 0)],
            ["Finished runs", String(p.finished_run_count ?? 0)],
            ["Remaining budget", p.remaining_budget ?? "—"],
            ["Parallel bandwidth", experiment.parallel_bandwidth ?? "—"],
            ["Project", experiment.project ? el("a", { href: `/projects/${encodeURIComponent(experiment.project)}` }, experiment.project) : "—"],
            ["Created", time(experiment.created)],
            ["Updated", time(experiment.updated)],
          ]),
        ),
        el("section", { class: "card", id: "trial-states" }, el("h2", {}, "Trial states"), tally(states)),
      ),
      el(
        "section",
        { class: "card", id: "best-runs" },
        el("h2", {}, best.count > 1 ? "Best runs" : "Best run"),
        table(
          ["Run", "State", "Assignments", ...metricNames],
          best.data.map((run) => [runLink(run), badge(run.state), pairs(run.assignments), ...metricNames.map((name) => (run.values[name] ? run.values[name].value : null))]),
          { empty: "No best run yet: it appears once a run finishes with its metric values." },
        ),
      ),
      el(
        "div",
        { class: "grid" },
        el("section", { class: "card" }, el("h2", {}, "Parameters"),
          table(["Name", "Type", "Values", "Transformation"], experiment.parameters.map(dialin.parameterRow))),
        el("section", { class: "card" }, el("h2", {}, "Metrics"),
          table(["Name", "Objective", "Strategy", "Threshold"], experiment.metrics.map((m) => [m.name, m.objective, m.strategy, m.threshold]))),
      ),
    );
  }

  function pager() {
    const older = el("button", { type: "button", class: "secondary", disabled: !runs.paging.before, onclick: () => { runs.marker = { kind: "before", value: runs.paging.before }; drawRuns(); } }, "Older →");
    const newer = el("button", { type: "button", class: "secondary", disabled: !runs.marker || !runs.paging.after, onclick: () => { runs.marker = { kind: "after", value: runs.paging.after }; drawRuns(); } }, "← Newer");
    return el("nav", { class: "pager", "aria-label": "Run pages" }, newer, older);
  }

  async function drawRuns() {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (runs.marker) params.set(runs.marker.kind, runs.marker.value);
    const page = await api(`${base}/training_runs?${params}`);
    runs.paging = page.paging;
    const ids = page.data.map((r) => r.id).join(",");
    const listed = ids ? await api(`/api/v1/trials?ids=${ids}`) : { data: [] };
    const trials = new Map(listed.data.map((t) => [String(t.id), t]));
    const rows = page.data.map((run) => {
      const trial = trials.get(String(run.id));
      return el(
        "tr",
        { "data-run": run.id },
        el("td", {}, runLink(run)),
        el("td", { class: "trial-state" }, badge(trial ? trial.state : run.state)),
        el("td", { class: "num" }, trial ? String(trial.restarts) : "—"),
        el("td", {}, pairs(run.assignments)),
        el("td", { class: "values" }, valuesText(run)),
        el("td", {}, time(run.created)),
        el("td", {}, time(run.updated)),
      );
    });
    document.getElementById("panel-runs").replaceChildren(
      table(["Run", "Trial state", "Restarts", "Assignments", "Values", "Created", "Updated"], rows, {
        caption: `${page.count} run${page.count === 1 ? "" : "s"}`,
        empty: "No runs yet: each run of experiment.loop() or experiment.create_run() appears here.",
      }),
      pager(),
    );
  }

  /* The card is built once and then updated, so a refresh never takes the focus off a picker. */
  function curvesCard(container) {
    let card = document.getElementById("curves-card");
    if (card) return card;
    const groupPicker = el(
      "span",
      { class: "picker" },
      el("label", { for: "curves-group" }, "Group"),
      el(
        "select",
        { id: "curves-group", onchange: (event) => { curves.group = event.target.value; drawCurves(); } },
        [["", "all groups"], ["validation", "validation"], ["training", "training"]].map(([value, label]) => el("option", { value, selected: value === curves.group }, label)),
      ),
    );
    card = el(
      "section",
      { class: "card", id: "curves-card" },
      el("h2", {}, "Metric curves"),
      el("div", { class: "controls" }, el("span", { id: "curves-metric-box" }), groupPicker),
      el("p", { class: "notice", id: "curves-sampled", hidden: true }),
      el("p", { class: "empty", id: "curves-empty", hidden: true }, "No metric reports yet: runs report them by group and step with dialin.log_metric(name, value, step=..., group=\"training\")."),
      el("div", { id: "plot-curves", class: "plot", role: "img", "aria-label": "Metric by step for each run and group" }),
    );
    container.replaceChildren(card);
    return card;
  }

  async function drawCurves() {
    const [recent, best] = await Promise.all([
      api(`${base}/training_runs?limit=${CURVE_RUNS}`),
      api(`${base}/best_training_runs?limit=10`),
    ]);
    const chosen = new Map([...best.data, ...recent.data].map((r) => [String(r.id), r]));
    const container = document.getElementById("panel-curves");
    if (!chosen.size) {
      container.replaceChildren(el("p", { class: "empty" }, "No runs yet: curves appear once runs report metrics by group and step (dialin.log_metric(name, value, step=...))."));
      return;
    }
    const params = new URLSearchParams({ trials: [...chosen.keys()].join(",") });
    if (curves.group) params.set("group", curves.group);
    const answer = await api(`/api/v1/experiments/${id}/metric_curves?${params}`);
    const series = answer.data.map((c) => ({ label: chosen.get(String(c.trial_id)).name || `Run ${c.trial_id}`, reports: c.reports }));
    const names = dialinCurves.metricNames(answer.data.flatMap((c) => c.reports));
    const optimized = experiment.metrics.map((m) => m.name).find((name) => names.includes(name));
    if (!names.includes(curves.metric)) curves.metric = optimized || names[0] || null;
    curvesCard(container);
    const box = document.getElementById("curves-metric-box");
    if (box.dataset.names !== names.join("\n")) {
      box.dataset.names = names.join("\n");
      box.replaceChildren(names.length ? dialinCurves.picker("curves-metric", names, curves.metric, (name) => { curves.metric = name; drawCurves(); }) : "");
    }
    const notes = [];
    if (recent.count > chosen.size) notes.push(`Curves of ${answer.data.length} of ${recent.count} runs: the ${CURVE_RUNS} most recent and the best ones.`);
    if (answer.data.some((c) => c.sampled)) notes.push("Long curves are thinned to evenly spaced points.");
    const notice = document.getElementById("curves-sampled");
    notice.textContent = notes.join(" ");
    notice.hidden = !notes.length;
    document.getElementById("curves-empty").hidden = names.length > 0;
    const plot = document.getElementById("plot-curves");
    plot.hidden = !names.length;
    if (names.length) await dialinCurves.draw(plot, dialinCurves.traces(series, curves.metric), curves.metric);
  }

  const draw = { summary: drawSummary, runs: drawRuns, curves: drawCurves };

  async function loadExperiment() {
    experiment = await api(base);
    document.getElementById("experiment-name").textContent = experiment.name;
    document.title = `${experiment.name} · dialin`;
  }

  const view = dialin.tabs(`/aiexperiments/${id}`, draw, root.dataset.tab);

  (async () => {
    try {
      await loadExperiment();
    } catch (error) {
      dialin.message(view.panel(view.current()), `Could not load the AI experiment: ${error.message}`);
      return;
    }
    await view.show(view.current());
    if (experiment.state !== "active") return;
    document.getElementById("live").textContent = "Live: refreshes every 5 s";
    dialin.poll(async () => {
      await loadExperiment();
      const current = view.current();
      // The runs table refreshes only on its first page, so paging through it is not disturbed.
      if (current !== "runs" || !runs.marker) await draw[current]();
    }, 5);
  })();
})();
