// Drives the list as a work queue in Debian's chromium: an assessor uploads three reports at
// once (one summary line for the batch), searches the list and sorts it both ways; an admin,
// in a browser of their own, assigns two of them to the assessor; the assessor filters
// "分配给我", opens the first, decides its last pending fact and is offered the next document
// of the queue, which opens. Each step checks the page against the API.
//
// Run by tests/browser/run.sh after review.spec.mjs, on the same server and database:
//   BASE_URL, TOKEN (assessor), ADMIN_TOKEN, SHOT_DIR.

import { apiOf, env, run, steps as stepList } from './steps.mjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE = env('BASE_URL');
const TOKEN = env('TOKEN');
const ADMIN = env('ADMIN_TOKEN');
const SHOTS = env('SHOT_DIR');

const api = apiOf(BASE, TOKEN);

// Three short reports of three regions, their file names marked 队列 to search by.
const REPORTS = [
  ['队列-濉溪县.txt', '濉溪县2022年度预算绩效管理情况说明\n一、总体情况\n全县共压减预算资金1.5亿元，涉及预算项目120个。\n'],
  ['队列-杜集区.txt', '杜集区2021年度预算绩效管理情况说明\n一、总体情况\n全区共压减预算资金0.8亿元，涉及预算项目64个。\n'],
  ['队列-烈山区.txt', '烈山区2023年度预算绩效管理情况说明\n一、总体情况\n全区共压减预算资金2.1亿元，涉及预算项目87个。\n'],
];
const files = REPORTS.map(([name, text]) => {
  const path = join(SHOTS, name);
  writeFileSync(path, text);
  return path;
});

const { list: steps, step } = stepList();

let browser;
let page; // the assessor's
let adminPage;
let ids = []; // the three documents, as the list sorts them by region ascending
const rowIds = (p = page) => p.$$eval('#docs tbody tr', (rows) => rows.map((r) => Number(r.dataset.id)));
const shot = (name, p = page) => p.screenshot({ path: join(SHOTS, name + '.png') });

async function signIn(p, token) {
  await p.goto(BASE + '/');
  await p.waitForSelector('#token');
  await p.fill('#token', token);
  await p.keyboard.press('Enter');
  await p.waitForSelector('#who:not([hidden])');
  await p.waitForSelector('#doc-table');
}

// Waits until the list shows exactly `expected` (ids in order).
async function listShows(expected, p = page) {
  await p.waitForFunction((want) => {
    const got = [...document.querySelectorAll('#docs tbody tr')].map((r) => Number(r.dataset.id));
    return JSON.stringify(got) === JSON.stringify(want);
  }, expected, { timeout: 10_000 }).catch(async (e) => {
    throw new Error(`list shows ${JSON.stringify(await rowIds(p))}, not ${JSON.stringify(expected)}: ${e.message}`);
  });
}

step('an assessor uploads three reports at once: one line sums the batch up', async () => {
  await signIn(page, TOKEN);
  await page.setInputFiles('#upload-input', files);
  await page.waitForFunction(() => {
    const s = document.querySelector('#uploads li.batch summary');
    return s && s.textContent === '上传 3 份：完成 3，失败 0';
  }, null, { timeout: 60_000 });
  assert.equal(await page.isVisible('#uploads li.batch .batch-files'), false, 'the files fold under the line');
  await page.click('#uploads li.batch summary');
  assert.equal(await page.$$eval('#uploads li.batch .batch-files li', (rows) => rows.length), 3);
});

step('search by file name narrows the list; sorting by region goes both ways', async () => {
  await page.fill('#f-q', '队列');
  const found = (await api('GET', '/documents?q=' + encodeURIComponent('队列'))).documents;
  assert.equal(found.length, 3);
  await page.waitForFunction(() => document.querySelectorAll('#docs tbody tr').length === 3);
  await page.selectOption('#f-sort', 'region');
  await page.selectOption('#f-order', 'asc');
  const asc = (await api('GET', '/documents?q=' + encodeURIComponent('队列') + '&sort=region&order=asc')).documents;
  const regions = asc.map((d) => d.region || '');
  assert.deepEqual(regions, [...regions].sort(), 'the API sorts by region');
  ids = asc.map((d) => d.id);
  await listShows(ids);
  await page.selectOption('#f-order', 'desc');
  await listShows([...ids].reverse());
  // A title search finds the same reports by what they are about.
  await page.fill('#f-q', '杜集');
  const duji = asc.find((d) => d.region && d.region.includes('杜集'));
  assert.ok(duji, 'a report of 杜集区');
  await listShows([duji.id]);
  await page.fill('#f-q', '队列');
  await page.selectOption('#f-order', 'asc');
  await listShows(ids);
  await shot('queue-01-search-sort-1366x768');
});

step('an admin assigns two of them to the assessor', async () => {
  await signIn(adminPage, ADMIN);
  await adminPage.fill('#f-q', '队列');
  await adminPage.waitForFunction(() => document.querySelectorAll('#docs tbody tr').length === 3);
  const me = await api('GET', '/me');
  for (const id of ids.slice(0, 2)) {
    const sel = `#assign-${id}`;
    // The toast of the previous assignment may still be showing; only this one's counts.
    await adminPage.$$eval('.toast', (ts) => ts.forEach((t) => t.remove()));
    await adminPage.focus(sel);
    await adminPage.waitForSelector(`${sel} option[value="${me.id}"]`, { state: 'attached' });
    await adminPage.selectOption(sel, String(me.id));
    await adminPage.waitForFunction(([i, name]) =>
      [...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('已分配给 ' + name)), [id, me.name]);
    const doc = await api('GET', '/documents/' + id);
    assert.deepEqual(doc.assignee, { id: me.id, name: me.name });
    const trail = (await api('GET', `/documents/${id}/assignments`)).assignments;
    assert.equal(trail.length, 1);
    assert.equal(trail[0].after, me.id);
    assert.equal(trail[0].by.name, (await api('GET', '/me', undefined, ADMIN)).name);
  }
  // Only an admin may assign.
  const refused = await fetch(`${BASE}/api/documents/${ids[2]}/assignee`, {
    method: 'PUT',
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: me.id }),
  });
  assert.equal(refused.status, 403);
  await shot('queue-02-assigned-1366x768', adminPage);
});

step('"分配给我" shows the assessor\'s queue; the last fact of a document offers the next', async () => {
  await page.reload();
  await page.waitForSelector('#doc-table');
  await page.fill('#f-q', '');
  await page.selectOption('#f-assigned', 'me');
  await page.selectOption('#f-sort', 'region');
  await page.selectOption('#f-order', 'asc');
  await listShows(ids.slice(0, 2));
  assert.equal(await page.textContent(`#docs tr[data-id="${ids[0]}"] td.assignee`), (await api('GET', '/me')).name);
  await page.click(`#docs tr[data-id="${ids[0]}"]`);
  await page.waitForSelector('article.fact.sel');
  const doc = await api('GET', '/documents/' + ids[0]);
  const pending = doc.facts.filter((f) => f.status === 'pending');
  assert.ok(pending.length > 0, 'the report has facts to decide');
  for (const [i, f] of pending.entries()) {
    await page.click(`#fact-${f.id}`);
    await page.waitForSelector(`#fact-${f.id}.sel`);
    // Not before the last one.
    assert.equal(await page.$('#next-doc-dialog'), null, `no prompt before fact ${i + 1} of ${pending.length}`);
    await page.keyboard.press('a');
    await page.waitForSelector(`#fact-${f.id}[data-status="confirmed"]`);
  }
  await page.waitForSelector('#next-doc-dialog');
  assert.equal(await page.textContent('#next-doc-text'), '本文档已审核完毕，打开队列中的下一份？');
  await shot('queue-03-next-prompt-1366x768');
  await page.click('#next-doc-open');
  // The address names the selected fact (…?fact=N) once the document is shown.
  await page.waitForFunction((id) => new RegExp(`^#/doc/${id}(\\?|$)`).test(location.hash), ids[1]);
  await page.waitForSelector('article.fact.sel');
  const next = await api('GET', '/documents/' + ids[1]);
  assert.ok(next.review.pending > 0);
  await shot('queue-04-next-document-1366x768');
});

await run(steps, {
  shots: SHOTS,
  name: 'queue',
  open: async (b) => {
    browser = b;
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    adminPage = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    return { page, admin: adminPage };
  },
});
