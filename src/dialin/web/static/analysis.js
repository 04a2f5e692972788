/* The Analysis tab: four Plotly charts over /api/v1/experiments/{id}/analysis. Any parameter,
   metric or metadata key can be an axis or the colour of any chart; choices survive refreshes. */
"use strict";

const dialinAnalysis = (() => {
  const { api, el, number } = dialin;
  const NUMBER = "observation:number";
  const CREATED = "observation:created";
  const NONE = "";
  const FAILED_COLOUR = "#c62828";
  const config = { responsive: true, displaylogo: false };
  let data = null;
  let panel = null;
  const choices = {};

  function fieldsOf() {
    return [
      { key: NUMBER, kind: "observation", name: "observation number", type: "number" },
      { key: CREATED, kind: "observation", name: "time reported", type: "number" },
      ...data.fields,
    ];
  }

  function field(key) {
    return fieldsOf().find((f) => f.key === key);
  }

  function column(key) {
    if (key === NUMBER) return data.points.number;
    if (key === CREATED) return data.points.created.map((t) => new Date(t * 1000).toISOString());
    return data.points.values[key] || [];
  }

  function label(key) {
    const found = field(key);
    return found ? found.name : key;
  }

  function firstOf(kind) {
    const found = data.fields.find((f) => f.kind === kind);
    return found ? found.key : NUMBER;
  }

  /* A labelled <select> over every field; `allowNone` adds a "none" choice first. */
  function picker(id, text, initial, onChange, { allowNone = false } = {}) {
    if (!(id in choices) || (choices[id] !== NONE && !field(choices[id]))) choices[id] = initial;
    const groups = {};
    for (const f of fieldsOf()) (groups[f.kind] = groups[f.kind] || []).push(f);
    const names = { observation: "Observation", parameter: "Parameters", metric: "Metrics", metadata: "Metadata" };
    const select = el(
      "select",
      { id, onchange: (event) => { choices[id] = event.target.value; onChange(); } },
      allowNone ? el("option", { value: NONE }, "none") : null,
      Object.entries(groups).map(([kind, list]) =>
        el("optgroup", { label: names[kind] }, list.map((f) => el("option", { value: f.key }, f.name))),
      ),
    );
    select.value = choices[id];
    return el("span", { class: "picker" }, el("label", { for: id }, text), select);
  }

  function categories(values) {
    return [...new Set(values.filter((v) => v !== null && v !== undefined).map(String))].sort();
  }

  /* Marker colours for a colour field: a numeric scale, or one colour per string. */
  function colouring(key, indices) {
    if (key === NONE) return { marker: { color: "#1565c0" } };
    const values = indices.map((i) => column(key)[i]);
    const f = field(key);
    if (f && f.type === "string") {
      const names = categories(values);
      return {
        marker: {
          color: values.map((v) => (v === null || v === undefined ? -1 : names.indexOf(String(v)))),
          colorscale: "Turbo",
          cmin: 0,
          cmax: Math.max(1, names.length - 1),
          colorbar: {
            title: { text: label(key) },
            tickvals: names.map((_, i) => i),
            ticktext: names,
          },
        },
        text: values.map((v) => `${label(key)}: ${v ?? "—"}`),
      };
    }
    return {
      marker: { color: values, colorscale: "Viridis", colorbar: { title: { text: label(key) } } },
      text: values.map((v) => `${label(key)}: ${number(v)}`),
    };
  }

  function indices(predicate) {
    const found = [];
    for (let i = 0; i < data.points.number.length; i += 1) if (predicate(i)) found.push(i);
    return found;
  }

  function pick(values, where) {
    return where.map((i) => values[i]);
  }

  function layout(xKey, yKey, extra = {}) {
    return {
      margin: { l: 64, r: 24, t: 16, b: 56 },
      height: 380,
      xaxis: { title: { text: label(xKey) }, automargin: true },
      yaxis: { title: { text: label(yKey) }, automargin: true },
      legend: { orientation: "h", y: -0.25 },
      hovermode: "closest",
      ...extra,
    };
  }

  function failedTrace(xKey, yKey) {
    const failed = indices((i) => data.points.failed[i]);
    if (!failed.length) return [];
    const ys = column(yKey);
    const known = ys.filter((v) => typeof v === "number");
    const floor = known.length ? Math.min(...known) : 0;
    return [
      {
        type: "scatter",
        mode: "markers",
        name: "failed",
        x: pick(column(xKey), failed),
        // A failed observation has no metric value: draw it on the floor of the axis.
        y: failed.map((i) => (ys[i] === null || ys[i] === undefined ? floor : ys[i])),
        marker: { symbol: "x", size: 9, color: FAILED_COLOUR },
        text: failed.map((i) => `failed · observation ${data.points.id[i]}`),
        hoverinfo: "x+text",
      },
    ];
  }

  function pointsTrace(xKey, yKey, colourKey, name) {
    const ok = indices((i) => !data.points.failed[i]);
    const colours = colouring(colourKey, ok);
    return {
      type: "scatter",
      mode: "markers",
      name,
      x: pick(column(xKey), ok),
      y: pick(column(yKey), ok),
      marker: { size: 6, opacity: 0.8, ...colours.marker },
      text: colours.text,
    };
  }

  function drawHistory() {
    drawing("plot-history");
    const yKey = choices["history-y"];
    const colourKey = choices["history-color"];
    const traces = [pointsTrace(NUMBER, yKey, colourKey, "observations")];
    const metric = field(yKey);
    if (metric && metric.kind === "metric") {
      const steps = data.best_so_far[metric.name] || { number: [], value: [] };
      if (steps.number.length) {
        traces.push({
          type: "scatter",
          mode: "lines",
          name: "best so far",
          line: { shape: "hv", color: "#ef6c00", width: 2 },
          x: [...steps.number, data.observation_count],
          y: [...steps.value, steps.value[steps.value.length - 1]],
        });
      }
    }
    traces.push(...failedTrace(NUMBER, yKey));
    Plotly.react("plot-history", traces, layout(NUMBER, yKey), config);
  }

  function drawFullHistory() {
    drawing("plot-full-history");
    const [xKey, yKey, colourKey] = ["full-x", "full-y", "full-color"].map((id) => choices[id]);
    const traces = [pointsTrace(xKey, yKey, colourKey, "observations"), ...failedTrace(xKey, yKey)];
    Plotly.react("plot-full-history", traces, layout(xKey, yKey), config);
  }

  function drawScatter() {
    drawing("plot-scatter");
    const [xKey, yKey, colourKey] = ["scatter-x", "scatter-y", "scatter-color"].map((id) => choices[id]);
    Plotly.react("plot-scatter", [pointsTrace(xKey, yKey, colourKey, "observations")], layout(xKey, yKey), config);
  }

  function dimension(key, rows) {
    const values = pick(column(key), rows);
    const f = field(key);
    if (f && f.type === "string") {
      const names = categories(values);
      return {
        label: label(key),
        values: values.map((v) => names.indexOf(String(v))),
        tickvals: names.map((_, i) => i),
        ticktext: names,
      };
    }
    return { label: label(key), values };
  }

  function drawParallel() {
    drawing("plot-parallel");
    const keys = parallelAxes().filter((k) => k !== NONE);
    const colourKey = choices["parallel-color"];
    const chosen = colourKey === NONE ? keys : [...keys, colourKey];
    // Parallel coordinates cannot draw a missing value: leave out rows that lack one.
    const rows = indices((i) => chosen.every((k) => column(k)[i] !== null && column(k)[i] !== undefined));
    const line = colourKey === NONE ? { color: "#1565c0" } : { ...colouring(colourKey, rows).marker, showscale: true };
    const trace = { type: "parcoords", dimensions: keys.map((k) => dimension(k, rows)), line };
    const left = data.points.number.length - rows.length;
    document.getElementById("parallel-note").textContent = left
      ? `${left} observation${left === 1 ? "" : "s"} without a value on a chosen axis left out.`
      : "";
    Plotly.react("plot-parallel", [trace], { margin: { l: 64, r: 64, t: 48, b: 24 }, height: 420 }, config);
  }

  function parallelAxes() {
    if (!choices.parallelCount) {
      const defaults = data.fields.filter((f) => f.kind !== "metadata").map((f) => f.key).slice(0, 8);
      choices.parallelCount = Math.max(2, defaults.length);
      defaults.forEach((k, i) => { choices[`parallel-axis-${i}`] = k; });
    }
    return Array.from({ length: choices.parallelCount }, (_, i) => choices[`parallel-axis-${i}`] ?? NONE);
  }

  function section(id, title, controls, description) {
    return el(
      "section",
      { class: "card plot-card", "aria-labelledby": `${id}-title` },
      el("h2", { id: `${id}-title` }, title),
      description ? el("p", { class: "muted" }, description) : null,
      el("div", { class: "controls" }, controls),
      el("div", { id: `plot-${id}`, class: "plot", role: "img", "aria-label": title }),
    );
  }

  function parallelControls() {
    const axes = parallelAxes().map((_, i) =>
      picker(`parallel-axis-${i}`, `Axis ${i + 1}`, NONE, drawParallel, { allowNone: true }),
    );
    const add = el("button", {
      type: "button",
      class: "secondary",
      id: "parallel-add",
      onclick: () => { choices.parallelCount += 1; build(); },
    }, "Add axis");
    return [...axes, add, picker("parallel-color", "Colour", firstOf("metric"), drawParallel, { allowNone: true })];
  }

  function notice() {
    if (!data.sampled) return el("p", { class: "muted", id: "sample-note" }, `All ${data.observation_count} observations shown.`);
    return el(
      "p",
      { class: "notice", id: "sample-note", role: "note" },
      `Showing a sample of ${data.point_count} of ${data.observation_count} observations: ` +
        "evenly spread, always with the improvements and the failed ones (up to a quarter of the sample). " +
        "The best-so-far line is computed over every observation.",
    );
  }

  function build() {
    if (watcher) watcher.disconnect();
    stale.clear();
    unseen = [];
    if (!data.observation_count) {
      panel.replaceChildren(
        el("p", { class: "empty" }, "No observations yet: report some with ", el("code", {}, "conn.experiments(ID).observations().create(...)"), "."),
      );
      return;
    }
    const metric = firstOf("metric");
    const parameter = firstOf("parameter");
    panel.replaceChildren(
      notice(),
      section("history", "Experiment History", [
        picker("history-y", "Y axis", metric, drawHistory),
        picker("history-color", "Colour", NONE, drawHistory, { allowNone: true }),
      ], "Each observation by number, the best value so far, and failed observations (×)."),
      section("full-history", "Full Experiment History", [
        picker("full-x", "X axis", NUMBER, drawFullHistory),
        picker("full-y", "Y axis", metric, drawFullHistory),
        picker("full-color", "Colour", parameter, drawFullHistory, { allowNone: true }),
      ], "Every observation against any field."),
      el(
        "section",
        { class: "card plot-card", "aria-labelledby": "parallel-title" },
        el("h2", { id: "parallel-title" }, "Parallel Coordinates"),
        el("div", { class: "controls" }, parallelControls()),
        el("p", { class: "muted", id: "parallel-note" }),
        el("div", { id: "plot-parallel", class: "plot", role: "img", "aria-label": "Parallel Coordinates" }),
      ),
      section("scatter", "Parameter vs. Metric", [
        picker("scatter-x", "X axis", parameter, drawScatter),
        picker("scatter-y", "Y axis", metric, drawScatter),
        picker("scatter-color", "Colour", NONE, drawScatter, { allowNone: true }),
      ]),
    );
    drawAll({ first: true });
  }

  /* On a new tab the first chart draws at once and the others in view right after it; the
     rest draw when scrolled into view, or a while after the visible ones if never seen.
     Parallel coordinates alone can take seconds where WebGL runs without a GPU, and a live
     experiment refreshes every few seconds: a chart out of view only notes that it is out of
     date. */
  const PLOTS = { "plot-history": drawHistory, "plot-full-history": drawFullHistory, "plot-parallel": drawParallel, "plot-scatter": drawScatter };
  const stale = new Set();
  const UNSEEN_DELAY_MS = 3000;
  let watcher = null;
  let unseen = [];

  /* Called by every chart as it draws, whether scheduled or picked by the user. */
  function drawing(id) {
    stale.delete(id);
    if (watcher) watcher.unobserve(document.getElementById(id));
  }

  function drawIfStale(id) {
    if (stale.has(id)) PLOTS[id]();
  }

  function whenIdle(callback) {
    if (window.requestIdleCallback) window.requestIdleCallback(callback);
    else setTimeout(callback, 50);
  }

  function seen(entries) {
    for (const entry of entries) if (entry.isIntersecting) drawIfStale(entry.target.id);
    // The first report covers every chart: the visible ones are drawn now.
    const waiting = unseen.filter((id) => stale.has(id));
    unseen = [];
    if (waiting.length) {
      setTimeout(() => waiting.forEach((id) => whenIdle(() => drawIfStale(id))), UNSEEN_DELAY_MS);
    }
  }

  function drawAll({ first = false } = {}) {
    if (!watcher) watcher = new IntersectionObserver(seen, { rootMargin: "100px" });
    const ids = Object.keys(PLOTS);
    for (const id of first ? ids.slice(1) : ids) {
      stale.add(id);
      const node = document.getElementById(id);
      if (!node._fullLayout) unseen.push(id);
      watcher.observe(node);
    }
    if (first) PLOTS[ids[0]]();
  }

  let answered = null;

  async function load(experimentId) {
    const fresh = await api(`/api/v1/experiments/${experimentId}/analysis`);
    // A poll that brings nothing new redraws nothing.
    const text = JSON.stringify(fresh);
    const shown = panel.querySelector("#plot-history, .empty");
    if (text === answered && shown) return data;
    answered = text;
    const shapeChanged =
      !data || !shown || JSON.stringify(fresh.fields) !== JSON.stringify(data.fields) || !data.observation_count;
    data = fresh;
    if (shapeChanged) build();
    else {
      document.getElementById("sample-note").replaceWith(notice());
      drawAll();
    }
    panel.dataset.loaded = "true";
    return data;
  }

  function render(target, experimentId) {
    panel = target;
    return load(experimentId);
  }

  return { render, refresh: load };
})();
