// Searchlight's web UI. Every value from the store reaches the page through textContent, never
// innerHTML: banners come from hostile servers. The API answers only to a session cookie (or
// the token), and the Content-Security-Policy allows this file and nothing inline.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

async function api(path, options = {}) {
  const r = await fetch(path, { credentials: "same-origin", ...options });
  const body = await r.json().catch(() => ({}));
  if (r.status === 401) { show("login"); throw new Error("log in first"); }
  if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
  return body;
}

function show(name) {
  for (const s of ["login", "dashboard", "search"]) $(s).hidden = s !== name;
  $("nav").hidden = name === "login";
}

async function dashboard() {
  show("dashboard");
  const stats = await api("/api/stats?days=30");
  const bars = $("severity-bars");
  bars.replaceChildren();
  const counts = stats.open_by_severity;
  const largest = Math.max(1, ...Object.values(counts));
  for (const sev of ["critical", "high", "medium", "low", "info"]) {
    const row = el("div", null, { class: "bar", "data-severity": sev });
    row.append(el("span", sev, { class: "label" }));
    const fill = el("span", null, { class: "fill" });
    fill.style.width = (20 * counts[sev] / largest) + "em";
    row.append(fill, el("span", counts[sev], { class: "count" }));
    bars.append(row);
  }
  const open = await api("/api/findings?limit=10&q=" + encodeURIComponent(""));
  const body = $("longest").tBodies[0];
  body.replaceChildren();
  const rows = open.rows.filter((f) => f.status === "open" || f.status === "acknowledged")
    .sort((a, b) => a.first_seen.localeCompare(b.first_seen));
  for (const f of rows) {
    const tr = el("tr");
    tr.append(el("td", f.ip + ":" + f.port), el("td", f.rule), el("td", f.severity), el("td", f.first_seen));
    body.append(tr);
  }
  const m = await api("/api/monitor");
  $("monitor-health").textContent = m.healthy
    ? "healthy: " + m.scopes.length + " scopes, " + m.undelivered.length + " undelivered alerts"
    : "NOT HEALTHY: " + m.dead.length + " dead alerts";
}

async function search(q) {
  show("search");
  $("q").value = q;
  $("search-error").textContent = "";
  try {
    const r = await api("/api/search?limit=100&facets=product,port,access&q=" + encodeURIComponent(q));
    $("total").textContent = r.total + " services";
    const body = $("results").tBodies[0];
    body.replaceChildren();
    for (const s of r.rows) {
      const rec = s.record || {};
      const title = (rec.http && rec.http.title) || rec.banner || "";
      const tr = el("tr");
      tr.append(el("td", s.ip), el("td", s.port), el("td", s.protocol), el("td", s.product),
                el("td", s.access), el("td", title));
      body.append(tr);
    }
    const facets = $("facets");
    facets.replaceChildren();
    for (const f of r.facets) {
      const box = el("div");
      box.append(el("strong", f.key));
      for (const b of f.buckets) {
        const button = el("button", b.value + " (" + b.count + ")", { type: "button" });
        button.addEventListener("click", () => {
          const value = /[\s"]/.test(b.value) ? '"' + b.value.replace(/"/g, "") + '"' : b.value;
          location.hash = "#/search?q=" + encodeURIComponent((q ? q + " " : "") + f.key + ":" + value);
        });
        box.append(button);
      }
      facets.append(box);
    }
  } catch (e) {
    $("search-error").textContent = e.message;
  }
}

function route() {
  const hash = location.hash || "#/";
  if (hash.startsWith("#/search")) {
    const q = new URLSearchParams(hash.split("?")[1] || "").get("q") || "";
    search(q).catch(() => {});
  } else {
    dashboard().catch(() => {});
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await fetch("/api/session", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: $("token").value.trim() }),
    });
    if (!r.ok) { $("login-error").textContent = "that is not the token"; return; }
    $("token").value = "";
    route();
  });
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    location.hash = "#/search?q=" + encodeURIComponent($("q").value);
  });
  $("logout").addEventListener("click", async () => {
    await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
    show("login");
  });
  window.addEventListener("hashchange", route);
  route();
});
