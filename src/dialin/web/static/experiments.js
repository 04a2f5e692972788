/* The experiments list (home page) and a project's experiments: keyset pages of 25. */
"use strict";
(() => {
  const { api, el, table, number, time, message } = dialin;
  const container = document.getElementById("experiments");
  const project = document.getElementById("project");
  const projectId = project ? project.dataset.project : null;
  const projectPath = projectId
    ? `/v1/clients/${document.body.dataset.client}/projects/${encodeURIComponent(projectId)}`
    : null;
  const newer = document.getElementById("newer");
  const older = document.getElementById("older");
  const info = document.getElementById("page-info");
  const search = document.getElementById("search");
  const PAGE = 25;
  let current = { marker: null };
  let paging = { before: null, after: null };

  function isAi(experiment) {
    return experiment.object === "aiexperiment";
  }

  function progress(experiment) {
    if (isAi(experiment)) return runProgress(experiment);
    const count = experiment.progress ? experiment.progress.observation_count : 0;
    const budget = experiment.observation_budget;
    if (!budget) return el("td", { class: "num" }, `${count}`);
    const share = Math.min(100, Math.round((100 * count) / budget));
    return el(
      "td",
      {},
      el("progress", { max: budget, value: Math.min(count, budget), "aria-label": `${count} of ${budget} observations` }),
      ` ${count} / ${budget} (${share}%)`,
    );
  }

  function runProgress(experiment) {
    const count = experiment.progress ? experiment.progress.total_run_count : 0;
    const budget = experiment.budget;
    if (!budget) return el("td", { class: "num" }, `${count} runs`);
    return el(
      "td",
      {},
      el("progress", { max: budget, value: Math.min(count, budget), "aria-label": `${count} of ${budget} runs` }),
      ` ${count} / ${budget} runs`,
    );
  }

  function best(experiment) {
    const observation = experiment.progress && experiment.progress.best_observation;
    if (!observation) return "—";
    return observation.values.map((v) => (v.name ? `${v.name}: ` : "") + number(v.value)).join(", ");
  }

  function row(experiment) {
    return el(
      "tr",
      {},
      el("td", {}, el("a", { href: isAi(experiment) ? `/aiexperiments/${experiment.id}/summary` : `/experiments/${experiment.id}/summary` }, experiment.name)),
      el("td", {}, isAi(experiment) ? "AI experiment" : experiment.type),
      el("td", {}, el("span", { class: `state state-${experiment.state}` }, experiment.state)),
      progress(experiment),
      el("td", { class: "num" }, best(experiment)),
      el("td", {}, time(experiment.created)),
      el("td", {}, time(experiment.updated)),
    );
  }

  function emptyState() {
    const query = search && search.value.trim();
    if (query) return el("p", { class: "empty" }, `No experiment's name contains “${query}”.`);
    return el(
      "div",
      { class: "empty card", id: "empty-state" },
      el("h2", {}, "No experiments yet"),
      el("p", {}, "Point the sigopt client at this server and create one:"),
      el(
        "pre",
        {},
        `pip install sigopt
python - <<'PY'
from sigopt import Connection
conn = Connection(client_token="YOUR_API_TOKEN")
conn.set_api_url("${window.location.origin}")
conn.experiments().create(
    name="My first experiment",
    parameters=[dict(name="x", type="double", bounds=dict(min=0, max=1))],
    metrics=[dict(name="score", objective="maximize")],
    observation_budget=30,
)
PY`,
      ),
      el("p", {}, "A token comes from ", el("code", {}, "dialin token create --client NAME"), " on the server."),
    );
  }

  async function load(marker = current.marker) {
    // AI experiments (those driven by training runs) are listed beside core ones.
    const params = new URLSearchParams({ limit: String(PAGE), include_ai: "true" });
    if (marker) params.set(marker.kind, marker.value);
    if (search && search.value.trim()) params.set("search", search.value.trim());
    const path = projectPath ? `${projectPath}/experiments` : "/v1/experiments";
    let page;
    try {
      page = await api(`${path}?${params}`);
    } catch (error) {
      message(container, `Could not load experiments: ${error.message}`);
      return;
    }
    current = { marker };
    paging = page.paging;
    container.replaceChildren(
      page.data.length
        ? table(
            ["Name", "Type", "State", "Progress", "Best value", "Created", "Updated"],
            page.data.map(row),
            { caption: `${page.count} experiment${page.count === 1 ? "" : "s"}` },
          )
        : emptyState(),
    );
    older.disabled = !paging.before;
    newer.disabled = !marker || !paging.after;
    info.textContent = page.data.length ? `${page.data.length} shown of ${page.count}` : "";
  }

  older.addEventListener("click", () => load({ kind: "before", value: paging.before }));
  newer.addEventListener("click", () => load({ kind: "after", value: paging.after }));
  const form = document.getElementById("search-form");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      load(null);
    });
  }
  const runPaging = { marker: null, paging: {} };

  function runRow(run) {
    return el(
      "tr",
      { "data-run": run.id },
      el("td", {}, el("a", { href: `/runs/${run.id}` }, run.name || `Run ${run.id}`)),
      el("td", {}, dialin.badge(run.deleted ? "archived" : run.state)),
      el("td", {}, run.experiment ? el("a", { href: `/aiexperiments/${run.experiment}/summary` }, `#${run.experiment}`) : "—"),
      el("td", {}, Object.entries(run.values || {}).map(([k, v]) => `${k}: ${number(v.value)}`).join(", ") || "—"),
      el("td", {}, time(run.created)),
      el("td", {}, time(run.updated)),
    );
  }

  async function loadRuns() {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (runPaging.marker) params.set(runPaging.marker.kind, runPaging.marker.value);
    const runs = await api(`${projectPath}/training_runs?${params}`);
    runPaging.paging = runs.paging;
    const go = (kind) => {
      runPaging.marker = { kind, value: runPaging.paging[kind] };
      loadRuns();
    };
    document.getElementById("runs").replaceChildren(
      table(["Run", "State", "AI experiment", "Values", "Created", "Updated"], runs.data.map(runRow), {
        caption: `${runs.count} training run${runs.count === 1 ? "" : "s"}`,
        empty: "No training runs in this project yet: sigopt.create_run() or an AI experiment's loop() makes them.",
      }),
      el(
        "nav",
        { class: "pager", "aria-label": "Run pages" },
        el("button", { type: "button", class: "secondary", disabled: !runPaging.marker || !runs.paging.after, onclick: () => go("after") }, "← Newer"),
        el("button", { type: "button", class: "secondary", disabled: !runs.paging.before, onclick: () => go("before") }, "Older →"),
      ),
    );
  }

  if (projectId) {
    api(projectPath).then((p) => {
      document.getElementById("project-name").textContent = p.name;
    });
    loadRuns();
  }
  load(null);
  dialin.poll(async () => {
    await load(current.marker);
    if (projectId && !runPaging.marker) await loadRuns();
  }, 10);
})();
