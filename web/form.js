// Self-evaluation forms (绩效自评表) as the assessor knows them: the funds block, the
// indicator rows under their 一级/二级/三级指标, the total and the stated grade. Every numeric
// cell is its fact — a click selects it, and the review keys then act on it — and a cell that
// a failed check involves is flagged, with what was stated, what was computed and why on
// hover or focus. The findings panel lists every failed check of the document.

import {
  CHECK_LABEL, SEVERITY_LABEL, findingText, findingsCount, findingsOf, groupDigits, yuanToWan,
} from './format.js';
import { select } from './document.js';
import { state } from './state.js';
import { $, h } from './ui.js';

export const failedChecks = () => (state.doc.checks || []).filter((c) => !c.ok);

// Fact id → the failed checks that involve it.
function flagsByFact() {
  const flags = new Map();
  for (const c of failedChecks()) {
    for (const id of new Set(c.facts || [])) {
      if (!flags.has(id)) flags.set(id, []);
      flags.get(id).push(c);
    }
  }
  return flags;
}

// The document's checks after a decision changed a value: the failed ones as the server
// computed them again, and the passing ones kept from before unless the same check (kind
// and facts) now fails. Every fact's count of failed checks follows, as the server counts.
export function setFindings(findings) {
  const key = (c) => c.kind + ':' + (c.facts || []).join(',');
  const failing = new Set(findings.map(key));
  const passing = (state.doc.checks || []).filter((c) => c.ok && !failing.has(key(c)));
  state.doc.checks = [...findings, ...passing];
  state.doc.findings = findingsOf(state.doc.checks);
  state.doc.checks_failed = findings.length;
  const counts = new Map();
  for (const c of findings) for (const id of new Set(c.facts || [])) counts.set(id, (counts.get(id) || 0) + 1);
  for (const f of state.facts.values()) f.failed_checks = counts.get(f.id) || 0;
  state.checksOf = new Map();
  for (const c of state.doc.checks) {
    for (const id of c.facts || []) {
      if (!state.checksOf.has(id)) state.checksOf.set(id, []);
      state.checksOf.get(id).push(c);
    }
  }
}

// What a cell shows: the report's own text, or the corrected value in the form's units.
function cellText(f, unit) {
  if (f.status !== 'corrected') return f.text;
  const v = String(f.value);
  switch (f.kind) {
    case 'amount': return groupDigits(unit === '元' ? v : unit === '亿元' ? yuanToWan(yuanToWan(v)) : yuanToWan(v));
    case 'percent': return v + '%';
    case 'count': return v + (f.unit || '');
    default: return v;
  }
}

// A fact as a cell of the form (or a chip inside a label), flagged by its failed checks.
function factCell(id, ctx, tag = 'td', fallback = '') {
  if (id === null || id === undefined) return h(tag, { class: 'blank' }, fallback);
  const f = state.facts.get(id);
  // A reader sees only settled facts: the others stay unnamed.
  if (!f) return h(tag, { class: 'cell unseen', title: '尚未审核' }, '·');
  const bad = ctx.flags.get(id) || [];
  const severity = bad.some((c) => c.severity !== 'warning') ? 'error' : bad.length ? 'warning' : '';
  const classes = ['cell', 'k-' + f.kind, 's-' + f.status];
  if (severity) classes.push('flag', 'flag-' + severity);
  if (f.id === state.selected) classes.push('sel');
  const text = cellText(f, ctx.unit);
  const el = h(tag, {
    class: classes.join(' '),
    tabindex: 0,
    dataset: { fact: f.id },
    'aria-label': text + (bad.length ? '，' + bad.map((c) => CHECK_LABEL[c.kind] || c.kind).join('、') : ''),
  },
  h('span', { class: 'v' }, text),
  f.status === 'corrected' && text !== f.text ? h('s', { class: 'was', title: '原文' }, f.text) : null,
  bad.length ? h('span', { class: 'tip', role: 'tooltip' }, bad.map((c) => h('span', { class: 'tip-line sev-' + c.severity }, findingText(c)))) : null);
  if (!state.cells.has(f.id)) state.cells.set(f.id, []);
  state.cells.get(f.id).push(el);
  return el;
}

function fundsTable(form, ctx) {
  const head = ['年初预算数', '全年预算数', '全年执行数', '分值', '执行率', '得分'];
  let firstPart = true;
  const rows = form.funds.map((r) => {
    let name = r.name || '';
    if (!r.total && firstPart) {
      name = '其中：' + name;
      firstPart = false;
    }
    return h('tr', { class: r.total ? 'total' : 'sub' },
      h('th', { scope: 'row' }, name),
      [r.initial, r.budget, r.spent, r.weight, r.rate, r.score].map((id) => factCell(id, ctx, 'td', r.total ? '' : '/')));
  });
  return h('table', { class: 'form-table funds' },
    h('caption', {}, '项目资金（' + (form.unit || '万元') + '）',
      form.funds_weight != null ? ['　预算执行（', factCell(form.funds_weight, ctx, 'span'), '）'] : null),
    h('thead', {}, h('tr', {}, h('th', {}, '资金'), head.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows));
}

// How many rows from `i` on share level `k` (and the levels above it): one merged cell.
function runLength(rows, i, k) {
  const same = (a, b) => a.levels.slice(0, k + 1).every((l, j) => (l || '') === (b.levels[j] || ''));
  let n = 1;
  while (i + n < rows.length && rows[i].levels[k] && same(rows[i], rows[i + n])) n++;
  return n;
}

function indicatorTable(form, ctx) {
  const rows = form.indicators;
  const withCoefficient = rows.some((r) => r.coefficient != null);
  const head = ['一级指标', '二级指标', '三级指标', '年度指标值', '实际完成值', '分值', '得分'];
  if (withCoefficient) head.push('得分系数');
  head.push('偏差原因分析及改进措施');
  const value = (t) => (t ? (t.fact != null ? factCell(t.fact, ctx) : h('td', {}, t.text)) : h('td', { class: 'blank' }));
  const body = rows.map((r, i) => {
    const cells = [];
    for (const k of [0, 1]) {
      if (i > 0 && r.levels[k] && runLength(rows, i - 1, k) > 1) continue; // merged above
      const span = runLength(rows, i, k);
      const name = r.levels[k] || '';
      const block = k === 0 ? (form.blocks || []).find((b) => b.name === name) : null;
      cells.push(h('th', { scope: 'rowgroup', rowspan: span > 1 ? span : null, class: 'level' },
        name, block ? [' ', factCell(block.weight, ctx, 'span')] : null));
    }
    cells.push(h('th', { scope: 'row', class: 'level' }, r.levels[2] || r.name));
    cells.push(value(r.target), value(r.actual), factCell(r.weight, ctx), factCell(r.score, ctx));
    if (withCoefficient) cells.push(factCell(r.coefficient, ctx));
    cells.push(h('td', { class: 'reason' }, r.reason || ''));
    return h('tr', { dataset: { row: i } }, cells);
  });
  const foot = [];
  if (form.total && (form.total.weight != null || form.total.score != null)) {
    foot.push(h('tr', { class: 'total' }, h('th', { scope: 'row', colspan: 5 }, '总分'),
      factCell(form.total.weight, ctx), factCell(form.total.score, ctx),
      h('td', { colspan: withCoefficient ? 2 : 1 })));
  }
  if (form.grade != null) {
    foot.push(h('tr', { class: 'grade' }, h('th', { scope: 'row', colspan: 5 }, '自评等级'),
      factCell(form.grade, ctx), h('td', { colspan: withCoefficient ? 3 : 2 })));
  }
  return h('table', { class: 'form-table indicators' },
    h('caption', {}, '绩效指标'),
    h('thead', {}, h('tr', {}, head.map((t) => h('th', {}, t)))),
    h('tbody', {}, body),
    foot.length ? h('tfoot', {}, foot) : null);
}

function formBlock(form, i, count) {
  const ctx = { flags: flagsByFact(), unit: form.unit || '万元' };
  const meta = [];
  if (form.project) meta.push(h('span', {}, '项目名称：' + form.project));
  if (form.authority) meta.push(h('span', {}, '主管部门：' + form.authority));
  if (form.rescaled) meta.push(h('span', { class: 'rescaled' }, '（表中说明已折算）'));
  return h('section', { class: 'form', dataset: { form: i } },
    h('h2', {}, '绩效自评表' + (count > 1 ? '（' + (i + 1) + '）' : '')),
    meta.length ? h('div', { class: 'form-meta' }, meta) : null,
    form.funds && form.funds.length ? fundsTable(form, ctx) : null,
    indicatorTable(form, ctx));
}

// The forms of the document, each cell its fact.
export function formsView() {
  state.cells = new Map();
  const forms = state.doc.forms || [];
  const view = h('div', { class: 'form-view', id: 'form-view', hidden: state.view !== 'form' },
    forms.map((f, i) => formBlock(f, i, forms.length)));
  view.addEventListener('click', (ev) => {
    const cell = ev.target.closest('.cell[data-fact]');
    if (cell) select(Number(cell.dataset.fact), { scrollText: false });
  });
  return view;
}

// Every failed check of the document, errors first; a click selects its stated fact.
export function findingsPanel() {
  const checks = state.doc.checks || [];
  const failed = failedChecks().sort((a, b) => (a.severity === 'warning') - (b.severity === 'warning'));
  const summary = findingsCount(findingsOf(checks));
  // Open while there are findings, unless the assessor folded it away.
  const open = state.findingsOpen ?? failed.length > 0;
  const panel = h('details', { class: 'findings', id: 'findings', open, hidden: !checks.length },
    h('summary', {}, failed.length ? '校验问题 ' + summary : '校验全部通过（' + checks.length + ' 项）'),
    h('ul', {}, failed.map((c) => h('li', {
      class: 'finding sev-' + c.severity,
      dataset: { kind: c.kind, facts: (c.facts || []).join(' ') },
      tabindex: 0,
      onclick: () => { if (c.facts && c.facts.length) select(c.facts[0]); },
      onkeydown: (ev) => { if (ev.key === 'Enter' && c.facts && c.facts.length) select(c.facts[0]); },
    },
    h('span', { class: 'sev' }, SEVERITY_LABEL[c.severity] || c.severity),
    h('strong', {}, CHECK_LABEL[c.kind] || c.kind),
    c.kind === 'cross_document'
      ? h('span', { class: 'nums' }, '本报告 ' + c.stated + ' · ',
        h('a', { href: '#/doc/' + c.related_document, onclick: (ev) => ev.stopPropagation() }, '另一报告'),
        ' ' + c.computed)
      : h('span', { class: 'nums' }, '所述 ' + c.stated + ' · 计算 ' + c.computed),
    h('div', { class: 'msg' }, c.message)))));
  panel.querySelector('summary').addEventListener('click', () => { state.findingsOpen = !panel.open; });
  return panel;
}

// Draws the findings and the forms again in place (after a decision), keeping the view.
export function refreshForms() {
  const panel = $('#findings');
  if (panel) panel.replaceWith(findingsPanel());
  const view = $('#form-view');
  if (view) view.replaceWith(formsView());
}

// Switches the left pane between the forms and the report's text.
export function showView(which) {
  if (!(state.doc && (state.doc.forms || []).length)) return;
  state.view = which;
  const form = $('#form-view');
  const text = $('#text-view');
  if (form) form.hidden = which !== 'form';
  if (text) text.hidden = which !== 'text';
  for (const b of document.querySelectorAll('.view-tabs button')) b.setAttribute('aria-pressed', String(b.dataset.view === which));
  if (state.selected !== null) select(state.selected, { smooth: false });
}

export function viewTabs() {
  return h('div', { class: 'view-tabs', role: 'group', 'aria-label': '显示' },
    h('button', { type: 'button', id: 'view-form', dataset: { view: 'form' }, 'aria-pressed': String(state.view === 'form'), onclick: () => showView('form') }, '自评表'),
    h('button', { type: 'button', id: 'view-text', dataset: { view: 'text' }, 'aria-pressed': String(state.view === 'text'), onclick: () => showView('text') }, '原文'),
    h('span', { class: 'hint' }, h('kbd', {}, 'v'), ' 切换'));
}
