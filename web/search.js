// Search: the query language over services (docs/query.md), the query and the page's cursor
// kept in the URL so a view can be shared, facets whose values narrow the query when clicked,
// and results whose addresses open the host and its service.
import { api, asset, el, errorLine, go, link, row, table, when } from "./dom.js";

const FACETS = "product,port,access,protocol";

export async function renderSearch(view, params) {
  const q = params.get("q") || "";
  const cursor = params.get("cursor") || "";
  const form = queryForm(q, "product:redis access:open net:10.0.0.0/8", (text) => go("search", { q: text }));
  view.replaceChildren(form);
  let r;
  try {
    r = await api(`/api/search?limit=50&q=${encodeURIComponent(q)}` +
                  (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
  } catch (e) {
    view.append(errorLine(e.message));
    return;
  }
  const results = r.rows.map((s) => {
    const rec = s.record || {};
    const title = (rec.http && rec.http.title) || rec.banner || "";
    return row([link("#/host/" + s.ip, s.ip), asset(s.ip, s.port, s.transport), s.protocol, s.product,
                s.version, s.access, when(s.last_seen), title],
               `#/host/${s.ip}/${s.port}/${s.transport}`);
  });
  const layout = el("div", null, { class: "with-facets" });
  const main = el("div");
  main.append(el("p", total(r) + " services", { id: "total" }),
              table(["Host", "Service", "Protocol", "Product", "Version", "Access", "Last seen", "Title or banner"],
                    results, { id: "results" }));
  if (r.next_cursor) main.append(link("#/search?" + new URLSearchParams({ q, cursor: r.next_cursor }), "Next page \u2192",
                                      { id: "next-page", class: "pager" }));
  layout.append(facetPanel(`/api/search?limit=0&facets=${FACETS}&q=${encodeURIComponent(q)}`, q, "search"), main);
  view.append(layout);
}

// "10,000+" when the server stopped counting there (ask with total=exact for all).
export function total(r) {
  return r.total_relation === "gte" ? r.total.toLocaleString("en") + "+" : String(r.total);
}

// A search box: "/" anywhere focuses it (app.js).
export function queryForm(q, placeholder, submit) {
  const form = el("form", null, { class: "query", role: "search" });
  const input = el("input", null, { id: "q", size: "70", placeholder, "aria-label": "query", autocomplete: "off" });
  input.value = q;
  form.append(input, el("button", "Search", { type: "submit" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit(input.value);
  });
  return form;
}

// The facets of a question, asked after its page (counting every match is the slow part, so
// the rows show first): each value is a link to the query narrowed by it, with a bar of its
// count.
export function facetPanel(path, q, route) {
  const panel = el("aside", null, { id: "facets", class: "facets", "aria-busy": "true" });
  api(path).then((r) => {
    fillFacets(panel, r.facets, q, route);
    panel.removeAttribute("aria-busy");
  }, (e) => panel.replaceChildren(errorLine(e.message)));
  return panel;
}

function fillFacets(panel, facets, q, route) {
  for (const f of facets.filter((x) => x.buckets.length)) {
    const box = el("div", null, { class: "facet" });
    box.append(el("h3", f.key));
    const largest = Math.max(1, ...f.buckets.map((b) => b.count));
    for (const b of f.buckets) {
      const value = /[\s"()]/.test(b.value) || b.value === "" ? '"' + b.value.replace(/"/g, "") + '"' : b.value;
      const narrowed = (q ? q + " " : "") + f.key + ":" + value;
      const a = link(`#/${route}?` + new URLSearchParams({ q: narrowed }), null, { class: "facet-value" });
      const fill = el("span", null, { class: "fill" });
      fill.style.width = (6 * b.count) / largest + "em";
      a.append(el("span", b.value === "" ? "(none)" : b.value, { class: "name" }), fill,
               el("span", b.count, { class: "count" }));
      box.append(a);
    }
    if (f.other) box.append(el("span", `${f.other} more`, { class: "other" }));
    panel.append(box);
  }
}
