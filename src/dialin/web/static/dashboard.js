/* Shared by every page: JSON API calls with the session cookie, DOM building, formatting. */
"use strict";

const dialin = (() => {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET" && csrfMeta) headers["X-CSRF-Token"] = csrfMeta.content;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : {};
    if (response.status === 401 && document.body.dataset.page !== "signin") {
      window.location.assign("/signin?next=" + encodeURIComponent(window.location.pathname));
    }
    if (!response.ok) throw new ApiError(response.status, data.message || response.statusText);
    return data;
  }

  /* el("td", {class: "num"}, "text", otherNode): text is never parsed as HTML. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function table(columns, rows, { caption, empty } = {}) {
    if (!rows.length && empty) return el("p", { class: "empty" }, empty);
    return el(
      "table",
      {},
      caption ? el("caption", {}, caption) : null,
      el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c)))),
      el(
        "tbody",
        {},
        rows.map((row) => (row instanceof Node ? row : el("tr", {}, row.map((v) => cell(v))))),
      ),
    );
  }

  function cell(value) {
    if (value instanceof Node && value.tagName === "TD") return value;
    const numeric = typeof value === "number";
    return el("td", { class: numeric ? "num" : null }, numeric ? number(value) : value ?? "—");
  }

  function number(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return String(value);
    const magnitude = Math.abs(value);
    return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)
      ? value.toExponential(4)
      : String(Number(value.toPrecision(6)));
  }

  function time(epoch) {
    if (!epoch) return "—";
    return new Date(epoch * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }

  function age(seconds) {
    if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
    return `${(seconds / 86400).toFixed(1)} d`;
  }

  function pairs(object) {
    if (!object || !Object.keys(object).length) return "—";
    return Object.entries(object)
      .map(([k, v]) => `${k}=${number(v)}`)
      .join(", ");
  }

  function message(container, text, kind = "error") {
    container.replaceChildren(el("p", { class: kind, role: kind === "error" ? "alert" : null }, text));
  }

  /* Calls `refresh` every few seconds while the page is visible; returns a stopper. */
  function poll(refresh, seconds = 5) {
    let timer = null;
    const tick = async () => {
      if (!document.hidden) {
        try {
          await refresh();
        } catch (error) {
          console.warn("refresh failed", error.message);
        }
      }
      timer = setTimeout(tick, seconds * 1000);
    };
    timer = setTimeout(tick, seconds * 1000);
    return () => clearTimeout(timer);
  }

  /* Terms and their values as a definition list: [[term, value], ...]. */
  function facts(entries) {
    return el("dl", { class: "facts" }, entries.map(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  }

  /* A parameter of an experiment's definition as a row: name, type, values, transformation. */
  function parameterRow(p) {
    let range = "—";
    if (p.bounds) range = `[${number(p.bounds.min)}, ${number(p.bounds.max)}]`;
    if (p.categorical_values) range = p.categorical_values.map((c) => c.name).join(", ");
    if (p.grid && p.grid.length) range = `grid: ${p.grid.map(number).join(", ")}`;
    return [p.name, p.type, range, p.transformation || "none"];
  }

  /* A state as a badge; trial states (RUNNING, ERROR, ...) and SigOpt's (active, failed). */
  function badge(state) {
    if (!state) return "—";
    return el("span", { class: `state state-${String(state).toLowerCase()}` }, state);
  }

  /* Tabs at their own URLs (`${base}/${name}`), switched without a reload; `draw` maps each
     tab's name to the function that fills its panel. Returns show(name) and current(). */
  function tabs(base, draw, initial) {
    let current = initial;
    const panel = (name) => document.getElementById(`panel-${name}`);
    async function show(name, { push = false } = {}) {
      current = name;
      for (const link of document.querySelectorAll('[role="tab"]')) {
        link.setAttribute("aria-selected", String(link.id === `tab-${name}`));
      }
      for (const other of Object.keys(draw)) panel(other).hidden = other !== name;
      if (push) history.pushState({ tab: name }, "", `${base}/${name}`);
      delete panel(name).dataset.loaded;
      try {
        await draw[name]();
        panel(name).dataset.loaded = "true";
      } catch (error) {
        message(panel(name), `Could not load: ${error.message}`);
      }
    }
    for (const link of document.querySelectorAll('[role="tab"]')) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        show(link.id.replace("tab-", ""), { push: true });
      });
    }
    window.addEventListener("popstate", () => {
      const last = window.location.pathname.split("/").pop();
      show(last in draw ? last : Object.keys(draw)[0]);
    });
    return { show, current: () => current, panel };
  }

  const signOut = document.getElementById("sign-out");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      await api("/api/v1/sessions/current", { method: "DELETE" });
      window.location.assign("/signin");
    });
  }

  return { ApiError, api, el, table, cell, number, time, age, pairs, message, poll, badge, tabs, parameterRow, facts };
})();
