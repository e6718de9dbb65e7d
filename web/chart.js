// Open findings over time as stacked columns in SVG (one block per severity, most severe at the
// bottom), with a hover title per day. Built with createElementNS and textContent only.
import { SEVERITIES } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const W = 720, H = 200, LEFT = 36, RIGHT = 8, TOP = 10, BOTTOM = 24;

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

// days: [{day: "2026-12-01", critical: 1, high: 0, ...}], oldest first. One stacked column per
// day, so a day without data is a gap and not a slope.
export function openOverTime(days) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
  root.append(svg("title", {}, "Open findings at the end of each day, by severity"));
  const totals = days.map((d) => SEVERITIES.reduce((n, s) => n + (d[s] || 0), 0));
  const top = Math.max(1, ...totals);
  const step = (W - LEFT - RIGHT) / Math.max(1, days.length);
  const x = (i) => LEFT + i * step;
  const y = (v) => H - BOTTOM - (v * (H - TOP - BOTTOM)) / top;
  for (const v of [...new Set([0, Math.round(top / 2), top])]) {
    root.append(svg("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  days.forEach((d, i) => {
    let below = 0;
    for (const sev of SEVERITIES) {
      const n = d[sev] || 0;
      if (!n) continue;
      root.append(svg("rect", { x: x(i) + step * 0.1, y: y(below + n), width: step * 0.8,
                                height: y(below) - y(below + n), class: "band", "data-severity": sev }));
      below += n;
    }
    const hit = svg("rect", { x: x(i), y: TOP, width: step, height: H - TOP - BOTTOM, class: "hit" });
    const parts = SEVERITIES.filter((s) => d[s]).map((s) => `${d[s]} ${s}`);
    hit.append(svg("title", {}, `${d.day}: ${totals[i]} open${parts.length ? " (" + parts.join(", ") + ")" : ""}`));
    root.append(hit);
  });
  for (const i of [0, Math.floor((days.length - 1) / 2), days.length - 1]) {
    if (!days[i]) continue;
    const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
    const at = i === 0 ? x(i) : i === days.length - 1 ? x(i) + step : x(i) + step / 2;
    root.append(svg("text", { x: at, y: H - 6, "text-anchor": anchor }, days[i].day));
  }
  return root;
}
