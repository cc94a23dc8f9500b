// Accessibility and screen sizes of the assessor page: axe-core (npm, injected into the page)
// must report no critical or serious violation of WCAG 2.1 A/AA on the sign-in, list,
// document, form and stats views; fact cards are real list options; at 200 % zoom the
// correction form stays in view; each view is photographed at 1366×768 and 1920×1080.
//
// Run by tests/browser/run.sh after review.spec.mjs, against the same server:
//   BASE_URL, TOKEN (assessor), SAMPLE (a report file), SHOT_DIR.

import { chromium } from 'playwright-core';
import { env } from './steps.mjs';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const BASE = env('BASE_URL');
const TOKEN = env('TOKEN');
const SAMPLE = env('SAMPLE');
const SHOTS = env('SHOT_DIR');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

async function upload(name, bytes) {
  const res = await fetch(`${BASE}/api/documents?filename=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  const doc = await res.json();
  if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${JSON.stringify(doc)}`);
  for (let i = 0; i < 300; i++) {
    const now = await (await fetch(`${BASE}/api/documents/${doc.id}`, {
      headers: { Authorization: 'Bearer ' + TOKEN },
    })).json();
    if (now.status === 'done') return doc.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not extracted`);
}

// A self-evaluation form one cell a line, with a score over its cap (a flagged cell).
const FORM = [
  '项目支出绩效自评表', '（2023年度）', '项目名称', '城区道路照明维护项目', '主管部门', '城区住房和城乡建设局',
  '项目资金', '（万元）', '', '年初预算数', '全年预算数', '全年执行数', '分值', '执行率', '得分',
  '年度资金总额', '200.00', '200.00', '190.00', '10', '95.00%', '9.5',
  '绩效指标', '一级指标', '二级指标', '三级指标', '年度指标值', '实际完成值', '分值', '得分', '偏差原因分析及改进措施',
  '产出指标(50分)', '数量指标', '维护路灯数量', '≥3000盏', '3100盏', '50', '50', '',
  '效益指标(30分)', '社会效益指标', '亮灯率', '≥98%', '99%', '30', '32', '',
  '满意度指标(10分)', '服务对象满意度指标', '群众满意度', '≥90%', '93%', '10', '10', '',
  '总分', '100', '101.5', '', '自评等级', '优', '',
].join('\n');

// axe over the whole page; only critical and serious violations fail, each listed with the
// elements it found.
async function axe(page, view) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const bad = result.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const minor = result.filter((v) => !bad.includes(v));
  if (minor.length) console.log(`  ${view}: minor: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  assert.deepEqual(bad, [], `${view}: axe found critical or serious violations:\n` +
    JSON.stringify(bad, null, 2));
}

const SIZES = [[1366, 768], [1920, 1080]];

async function shoot(page, view) {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, `${view}-${width}x${height}.png`) });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
}

let browser;
let failed = 0;
let passed = 0;
try {
  const reportId = await upload('a11y-report.txt', readFileSync(SAMPLE));
  const formPath = join(SHOTS, 'a11y-form.txt');
  writeFileSync(formPath, FORM);
  const formId = await upload('a11y-form.txt', readFileSync(formPath));

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  // axe is injected as a script of its own: the page's Content-Security-Policy would refuse it.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const views = [
    ['signin', async () => {
      await page.goto(BASE + '/');
      await page.waitForSelector('#token');
    }],
    ['list', async () => {
      await page.fill('#token', TOKEN);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#docs tbody tr');
    }],
    ['document', async () => {
      await page.goto(`${BASE}/#/doc/${reportId}`);
      await page.waitForSelector('mark.hl');
      await page.keyboard.press('j');
      await page.waitForSelector('article.fact.sel[aria-current="true"]');
      assert.equal(await page.$$eval('[aria-selected]', (els) => els.length), 0,
        'aria-selected on elements that are not options');
    }],
    ['form', async () => {
      await page.goto(`${BASE}/#/doc/${formId}`);
      await page.waitForSelector('#form-view:not([hidden])');
    }],
    ['stats', async () => {
      await page.goto(`${BASE}/#/stats`);
      await page.waitForSelector('main table');
    }],
  ];
  for (const [view, open] of views) {
    try {
      await open();
      await axe(page, view);
      await shoot(page, view);
      passed++;
      console.log(`✓ ${view}: no critical or serious violations; screenshots at 1366×768 and 1920×1080`);
    } catch (e) {
      failed++;
      console.log(`✗ ${view}\n  ${String(e.stack || e).split('\n').slice(0, 40).join('\n  ')}`);
    }
  }

  // 200 % zoom: a 1366×768 screen at twice the scale is a 683×384 CSS-pixel viewport. The
  // correction form opened on a fact must be in view whole, its fields reachable.
  try {
    const zoomed = await browser.newContext({ viewport: { width: 683, height: 384 }, deviceScaleFactor: 2 });
    const z = await zoomed.newPage();
    await z.goto(BASE + '/');
    await z.fill('#token', TOKEN);
    await z.keyboard.press('Enter');
    await z.waitForSelector('#docs tbody tr');
    await z.goto(`${BASE}/#/doc/${reportId}`);
    await z.waitForSelector('mark.hl');
    await z.keyboard.press('j');
    await z.keyboard.press('e');
    const form = await z.waitForSelector('form.correct');
    const box = await form.boundingBox();
    const fits = box && box.y >= 0 && box.x >= 0 && box.x + box.width <= 683 + 1;
    assert.ok(fits, `the correction form at 200 % zoom: ${JSON.stringify(box)}`);
    // Its first field and its submit button can be scrolled to and are not covered.
    const value = await z.$('form.correct input, form.correct select');
    await value.scrollIntoViewIfNeeded();
    assert.ok(await value.isVisible());
    await z.screenshot({ path: join(SHOTS, 'correction-200pct.png') });
    await zoomed.close();
    passed++;
    console.log('✓ at 200 % zoom the correction form stays in view');
  } catch (e) {
    failed++;
    console.log(`✗ 200 % zoom\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
  }
  if (errors.length) {
    failed++;
    console.log('✗ the page logged errors:\n  ' + errors.join('\n  '));
  }
} finally {
  if (browser) await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
