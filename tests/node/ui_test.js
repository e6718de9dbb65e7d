// Drives Debian's chromium with playwright-core through the web UI (tests/integration/test_ui.py
// starts the server and the data). Two walks, each printing one JSON line of what it saw, with a
// screenshot of every step in OUTDIR:
//   node ui_test.js walk URL TOKEN OUTDIR   log in, dashboard, search, facet, host, acknowledge
//   node ui_test.js tour URL TOKEN OUTDIR HOST   the README's pictures: dashboard and a host page
"use strict";
const { chromium } = require("playwright-core");

const T = { timeout: 10000 };

async function logIn(page, url, token) {
  await page.goto(url);
  await page.waitForSelector("#login:not([hidden])", T);
  await page.fill("#token", token);
  await page.click("#login-form button");
  await page.waitForSelector('#view[data-view="dashboard"] #severity-bars', T);
}

async function walk(page, url, token, out, seen) {
  await page.goto(url);
  await page.waitForSelector("#login:not([hidden])", T);
  seen.login_shown = true;
  await page.fill("#token", "not-the-token");
  await page.click("#login-form button");
  await page.waitForFunction(() => document.querySelector("#login-error").textContent !== "", null, T);
  seen.wrong_token = await page.textContent("#login-error");
  await page.screenshot({ path: out + "/login.png" });
  await logIn(page, url, token);
  seen.medium = await page.textContent('.bar[data-severity="medium"] .count');
  seen.strip = await page.textContent("#since-strip");
  seen.chart_bands = await page.$$eval("svg.chart rect.band", (r) => r.map((x) => x.dataset.severity));
  seen.longest = await page.$$eval("#longest tbody tr", (rows) => rows.map((r) => r.textContent));
  seen.open_card = await page.textContent("#card-open .value");
  await page.screenshot({ path: out + "/dashboard.png", fullPage: true });

  await page.click("#since-strip");
  await page.waitForSelector('#view[data-view="diff"]', T);
  seen.diff_headings = await page.$$eval("#view h3", (h) => h.map((x) => x.textContent));
  await page.screenshot({ path: out + "/diff.png", fullPage: true });

  await page.click('#nav a[href="#/search"]');
  await page.waitForSelector('#view[data-view="search"]', T);
  await page.keyboard.press("/");  // the keyboard: "/" focuses the query box
  seen.slash_focuses = await page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.keyboard.type("port:8080");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => (document.querySelector("#total") || {}).textContent === "1 services", null, T);
  seen.search_hash = decodeURIComponent(await page.evaluate(() => location.hash));
  seen.titles = await page.$$eval("#results tbody tr td:last-child", (c) => c.map((x) => x.textContent));
  seen.injected_elements = await page.$$eval("#view img, #view script", (e) => e.length);
  await page.screenshot({ path: out + "/search.png", fullPage: true });

  await page.click("#results tbody tr a[href^='#/host/'][href$='/tcp']");  // the hostile service's page
  await page.waitForSelector('#view[data-view="host"] #service pre.record', T);
  seen.hostile_record_has_title = (await page.textContent("#service pre.record")).includes("<script>");
  seen.injected_on_host = await page.$$eval("#view img, #view script", (e) => e.length);

  await page.goto(url + "#/search");
  await page.waitForSelector('#view[data-view="search"] #facets .facet-value', T);
  const facet = await page.$('#facets .facet-value[href*="product"]');
  seen.facet_text = await facet.textContent();
  await facet.click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes("product:"), null, T);
  await page.waitForSelector('#view[data-view="search"] #results', T);
  seen.hash_after_facet = decodeURIComponent(await page.evaluate(() => location.hash));
  seen.total_after_facet = await page.textContent("#total");
  await page.screenshot({ path: out + "/facet.png", fullPage: true });

  await page.goto(url + "#/search?q=port:6379");
  await page.waitForSelector('#view[data-view="search"] #results tbody tr', T);
  await page.keyboard.press("j");  // the first row
  await page.keyboard.press("Enter");  // opens its service page
  await page.waitForSelector('#view[data-view="host"] #service', T);
  seen.host_hash = decodeURIComponent(await page.evaluate(() => location.hash));
  seen.services = await page.$$eval("#services tbody tr", (rows) => rows.map((r) => r.textContent));
  seen.timeline_kinds = await page.$$eval("#timeline li", (li) => li.map((x) => x.dataset.kind));
  await page.screenshot({ path: out + "/host.png", fullPage: true });

  await page.click("#service-findings tbody tr .ack");  // acknowledge the redis finding
  await page.waitForFunction(() => [...document.querySelectorAll("#service-findings tbody tr td")]
    .some((td) => td.textContent === "acknowledged"), null, T);
  seen.after_ack = await page.$$eval("#service-findings tbody tr", (rows) => rows.map((r) => r.textContent));
  await page.screenshot({ path: out + "/acknowledged.png", fullPage: true });

  await page.goto(url + "#/findings?q=" + encodeURIComponent("status:acknowledged"));
  await page.waitForSelector('#view[data-view="findings"] #findings', T);
  seen.acknowledged_total = await page.textContent("#findings-total");
  await page.goto(url + "#/findings");
  await page.waitForSelector('#view[data-view="findings"] #findings tbody tr', T);
  const row = await page.$("#findings tbody tr");
  await row.$eval("input[type=checkbox]", (b) => { b.checked = true; });
  await page.fill("#bulk .reason", "lab server, torn down weekly");
  await page.fill("#bulk .until", "2027-06-30");
  await page.click("#bulk-accept");
  await page.waitForSelector("#notice", T);  // the list again, without what was accepted
  seen.bulk_notice = await page.textContent("#notice");
  seen.total_after_bulk = await page.textContent("#findings-total");
  await page.goto(url + "#/findings?q=" + encodeURIComponent("status:accepted"));
  await page.waitForSelector('#view[data-view="findings"] #findings tbody tr', T);
  seen.statuses_after_bulk = await page.$$eval("#findings tbody tr td:nth-child(5)", (c) => c.map((x) => x.textContent));
  await page.screenshot({ path: out + "/findings.png", fullPage: true });
}

async function tour(page, url, token, out, host, seen) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await logIn(page, url, token);
  await page.waitForSelector("svg.chart", T);
  seen.open_card = await page.textContent("#card-open .value");
  await page.screenshot({ path: out + "/dashboard.png", fullPage: true });
  await page.goto(url + "#/host/" + host);  // a service's page: its findings, states and record
  await page.waitForSelector('#view[data-view="host"] #service', T);
  seen.services = await page.$$eval("#services tbody tr", (rows) => rows.length);
  await page.screenshot({ path: out + "/host.png", fullPage: true });
}

async function main() {
  const [mode, url, token, out, host] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const seen = { dialogs: 0, console_errors: [], page_errors: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("dialog", async (d) => { seen.dialogs += 1; await d.dismiss(); });
    page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
    page.on("pageerror", (e) => seen.page_errors.push(String(e)));
    try {
      if (mode === "walk") await walk(page, url, token, out, seen);
      else if (mode === "tour") await tour(page, url, token, out, host, seen);
      else throw new Error("mode is walk or tour");
    } catch (e) {  // what the page showed when a step failed, for the one who reads the log
      await page.screenshot({ path: out + "/failed.png", fullPage: true }).catch(() => {});
      console.error("seen so far: " + JSON.stringify(seen));
      throw e;
    }
    seen.xss = await page.evaluate(() => window.__xss || null);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
