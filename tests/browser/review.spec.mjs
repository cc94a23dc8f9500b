// Drives the assessor page in Debian's chromium the way an assessor would: sign in with a
// token, upload a report, wait for its facts, then — keyboard only — confirm one fact,
// correct one amount, reject one with a reason, undo once and bulk-confirm a table; and on a
// self-evaluation form, find the flagged score, correct it and see the flag go. Each step
// checks the page (highlights, cells, statuses, counts) and the database through the API.
//
// Run by tests/browser/run.sh, which starts the server and passes:
//   BASE_URL, TOKEN (assessor), READER_TOKEN, SAMPLE (a report file), SHOT_DIR.

import { apiOf, env, errors, run, steps as stepList } from './steps.mjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, basename } from 'node:path';

const BASE = env('BASE_URL');
const TOKEN = env('TOKEN');
const READER = process.env.READER_TOKEN || '';
const SAMPLE = env('SAMPLE');
// A PDF that holds only a scanned image: no text to extract.
const SCANNED = process.env.SCANNED || new URL('../../samples/scanned-000.pdf', import.meta.url).pathname;
const SHOTS = env('SHOT_DIR');

// ------------------------------------------------------------------ API helpers (Node side)

const api = apiOf(BASE, TOKEN);
const fact = (id) => api('GET', '/facts/' + id);

// ------------------------------------------------------------------ a report with astral characters

// Characters outside the Basic Multilingual Plane (two UTF-16 units, one code point) before
// and between the facts: a highlight off by one unit per character would show here.
const astralDir = SHOTS;
const astralPath = join(astralDir, 'astral-sample.txt');
writeFileSync(astralPath,
  '𠮷𠮷区2021年度预算绩效管理情况说明\n' +
  '一、总体情况\n' +
  '全区𠀀𠀁共压减预算资金1.02亿元，涉及预算项目509个，😀覆盖率达到100%。\n' +
  '𝟘𝟙二、评价结果：项目自评得分95分，评价等级为“优”。\n' +
  // A split that does not add up (8 + 24 + 22 + 3 = 57, not 60): a failed check.
  '三、共评价60个项目，其中8个项目评价等级为“优”，24个“良”，22个“中”，3个“差”。\n');

// ------------------------------------------------------------------ a self-evaluation form

// A 绩效自评表 one cell a line, as budget systems paste it into text: 更换课桌椅套数 scores 12
// of 10 (score_cap), the scores add up to 100.5 against a stated 98.5 (score_total), and
// 师生满意度 met its target but lost half a point without a reason (a warning). The same
// form as tests/findings.rs.
const formPath = join(SHOTS, 'xiaoshe-form.txt');
writeFileSync(formPath, [
  '项目支出绩效自评表', '（2023年度）', '项目名称', '桐川县校舍维修改造项目', '主管部门', '桐川县教育局',
  '项目资金', '（万元）', '', '年初预算数', '全年预算数', '全年执行数', '分值', '执行率', '得分',
  '年度资金总额', '400.00', '400.00', '360.00', '10', '90.00%', '9',
  '其中：当年财政拨款', '400.00', '400.00', '360.00', '/', '/', '/',
  '绩效指标', '一级指标', '二级指标', '三级指标', '年度指标值', '实际完成值', '分值', '得分', '偏差原因分析及改进措施',
  '产出指标(50分)', '数量指标', '维修改造学校数量', '≥18所', '18所', '40', '40', '',
  '质量指标', '更换课桌椅套数', '≥2400套', '2400套', '10', '12', '',
  '效益指标(30分)', '社会效益指标', '受益学生人数', '≥9000人', '9120人', '30', '30', '',
  '满意度指标(10分)', '服务对象满意度指标', '师生满意度', '≥90%', '92%', '10', '9.5', '',
  '总分', '100', '98.5', '', '自评等级', '优', '',
].join('\n'));

// "3（错误 2，提示 1）", as the page writes a document's findings.
function findingsText(f) {
  const n = f.error + f.warning;
  if (!n) return '0';
  const parts = [];
  if (f.error) parts.push('错误 ' + f.error);
  if (f.warning) parts.push('提示 ' + f.warning);
  return n + '（' + parts.join('，') + '）';
}

// ------------------------------------------------------------------ steps

const { list: steps, step } = stepList();

let browser;
let page;
let docId;
let astralId;
let scanId; // the report without readable text
const ids = {}; // fact ids the steps decided

const selectedId = () => page.$eval('article.fact.sel', (el) => Number(el.dataset.id));
const selectedAttr = (attr) => page.$eval('article.fact.sel', (el, a) => el.dataset[a], attr);
const shot = (name) => page.screenshot({ path: join(SHOTS, name + '.png') });

async function waitStatus(id, status) {
  await page.waitForSelector(`#fact-${id}[data-status="${status}"]`, { timeout: 10_000 });
}

// Presses j until the selected fact satisfies `ok`; at the end of the list, Home once.
async function seek(ok, max = 400) {
  let wrapped = false;
  for (let i = 0; i < max; i++) {
    const f = await page.$eval('article.fact.sel', (el) => ({ ...el.dataset }));
    if (ok(f)) return Number(f.id);
    await page.keyboard.press('j');
    if ((await selectedId()) === Number(f.id)) {
      if (wrapped) break;
      wrapped = true;
      await page.keyboard.press('Home');
    }
  }
  throw new Error('no fact found by pressing j');
}

// Every highlight reads exactly the fact's text: offsets were converted right.
async function assertHighlights(id) {
  const doc = await api('GET', '/documents/' + id);
  const shown = await page.$$eval('mark.hl', (marks) => {
    const out = {};
    for (const m of marks) for (const id of m.dataset.ids.split(' ')) out[id] = (out[id] || '') + m.textContent;
    return out;
  });
  assert.ok(doc.facts.length > 0, 'the document has facts');
  for (const f of doc.facts) assert.equal(shown[f.id], f.text, `highlight of fact ${f.id} (${f.kind})`);
  return doc;
}

step('sign-in page is served and rejects a bad token', async () => {
  await page.goto(BASE + '/');
  await page.waitForSelector('#token');
  assert.match(await page.title(), /绩效事实审核/);
  await page.fill('#token', 'jx_not_a_token');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.signin .err').textContent.includes('令牌无效'));
});

step('sign in with the assessor token; role shown', async () => {
  await page.fill('#token', TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who:not([hidden])');
  assert.equal(await page.$eval('#who-role', (el) => el.dataset.role), 'assessor');
  assert.equal(await page.textContent('#who-role'), '评审员');
  await page.waitForSelector('#drop');
});

step('upload two reports with the file picker; both extracted', async () => {
  await page.setInputFiles('#upload-input', [SAMPLE, astralPath]);
  await page.waitForFunction(() => document.querySelectorAll('#uploads .msg[data-doc]').length === 2,
    null, { timeout: 30_000 });
  assert.equal(await page.$$eval('#uploads progress', (ps) => ps.every((p) => p.value === 100)), true);
  const docs = (await api('GET', '/documents')).documents;
  docId = docs.find((d) => d.file_name === basename(SAMPLE)).id;
  astralId = docs.find((d) => d.file_name === 'astral-sample.txt').id;
  // The list polls until extraction is done.
  for (const id of [docId, astralId]) {
    await page.waitForSelector(`#docs tr[data-id="${id}"] td.status[data-status="done"]`, { timeout: 60_000 });
  }
  const astral = await api('GET', '/documents/' + astralId);
  const failedCount = astral.checks.filter((c) => !c.ok).length;
  assert.equal(astral.findings.error + astral.findings.warning, failedCount);
  assert.equal(await page.textContent(`#docs tr[data-id="${astralId}"] td:nth-child(6)`), findingsText(astral.findings));
  await page.waitForFunction(() => [...document.querySelectorAll('#uploads .msg')].every((m) => m.textContent.includes('提取完成')));
  // The batch is one line that sums it up, its files behind it.
  assert.equal(await page.$$eval('#uploads > li', (rows) => rows.length), 1);
  await page.waitForFunction(() => document.querySelector('#uploads li.batch summary').textContent === '上传 2 份：完成 2，失败 0');
  assert.equal(await page.isVisible('#uploads .batch-files'), false, 'folded until opened');
  await page.click('#uploads li.batch summary');
  assert.equal(await page.isVisible('#uploads .batch-files'), true);
  const progress = await page.textContent(`#docs tr[data-id="${docId}"] .nm`);
  const doc = (await api('GET', '/documents')).documents.find((d) => d.id === docId);
  assert.equal(progress, `0 / ${doc.review.facts}`);
  assert.ok(doc.review.facts > 10, 'the sample yields facts');
  await shot('01-list-1366x768');
});

step('drag and drop uploads too; the same bytes again are recognised', async () => {
  const text = await import('node:fs').then((fs) => fs.readFileSync(astralPath, 'utf8'));
  await page.evaluate((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], 'astral-again.txt', { type: 'text/plain' }));
    const zone = document.querySelector('#drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForFunction(() => document.querySelector('#uploads li .msg').textContent.includes('已经上传过'));
  assert.equal((await api('GET', '/documents')).documents.length, 2, 'no new document for the same bytes');
});

step('a report without readable text shows why, in the list and in its view', async () => {
  await page.setInputFiles('#upload-input', SCANNED);
  await page.waitForSelector('#uploads > li:first-child .msg[data-doc]');
  const id = (await api('GET', '/documents')).documents.find((d) => d.file_name === basename(SCANNED)).id;
  scanId = id;
  const cell = `#docs tr[data-id="${id}"] td.status`;
  await page.waitForSelector(`${cell}[data-status="failed"], ${cell}[data-status="needs_ocr"]`, { timeout: 60_000 });
  assert.ok((await page.textContent(`${cell} .why`)).length > 0, 'the reason is shown');
  await page.waitForFunction(() => /提取失败|需要 OCR/.test(document.querySelector('#uploads > li:first-child .msg').textContent));
  await page.click(`#docs tr[data-id="${id}"]`);
  await page.waitForFunction(() => /OCR|提取失败/.test(document.querySelector('#doc-page .state-msg')?.textContent || ''));
  await page.click('.doc-head a[href="#/"]');
  await page.waitForSelector('#docs');
});

step('astral characters: highlights match the facts exactly', async () => {
  await page.evaluate((id) => { location.hash = '#/doc/' + id; }, astralId);
  await page.waitForSelector('#facts article.fact');
  const doc = await assertHighlights(astralId);
  assert.ok(doc.facts.some((f) => f.kind === 'amount'), 'the astral report has an amount');
  // Failed checks first: the facts of the split that does not add up lead the list.
  assert.ok(doc.checks.some((c) => !c.ok), 'the split check fails');
  assert.equal(await page.textContent('#facts h2'), `校验未通过（${doc.facts.filter((f) => f.failed_checks > 0).length}）`);
  const first = await page.$eval('#facts article.fact', (el) => Number(el.dataset.id));
  assert.ok(doc.facts.find((f) => f.id === first).failed_checks > 0);
  assert.ok(await page.$('#facts article.fact .checks li.bad'), 'the failed check is shown with its fact');
  await shot('02-astral-1366x768');
});

step('after a report with facts, the report without text opens cleanly and j selects nothing', async () => {
  const before = errors.length;
  await page.evaluate((id) => { location.hash = '#/doc/' + id; }, scanId);
  await page.waitForFunction(() => /OCR|提取失败/.test(document.querySelector('#doc-page .state-msg')?.textContent || ''));
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  assert.equal(await page.$('#facts article.fact.sel'), null, 'no fact of the previous report selected');
  assert.equal(errors.length, before, 'no page error: ' + errors.slice(before).join('; '));
  await page.evaluate((id) => { location.hash = '#/doc/' + id; }, astralId);
  await page.waitForSelector('#facts article.fact.sel');
});

step('toasts stay off the report\'s text', async () => {
  // A message the page shows on its own: bulk-confirming the table of a fact outside a table.
  await page.evaluate(() => { document.querySelector('#toasts').replaceChildren(); });
  const text = await page.$eval('#text-pane', (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right }; });
  for (let i = 0; i < 3; i++) await page.keyboard.press('b');
  await page.waitForSelector('.toast');
  const boxes = await page.$$eval('.toast', (ts) => ts.map((t) => { const r = t.getBoundingClientRect(); return { left: r.left, right: r.right }; }));
  for (const b of boxes) assert.ok(b.left >= text.right - 1, `toast at ${b.left}–${b.right} over the text pane ending at ${text.right}`);
});

step('open the sample from the list with the keyboard', async () => {
  await page.click('.doc-head a[href="#/"]');
  await page.waitForSelector('#docs');
  const rows = await page.$$eval('#docs tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  const index = rows.indexOf(docId);
  for (let i = 0; i <= index; i++) await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#facts article.fact.sel');
  assert.match(await page.evaluate(() => location.hash), new RegExp(`^#/doc/${docId}\\?fact=\\d+$`));
});

step('the text highlights every fact by kind, with a legend; tables shown as tables', async () => {
  const doc = await assertHighlights(docId);
  for (const k of ['amount', 'rating', 'document']) {
    assert.ok(await page.$(`mark.hl.k-${k}`), `a highlighted ${k}`);
  }
  assert.equal(await page.$$eval('#legend .sw', (s) => s.length) >= 6, true);
  assert.ok(await page.$$eval('#text table.grid', (t) => t.length) >= 1, 'a table is rendered as a table');
  const tableFact = doc.facts.find((f) => f.table !== null);
  assert.ok(await page.$(`#text table.grid mark[data-ids~="${tableFact.id}"]`), 'table facts sit in the table');
  // Amounts also in 万元.
  const amount = doc.facts.find((f) => f.kind === 'amount' && f.value === '5489500');
  if (amount) assert.match(await page.textContent(`#fact-${amount.id} .wan`), /548\.95 万元/);
  assert.equal(await page.textContent('#decided-count'), `已决定 0 / ${doc.facts.length}`);
});

step('? shows the keys; Esc closes', async () => {
  await page.keyboard.press('?');
  await page.waitForSelector('#help-dialog');
  await shot('03-help-1366x768');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#help-dialog', { state: 'detached' });
});

step('a confirms the selected fact and moves on', async () => {
  const id = await selectedId();
  await page.keyboard.press('a');
  await waitStatus(id, 'confirmed');
  assert.notEqual(await selectedId(), id, 'the cursor moved to the next fact');
  assert.ok(await page.$(`mark.s-confirmed[data-owner="${id}"]`), 'the highlight shows it confirmed');
  assert.equal((await fact(id)).status, 'confirmed');
  ids.confirmed = id;
});

step('a second assessor\'s page shows a decision live, without a reload', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const other = await context.newPage();
  other.on('pageerror', (e) => errors.push('second page: ' + e.message));
  await other.goto(BASE + '/#/doc/' + docId);
  await other.fill('#token', TOKEN);
  await other.keyboard.press('Enter');
  await other.waitForSelector('#facts article.fact.sel');
  await other.waitForFunction(() => document.body.dataset.live === 'stream');
  await other.evaluate(() => { window.stayed = true; });
  const id = await selectedId();
  assert.equal((await fact(id)).status, 'pending');
  const t0 = Date.now();
  await page.keyboard.press('a');
  await other.waitForSelector(`#fact-${id}[data-status="confirmed"]`, { timeout: 3000 });
  const ms = Date.now() - t0;
  assert.ok(await other.$(`mark.s-confirmed[data-owner="${id}"]`), 'its highlight too');
  assert.equal(await other.evaluate(() => window.stayed), true, 'the page was not reloaded');
  console.log(`    (seen on the second page after ${ms} ms)`);
  await context.close();
  ids.live = id;
});

step('e corrects an amount through the inline form', async () => {
  const id = await seek((f) => f.kind === 'amount' && f.status === 'pending' && f.table === '');
  await page.keyboard.press('e');
  await page.waitForSelector('#correct-form');
  // A value the API would refuse is caught in the form first.
  await page.keyboard.type('abc');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#correct-form [data-err="value"]').textContent.length > 0);
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1.5亿');
  await page.keyboard.press('Enter');
  await waitStatus(id, 'corrected');
  const f = await fact(id);
  assert.equal(f.status, 'corrected');
  assert.equal(f.value, '150000000');
  assert.match(await page.textContent(`#fact-${id} .value`), /150,000,000 元/);
  assert.match(await page.textContent(`#fact-${id} .wan`), /15,000 万元/);
  // "原为" names what changed — the value — and nothing that did not.
  const was = await page.textContent(`#fact-${id} .was`);
  assert.match(was, /^原为 值 /);
  assert.ok(!/主体|限定|原文/.test(was), was);
  ids.corrected = id;
});

step('x then a reason key rejects a fact', async () => {
  const id = await seek((f) => f.status === 'pending' && f.table === '');
  await page.keyboard.press('x');
  await page.waitForSelector('#reject-dialog');
  await page.keyboard.press('2'); // wrong_value
  await waitStatus(id, 'rejected');
  const f = await fact(id);
  assert.equal(f.status, 'rejected');
  const hist = (await api('GET', `/facts/${id}/history`)).history;
  assert.equal(hist.at(-1).action, 'reject');
  assert.equal(hist.at(-1).reason, 'wrong_value');
  assert.ok(await page.$(`mark.s-rejected[data-owner="${id}"]`));
  ids.rejected = id;
});

step('u undoes the last decision', async () => {
  await page.keyboard.press('u');
  await waitStatus(ids.rejected, 'pending');
  assert.equal(await selectedId(), ids.rejected, 'the undone fact is selected');
  const f = await fact(ids.rejected);
  assert.equal(f.status, 'pending');
  assert.equal((await api('GET', `/facts/${ids.rejected}/history`)).history.at(-1).action, 'undo');
  // The earlier decisions stand.
  assert.equal((await fact(ids.confirmed)).status, 'confirmed');
  assert.equal((await fact(ids.corrected)).status, 'corrected');
});

step('a 409 is explained in plain words and the fact reloaded', async () => {
  const id = await selectedId();
  const f = await fact(id);
  await api('POST', `/facts/${id}/confirm`, { version: f.version }); // someone else, meanwhile
  await page.keyboard.press('a');
  await page.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('其他人刚修改了这条事实')));
  await waitStatus(id, 'confirmed');
  ids.elsewhere = id;
});

step('a 409 while correcting keeps what was typed, says who changed the fact, and re-applies', async () => {
  const id = await seek((f) => f.kind === 'amount' && f.status === 'pending' && f.table === '');
  await page.keyboard.press('e');
  await page.waitForSelector('#correct-form');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('777');
  const f = await fact(id);
  await api('POST', `/facts/${id}/reject`, { version: f.version, reason: 'duplicate' }); // someone else
  await page.keyboard.press('Enter');
  await page.waitForSelector('#correct-form #reapply');
  const message = await page.textContent('#correct-form [data-err="form"]');
  assert.match(message, /测试评审员 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 驳回了这条事实（重复）/);
  assert.equal(await page.inputValue('#correct-form input[name="value"]'), '777', 'what was typed is kept');
  await page.click('#reapply');
  await waitStatus(id, 'corrected');
  assert.equal((await fact(id)).value, '777');
  ids.reapplied = id;
});

step('a corrected table cell fails its table\'s total at once; u puts the check back', async () => {
  const before = await api('GET', '/documents/' + docId);
  const byId = new Map(before.facts.map((f) => [f.id, f]));
  const total = before.checks.find((c) => c.kind === 'table_total' && c.ok
    && c.facts.every((id) => byId.get(id).status === 'pending'));
  assert.ok(total, 'a passing table total over pending facts');
  const [totalId, partId] = total.facts;
  const okOnCard = () => page.$$eval(`#fact-${totalId} ul.checks li`, (lis) => lis.map((li) => li.className));
  assert.ok((await okOnCard()).every((c) => c === 'ok'), 'the total passes before');
  await seek((f) => Number(f.id) === partId);
  await page.keyboard.press('e');
  await page.waitForSelector('#correct-form');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(Number(byId.get(partId).value) + 1000000));
  await page.keyboard.press('Enter');
  await waitStatus(partId, 'corrected');
  // Recomputed by the server, redrawn without a reload: the total's card shows the failure.
  await page.waitForSelector(`#fact-${totalId} ul.checks li.bad`);
  const after = await api('GET', '/documents/' + docId);
  assert.equal(after.checks.find((c) => c.kind === 'table_total' && c.facts[0] === totalId).ok, false);
  await shot('03b-table-total-flipped-1366x768');
  await page.keyboard.press('u');
  await waitStatus(partId, 'pending');
  await page.waitForFunction((id) => ![...document.querySelectorAll(`#fact-${id} ul.checks li`)]
    .some((li) => li.classList.contains('bad')), totalId);
  const back = await api('GET', '/documents/' + docId);
  assert.equal(back.checks.find((c) => c.kind === 'table_total' && c.facts[0] === totalId).ok, true);
});

step('b bulk-confirms the table of the selected fact after a prompt', async () => {
  const tableId = await seek((f) => f.table !== '' && f.status === 'pending');
  const table = Number(await selectedAttr('table'));
  await page.keyboard.press('b');
  await page.waitForSelector('#confirm-dialog');
  await shot('04-bulk-prompt-1366x768');
  await page.keyboard.press('Enter');
  await waitStatus(tableId, 'confirmed');
  const doc = await api('GET', '/documents/' + docId);
  const inTable = doc.facts.filter((f) => f.table === table);
  assert.ok(inTable.length > 2);
  assert.ok(inTable.every((f) => f.status === 'confirmed'), 'every fact of the table is confirmed');
  // Live events may mark some rows before the page reads the document again; every row of
  // the table must follow within the wait, without a reload.
  const ok = await page.waitForFunction((ids) => ids.every((id) =>
    document.querySelector(`#fact-${id}`)?.dataset.status === 'confirmed'), inTable.map((f) => f.id),
  { timeout: 10_000 }).then(() => true, () => false);
  const shown = await page.$$eval('#facts article.fact', (a) => Object.fromEntries(a.map((el) => [el.dataset.id, el.dataset.status])));
  for (const f of inTable) assert.equal(shown[f.id], 'confirmed', `fact ${f.id} of the table on the page`);
  assert.ok(ok);
  ids.table = table;
  ids.tableFacts = inTable.map((f) => f.id);
});

step('counts on the page agree with the database', async () => {
  const doc = await api('GET', '/documents/' + docId);
  const decided = doc.facts.filter((f) => f.status !== 'pending').length;
  const expected = new Set([ids.confirmed, ids.live, ids.corrected, ids.elsewhere, ids.reapplied, ...ids.tableFacts]);
  assert.equal(decided, expected.size);
  for (const id of expected) assert.notEqual(doc.facts.find((f) => f.id === id).status, 'pending');
  ids.decided = decided;
  assert.equal(doc.review.decided, decided);
  assert.equal(await page.textContent('#decided-count'), `已决定 ${decided} / ${doc.facts.length}`);
  const pendingRows = await page.$$eval('#facts article.fact[data-status="pending"]', (a) => a.length);
  assert.equal(pendingRows, doc.facts.length - decided);
  const statuses = Object.fromEntries(await page.$$eval('#facts article.fact', (a) => a.map((el) => [el.dataset.id, el.dataset.status])));
  for (const f of doc.facts) assert.equal(statuses[f.id], f.status, `status of fact ${f.id} on the page`);
  await shot('05-doc-1366x768');
});

step('the mouse selects too: a click on a highlight selects its fact', async () => {
  const target = await page.$eval('#text mark.hl.s-pending', (m) => Number(m.dataset.owner));
  await page.click(`#text mark.hl[data-owner="${target}"]`);
  assert.equal(await selectedId(), target);
  assert.ok(await page.$(`#fact-${target} .actions button[data-act="confirm"]`), 'its buttons are shown');
});

step('a reload comes back to the same fact', async () => {
  const id = await selectedId();
  await page.reload();
  await page.waitForSelector('#facts article.fact.sel');
  assert.equal(await selectedId(), id);
});

step('history on demand (h)', async () => {
  await page.click(`#fact-${ids.corrected}`);
  await page.keyboard.press('h');
  await page.waitForSelector('#history-dialog li');
  assert.match(await page.textContent('#history-dialog'), /更正/);
  await page.keyboard.press('Escape');
});

step('export CSV and XLSX of the document hold the decisions; the XLSX opened back', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  // Named after what it holds: the report's region and year, 已确认事实 and today's date.
  assert.match(download.suggestedFilename(), /^相山区_2022_已确认事实_\d{8}\.csv$/);
  const path = join(SHOTS, 'export.csv');
  await download.saveAs(path);
  const csv = (await import('node:fs')).readFileSync(path, 'utf8');
  assert.ok(csv.startsWith('\uFEFF文件名,材料标题,地区,年度,文号,'), 'CSV with its Chinese header');
  assert.ok(csv.includes('150000000'), 'the corrected amount is exported');
  const json = await api('GET', '/export?format=json&document_id=' + docId);
  assert.equal(json.facts.length, ids.decided, 'confirmed and corrected facts are exported');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
  assert.match(xlsx.suggestedFilename(), /^相山区_2022_已确认事实_\d{8}\.xlsx$/);
  const bytes = (await import('node:fs')).readFileSync(await xlsx.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX (a zip) was saved');
  // Opened back as a spreadsheet program would: the first sheet's header row, and the
  // corrected amount in 元 as a number cell (not text), with its exact text beside it.
  const sheet = JSON.parse((await import('node:child_process')).execFileSync('python3', ['-c', `
import json, re, sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1]); ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
shared = [("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"]))) for si in
          ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)] if "xl/sharedStrings.xml" in z.namelist() else []
rows = []
for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter("{%s}row" % ns["m"]):
    cells = []
    for c in row.findall("m:c", ns):
        v = c.find("m:v", ns); t = c.get("t", "n")
        text = c.find("m:is/m:t", ns)
        value = shared[int(v.text)] if t == "s" else (text.text if text is not None else (v.text if v is not None else ""))
        cells.append({"type": "number" if t == "n" and v is not None else "text", "value": value})
    rows.append(cells)
print(json.dumps(rows))`, await xlsx.path()]).toString());
  const header = sheet[0].map((c) => c.value);
  assert.ok(header.includes('文件名') && header.some((h) => /元/.test(h)), 'Chinese headers: ' + header.join(','));
  const cell = sheet.slice(1).flat().find((c) => c.value === '150000000' && c.type === 'number');
  assert.ok(cell, 'the corrected amount is a number cell in 元');
  assert.ok(sheet.slice(1).flat().some((c) => c.type === 'text' && /^150000000(\.0+)?$/.test(c.value)),
    'and its exact text beside it');
});

step('large screen 1920×1080', async () => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.click(`#fact-${ids.corrected}`);
  await page.keyboard.press('j');
  await page.waitForTimeout(600); // the text scrolls smoothly to the fact
  await shot('06-doc-1920x1080');
  await page.click('.doc-head a[href="#/"]');
  await page.waitForSelector('#docs');
  assert.equal(await page.textContent(`#docs tr[data-id="${docId}"] .nm`), `${ids.decided} / ${(await api('GET', '/documents/' + docId)).facts.length}`);
  await shot('07-list-1920x1080');
  await page.setViewportSize({ width: 1366, height: 768 });
});

step('B confirms every pending fact whose checks pass, after a prompt', async () => {
  await page.evaluate((id) => { location.hash = '#/doc/' + id; }, astralId);
  await page.waitForSelector('#facts article.fact.sel');
  await page.keyboard.press('B');
  await page.waitForSelector('#confirm-dialog');
  const before = await api('GET', '/documents/' + astralId);
  await page.keyboard.press('Enter');
  for (const f of before.facts.filter((g) => g.failed_checks === 0)) await waitStatus(f.id, 'confirmed');
  const doc = await api('GET', '/documents/' + astralId);
  const passing = doc.facts.filter((f) => f.failed_checks === 0);
  const failing = doc.facts.filter((f) => f.failed_checks > 0);
  assert.ok(passing.every((f) => f.status === 'confirmed'));
  assert.ok(failing.length > 0 && failing.every((f) => f.status === 'pending'), 'facts of failed checks stay pending');
  assert.equal(await page.textContent('#decided-count'), `已决定 ${passing.length} / ${doc.facts.length}`);
  // Again: nothing left to confirm, said in one plain sentence.
  await page.keyboard.press('B');
  await page.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) =>
    t.textContent === '没有可批量确认的事实：没有失败校验的事实都已审核。'));
});

step('u right after a bulk confirm undoes it as one action', async () => {
  const before = await api('GET', '/documents/' + astralId);
  const confirmed = before.facts.filter((f) => f.status === 'confirmed');
  assert.ok(confirmed.length > 1);
  await page.keyboard.press('u');
  for (const f of confirmed) await waitStatus(f.id, 'pending');
  await page.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent.startsWith('已撤销批量确认：' )));
  await page.waitForFunction((n) => document.querySelector('#decided-count').textContent === `已决定 0 / ${n}`, before.facts.length);
  // One undo action for all of them, in every fact's history.
  const histories = await Promise.all(confirmed.map((f) => api('GET', `/facts/${f.id}/history`)));
  const undoBulks = new Set(histories.map((h) => h.history.at(-1).bulk_id));
  assert.equal(undoBulks.size, 1);
  assert.ok(histories.every((h) => h.history.at(-1).action === 'undo'));
});

step('a PDF report: highlights match, each fact shows its page, its table drawn as a table', async () => {
  const pdf = new URL('../../samples/002_c76de0c36188412a-table.pdf', import.meta.url).pathname;
  const bytes = await import('node:fs').then((fs) => fs.readFileSync(pdf));
  const res = await fetch(BASE + '/api/documents?filename=' + encodeURIComponent(basename(pdf)), {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  assert.ok(res.ok, `upload: ${res.status}`);
  const id = (await res.json()).id;
  for (let i = 0; i < 100 && (await api('GET', '/documents/' + id)).status !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.evaluate((doc) => { location.hash = '#/doc/' + doc; }, id);
  await page.waitForSelector('#facts article.fact.sel');
  const doc = await assertHighlights(id);
  assert.ok(doc.facts.every((f) => f.provenance && f.provenance.source === 'pdf_page'));
  const pages = await page.$$eval('#facts article.fact .page', (els) => els.map((e) => e.textContent));
  assert.equal(pages.length, doc.facts.length, 'every PDF fact shows its page');
  const first = doc.facts.find((f) => f.kind === 'amount' && f.table != null);
  assert.ok(first, 'the PDF table gives row amounts');
  assert.match(await page.textContent(`#fact-${first.id} .page`), new RegExp(`第 ${first.provenance.page} 页`));
  // Ingestion writes a table one cell a line (as DOCX and spreadsheet tables): the cell's
  // text stands on a line of its own in the report's text.
  const lines = doc.text.split('\n');
  assert.ok(lines.some((l) => l.trim() === first.text), 'the PDF table cell is a line of its own');
  // The page draws the table ingestion found as a table, its cell's fact inside it, and the
  // prose around it as running text.
  const full = await api('GET', '/documents/' + id);
  assert.ok(full.tables.length >= 1, 'the document gives where its tables stand');
  assert.ok(await page.$(`#text table.grid mark[data-ids~="${first.id}"]`), 'the PDF table is drawn as a table');
  const prose = doc.facts.find((f) => f.table == null);
  if (prose) assert.ok(await page.$(`#text div.para mark[data-ids~="${prose.id}"]`), 'prose stays prose');
  await shot('09-pdf-1366x768');
});

step('a report with more facts than one page of the API: every fact listed and highlighted', async () => {
  const lines = [];
  for (let i = 1; i <= 1200; i++) lines.push(`第${i}项工程安排专项资金${i}.5万元。`);
  const res = await fetch(BASE + '/api/documents?filename=many-facts.txt', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/octet-stream' },
    body: lines.join('\n'),
  });
  assert.ok(res.ok, `upload: ${res.status}`);
  const id = (await res.json()).id;
  let first;
  for (let i = 0; i < 150 && (first = await api('GET', '/documents/' + id)).status !== 'done'; i++) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const total = first.review.facts;
  assert.ok(total > 1000, `facts: ${total}`);
  assert.equal(first.facts.length, 1000, 'the document comes with one page of facts');
  assert.ok(first.facts_next, 'and the cursor of the next');
  await page.evaluate((doc) => { location.hash = '#/doc/' + doc; }, id);
  await page.waitForSelector('#facts article.fact.sel');
  // The list is built in parts: every card, once the last part is in.
  await page.waitForFunction((n) => document.querySelectorAll('#facts article.fact').length === n
    && !document.querySelector('#facts .facts-more'), total);
  const marked = await page.$$eval('mark.hl', (marks) => new Set(marks.flatMap((m) => m.dataset.ids.split(' '))).size);
  assert.equal(marked, total, 'every fact highlighted');
  ids.many = id;
});

step('a long list built in parts: a far highlight, End, Home and j reach every fact in order', async () => {
  const doc = await api('GET', '/documents/' + ids.many);
  const facts = doc.facts;
  for (let next = doc.facts_next; next;) {
    const more = await api('GET', `/documents/${ids.many}/facts?after=${encodeURIComponent(next)}`);
    facts.push(...more.facts);
    next = more.next;
  }
  // The review order: failed checks first, then pending, each in reading order.
  const group = (f) => (f.status === 'pending' ? (f.failed_checks > 0 ? 0 : 1) : 2);
  const order = facts.sort((a, b) => group(a) - group(b) || a.start - b.start || a.id - b.id).map((f) => f.id);
  // Opened afresh, so its list is built anew from the first part.
  await page.evaluate(() => { location.hash = '#/'; });
  await page.waitForSelector('#doc-table');
  await page.evaluate((doc) => { location.hash = '#/doc/' + doc; }, ids.many);
  await page.waitForSelector('#facts article.fact.sel');
  // A highlight near the end of the report selects its fact, its card built for it.
  const far = order[order.length - 40];
  await page.click(`#text mark.hl[data-owner="${far}"]`);
  assert.equal(await selectedId(), far);
  assert.ok(await page.$(`#fact-${far}[aria-current="true"] .actions button[data-act="confirm"]`), 'its card with its buttons');
  // A filter draws the list again: the selected fact's card is there at once, wherever it stands.
  await page.selectOption('#ff-kind', facts.find((f) => f.id === far).kind);
  assert.ok(await page.$(`#fact-${far}.sel`), 'the selected card, the list filtered');
  await page.selectOption('#ff-kind', '');
  assert.ok(await page.$(`#fact-${far}.sel`), 'and unfiltered again');
  await page.keyboard.press('j');
  assert.equal(await selectedId(), order[order.length - 39], 'j goes on from it in order');
  await page.keyboard.press('End');
  assert.equal(await selectedId(), order.at(-1), 'End reaches the last fact');
  await page.keyboard.press('k');
  assert.equal(await selectedId(), order.at(-2));
  await page.keyboard.press('Home');
  assert.equal(await selectedId(), order[0], 'Home the first');
  // Once built, the cards stand in the order j walks, under headings that count them all.
  await page.waitForFunction((n) => document.querySelectorAll('#facts article.fact').length === n
    && !document.querySelector('#facts .facts-more'), order.length);
  assert.deepEqual(await page.$$eval('#facts article.fact', (els) => els.map((el) => Number(el.dataset.id))), order);
  assert.equal(await page.$$eval('#facts article.fact.sel', (els) => els.length), 1);
  const pending = order.filter((x) => group(facts.find((f) => f.id === x)) === 1).length;
  assert.ok(pending > 1000);
  assert.equal(await page.textContent('#facts h2[data-group="1"]'), `待审核（${pending}）`);
  // A decision on a far fact moves its card to the decided group, as on a short list.
  await page.click(`#text mark.hl[data-owner="${far}"]`);
  await page.keyboard.press('a');
  await page.waitForSelector(`#fact-${far}[data-status="confirmed"]`);
  assert.equal(await selectedId(), order[order.length - 39]);
  assert.equal(await page.textContent('#facts h2[data-group="2"]'), '已决定（1）');
  assert.equal(await page.textContent('#facts h2[data-group="1"]'), `待审核（${pending - 1}）`);
  assert.equal(await page.$eval('#facts article.fact:last-of-type', (el) => Number(el.dataset.id)), far);
  await page.keyboard.press('u');
  await page.waitForSelector(`#fact-${far}[data-status="pending"]`);
  assert.equal(await page.$('#facts h2[data-group="2"]'), null, 'no decided group once undone');
});

step('a span is corrected by selecting words in the text', async () => {
  await page.goto(BASE + '/#/doc/' + docId);
  await page.waitForSelector('#facts article.fact.sel');
  const doc = await api('GET', '/documents/' + docId);
  // A pending amount drawn as one highlight of its own, its text ending in 元.
  const candidates = doc.facts.filter((f) => f.status === 'pending' && f.kind === 'amount' && f.text.endsWith('元'));
  let target = null;
  for (const f of candidates) {
    const marks = await page.$$eval(`#text mark.hl[data-owner="${f.id}"]`, (ms) => ms.map((m) => [m.dataset.ids, m.textContent]));
    if (marks.length === 1 && marks[0][0] === String(f.id) && marks[0][1] === f.text) { target = f; break; }
  }
  assert.ok(target, 'a pending amount with a highlight of its own');
  await page.click(`#text mark.hl[data-owner="${target.id}"]`);
  await page.keyboard.press('e');
  await page.waitForSelector(`#fact-${target.id} form.correct #take-span`);
  // Select the highlight's text without its last character (元), as a mouse drag would.
  await page.evaluate((id) => {
    const node = document.querySelector(`#text mark.hl[data-owner="${id}"]`).firstChild;
    const range = document.createRange();
    range.setStart(node, 0);
    range.setEnd(node, node.length - 1);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }, target.id);
  // selectionchange is dispatched as a task of its own: let it run before the click.
  await page.evaluate(() => new Promise((done) => setTimeout(done, 50)));
  await page.click('#take-span');
  const shorter = [...target.text].slice(0, -1).join('');
  assert.equal(await page.textContent('#span-text'), shorter);
  await page.click(`#fact-${target.id} form.correct button.primary`);
  await page.waitForSelector(`#facts article.fact[data-id="${target.id}"][data-status="corrected"]`);
  const after = await api('GET', '/facts/' + target.id);
  assert.equal(after.start, target.start);
  assert.equal(after.end, target.end - 1);
  assert.equal(after.text, shorter);
  assert.equal(after.value, target.value, 'the value is kept');
  await shot('11-span-1366x768');
});

step('review statistics per kind, reached from the list, agree with the API', async () => {
  await page.goto(BASE + '/#/');
  await page.click('#stats-link');
  await page.waitForSelector('#stats tbody tr[data-kind="all"]');
  const stats = await api('GET', '/stats');
  assert.ok(stats.all.decided > 0, 'decisions were made earlier in this run');
  for (const k of [...stats.kinds, stats.all]) {
    for (const c of ['total', 'pending', 'confirmed', 'corrected', 'rejected']) {
      const shown = await page.textContent(`#stats tr[data-kind="${k.kind}"] td[data-col="${c}"]`);
      assert.equal(shown.replace(/,/g, ''), String(k[c]), `${k.kind} ${c}`);
    }
    const precision = await page.textContent(`#stats tr[data-kind="${k.kind}"] td[data-col="precision"]`);
    if (k.precision == null) assert.equal(precision, '—');
    else assert.equal(precision, (Math.round(k.precision * 1000) / 10).toFixed(1) + '%', `${k.kind} precision`);
  }
  await shot('10-stats-1366x768');
});

let form; // the self-evaluation form's document id, its score cell's fact, and the form
step('a self-evaluation form is shown as its table, each number a fact', async () => {
  await page.goto(BASE + '/#/');
  await page.waitForSelector('#drop');
  await page.setInputFiles('#upload-input', formPath);
  await page.waitForSelector('#uploads > li:first-child .msg[data-doc]');
  const id = (await api('GET', '/documents')).documents.find((d) => d.file_name === 'xiaoshe-form.txt').id;
  await page.waitForSelector(`#docs tr[data-id="${id}"] td.status[data-status="done"]`, { timeout: 60_000 });
  // The list says how many findings, of which severity.
  assert.equal(await page.textContent(`#docs tr[data-id="${id}"] td.findings`), '3（错误 2，提示 1）');
  await page.click(`#docs tr[data-id="${id}"]`);
  await page.waitForSelector('#form-view table.form-table.indicators');
  assert.equal(await page.getAttribute('#view-form', 'aria-pressed'), 'true');
  assert.ok(await page.isHidden('#text-view'), 'the form, not the text, is shown first');
  const doc = await api('GET', '/documents/' + id);
  assert.equal(doc.forms.length, 1);
  const facts = new Map(doc.facts.map((f) => [f.id, f]));
  // Every numeric cell is its fact and reads the fact's text.
  const cells = await page.$$eval('#form-view .cell[data-fact]', (els) => els.map((e) => [Number(e.dataset.fact), e.querySelector('.v').textContent]));
  assert.ok(cells.length >= 25, `the form's cells: ${cells.length}`);
  for (const [fid, text] of cells) assert.equal(text, facts.get(fid).text, `cell of fact ${fid}`);
  const row = doc.forms[0].indicators.find((r) => r.name === '更换课桌椅套数');
  assert.deepEqual(row.levels, ['产出指标', '质量指标', '更换课桌椅套数']);
  assert.equal(facts.get(row.score).text, '12');
  // The headers as the national form has them, and merged 一级指标 cells.
  const head = await page.$$eval('#form-view table.indicators thead th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(head, ['一级指标', '二级指标', '三级指标', '年度指标值', '实际完成值', '分值', '得分', '偏差原因分析及改进措施']);
  assert.equal(await page.getAttribute('#form-view table.indicators tbody tr:first-child th.level', 'rowspan'), '2');
  assert.match(await page.textContent('#form-view table.indicators tfoot'), /总分.*100.*98\.5.*自评等级.*优/s);
  assert.match(await page.textContent('#form-view table.funds'), /年度资金总额.*400\.00.*360\.00.*90\.00%/s);
  form = { id, score: row.score, weight: row.weight };
});

step('the failing score is flagged on its cells, with stated, computed and why', async () => {
  const cap = `#form-view .cell[data-fact="${form.score}"]`;
  assert.ok(await page.$(`${cap}.flag-error`), 'the 得分 12 cell is flagged as an error');
  assert.ok(await page.$(`#form-view .cell[data-fact="${form.weight}"].flag-error`), 'and its 分值 10 cell');
  await page.hover(cap);
  await page.waitForSelector(`${cap} .tip`, { state: 'visible' });
  const tip = await page.textContent(`${cap} .tip`);
  assert.match(tip, /得分不超过分值（错误）：所述 12，计算得 10。更换课桌椅套数/);
  assert.match(tip, /总分合计/, 'the total that does not add up involves it too');
  // The findings panel lists all three; the list's summary is in the header too.
  assert.equal(await page.textContent('#findings summary'), '校验问题 3（错误 2，提示 1）');
  const kinds = await page.$$eval('#findings li.finding', (lis) => lis.map((l) => l.dataset.kind + ':' + l.className));
  assert.equal(kinds.length, 3);
  assert.ok(kinds.some((k) => k.startsWith('target_met_docked:') && k.includes('sev-warning')));
  assert.match(await page.textContent('#doc-findings'), /校验问题 3（错误 2，提示 1）/);
  // Keyboard focus shows the same as hovering.
  await page.mouse.move(0, 0);
  await page.focus(cap);
  assert.ok(await page.isVisible(`${cap} .tip`), 'the explanation shows on focus');
  await shot('12-form-1366x768');
});

step('a click on a cell selects its fact; j and k move, the cell follows', async () => {
  await page.click(`#form-view .cell[data-fact="${form.score}"]`);
  assert.equal(await selectedId(), form.score);
  assert.ok(await page.$(`#form-view .cell[data-fact="${form.score}"].sel`));
  await page.keyboard.press('j');
  const next = await selectedId();
  assert.notEqual(next, form.score);
  assert.equal(await page.$(`#form-view .cell[data-fact="${form.score}"].sel`), null, 'the old cell is no longer selected');
  await page.keyboard.press('k');
  assert.equal(await selectedId(), form.score);
  // A finding of the panel selects its stated fact.
  await page.click('#findings li.finding[data-kind="target_met_docked"]');
  assert.notEqual(await selectedId(), form.score);
  await page.click(`#form-view .cell[data-fact="${form.score}"]`);
  assert.equal(await selectedId(), form.score);
});

step('e corrects the score to 10; the flag goes without a reload', async () => {
  await page.evaluate(() => { window.__notReloaded = true; });
  await page.keyboard.press('e');
  await page.waitForSelector('#correct-form');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('10');
  await page.keyboard.press('Enter');
  await waitStatus(form.score, 'corrected');
  const cap = `#form-view .cell[data-fact="${form.score}"]`;
  await page.waitForFunction((sel) => !document.querySelector(sel).classList.contains('flag'), cap);
  assert.equal(await page.textContent(`${cap} .v`), '10');
  assert.equal(await page.textContent(`${cap} .was`), '12', 'the report\'s own figure stays visible');
  assert.equal(await page.$(`#form-view .cell[data-fact="${form.weight}"].flag`), null, 'its 分值 is no longer flagged');
  assert.equal(await page.textContent('#findings summary'), '校验问题 1（提示 1）');
  assert.deepEqual(await page.$$eval('#findings li.finding', (lis) => lis.map((l) => l.dataset.kind)), ['target_met_docked']);
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  // The fact left the failed-checks group; the database agrees.
  const f = await fact(form.score);
  assert.equal(f.value, '10');
  assert.equal(f.failed_checks, 0);
  const doc = await api('GET', '/documents/' + form.id);
  assert.deepEqual(doc.checks.filter((c) => !c.ok).map((c) => c.kind), ['target_met_docked']);
  assert.deepEqual(doc.findings, { error: 0, warning: 1 });
  await shot('13-form-corrected-1366x768');
});

step('v shows the report\'s text and back; the list shows the findings left', async () => {
  await page.keyboard.press('v');
  await page.waitForSelector('#text-view:not([hidden]) mark.hl');
  assert.ok(await page.isHidden('#form-view'));
  await page.keyboard.press('v');
  await page.waitForSelector('#form-view:not([hidden])');
  await page.click('.doc-head a[href="#/"]');
  await page.waitForSelector('#docs');
  assert.equal(await page.textContent(`#docs tr[data-id="${form.id}"] td.findings`), '1（提示 1）');
  // Filtered by severity: the form has a warning, the sample report none.
  await page.selectOption('#f-severity', 'warning');
  await page.waitForFunction((id) => [...document.querySelectorAll('#docs tbody tr')].every((tr) => Number(tr.dataset.id) === id), form.id);
  await page.selectOption('#f-severity', '');
  await page.waitForFunction(() => document.querySelectorAll('#docs tbody tr').length > 1);
});

step('a reader gets a read-only view', async () => {
  if (!READER) return;
  // A reader in Beijing time, who asks to stay signed in on this computer.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Shanghai' });
  const p = await context.newPage();
  await p.goto(BASE + '/#/doc/' + docId);
  assert.match(await p.textContent('#no-token'), /系统管理员/, 'sign-in says whom to ask for a token');
  assert.equal(await p.isChecked('#remember'), false, 'staying signed in is off by default');
  await p.fill('#token', READER);
  await p.check('#remember');
  await p.keyboard.press('Enter');
  await p.waitForSelector('#facts article.fact.sel');
  // Another tab of the same browser is signed in already.
  const second = await context.newPage();
  await second.goto(BASE + '/#/');
  await second.waitForSelector('#who:not([hidden])');
  await second.close();
  assert.equal(await p.textContent('#who-role'), '只读');
  assert.ok(await p.$('.readonly-note'));
  assert.equal(await p.$('#drop'), null);
  assert.equal(await p.$$eval('.actions button:not([data-act="history"])', (b) => b.length), 0, 'no review buttons');
  const statuses = await p.$$eval('#facts article.fact', (a) => a.map((el) => el.dataset.status));
  assert.ok(statuses.every((s) => s === 'confirmed' || s === 'corrected'));
  // What a reader sees, said plainly: not "decided 59 / 59" of a list holding only settled facts.
  assert.equal(await p.textContent('#decided-count'), `已确认或更正的事实 ${statuses.length} 条`);
  // A reader may read how a settled fact was settled.
  await p.keyboard.press('h');
  await p.waitForSelector('#history-dialog ul.history li');
  // In the reader's own time zone: UTC+8 here.
  const selected = await p.$eval('#facts article.fact.sel', (el) => Number(el.dataset.id));
  const at = (await api('GET', `/facts/${selected}/history`)).history[0].at;
  const beijing = new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
  assert.match(await p.textContent('#history-dialog .when'), new RegExp(beijing));
  await p.keyboard.press('Escape');
  await p.keyboard.press('a');
  await p.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('只读')));
  await p.screenshot({ path: join(SHOTS, '08-reader-1366x768.png') });
  await context.close();
});

await run(steps, {
  shots: SHOTS,
  name: 'review',
  open: async (b) => {
    browser = b;
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    return { page };
  },
  tolerate: /status of (401|409)/,
});
