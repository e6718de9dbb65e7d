// A host's page (#/host/IP) and a service's (#/host/IP/PORT/TRANSPORT): the services table,
// the timeline of the host's states, findings and monitor events, and for a service its latest
// record (as text), its distinct states and its findings.
import { api, asset, el, heading, link, row, severity, table, when } from "./dom.js";
import { findingActions } from "./findings.js";

export async function renderHost(view, [ip, port, transport]) {
  const [host, events] = await Promise.all([
    api("/api/hosts/" + encodeURIComponent(ip)),
    api("/api/events?limit=200&q=" + encodeURIComponent("ip:" + ip)).catch(() => ({ events: [] })),
  ]);
  const title = heading(host.ip, 2);
  if (host.honeypot_suspected) title.append(el("span", "honeypot suspected", { class: "flag" }));
  view.replaceChildren(title);
  const chosen = port && host.services.find((s) => String(s.port) === port && s.transport === (transport || "tcp"));
  if (port && !chosen) view.append(el("p", `No service ${port}/${transport || "tcp"} on this host.`, { class: "error" }));
  if (chosen) view.append(serviceDetail(host.ip, chosen, view));
  view.append(heading("Services"), servicesTable(host), heading("Timeline"), timeline(host, events.events));
}

function servicesTable(host) {
  const rows = host.services.map((s) => {
    const open = s.findings.filter((f) => f.status !== "resolved").length;
    return row([asset(host.ip, s.port, s.transport), s.transport, s.state, s.protocol, s.product, s.version,
                s.access, when(s.first_seen), when(s.last_seen), open],
               `#/host/${host.ip}/${s.port}/${s.transport}`);
  });
  return table(["Service", "Transport", "State", "Protocol", "Product", "Version", "Access", "First seen",
                "Last seen", "Open findings"], rows, { id: "services" });
}

// Newest first: each state's start and end, each finding's workflow change, each event.
function timeline(host, events) {
  const items = [];
  for (const s of host.services) {
    const where = `${s.port}/${s.transport}`;
    for (const o of s.history) {
      const what = [o.protocol, o.product, o.version, o.access, o.tls ? "tls" : ""].filter(Boolean).join(" ");
      items.push({ at: o.first_seen, kind: "state", text: `${where}: ${what}` });
      if (o.ended_at) items.push({ at: o.ended_at, kind: "ended", text: `${where}: that state ended` });
    }
    for (const f of s.findings) {
      items.push({ at: f.first_seen, kind: "finding", text: `${where}: ${f.rule} found (${f.severity})` });
      for (const c of f.changes)
        items.push({ at: c.at, kind: "workflow", text: `${where}: ${f.rule} ${c.from || "-"} \u2192 ${c.to} by ${c.actor}` +
                                                      (c.reason ? ` (${c.reason})` : "") });
    }
  }
  for (const e of events)
    items.push({ at: e.time, kind: "event", text: `${e.port || ""} ${e.event}${e.rule ? " " + e.rule : ""} (${e.delivery})` });
  items.sort((a, b) => (b.at || "").localeCompare(a.at || ""));
  const list = el("ol", null, { id: "timeline", class: "timeline" });
  for (const i of items) {
    const li = el("li", null, { "data-kind": i.kind });
    li.append(when(i.at), el("span", i.kind, { class: "kind" }), el("span", i.text));
    list.append(li);
  }
  return list;
}

function serviceDetail(ip, s, view) {
  const box = el("section", null, { id: "service", class: "panel" });
  box.append(heading(`${ip}:${s.port}/${s.transport} \u2014 ${s.protocol}${s.product ? " " + s.product : ""}`, 3));
  const facts = el("p", `${s.state}, ${s.access}; first seen `);
  facts.append(when(s.first_seen), ", last seen ", when(s.last_seen));
  box.append(facts, heading("Findings", 4));
  const findings = s.findings.map((f) => row([severity(f.severity), link("#/finding/" + f.id, f.rule), f.status,
                                              f.title, findingActions(f, () => renderHost(view, [ip, String(s.port), s.transport]))],
                                             "#/finding/" + f.id));
  box.append(findings.length ? table(["Severity", "Rule", "Status", "Title", "Act"], findings, { id: "service-findings" })
                             : el("p", "None."));
  box.append(heading("States", 4), table(["From", "Until", "Protocol", "Product", "Version", "Access", "Rules"],
    s.history.map((o) => row([when(o.first_seen), o.ended_at ? when(o.ended_at) : "now", o.protocol, o.product,
                              o.version, o.access, (o.rules || []).join(", ")]))));
  box.append(heading("Latest record (metadata, as the server sent it)", 4),
             el("pre", JSON.stringify(s.record, null, 2), { class: "record" }));
  return box;
}
