/* One training run, which is also a trial: Overview (state, parameters, values, summary metrics,
   curves), Logs, Checkpoints and History (state transitions, restarts), at /runs/{id}/{tab}. */
"use strict";
(() => {
  const { api, el, table, time, pairs, message, badge } = dialin;
  const root = document.getElementById("run");
  const id = root.dataset.run;
  const trialPath = `/api/v1/trials/${id}`;
  // Reports drawn at most: more is a curve no screen shows; the page says when it stops short.
  const MAX_REPORTS = 20000;
  const LOG_PAGE = 500;
  let run = null;
  let trial = null;
  let experimentName = null;
  const curve = { metric: null, reports: [], truncated: false };
  const logs = { after: 0, lines: [], earlier: false, stream: "" };

  function live() {
    return run.state === "active";
  }

  function restartsText() {
    return `${trial.restarts} of at most ${trial.max_restarts}`;
  }

  function stamp(rfc3339) {
    return rfc3339 ? rfc3339.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC") : "—";
  }

  /* An archived (deleted) run keeps its SigOpt record; its trial side is no longer served. */
  const ARCHIVED = "This run is archived: its trial history, metric reports, logs and checkpoints are no longer shown.";

  function overviewFacts() {
    const common = [
      ["SigOpt state", badge(run.state)],
      ["Project", run.project ? el("a", { href: `/projects/${encodeURIComponent(run.project)}` }, run.project) : "—"],
      ["AI experiment", run.experiment ? el("a", { href: `/aiexperiments/${run.experiment}/summary` }, experimentName || `#${run.experiment}`) : "—"],
      ["Created", time(run.created)],
      ["Updated", time(run.updated)],
      ["Completed", time(run.completed)],
    ];
    if (!trial) return dialin.facts([["Archived", "yes"], ...common]);
    return dialin.facts([
      ["Trial state", el("span", { id: "trial-state" }, badge(trial.state))],
      ...common,
      ["Restarts", el("span", { id: "restart-count" }, restartsText())],
      ["Current trial run", trial.trial_run_id ? String(trial.trial_run_id) : "not started"],
      ["Steps completed", String(trial.total_batches_processed)],
      ["Managed by dialin", trial.managed ? "yes" : "no"],
      ["Early exit", trial.early_exit || "—"],
      ["Stopped by searcher", trial.stopped_by_searcher ? "yes" : "no"],
    ]);
  }

  // Where the trial summary keeps each group (Determined's names); other groups keep theirs.
  const GROUP_OF_PATH = { avg_metrics: "training", validation_metrics: "validation" };

  function summaryRows() {
    const rows = [];
    for (const [path, metrics] of Object.entries(trial.summary_metrics || {})) {
      for (const [name, s] of Object.entries(metrics)) {
        rows.push([GROUP_OF_PATH[path] || path, name, s.last, s.min, s.max, s.mean, s.count]);
      }
    }
    return rows;
  }

  function validationText(report) {
    if (!report) return "—";
    const step = report.steps_completed == null ? "" : `step ${report.steps_completed}: `;
    return step + pairs(report.metrics);
  }

  async function loadReports() {
    // All of them on every refresh: a report of a step gains metrics, a restart archives some.
    const reports = [];
    let after = 0;
    curve.truncated = false;
    for (;;) {
      const page = await api(`${trialPath}/metrics?after=${after}&limit=5000`);
      reports.push(...page.data.filter((r) => !r.archived));
      if (page.data.length < 5000) break;
      after = page.data[page.data.length - 1].id;
      if (reports.length >= MAX_REPORTS) {
        curve.truncated = true;
        break;
      }
    }
    curve.reports = reports;
  }

  function drawCurve(container) {
    const names = dialinCurves.metricNames(curve.reports);
    if (!names.length) {
      container.replaceChildren(el("p", { class: "empty" }, "No metric reports yet: report them by step with dialin.log_metric(name, value, step=..., group=\"training\" or \"validation\"), or as validation snapshots with sigopt's run.log_checkpoint({...})."));
      return null;
    }
    if (!names.includes(curve.metric)) curve.metric = names.includes("loss") ? "loss" : names[0];
    const plot = el("div", { id: "plot-metrics", class: "plot", role: "img", "aria-label": `${curve.metric} by step, per group` });
    const controls = el("div", { class: "controls" }, dialinCurves.picker("metric-picker", names, curve.metric, (name) => { curve.metric = name; drawCurve(container); }));
    const notice = el("p", { class: "notice", hidden: !curve.truncated }, `Only the first ${MAX_REPORTS} reports are drawn.`);
    container.replaceChildren(controls, notice, plot);
    return dialinCurves.draw(plot, dialinCurves.traces([{ label: "", reports: curve.reports }], curve.metric), curve.metric);
  }

  async function drawOverview() {
    if (trial) await loadReports();
    const values = Object.entries(run.values || {}).map(([name, v]) => [name, v.value, v.value_stddev]);
    const sources = run.assignments_meta || {};
    const curveBox = el("div", { id: "metric-curves" });
    document.getElementById("panel-overview").replaceChildren(
      el(
        "div",
        { id: "run-body" },
        el(
          "div",
          { class: "grid" },
          el("section", { class: "card" }, el("h2", {}, "Overview"), overviewFacts()),
          el(
            "section",
            { class: "card" },
            el("h2", {}, "Parameters"),
            table(["Name", "Value", "Source"], Object.entries(run.assignments || {}).map(([k, v]) => [k, v, sources[k] ? sources[k].source : "—"]), { empty: "No assignments." }),
            el("h2", {}, "Values"),
            table(["Metric", "Value", "Std. dev."], values, { empty: "No values logged yet." }),
            el("h2", {}, "Metadata"),
            table(["Key", "Value"], Object.entries(run.metadata || {}), { empty: "No metadata." }),
          ),
        ),
        trial ? el(
          "section",
          { class: "card", id: "summary-metrics" },
          el("h2", {}, "Metrics by group"),
          dialin.facts([
            ["Best validation", validationText(trial.best_validation)],
            ["Latest validation", validationText(trial.latest_validation)],
          ]),
          table(["Group", "Metric", "Last", "Min", "Max", "Mean", "Reports"], summaryRows(), { empty: "No metric reports yet." }),
        ) : el("p", { class: "notice" }, ARCHIVED),
        trial ? el("section", { class: "card" }, el("h2", {}, "Metric curves"), curveBox) : null,
      ),
    );
    if (trial) await drawCurve(curveBox);
  }

  function logLine(line) {
    return el(
      "li",
      { class: `log-${line.stream}`, "data-stream": line.stream, "data-line": line.id },
      el("span", { class: "log-meta" }, `${stamp(line.at)} · run ${line.trial_run_id} · `, el("span", { class: "log-stream" }, line.stream)),
      el("span", { class: "log-text" }, line.content),
    );
  }

  /* The log opens at its newest lines; earlier ones are paged in above, newer ones appended. */
  async function loadEarlier() {
    const params = new URLSearchParams({ limit: String(LOG_PAGE) });
    if (logs.lines.length) params.set("before", String(logs.lines[0].id));
    const page = await api(`${trialPath}/logs/tail?${params}`);
    logs.lines.unshift(...page.data);
    if (!logs.after && page.data.length) logs.after = page.data[page.data.length - 1].id;
    logs.earlier = page.data.length === LOG_PAGE;
    return page.data;
  }

  async function loadNewer() {
    const fresh = [];
    // A chatty run may write more than a page between two refreshes.
    for (let pages = 0; pages < 20; pages += 1) {
      const page = await api(`${trialPath}/logs?after=${logs.after}&limit=${LOG_PAGE}`);
      fresh.push(...page.data);
      if (page.data.length) logs.after = page.data[page.data.length - 1].id;
      if (page.data.length < LOG_PAGE) break;
    }
    logs.lines.push(...fresh);
    return fresh;
  }

  function shown(lines) {
    return lines.filter((line) => !logs.stream || line.stream === logs.stream).map(logLine);
  }

  function logStatus() {
    document.getElementById("log-empty").hidden = logs.lines.length > 0;
    document.getElementById("log-earlier").hidden = !logs.earlier;
    const count = logs.lines.length;
    document.getElementById("log-count").textContent = `${count} line${count === 1 ? "" : "s"} shown${logs.earlier ? ", earlier ones above" : ""}, newest last`;
  }

  async function showEarlier() {
    const list = document.getElementById("log-lines");
    const earlier = await loadEarlier();
    list.prepend(...shown(earlier));
    // Show where the earlier lines begin: the reader asked for them.
    list.scrollTop = 0;
    logStatus();
  }

  async function drawLogs({ append = false } = {}) {
    let list = document.getElementById("log-lines");
    if (list && append) {
      const fresh = await loadNewer();
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      list.append(...shown(fresh));
      // Follow the end of the log, unless the reader scrolled up to read.
      if (atBottom) list.scrollTop = list.scrollHeight;
      logStatus();
      return;
    }
    if (!list) await loadEarlier();
    const streams = [...new Set(["stdout", "stderr", ...logs.lines.map((l) => l.stream)])];
    const filter = el(
      "select",
      { id: "log-stream", onchange: (event) => { logs.stream = event.target.value; list.replaceChildren(...shown(logs.lines)); } },
      el("option", { value: "" }, "all streams"),
      streams.map((name) => el("option", { value: name, selected: name === logs.stream }, name)),
    );
    list = el("ol", { id: "log-lines", class: "log", "aria-label": "Log lines, newest last" }, shown(logs.lines));
    document.getElementById("panel-logs").replaceChildren(
      el(
        "section",
        { class: "card" },
        el("div", { class: "controls" },
          el("span", { class: "picker" }, el("label", { for: "log-stream" }, "Stream"), filter),
          el("button", { type: "button", id: "log-earlier", class: "secondary", onclick: showEarlier }, `Show ${LOG_PAGE} earlier lines`),
          el("span", { class: "muted", id: "log-count" })),
        list,
        el("p", { class: "empty", id: "log-empty" }, "No log lines yet: a launched run's stdout and stderr appear here as it writes them."),
      ),
    );
    list.scrollTop = list.scrollHeight;
    logStatus();
  }

  async function drawCheckpoints() {
    const answer = await api(`${trialPath}/checkpoints`);
    const best = trial.best_checkpoint ? trial.best_checkpoint.uuid : null;
    const latest = trial.latest_checkpoint ? trial.latest_checkpoint.uuid : null;
    const rows = answer.data.map((c) =>
      el(
        "tr",
        { "data-checkpoint": c.uuid },
        el("td", {}, el("code", {}, c.uuid), c.uuid === best ? el("span", { class: "state state-best" }, "best") : null, c.uuid === latest ? el("span", { class: "state" }, "latest") : null),
        el("td", {}, badge(c.state)),
        el("td", { class: "num" }, c.steps_completed ?? "—"),
        el("td", { class: "num" }, String(c.trial_run_id)),
        el("td", {}, stamp(c.end_time)),
        el("td", {}, Object.entries(c.resources || {}).map(([path, size]) => `${path} (${size} B)`).join(", ") || "—"),
        el("td", {}, pairs(c.metadata)),
      ),
    );
    document.getElementById("panel-checkpoints").replaceChildren(
      el(
        "section",
        { class: "card" },
        el("h2", {}, "Checkpoints"),
        table(["UUID", "State", "Step", "Trial run", "Reported", "Resources", "Metadata"], rows, {
          caption: `${answer.data.length} checkpoint${answer.data.length === 1 ? "" : "s"}`,
          empty: "No checkpoints yet: save one with dialin.log_checkpoint(directory, {\"steps_completed\": step}).",
        }),
      ),
    );
  }

  async function drawHistory() {
    const rows = trial.history.map((change) => [
      stamp(change.at),
      el("span", {}, badge(change.from_state), " → ", badge(change.to_state)),
      change.reason,
      change.trial_run_id,
      change.restarts,
    ]);
    document.getElementById("panel-history").replaceChildren(
      el(
        "section",
        { class: "card", id: "state-history" },
        el("h2", {}, "State transitions"),
        el("p", {}, "Restarts: ", el("strong", { id: "history-restarts" }, restartsText()), " (a crash restarts the run from its latest checkpoint)."),
        table(["When", "From → to", "Reason", "Trial run", "Restarts"], rows, { caption: `${rows.length} change${rows.length === 1 ? "" : "s"}`, empty: "No state changes yet." }),
      ),
    );
  }

  /* The trial's own tabs, for a run whose trial side is served. */
  function ofTrial(drawTab, name) {
    return async () => {
      if (trial) return drawTab();
      document.getElementById(`panel-${name}`).replaceChildren(el("p", { class: "notice" }, ARCHIVED));
    };
  }

  const draw = {
    overview: drawOverview,
    logs: ofTrial(drawLogs, "logs"),
    checkpoints: ofTrial(drawCheckpoints, "checkpoints"),
    history: ofTrial(drawHistory, "history"),
  };

  async function loadRun() {
    [run, trial] = await Promise.all([
      api(`/v1/training_runs/${id}`),
      // An archived run's trial does not exist any more (404); its SigOpt record does.
      api(trialPath).catch((error) => {
        if (error.status === 404) return null;
        throw error;
      }),
    ]);
    if (run.experiment && experimentName === null) {
      const experiment = await api(`/v1/aiexperiments/${run.experiment}`).catch((error) => {
        if (error.status === 404) return { name: `#${run.experiment}` };
        throw error;
      });
      experimentName = experiment.name;
    }
    document.getElementById("run-name").textContent = run.name || `Run ${id}`;
    document.getElementById("run-state").replaceChildren(badge(trial ? trial.state : "archived"));
    document.title = `${run.name || `Run ${id}`} · dialin`;
  }

  /* What the non-log tabs show changes only when one of these does. */
  function signature() {
    if (!trial) return JSON.stringify([run.updated, run.values]);
    return JSON.stringify([run.updated, run.values, trial.state, trial.summary_metrics, trial.history.length, trial.checkpoint_count]);
  }

  const view = dialin.tabs(`/runs/${id}`, draw, root.dataset.tab);

  (async () => {
    try {
      await loadRun();
    } catch (error) {
      message(view.panel(view.current()), `Could not load the run: ${error.message}`);
      return;
    }
    await view.show(view.current());
    let drawn = signature();
    root.dataset.loaded = "true";
    if (!live()) return;
    document.getElementById("live").textContent = "Live: refreshes every 5 s";
    dialin.poll(async () => {
      if (!live()) return;
      await loadRun();
      const current = view.current();
      // New log lines are appended; other tabs are redrawn
      // only when the run changed, so a refresh does not take the focus off a picker.
      if (current === "logs" && trial) {
        await drawLogs({ append: true });
      } else if (signature() !== drawn) {
        drawn = signature();
        await draw[current]();
      }
      if (!live()) document.getElementById("live").textContent = "";
    }, 5);
  })();
})();
