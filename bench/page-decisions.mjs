// The review page measured in the browser, for documents of N facts (one amount a line):
//
// - opening: from the address naming the document until its first fact is selected, and until
//   every card of the list is built (the list is built in parts); the API's share (the
//   document's requests, Resource Timing) is given beside them;
// - deciding: the first fact selected, then `a` (confirm) pressed fact after fact, each
//   decision timed from the key press until the page shows the fact confirmed (its card, or
//   its highlight where the card's place in the list is not built yet) and the next one
//   selected; the POST's own time is taken off to give the page's work.
//
// With BEFORE=DIR (a folder holding another version of web/), every figure is measured for
// that page too, on the same server in the same run: the browser is served DIR's files in
// place of the server's own.
//
// Usage (from bench/page-decisions.sh): BASE_URL TOKEN SIZES=100,1500 DECISIONS=30 OPENS=3 [BEFORE=DIR]
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The browser test's npm packages (tests/browser: npm ci).
const { chromium } = createRequire(new URL('../tests/browser/package.json', import.meta.url))('playwright-core');

const BASE = process.env.BASE_URL;
const TOKEN = process.env.TOKEN;
const SIZES = (process.env.SIZES || '100,1500').split(',').map(Number);
const DECISIONS = Number(process.env.DECISIONS || 30);
const OPENS = Number(process.env.OPENS || 3);
const BEFORE = process.env.BEFORE;

// `variant` keeps the bytes of each upload apart, so the server does not take one for another's duplicate.
async function upload(n, variant) {
  const lines = [`某区2023年度预算绩效管理情况说明（${variant}）`];
  for (let i = 1; i <= n; i++) lines.push(`第${i}项：安排第${i}号项目预算资金${(i * 1.25).toFixed(2)}万元。`);
  const res = await fetch(`${BASE}/api/documents?filename=${n}-facts-${variant}.txt`, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/octet-stream' },
    body: lines.join('\n'),
  });
  const doc = await res.json();
  for (;;) {
    const d = await (await fetch(`${BASE}/api/documents/${doc.id}`, { headers: { Authorization: 'Bearer ' + TOKEN } })).json();
    if (d.status === 'done') return { id: doc.id, facts: d.review.facts };
    await new Promise((r) => setTimeout(r, 100));
  }
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x) => x.toFixed(1) + ' ms';

// A signed-in page; with `dir`, the page's own files come from there.
async function openPage(browser, dir) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  if (dir) {
    const files = new Set(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name));
    await context.route((url) => url.origin === new URL(BASE).origin && files.has(url.pathname.slice(1)), (route) => {
      const name = new URL(route.request().url()).pathname.slice(1);
      route.fulfill({
        body: readFileSync(join(dir, name)),
        contentType: name.endsWith('.css') ? 'text/css' : 'text/javascript',
      });
    });
  }
  const page = await context.newPage();
  await page.goto(BASE + '/');
  await page.fill('#token', TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who:not([hidden])');
  return page;
}

// From the list, the document opened by its address: times to the first fact selected and to
// every card built, and the document's requests.
async function timeOpening(page, doc) {
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#doc-table');
  return page.evaluate(({ id, total }) => new Promise((resolve) => {
    performance.clearResourceTimings();
    const t0 = performance.now();
    let selected = null;
    location.hash = '#/doc/' + id;
    const poll = () => {
      const now = performance.now();
      if (selected === null && document.querySelector('#facts article.fact.sel')) selected = now - t0;
      if (selected !== null && document.querySelectorAll('#facts article.fact').length === total
          && !document.querySelector('#facts .facts-more')) {
        const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/documents/' + id));
        const start = Math.min(...api.map((e) => e.startTime));
        const end = Math.max(...api.map((e) => e.responseEnd));
        resolve({ selected, all: now - t0, api: end - start });
      } else {
        requestAnimationFrame(poll);
      }
    };
    requestAnimationFrame(poll);
  }), { id: doc.id, total: doc.facts });
}

async function timeDecisions(page) {
  await page.keyboard.press('Home');
  await page.waitForSelector('article.fact.sel');
  const total = [];
  const own = [];
  for (let k = 0; k < DECISIONS; k++) {
    const t = await page.evaluate(() => new Promise((resolve) => {
      const sel = document.querySelector('article.fact.sel');
      const id = sel.dataset.id;
      performance.clearResourceTimings();
      const t0 = performance.now();
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
      const done = () => {
        // The decided fact's card, or while its card at the end of a long list is not built
        // yet, its highlight in the text.
        const card = document.getElementById('fact-' + id) || document.querySelector(`#text mark.hl[data-owner="${id}"]`);
        const next = document.querySelector('article.fact.sel');
        if (card && card.classList.contains('s-confirmed') && next && next.dataset.id !== id) {
          const t1 = performance.now();
          const post = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/confirm'));
          resolve({ total: t1 - t0, network: post ? post.duration : 0 });
        } else {
          requestAnimationFrame(done);
        }
      };
      requestAnimationFrame(done);
    }));
    total.push(t.total);
    own.push(t.total - t.network);
  }
  return { total, own };
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const variants = BEFORE ? [['before', BEFORE], ['after', null]] : [['this page', null]];
  const opening = [];
  const deciding = [];
  for (const n of SIZES) {
    // Each size is measured for every variant before the next size, so both see the same load.
    for (const [name, dir] of variants) {
      const doc = await upload(n, name);
      const page = await openPage(browser, dir);
      const runs = [];
      for (let k = 0; k < OPENS; k++) runs.push(await timeOpening(page, doc));
      const med = (key) => ms(quantile(runs.map((r) => r[key]), 0.5));
      opening.push(`| ${doc.facts} | ${name} | ${OPENS} | ${med('selected')} | ${med('all')} | ${med('api')} |`);
      const { total, own } = await timeDecisions(page);
      deciding.push(`| ${doc.facts} | ${name} | ${DECISIONS} | ${ms(quantile(total, 0.5))} / ${ms(quantile(total, 0.9))} | ${ms(quantile(own, 0.5))} / ${ms(quantile(own, 0.9))} |`);
      await page.context().close();
    }
  }
  console.log('| facts in the document | page | opened | → first fact selected, median | → every card built, median | of which the API, median |');
  console.log('|---|---|---|---|---|---|');
  for (const line of opening) console.log(line);
  console.log();
  console.log('| facts in the document | page | decisions | key → shown, median / p90 | of which the page, median / p90 |');
  console.log('|---|---|---|---|---|');
  for (const line of deciding) console.log(line);
} finally {
  await browser.close();
}
