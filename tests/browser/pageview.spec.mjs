// The original page beside the facts, in Debian's chromium: a PDF report in page view (原件)
// draws its page on a canvas with the facts' boxes; a click on a box selects that fact in the
// list; j through the facts turns to the next page when a fact stands there; the choice of
// view is remembered over a reload; a text report is not offered the view.
//
// Run by tests/browser/run.sh after review.spec.mjs, with BASE_URL, TOKEN (assessor),
// PDF (samples/000_af58de54e7000d7e.pdf), SAMPLE (a text report) and SHOT_DIR; and again on
// a server that OCRs, with PDF the scan of the same report (samples/scanned-000.pdf) and
// NAME=scan: the scan's page image with the boxes of what OCR read.

import { env, run, steps as stepList } from './steps.mjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const BASE = env('BASE_URL');
const TOKEN = env('TOKEN');
const PDF = env('PDF');
const SAMPLE = env('SAMPLE');
const SHOTS = env('SHOT_DIR');
const NAME = process.env.NAME || 'pageview';

async function api(method, path, body, headers = {}) {
  const res = await fetch(BASE + '/api' + path, {
    method,
    headers: { Authorization: 'Bearer ' + TOKEN, ...headers },
    body,
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

// Uploads a file (the same bytes again give the same document) and waits until it is done.
async function uploadDone(path) {
  const name = 'pageview-' + basename(path);
  const doc = await api('POST', '/documents?filename=' + encodeURIComponent(name), readFileSync(path),
    { 'Content-Type': 'application/octet-stream' });
  // A scan waits for OCR, seconds a page.
  for (let i = 0; i < 1500; i++) {
    const d = await api('GET', '/documents/' + doc.id);
    if (d.status === 'done') return d;
    if (d.status === 'failed' || d.status === 'needs_ocr') throw new Error(`${name}: ${d.status} ${d.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not extracted`);
}

const { list: steps, step } = stepList();
let browser;
let page;
let pdfDoc;
let textDoc;
const pageOf = (id) => pdfDoc.facts.find((f) => f.id === id).provenance.page;
const selectedId = () => page.$eval('article.fact.sel', (el) => Number(el.dataset.id));
const shownPage = () => page.$eval('#page-canvas', (c) => Number(c.dataset.drawn));

step('sign in; a PDF and a text report uploaded and extracted', async () => {
  pdfDoc = await uploadDone(PDF);
  textDoc = await uploadDone(SAMPLE);
  assert.ok(pdfDoc.facts.length > 5, 'the PDF gives facts');
  const pages = new Set(pdfDoc.facts.map((f) => f.provenance && f.provenance.page));
  assert.ok(pages.has(1) && pages.has(2), 'facts on both pages: ' + [...pages]);
  const source = NAME === 'scan' ? 'ocr_page' : 'pdf_page';
  assert.ok(pdfDoc.facts.every((f) => f.provenance.source === source && f.provenance.bbox.length === 4),
    'every fact has its page box, read from the ' + source);
  await page.goto(BASE + '/');
  await page.fill('#token', TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who:not([hidden])');
});

step('a text report is not offered the original page', async () => {
  await page.goto(BASE + '/#/doc/' + textDoc.id);
  await page.waitForSelector('article.fact.sel');
  assert.equal(await page.$('#source-page'), null);
});

step('原件: the PDF page is drawn with a box per fact of the page', async () => {
  await page.goto(BASE + '/#/doc/' + pdfDoc.id);
  await page.waitForSelector('article.fact.sel');
  await page.click('#source-page');
  assert.equal(await page.getAttribute('#source-page', 'aria-pressed'), 'true');
  assert.equal(await page.isVisible('#text-view'), false, 'the text gives way to the page');
  await page.waitForSelector('#page-canvas[data-drawn]', { timeout: 30_000 });
  // The canvas holds the page: dark pixels of its text, not a blank sheet.
  const ink = await page.$eval('#page-canvas', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 300) dark++;
    return dark;
  });
  assert.ok(ink > 1000, `the page is drawn (${ink} dark pixels)`);
  const n = await shownPage();
  const boxes = await page.$$eval('#page-boxes .box', (bs) => bs.map((b) => ({
    id: Number(b.dataset.fact), x: b.offsetLeft, y: b.offsetTop, w: b.offsetWidth, h: b.offsetHeight,
    kind: [...b.classList].find((c) => c.startsWith('k-')),
  })));
  const onPage = pdfDoc.facts.filter((f) => f.provenance.page === n);
  assert.equal(boxes.length, onPage.length, 'one box per fact of the page');
  const size = await page.$eval('#page-canvas', (c) => ({ w: c.offsetWidth, h: c.offsetHeight }));
  for (const b of boxes) {
    const f = onPage.find((x) => x.id === b.id);
    assert.equal(b.kind, 'k-' + f.kind, 'the kind colour');
    assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= size.w + 1 && b.y + b.h <= size.h + 1, `box of ${b.id} on the page`);
  }
  // A box stands where the page is dark: over the fact's printed text, not beside it.
  const covered = await page.evaluate(() => {
    const c = document.querySelector('#page-canvas');
    const k = c.width / c.offsetWidth;
    const ctx = c.getContext('2d');
    return [...document.querySelectorAll('#page-boxes .box')].filter((b) => {
      const d = ctx.getImageData(b.offsetLeft * k, b.offsetTop * k, Math.max(1, b.offsetWidth * k), Math.max(1, b.offsetHeight * k)).data;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 300) return true;
      return false;
    }).length;
  });
  assert.equal(covered, boxes.length, 'every box lies over printed text');
});

step('a click on a box selects its fact', async () => {
  const current = await selectedId();
  const target = await page.$$eval('#page-boxes .box', (bs, cur) =>
    Number(bs.map((b) => b.dataset.fact).find((id) => Number(id) !== cur)), current);
  await page.click(`#page-boxes .box[data-fact="${target}"]`);
  assert.equal(await selectedId(), target, 'the fact card is selected');
  assert.equal(await page.$eval(`#page-boxes .box[data-fact="${target}"]`, (b) => b.classList.contains('sel')), true);
  assert.match(page.url(), new RegExp(`fact=${target}$`));
  await page.screenshot({ path: join(SHOTS, NAME + '-1-box-1366x768.png') });
});

step('j turns to the page of a fact on another page', async () => {
  const start = await shownPage();
  let turned = false;
  for (let i = 0; i < pdfDoc.facts.length + 1; i++) {
    await page.keyboard.press('j');
    const id = await selectedId();
    if (pageOf(id) !== start) {
      await page.waitForFunction((p) => Number(document.querySelector('#page-canvas')?.dataset.drawn) === p, pageOf(id));
      assert.equal(await page.textContent('#page-number'), `第 ${pageOf(id)} / 2 页`);
      await page.waitForSelector(`#page-boxes .box.sel[data-fact="${id}"]`);
      turned = true;
      break;
    }
  }
  assert.ok(turned, 'j reached a fact on the other page');
  await page.screenshot({ path: join(SHOTS, NAME + '-2-turned-1366x768.png') });
});

step('the view is remembered over a reload; 文本 goes back to the text', async () => {
  await page.reload();
  await page.waitForSelector('#page-canvas[data-drawn]', { timeout: 30_000 });
  const id = await selectedId();
  assert.equal(await shownPage(), pageOf(id), 'the selected fact\'s page');
  await page.click('#source-text');
  assert.equal(await page.isVisible('#page-view'), false);
  assert.equal(await page.isVisible('#text-view'), true);
  await page.keyboard.press('o');
  await page.waitForSelector('#page-view:not([hidden]) #page-canvas[data-drawn]');
});

await run(steps, {
  shots: SHOTS,
  name: NAME,
  open: async (b) => {
    browser = b;
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    return { page };
  },
});
