/* One experiment: Summary, Analysis, Suggestions and History tabs, each at its own URL
   (/experiments/{id}/{tab}), switched without a reload and refreshed every few seconds. */
"use strict";
(() => {
  const { api, el, table, cell, number, time, age, pairs, message } = dialin;
  const root = document.getElementById("experiment");
  const id = root.dataset.experiment;
  const base = `/v1/experiments/${id}`;
  const PAGE = 50;
  let experiment = null;
  const tab = root.dataset.tab;
  const state = {
    suggestions: { marker: null, openOnly: false, paging: {} },
    history: { marker: null, failedOnly: false, paging: {} },
  };

  function panel(name) {
    return document.getElementById(`panel-${name}`);
  }

  function assignments(values) {
    return pairs(values);
  }

  function valuesText(observation) {
    if (observation.failed) return "failed";
    return (observation.values || [])
      .map((v) => (v.name ? `${v.name}: ` : "") + number(v.value) + (v.value_stddev != null ? ` ± ${number(v.value_stddev)}` : ""))
      .join(", ");
  }

  function progressBar() {
    const count = experiment.progress ? experiment.progress.observation_count : 0;
    const budget = experiment.observation_budget;
    if (!budget) return `${count} observations (no budget)`;
    return el(
      "span",
      {},
      el("progress", { max: budget, value: Math.min(count, budget), "aria-label": "budget consumed" }),
      ` ${count} of ${budget} observations (${Math.round((100 * count) / budget)}%)`,
    );
  }

  function bestTitle(count) {
    const optimized = experiment.metrics.filter((m) => m.strategy !== "constraint").length;
    if (optimized >= 2) return "Pareto front";
    if (experiment.num_solutions && experiment.num_solutions > 1) return `Best solutions (num_solutions = ${experiment.num_solutions})`;
    return count > 1 ? "Best assignments" : "Best assignment";
  }

  async function drawSummary() {
    const [best, open, analysis] = await Promise.all([
      api(`${base}/best_assignments`),
      api(`${base}/suggestions?state=open&limit=1`),
      // The same request as the Analysis tab, so the server computes the history once for both.
      api(`/api/v1/experiments/${id}/analysis`),
    ]);
    const metricNames = experiment.metrics.map((m) => m.name || "value");
    const reporters = analysis.reporters;
    const now = Date.now() / 1000;
    panel("summary").replaceChildren(
      el(
        "div",
        { class: "grid" },
        el(
          "section",
          { class: "card" },
          el("h2", {}, "Overview"),
          dialin.facts([
            ["Type", experiment.type],
            ["State", experiment.state],
            ["Progress", progressBar()],
            ["Failed observations", String(analysis.failed_count)],
            ["Open suggestions", el("span", { id: "open-count" }, String(open.count))],
            ["Parallel bandwidth", experiment.parallel_bandwidth ?? "—"],
            ["Project", experiment.project ? el("a", { href: `/projects/${encodeURIComponent(experiment.project)}` }, experiment.project) : "—"],
            ["Created", time(experiment.created)],
            ["Updated", time(experiment.updated)],
          ]),
        ),
        el(
          "section",
          { class: "card", id: "machines" },
          el("h2", {}, "Machines reporting"),
          el("p", { class: "muted" }, "From the hostname and instance_id metadata of observations, most recent first."),
          table(
            ["Key", "Machine", "Last reported", "Observations", "Failed"],
            reporters.map((r) => [r.key, r.value, `${time(r.last_reported)} (${age(now - r.last_reported)} ago)`, r.observation_count, r.failed_count]),
            { empty: "No observation carries hostname or instance_id metadata yet: add metadata=dict(hostname=socket.gethostname()) when you report." },
          ),
        ),
      ),
      el("section", { class: "card", id: "best" }, el("h2", {}, bestTitle(best.data.length)),
        table(
          ["Observation", "Assignments", ...metricNames],
          best.data.map((b) => [b.id, assignments(b.assignments), ...metricNames.map((name) => {
            const v = (b.values || []).find((x) => (x.name || "value") === name);
            return v ? v.value : null;
          })]),
          { empty: "No best assignments yet: they appear with the first successful observation." },
        )),
      el("div", { class: "grid" },
        el("section", { class: "card" }, el("h2", {}, "Parameters"),
          table(["Name", "Type", "Values", "Transformation"], experiment.parameters.map(dialin.parameterRow))),
        el("section", { class: "card" }, el("h2", {}, "Metrics"),
          table(["Name", "Objective", "Strategy", "Threshold"], experiment.metrics.map((m) => [m.name || "value", m.objective, m.strategy, m.threshold])))),
    );
  }

  function pagerFor(name, load) {
    const s = state[name];
    const older = el("button", { type: "button", class: "secondary", disabled: !s.paging.before, onclick: () => { s.marker = { kind: "before", value: s.paging.before }; load(); } }, "Older →");
    const newer = el("button", { type: "button", class: "secondary", disabled: !s.marker || !s.paging.after, onclick: () => { s.marker = { kind: "after", value: s.paging.after }; load(); } }, "← Newer");
    return el("nav", { class: "pager", "aria-label": `${name} pages` }, newer, older);
  }

  function query(s, extra = {}) {
    const params = new URLSearchParams({ limit: String(PAGE), ...extra });
    if (s.marker) params.set(s.marker.kind, s.marker.value);
    return params;
  }

  async function deleteSuggestion(suggestionId) {
    await api(`${base}/suggestions/${suggestionId}`, { method: "DELETE" });
    await drawSuggestions();
  }

  async function drawSuggestions() {
    const s = state.suggestions;
    const params = query(s, s.openOnly ? { state: "open" } : {});
    const page = await api(`${base}/suggestions?${params}`);
    s.paging = page.paging;
    const now = Date.now() / 1000;
    const rows = page.data.map((sg) => {
      const metadata = { ...(sg.metadata || {}) };
      const instance = metadata.instance_id;
      delete metadata.instance_id;
      return el(
        "tr",
        { "data-suggestion": sg.id },
        cell(sg.id),
        el("td", {}, el("span", { class: `state state-${sg.state}` }, sg.state)),
        cell(assignments(sg.assignments)),
        el("td", { class: "instance-id" }, instance === undefined ? "—" : String(instance)),
        cell(pairs(metadata)),
        cell(time(sg.created)),
        cell(sg.state === "open" ? age(now - sg.created) : "—"),
        el("td", {}, sg.state === "open"
          ? el("button", { type: "button", class: "danger", "aria-label": `Delete suggestion ${sg.id}`, onclick: () => deleteSuggestion(sg.id) }, "Delete")
          : ""),
      );
    });
    const toggle = el("input", { type: "checkbox", id: "suggestions-open-only", checked: s.openOnly, onchange: (event) => { s.openOnly = event.target.checked; s.marker = null; drawSuggestions(); } });
    panel("suggestions").replaceChildren(
      el("div", { class: "controls" }, toggle, el("label", { for: "suggestions-open-only" }, "Open suggestions only")),
      table(["Suggestion", "State", "Assignments", "instance_id", "Other metadata", "Created", "Open for", ""], rows, {
        caption: `${page.count} suggestion${page.count === 1 ? "" : "s"}`,
        empty: s.openOnly ? "No open suggestions." : "No suggestions yet: workers get them with conn.experiments(ID).suggestions().create().",
      }),
      pagerFor("suggestions", drawSuggestions),
    );
  }

  function showObservation(o) {
    const dialog = document.getElementById("metadata-dialog");
    document.getElementById("metadata-title").textContent = `Observation ${o.id}${o.failed ? " (failed)" : ""}`;
    const metadata = Object.entries(o.metadata || {});
    document.getElementById("metadata-body").replaceChildren(
      dialin.facts([
        ["Reported", time(o.created)],
        ["Suggestion", o.suggestion || "—"],
        ["Values", valuesText(o) || "—"],
        ["Assignments", assignments(o.assignments)],
      ]),
      el("h3", {}, "Metadata"),
      table(["Key", "Value"], metadata.map(([k, v]) => [k, typeof v === "number" ? v : String(v)]), { empty: "No metadata." }),
    );
    dialog.showModal();
  }

  async function drawHistory() {
    const s = state.history;
    const params = query(s);
    const page = await api(s.failedOnly ? `/api/v1/experiments/${id}/failed_observations?${params}` : `${base}/observations?${params}`);
    s.paging = page.paging;
    const rows = page.data.map((o) =>
      el(
        "tr",
        { class: o.failed ? "failed" : null, "data-observation": o.id },
        el("td", {}, el("button", { type: "button", class: "link", "aria-label": `Show observation ${o.id}`, onclick: () => showObservation(o) }, o.id)),
        cell(time(o.created)),
        cell(valuesText(o)),
        cell(o.failed ? "yes" : "no"),
        cell(assignments(o.assignments)),
        cell(pairs(o.metadata)),
      ),
    );
    const toggle = el("input", { type: "checkbox", id: "history-failed-only", checked: s.failedOnly, onchange: (event) => { s.failedOnly = event.target.checked; s.marker = null; drawHistory(); } });
    panel("history").replaceChildren(
      el("div", { class: "controls" }, toggle, el("label", { for: "history-failed-only" }, "Failed observations only"),
        el("span", { class: "muted" }, " · select an observation's number to see all of its metadata")),
      table(["Observation", "Reported", "Values", "Failed", "Assignments", "Metadata"], rows, {
        caption: `${page.count} observation${page.count === 1 ? "" : "s"}`,
        empty: s.failedOnly ? "No failed observations." : "No observations yet: report them with conn.experiments(ID).observations().create(...).",
      }),
      pagerFor("history", drawHistory),
    );
  }

  const draw = {
    summary: drawSummary,
    analysis: () => dialinAnalysis.render(panel("analysis"), id),
    suggestions: drawSuggestions,
    history: drawHistory,
  };

  async function loadExperiment() {
    experiment = await api(base);
    document.getElementById("experiment-name").textContent = experiment.name;
    document.title = `${experiment.name} · dialin`;
  }

  const view = dialin.tabs(`/experiments/${id}`, draw, tab);

  (async () => {
    // Only the Summary needs the experiment's definition: other tabs load beside it.
    const loading = loadExperiment();
    const shown = tab === "summary" ? loading.then(() => view.show(tab)) : view.show(tab);
    try {
      await loading;
    } catch (error) {
      message(panel(tab), `Could not load the experiment: ${error.message}`);
      return;
    }
    await shown;
    document.getElementById("live").textContent = experiment.state === "active" ? "Live: refreshes every 5 s" : "";
    dialin.poll(async () => {
      if (experiment.state !== "active") return;
      await loadExperiment();
      // Lists refresh only on their first page, so paging through them is not disturbed.
      const current = view.current();
      if (current === "summary" || current === "analysis" || !state[current].marker) await draw[current]();
    }, 5);
  })();
})();
