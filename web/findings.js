// The findings list (#/findings?q=) with acknowledge and accept-risk (a reason and an expiry),
// one at a time or for the rows selected, and a finding's own page (#/finding/ID) with its
// evidence, remediation and workflow history. Changes go through POST /api/findings[/{id}].
import { api, asset, el, errorLine, go, heading, link, post, row, severity, span, table, when } from "./dom.js";
import { facetPanel, queryForm, total } from "./search.js";

export async function renderFindings(view, params, notice = "") {
  const q = params.get("q") || "";
  const cursor = params.get("cursor") || "";
  view.replaceChildren(queryForm(q, "severity:>=high status:open", (text) => go("findings", { q: text })));
  let r;
  try {
    r = await api("/api/findings?limit=100&q=" + encodeURIComponent(q) +
                  (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  } catch (e) {
    view.append(errorLine(e.message));
    return;
  }
  const refresh = (said) => renderFindings(view, params, said);
  const boxes = [];
  const rows = r.rows.map((f) => {
    const pick = el("input", null, { type: "checkbox", "aria-label": `select finding ${f.id}`, "data-id": f.id });
    boxes.push(pick);
    return row([pick, severity(f.severity), asset(f.ip, f.port, f.transport), link("#/finding/" + f.id, f.rule),
                f.status, span(f.open_for_s), f.title], "#/finding/" + f.id);
  });
  const all = el("input", null, { type: "checkbox", "aria-label": "select all", id: "select-all" });
  all.addEventListener("change", () => boxes.forEach((b) => { b.checked = all.checked; }));
  const main = el("div");
  if (notice) main.append(el("p", notice, { id: "notice", class: "ok", role: "status" }));
  main.append(el("p", total(r) + " findings", { id: "findings-total" }),
              bulkBar(() => boxes.filter((b) => b.checked).map((b) => Number(b.dataset.id)), refresh),
              table([all, "Severity", "Asset", "Rule", "Status", "Open for", "Title"], rows, { id: "findings" }));
  if (r.next_cursor) main.append(link("#/findings?" + new URLSearchParams({ q, cursor: r.next_cursor }),
                                      "Next page \u2192", { class: "pager" }));
  const layout = el("div", null, { class: "with-facets" });
  layout.append(facetPanel("/api/findings?limit=0&facets=severity,rule,status&q=" + encodeURIComponent(q), q,
                           "findings"), main);
  view.append(layout);
}

// The reason and expiry that accept-risk needs, as a small form.
function acceptFields() {
  const reason = el("input", null, { placeholder: "why the risk is accepted", size: "30", "aria-label": "reason", class: "reason" });
  const until = el("input", null, { type: "date", "aria-label": "accepted until", class: "until" });
  return { reason, until, body: () => ({ reason: reason.value.trim(), until: until.value || undefined }) };
}

function bulkBar(selected, refresh) {
  const bar = el("div", null, { class: "bulk", id: "bulk" });
  const message = el("span", null, { class: "message", role: "status" });
  const ack = el("button", "Acknowledge selected", { type: "button", id: "bulk-ack" });
  const fields = acceptFields();
  const accept = el("button", "Accept risk for selected", { type: "button", id: "bulk-accept" });
  const run = async (action, extra = {}) => {
    const ids = selected();
    if (!ids.length) { message.textContent = "select findings first (x on a row)"; return; }
    try {
      const r = await post("/api/findings", { ids, action, ...extra });
      const failed = r.results.filter((x) => x.code !== 200);
      const said = `${ids.length - failed.length} ${action === "accept" ? "accepted" : "acknowledged"}`;
      if (!failed.length) return refresh(said);
      message.textContent = `${said}, ${failed.length} refused: ` + failed.map((x) => x.answer.error.message).join("; ");
    } catch (e) { message.textContent = e.message; }
  };
  ack.addEventListener("click", () => run("acknowledge"));
  accept.addEventListener("click", () => {
    if (!fields.body().reason) { message.textContent = "accepting a risk needs a reason"; return; }
    run("accept", fields.body());
  });
  bar.append(ack, fields.reason, fields.until, accept, message);
  return bar;
}

// The buttons a finding's status allows; `after` runs once a change is stored.
export function findingActions(f, after) {
  const box = el("span", null, { class: "actions" });
  const message = el("span", null, { class: "message", role: "status" });
  const act = async (action, extra = {}) => {
    try {
      await post("/api/findings/" + f.id, { action, ...extra });
      after();
    } catch (e) { message.textContent = e.message; }
  };
  if (f.status === "open") {
    const b = el("button", "Acknowledge", { type: "button", class: "ack" });
    b.addEventListener("click", () => act("acknowledge"));
    box.append(b);
  }
  if (f.status === "open" || f.status === "acknowledged") {  // the reason and expiry on demand
    const fields = acceptFields();
    const ask = el("button", "Accept risk\u2026", { type: "button", class: "accept" });
    const form = el("span", null, { class: "accept-form", hidden: "" });
    const confirm = el("button", "Accept", { type: "button", class: "confirm" });
    ask.addEventListener("click", () => { form.hidden = false; ask.hidden = true; fields.reason.focus(); });
    confirm.addEventListener("click", () => {
      if (!fields.body().reason) { message.textContent = "give a reason"; return; }
      act("accept", fields.body());
    });
    form.append(fields.reason, fields.until, confirm);
    box.append(ask, form);
  }
  if (f.status !== "open") {
    const b = el("button", "Reopen", { type: "button", class: "reopen" });
    b.addEventListener("click", () => act("reopen"));
    box.append(b);
  }
  box.append(message);
  return box;
}

export async function renderFinding(view, [id]) {
  const f = await api("/api/findings/" + encodeURIComponent(id));
  const title = heading(`${f.rule} on ${f.ip}:${f.port}`);
  const facts = el("p", null, { id: "finding-facts" });
  facts.append(severity(f.severity), ` ${f.status}; first seen `, when(f.first_seen), ", last seen ", when(f.last_seen),
               f.resolved_at ? ", resolved " : "", f.resolved_at ? when(f.resolved_at) : "",
               f.reopen_count ? `, reopened ${f.reopen_count} times` : "");
  if (f.reason) facts.append(` \u2014 ${f.status} by ${f.actor}: ${f.reason}`, f.until ? " until " : "", f.until ? when(f.until) : "");
  const service = el("p");
  service.append(asset(f.ip, f.port, f.transport), " \u00b7 ", link("#/host/" + f.ip, "the host"));
  view.replaceChildren(
    title, el("p", f.title), facts, findingActions(f, () => renderFinding(view, [id])),
    heading("Service", 3), service, heading("Evidence (metadata only)", 3),
    el("pre", JSON.stringify(f.evidence, null, 2), { class: "record" }),
    heading("Remediation", 3), el("p", f.remediation),
    heading("Workflow", 3),
    table(["When", "From", "To", "By", "Reason", "Until"],
          f.changes.map((c) => row([when(c.at), c.from, c.to, c.actor, c.reason, c.until ? when(c.until) : ""]))));
}
