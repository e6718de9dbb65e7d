// What changed in a window (#/diff?since=24h): services new, gone and changed (which state
// fields, before and after), findings opened and resolved. GET /api/diff; each list is capped
// and says so.
import { api, asset, el, go, heading, row, severity, table } from "./dom.js";

const LIMIT = 200;

export async function renderDiff(view, params) {
  const since = params.get("since") || "24h";
  const d = await api(`/api/diff?limit=${LIMIT}&since=${encodeURIComponent(since)}`);
  const pick = el("select", null, { id: "since", "aria-label": "window" });
  for (const s of ["1h", "24h", "7d", "30d"]) {
    const o = el("option", "last " + s, { value: s });
    o.selected = s === since;
    pick.append(o);
  }
  pick.addEventListener("change", () => go("diff", { since: pick.value }));
  const title = heading("Changes from " + d.from.slice(0, 16).replace("T", " ") + " to " + d.to.slice(0, 16).replace("T", " ") + " UTC");
  view.replaceChildren(title, pick);
  const c = d.counts;
  section(view, "New findings", c.new_findings, d.new_findings, findingRow, ["Severity", "Asset", "Rule", "Title"]);
  section(view, "Resolved findings", c.resolved_findings, d.resolved_findings, findingRow, ["Severity", "Asset", "Rule", "Title"]);
  section(view, "Changed services", c.changed_services, d.changed_services, changedRow, ["Service", "Protocol", "Product", "What changed"]);
  section(view, "New services", c.new_services, d.new_services, serviceRow, ["Service", "Protocol", "Product", "Access"]);
  section(view, "Gone services", c.gone_services, d.gone_services, serviceRow, ["Service", "Protocol", "Product", "Access"]);
}

function section(view, title, count, list, toRow, headers) {
  view.append(heading(`${title} (${count})`, 3));
  if (!count) return;
  view.append(table(headers, list.map(toRow), { class: "diff", "data-kind": title }));
  if (count > list.length) view.append(el("p", `and ${count - list.length} more (searchlight diff --since lists all)`));
}

const findingRow = (f) => row([severity(f.severity), asset(f.ip, f.port), f.rule, f.title]);
const serviceRow = (s) => row([asset(s.ip, s.port), s.protocol, s.product, s.access], `#/host/${s.ip}/${s.port}/tcp`);

function changedRow(s) {
  const what = Object.entries(s.changes).map(([k, [a, b]]) => `${k}: ${JSON.stringify(a)} \u2192 ${JSON.stringify(b)}`);
  return row([asset(s.ip, s.port), s.protocol, s.product, what.join("; ")], `#/host/${s.ip}/${s.port}/tcp`);
}

