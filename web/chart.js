// Open findings over time as a stacked area chart in SVG (one band per severity, most severe at
// the bottom), with a hover title per day. Built with createElementNS and textContent only.
import { SEVERITIES } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const W = 720, H = 200, LEFT = 36, RIGHT = 8, TOP = 10, BOTTOM = 24;

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

// days: [{day: "2026-12-01", critical: 1, high: 0, ...}], oldest first.
export function openOverTime(days) {
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img" });
  root.append(svg("title", {}, "Open findings per day, by severity"));
  const totals = days.map((d) => SEVERITIES.reduce((n, s) => n + (d[s] || 0), 0));
  const top = Math.max(1, ...totals);
  const x = (i) => LEFT + (days.length < 2 ? 0 : (i * (W - LEFT - RIGHT)) / (days.length - 1));
  const y = (v) => H - BOTTOM - (v * (H - TOP - BOTTOM)) / top;
  for (const v of [0, Math.round(top / 2), top]) {
    root.append(svg("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  const below = days.map(() => 0);
  for (const sev of SEVERITIES) {
    const upper = days.map((d, i) => below[i] + (d[sev] || 0));
    const points = upper.map((v, i) => `${x(i)},${y(v)}`);
    const back = below.map((v, i) => `${x(i)},${y(v)}`).reverse();
    root.append(svg("polygon", { points: [...points, ...back].join(" "), class: "band", "data-severity": sev }));
    upper.forEach((v, i) => { below[i] = v; });
  }
  for (const i of [0, Math.floor((days.length - 1) / 2), days.length - 1]) {
    if (!days[i]) continue;
    const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
    root.append(svg("text", { x: x(i), y: H - 6, "text-anchor": anchor }, days[i].day));
  }
  const step = days.length < 2 ? W : (W - LEFT - RIGHT) / (days.length - 1);
  days.forEach((d, i) => {
    const hit = svg("rect", { x: x(i) - step / 2, y: TOP, width: step, height: H - TOP - BOTTOM, class: "hit" });
    const parts = SEVERITIES.filter((s) => d[s]).map((s) => `${d[s]} ${s}`);
    hit.append(svg("title", {}, `${d.day}: ${totals[i]} open${parts.length ? " (" + parts.join(", ") + ")" : ""}`));
    root.append(hit);
  });
  return root;
}
