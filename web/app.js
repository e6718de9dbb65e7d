// Searchlight's web UI: the router (every view has its own #/ URL), the login, and the
// keyboard. The views are modules of their own; every value from the store reaches the page as
// text (dom.js). The API answers only to a session cookie (or the token), and the
// Content-Security-Policy allows these files and nothing inline.
import { $, LoggedOut, currentRoute, errorLine } from "./dom.js";
import { renderDashboard } from "./dashboard.js";
import { renderSearch } from "./search.js";
import { renderHost } from "./host.js";
import { renderFinding, renderFindings } from "./findings.js";
import { renderDiff } from "./diff.js";

const VIEWS = {
  "": (view) => renderDashboard(view),
  search: (view, r) => renderSearch(view, r.params),
  findings: (view, r) => renderFindings(view, r.params),
  finding: (view, r) => renderFinding(view, r.path.slice(1)),
  host: (view, r) => renderHost(view, r.path.slice(1)),
  diff: (view, r) => renderDiff(view, r.params),
};

function showLogin(shown) {
  $("login").hidden = !shown;
  $("view").hidden = shown;
  $("nav").hidden = shown;
  if (shown) $("token").focus();
}

async function route() {
  const r = currentRoute();
  const render = VIEWS[r.path[0] || ""];
  const view = $("view");
  for (const a of document.querySelectorAll("#nav a"))
    a.toggleAttribute("aria-current", a.getAttribute("href") === "#/" + (r.path[0] || ""));
  showLogin(false);
  view.setAttribute("aria-busy", "true");
  try {
    if (!render) throw new Error("no such page: " + location.hash);
    await render(view, r);
    view.dataset.view = r.path[0] || "dashboard";
  } catch (e) {
    if (e instanceof LoggedOut) return;
    view.replaceChildren(errorLine(e.message));
  } finally {
    view.removeAttribute("aria-busy");
  }
}

async function logIn(ev) {
  ev.preventDefault();
  const r = await fetch("/api/session", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: $("token").value.trim() }),
  });
  if (!r.ok) { $("login-error").textContent = "that is not the token"; return; }
  $("token").value = "";
  $("login-error").textContent = "";
  route();
}

// "/" focuses the query box, j and k move between the rows of a table, Enter opens the row,
// x ticks its checkbox, g then d, s, f or c go to the dashboard, search, findings or changes.
function keyboard() {
  let pendingG = false;
  document.addEventListener("keydown", (ev) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const rows = [...document.querySelectorAll("#view tr[data-href]")];
    const at = rows.indexOf(document.activeElement);
    if (pendingG) {
      pendingG = false;
      const to = { d: "#/", s: "#/search", f: "#/findings", c: "#/diff" }[ev.key];
      if (to) { location.hash = to; ev.preventDefault(); }
      return;
    }
    if (ev.key === "g") { pendingG = true; return; }
    if (ev.key === "/" && $("q")) { $("q").focus(); ev.preventDefault(); }
    else if ((ev.key === "j" || ev.key === "k") && rows.length) {
      rows[Math.min(rows.length - 1, Math.max(0, at + (ev.key === "j" ? 1 : -1)))].focus();
      ev.preventDefault();
    } else if (ev.key === "Enter" && at >= 0) location.hash = rows[at].dataset.href;
    else if (ev.key === "x" && at >= 0) {
      const box = rows[at].querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    }
  });
  document.addEventListener("click", (ev) => {  // a click on a row (not on its links or inputs) opens it
    const tr = ev.target.closest && ev.target.closest("#view tr[data-href]");
    if (tr && !ev.target.closest("a, button, input, select, label")) location.hash = tr.dataset.href;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", async () => {
    await fetch("/api/session", { method: "DELETE", credentials: "same-origin" });
    showLogin(true);
  });
  window.addEventListener("sl-logged-out", () => showLogin(true));
  window.addEventListener("hashchange", route);
  keyboard();
  route();
});

