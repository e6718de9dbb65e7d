// The dashboard: what changed since yesterday (the strip opens the diff), open exposures by
// severity, the chart of open findings over time, time to detect, the longest-open findings
// with their windows, and the monitor's health per scope.
import { SEVERITIES, api, asset, el, heading, link, row, severity, span, table, when } from "./dom.js";
import { openOverTime } from "./chart.js";

export async function renderDashboard(view) {
  const [stats, diff, monitor] = await Promise.all([
    api("/api/stats?days=30"),
    api("/api/diff?since=24h&limit=0"),
    api("/api/monitor"),
  ]);
  view.replaceChildren(
    strip(diff.counts),
    cards(stats, diff.counts),
    heading("Open exposures by severity"),
    severityBars(stats.open_by_severity),
    heading("Open findings, last 30 days"),
    openOverTime(stats.open_over_time),
    heading("Longest open"),
    longestOpen(stats.longest_open),
    heading("Monitor"),
    monitorHealth(monitor),
  );
}

function strip(c) {
  const text = `Since yesterday: +${c.new_findings} new, \u2212${c.resolved_findings} resolved, ` +
    `${c.changed_services} changed (${c.new_services} services appeared, ${c.gone_services} gone)`;
  return link("#/diff?since=24h", text, { id: "since-strip", class: "strip" });
}

function card(label, value, id) {
  const box = el("div", null, { class: "card", id });
  box.append(el("span", value, { class: "value" }), el("span", label, { class: "label" }));
  return box;
}

function cards(stats, counts) {
  const open = SEVERITIES.reduce((n, s) => n + stats.open_by_severity[s], 0);
  const ttd = stats.time_to_detect_s;
  const window = stats.exposure_window_s.open;
  const box = el("div", null, { class: "cards" });
  box.append(
    card("open exposures", open, "card-open"),
    card("new in 24 h", counts.new_findings, "card-new"),
    card(ttd.count ? `time to detect (median; p90 ${span(ttd.p90)})` : "time to detect (no monitor events yet)",
         ttd.count ? span(ttd.median) : "-", "card-ttd"),
    card("open for (median)", window.count ? span(window.median) : "-", "card-window"),
  );
  return box;
}

function severityBars(counts) {
  const bars = el("div", null, { id: "severity-bars", class: "bars" });
  const largest = Math.max(1, ...Object.values(counts));
  for (const sev of SEVERITIES) {
    const bar = link("#/findings?q=" + encodeURIComponent("severity:" + sev), null,
                     { class: "bar", "data-severity": sev });
    const fill = el("span", null, { class: "fill" });
    fill.style.width = (20 * counts[sev]) / largest + "em";
    bar.append(el("span", sev, { class: "label" }), fill, el("span", counts[sev], { class: "count" }));
    bars.append(bar);
  }
  return bars;
}

function longestOpen(rows) {
  const body = rows.map((f) => row([asset(f.ip, f.port, f.transport), link("#/finding/" + f.id, f.rule),
                                    severity(f.severity), f.status, when(f.first_seen), span(f.open_for_s)],
                                   "#/finding/" + f.id));
  if (!rows.length) return el("p", "No open findings.", { id: "longest" });
  return table(["Asset", "Rule", "Severity", "Status", "Open since", "Window"], body, { id: "longest" });
}

function monitorHealth(m) {
  const box = el("div", null, { id: "monitor-health" });
  const state = m.healthy ? "healthy" : "NOT HEALTHY";
  box.append(el("p", `${state}: ${m.scopes.length} scopes, ${m.undelivered.length} alerts waiting, ` +
                     `${m.dead.length} dead`, { class: m.healthy ? "ok" : "error" }));
  if (!m.scopes.length) {
    box.append(el("p", "No monitor cycles yet: run `searchlight monitor run` (docs/monitor.md)."));
    return box;
  }
  box.append(table(["Scope", "Schedule", "Last cycle", "Status", "Next scan", "Open"],
    m.scopes.map((s) => row([s.name, s.schedule || "-", s.last_cycle ? when(s.last_cycle.started_at) : "never",
                             s.overdue ? "OVERDUE" : s.last_cycle ? s.last_cycle.status : "-",
                             s.next_scan_at ? when(s.next_scan_at) : "-", s.open_exposures]))));
  return box;
}

