// Drives Debian's chromium with playwright-core through the web UI (tests/integration/test_ui.py
// starts the server and the data): log in with the token, read the dashboard, search, click a
// facet, and check that a hostile title shows as text and runs nothing. Prints one JSON line of
// what it saw; screenshots go to OUTDIR. Usage: node ui_test.js URL TOKEN OUTDIR
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [url, token, outdir] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const seen = { dialogs: 0, console_errors: [] };
  try {
    const page = await browser.newPage();
    page.on("dialog", async (d) => { seen.dialogs += 1; await d.dismiss(); });
    page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
    await page.goto(url);
    await page.waitForSelector("#login:not([hidden])", { timeout: 10000 });
    seen.login_shown = true;
    await page.fill("#token", token);
    await page.click("#login-form button");
    await page.waitForSelector("#dashboard:not([hidden]) .bar", { timeout: 10000 });
    seen.medium = await page.textContent('.bar[data-severity="medium"] .count');
    seen.longest = await page.$$eval("#longest tbody tr", (rows) => rows.map((r) => r.textContent));
    await page.screenshot({ path: outdir + "/dashboard.png", fullPage: true });
    await page.click('a[href="#/search"]');
    await page.waitForSelector("#search:not([hidden])", { timeout: 10000 });
    await page.fill("#q", "port:8080");
    await page.click("#search-form button");
    await page.waitForFunction(() => document.querySelector("#total").textContent === "1 services");
    seen.titles = await page.$$eval("#results tbody tr td:last-child", (c) => c.map((x) => x.textContent));
    seen.total = await page.textContent("#total");
    seen.injected_elements = await page.$$eval("#results img, #results script", (e) => e.length);
    seen.xss = await page.evaluate(() => window.__xss || null);
    await page.screenshot({ path: outdir + "/search.png", fullPage: true });
    await page.click("#facets button");
    await page.waitForFunction(() => location.hash.includes("product%3A") || location.hash.includes("product:"));
    seen.hash_after_facet = decodeURIComponent(await page.evaluate(() => location.hash));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
