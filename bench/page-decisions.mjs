// Time per decision in the review page, measured in the browser: documents of N facts (one
// amount a line), the first fact selected, then `a` (confirm) pressed fact after fact. Each
// decision is timed from the key press until the page shows the fact confirmed and the next
// one selected; the POST's own time (Resource Timing) is taken off to give the page's work.
// Prints median and p90 of both for each size.
//
// Usage (from bench/page-decisions.sh): BASE_URL TOKEN SIZES=100,1500 DECISIONS=30
import { createRequire } from 'node:module';

// The browser test's npm packages (tests/browser: npm ci).
const { chromium } = createRequire(new URL('../tests/browser/package.json', import.meta.url))('playwright-core');

const BASE = process.env.BASE_URL;
const TOKEN = process.env.TOKEN;
const SIZES = (process.env.SIZES || '100,1500').split(',').map(Number);
const DECISIONS = Number(process.env.DECISIONS || 30);

async function upload(n) {
  const lines = ['某区2023年度预算绩效管理情况说明'];
  for (let i = 1; i <= n; i++) lines.push(`第${i}项：安排第${i}号项目预算资金${(i * 1.25).toFixed(2)}万元。`);
  const res = await fetch(`${BASE}/api/documents?filename=${n}-facts.txt`, {
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

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await page.goto(BASE + '/');
  await page.fill('#token', TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who:not([hidden])');
  console.log('| facts in the document | decisions | key → shown, median / p90 | of which the page, median / p90 |');
  console.log('|---|---|---|---|');
  for (const n of SIZES) {
    const doc = await upload(n);
    await page.goto(`${BASE}/#/doc/${doc.id}`);
    await page.waitForSelector('article.fact');
    await page.keyboard.press('j');
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
          const card = document.getElementById('fact-' + id);
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
    const f = (x) => x.toFixed(1) + ' ms';
    console.log(`| ${doc.facts} | ${DECISIONS} | ${f(quantile(total, 0.5))} / ${f(quantile(total, 0.9))} | ${f(quantile(own, 0.5))} / ${f(quantile(own, 0.9))} |`);
  }
} finally {
  await browser.close();
}
