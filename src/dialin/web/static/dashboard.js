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

  const signOut = document.getElementById("sign-out");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      await api("/api/v1/sessions/current", { method: "DELETE" });
      window.location.assign("/signin");
    });
  }

  return { ApiError, api, el, table, cell, number, time, age, pairs, message, poll };
})();
