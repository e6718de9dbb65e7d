// bench/api.sh's browser half: the dashboard's first render in Debian's chromium (playwright-core
// from tests/node), from navigation to the dashboard drawn (its bars, chart and tables filled),
// RUNS times after one login. Prints one JSON line: {"runs_ms": [...]}.
// Usage (cwd tests/node): node ../../bench/ui_render.js URL TOKEN RUNS
"use strict";
const { chromium } = require(require.resolve("playwright-core", { paths: [process.cwd()] }));

async function main() {
  const [url, token, runs] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector("#login:not([hidden])");
    await page.fill("#token", token);
    await page.click("#login-form button");
    await page.waitForSelector('#view[data-view="dashboard"]', { timeout: 60000 });
    const times = [];
    for (let i = 0; i < Number(runs); i++) {
      const t = Date.now();
      await page.goto(url + "?run=" + i + "#/");
      await page.waitForSelector('#view[data-view="dashboard"] svg.chart', { timeout: 60000 });
      times.push(Date.now() - t);
    }
    console.log(JSON.stringify({ runs_ms: times }));
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
