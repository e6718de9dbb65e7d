// The UI's shared pieces. Every stored value came from a server we do not trust, so it reaches
// the page only as text: el() sets textContent and attributes, never HTML. api() is the one way
// to the server (the session cookie, JSON errors as exceptions, a 401 back to the login).
export const SEVERITIES = ["critical", "high", "medium", "low", "info"];

export const $ = (id) => document.getElementById(id);

export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  return e;
}

export function link(href, text, attrs = {}) {
  return el("a", text, { href, ...attrs });
}

export class LoggedOut extends Error {}

export async function api(path, options = {}) {
  const r = await fetch(path, { credentials: "same-origin", ...options });
  const body = await r.json().catch(() => ({}));
  if (r.status === 401) {
    window.dispatchEvent(new Event("sl-logged-out"));
    throw new LoggedOut("log in first");
  }
  if (!r.ok) throw new Error((body.error && body.error.message) || "HTTP " + r.status);
  return body;
}

export function post(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// "4 d 3 h", "12 min": how long, at the two largest units that matter.
export function span(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  const units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  let s = Math.max(0, Math.round(seconds));
  const parts = [];
  for (const [name, size] of units) {
    if (s >= size || (parts.length === 0 && size === 1)) {
      parts.push(Math.floor(s / size) + " " + name);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

// A stored time as "3 h ago", the exact time on hover.
export function when(iso) {
  if (!iso) return el("span", "-");
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  const text = seconds < -60 ? "in " + span(-seconds) : seconds < 60 ? "just now" : span(seconds) + " ago";
  return el("time", text, { datetime: iso, title: iso });
}

// A table row that is also a link (Enter or a click opens it; j and k move between rows).
export function row(cells, href) {
  const tr = el("tr", null, href ? { tabindex: "0", "data-href": href } : {});
  for (const c of cells) {
    const td = el("td");
    if (c instanceof Node) td.append(c);
    else td.textContent = c === null || c === undefined ? "" : String(c);
    tr.append(td);
  }
  return tr;
}

export function table(headers, rows, attrs = {}) {
  const t = el("table", null, attrs);
  const head = el("tr");
  for (const h of headers) head.append(h instanceof Node ? wrap("th", h) : el("th", h));
  t.append(el("thead"), el("tbody"));
  t.tHead.append(head);
  t.tBodies[0].append(...rows);
  return t;
}

function wrap(tag, child) {
  const e = el(tag);
  e.append(child);
  return e;
}

export function severity(s) {
  return el("span", s, { class: "sev", "data-severity": s });
}

export function asset(ip, port, transport = "tcp") {
  return link(`#/host/${ip}/${port}/${transport}`, `${ip}:${port}`);
}

// The route's parameters: "#/search?q=port:22" -> {path: ["search"], params}.
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query] = hash.split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || "") };
}

export function go(path, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  location.hash = "#/" + path + (q.toString() ? "?" + q : "");
}

export function heading(text, level = 2) {
  return el("h" + level, text);
}

export function errorLine(message) {
  return el("p", message, { class: "error", role: "alert" });
}
