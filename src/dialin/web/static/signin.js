"use strict";
(() => {
  const form = document.getElementById("signin-form");
  const error = document.getElementById("signin-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const token = document.getElementById("token").value.trim();
    try {
      await dialin.api("/api/v1/sessions", { method: "POST", body: { token } });
    } catch (failure) {
      error.textContent = failure.status === 403 ? "That API token is not valid." : failure.message;
      error.hidden = false;
      return;
    }
    const next = new URLSearchParams(window.location.search).get("next");
    window.location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
  });
})();
