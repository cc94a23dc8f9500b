// The document view: the report on the left — its self-evaluation forms as tables, or its
// text with every fact highlighted — with the findings above it; on the right the list of
// facts, failed checks first, each decided with the keyboard or the mouse.

import { ApiError, fetchDocument, plainError } from './api.js';
import { setMain, signOut } from './app.js';
import {
  KINDS, KIND_LABEL, QUALIFIER_LABEL, SEVERITY_LABEL, STATUS_LABEL, checkText, findingsCount,
  changedFieldsText, confidenceText, findingsOf, groupDigits, pageOf, valueText, yuanToWan,
} from './format.js';
import { closeSource, followFact, hasPages, pageView, refreshBoxes, showSource, sourceShown, sourceToggle } from './page.js';
import { findingsPanel, formsView, viewTabs } from './form.js';
import { exportButtons, failureText } from './list.js';
import { actionButtons, applyLiveDecision, bulkPassing, correctionForm, reloadDocument } from './review.js';
import { followDecisions } from './live.js';
import { canExport, canReview, isReader, state } from './state.js';
import { relatedPanel } from './related.js';
import { renderText } from './text.js';
import { $, h } from './ui.js';

export async function openDocument(id) {
  const page = h('div', { class: 'doc-page', id: 'doc-page' });
  setMain(page);
  page.append(h('div', { class: 'state-msg' }, '正在加载…'));
  let doc;
  try {
    doc = await fetchDocument(id);
  } catch (e) {
    page.replaceChildren(h('div', { class: 'state-msg bad' }, plainError(e), ' ', h('a', { href: '#/' }, '返回材料列表')));
    if (e instanceof ApiError && e.status === 401) signOut();
    return;
  }
  if (state.doc && state.doc.id !== id) {
    state.undoStack = [];
    state.lastBulk = null;
    state.factFilter = { kind: '', status: '', failed: false, orphaned: false, doubt: false, sort: '' };
  }
  if (!state.doc || state.doc.id !== id) {
    state.view = 'form';
    state.findingsOpen = undefined;
  }
  closeSource(id);
  setDocument(doc);
  state.selected = null;
  state.editing = null;
  const m = /[?&]fact=(\d+)/.exec(location.hash);
  renderDocument();
  // Other assessors' decisions on this document, as they are taken.
  if (doc.status === 'done') {
    followDecisions(id, (e) => applyLiveDecision(e), () => reloadDocument(state.selected));
  }
  if (m && state.facts.has(Number(m[1]))) select(Number(m[1]));
  else if (state.order.length) select(firstPending() ?? state.order[0]);
}

export function setDocument(doc) {
  state.doc = doc;
  state.facts = new Map((doc.facts || []).map((f) => [f.id, f]));
  state.checksOf = new Map();
  for (const c of doc.checks || []) {
    for (const id of c.facts || []) {
      if (!state.checksOf.has(id)) state.checksOf.set(id, []);
      state.checksOf.get(id).push(c);
    }
  }
}

export function firstPending() {
  return state.order.find((id) => state.facts.get(id).status === 'pending');
}

// Failed checks first, then pending, then decided; each group in reading order.
function groupOf(f) {
  if (f.status === 'pending') return f.failed_checks > 0 ? 0 : 1;
  return 2;
}

export function computeOrder() {
  const ff = state.factFilter;
  const list = [...state.facts.values()].filter((f) =>
    (!ff.kind || f.kind === ff.kind) && (!ff.status || f.status === ff.status) && (!ff.failed || f.failed_checks > 0) && (!ff.orphaned || f.orphaned)
    && (!ff.doubt || f.low_confidence));
  // By confidence: least sure first, facts not read by OCR last, as the API sorts.
  const conf = (f) => (f.confidence === null || f.confidence === undefined ? 2 : f.confidence);
  if (ff.sort === 'confidence') list.sort((a, b) => conf(a) - conf(b) || a.start - b.start || a.id - b.id);
  else list.sort((a, b) => groupOf(a) - groupOf(b) || a.start - b.start || a.id - b.id);
  state.order = list.map((f) => f.id);
}

export function renderDocument() {
  const doc = state.doc;
  const page = $('#doc-page');
  document.title = (doc.file_name || '材料 #' + doc.id) + ' · 绩效事实审核';
  const head = h('div', { class: 'doc-head' },
    h('a', { href: '#/' }, '← 材料列表'),
    h('h1', { id: 'doc-title' }, doc.file_name || '材料 #' + doc.id),
    h('div', { class: 'meta' },
      doc.title ? h('span', {}, doc.title) : null,
      h('span', {}, '地区：' + (doc.region || '—')),
      h('span', {}, '年度：' + (doc.year || '—')),
      doc.doc_number ? h('span', {}, '文号：' + doc.doc_number) : null,
      h('span', { id: 'doc-progress' })),
    h('div', { class: 'tools' },
      canReview() ? h('button', { type: 'button', id: 'bulk-passing', title: '确认本材料中没有失败校验的全部待审核事实（B）', onclick: () => bulkPassing() }, '批量确认校验通过的…') : null,
      canExport() ? exportButtons(() => {
        // The list's filters, as far as an export can follow them (it holds only
        // confirmed and corrected facts anyway).
        const ff = state.factFilter;
        const q = new URLSearchParams({ document_id: String(doc.id) });
        if (ff.kind) q.set('kind', ff.kind);
        if (ff.status === 'confirmed' || ff.status === 'corrected') q.set('status', ff.status);
        if (ff.failed) q.set('failed_checks', 'true');
        return q;
      }) : null));
  const parts = [head];
  if (!canReview()) {
    parts.push(h('div', { class: 'readonly-note' },
      state.me.role === 'reader' ? '只读视图：只显示已确认或已更正的事实，不能审核。' : '只读视图：你的角色不能审核事实。'));
    page.classList.add('ro');
  }
  const body = h('div', { class: 'doc-body' });
  parts.push(body);
  page.replaceChildren(...parts);

  if (doc.status !== 'done') {
    // No facts to move through: j/k must not walk the previous document's.
    state.order = [];
    body.replaceChildren(h('div', { class: 'state-msg' + (doc.status === 'failed' ? ' bad' : '') }, docStateText(doc)));
    body.classList.add('single');
    if (doc.status === 'queued' || doc.status === 'processing') {
      state.docPoll = setTimeout(() => {
        if (state.doc && state.doc.id === doc.id && $('#doc-page')) openDocument(doc.id);
      }, 1500);
    }
    return;
  }

  const textPane = h('section', { class: 'text-pane', id: 'text-pane', 'aria-label': '报告全文' });
  const hasForms = (doc.forms || []).length > 0;
  const text = h('div', { id: 'text-view', hidden: hasForms && state.view === 'form' },
    renderText(doc.text || '', [...state.facts.values()], doc.tables || []));
  // Element.append writes null as the text "null": only the parts this document has.
  const pages = hasPages(doc);
  textPane.append(...[legend(), pages ? sourceToggle() : null, hasForms ? viewTabs() : null, findingsPanel(), relatedPanel(doc),
    hasForms ? formsView() : null, text, pages ? pageView() : null].filter(Boolean));
  textPane.addEventListener('click', (ev) => {
    // The end of a drag that selected words (for a span correction) is not a choice of fact.
    if (!window.getSelection().isCollapsed) return;
    const mark = ev.target.closest('mark.hl');
    if (mark) select(Number(mark.dataset.owner), { scrollText: false });
  });
  const factsPane = h('section', { class: 'facts-pane', 'aria-label': '事实列表' },
    factTools(),
    h('div', { class: 'facts', id: 'facts' }));
  body.append(textPane, factsPane);
  computeOrder();
  renderFactList();
  updateProgress();
  if (sourceShown()) showSource(true);
}

function docStateText(doc) {
  switch (doc.status) {
    case 'queued': return '这份材料正在排队等待提取，稍候自动刷新…';
    case 'processing': return '正在提取事实，稍候自动刷新…';
    case 'needs_ocr': return '这份文件只有扫描图像，没有文字层；服务器未安装 OCR（tesseract），无法提取事实。';
    case 'failed': return '提取失败：' + (doc.error ? failureText(doc.error) + '（' + doc.error + '）' : '原因未知');
    default: return doc.status;
  }
}

function legend() {
  return h('div', { class: 'legend', id: 'legend', 'aria-label': '图例' },
    h('span', {}, '图例：'),
    KINDS.map((k) => h('span', { class: 'sw' }, h('i', { class: 'k-' + k + ' swatch' }), KIND_LABEL[k])),
    h('span', { class: 'sw' }, h('i', { class: 'st-confirmed' }), '已确认'),
    h('span', { class: 'sw' }, h('i', { class: 'st-corrected' }), '已更正'),
    h('span', { class: 'sw' }, h('i', { class: 'st-rejected' }), '已驳回'));
}

function factTools() {
  const ff = state.factFilter;
  const kind = h('select', { id: 'ff-kind', 'aria-label': '类别' },
    h('option', { value: '' }, '全部类别'),
    KINDS.map((k) => h('option', { value: k, selected: ff.kind === k }, KIND_LABEL[k])));
  const status = h('select', { id: 'ff-status', 'aria-label': '状态' },
    h('option', { value: '' }, '全部状态'),
    Object.entries(STATUS_LABEL).map(([k, v]) => h('option', { value: k, selected: ff.status === k }, v)));
  const failed = h('input', { type: 'checkbox', id: 'ff-failed', checked: ff.failed });
  const orphaned = h('input', { type: 'checkbox', id: 'ff-orphaned', checked: ff.orphaned });
  // OCR'd documents: the facts whose characters the engine was unsure of, and the order.
  const ocr = [...state.facts.values()].some((f) => f.confidence !== null && f.confidence !== undefined);
  const doubt = ocr ? h('input', { type: 'checkbox', id: 'ff-doubt', checked: ff.doubt }) : null;
  const sort = ocr ? h('select', { id: 'ff-sort', 'aria-label': '排序' },
    h('option', { value: '' }, '按审核顺序'),
    h('option', { value: 'confidence', selected: ff.sort === 'confidence' }, '按识别置信度（低→高）')) : null;
  const apply = () => {
    ff.kind = kind.value;
    ff.status = status.value;
    ff.failed = failed.checked;
    ff.orphaned = orphaned.checked;
    ff.doubt = !!(doubt && doubt.checked);
    ff.sort = sort ? sort.value : '';
    computeOrder();
    renderFactList();
    if (!state.order.includes(state.selected)) select(state.order[0] ?? null);
  };
  kind.addEventListener('change', apply);
  status.addEventListener('change', apply);
  failed.addEventListener('change', apply);
  orphaned.addEventListener('change', apply);
  if (doubt) doubt.addEventListener('change', apply);
  if (sort) sort.addEventListener('change', apply);
  return h('div', { class: 'facts-tools' }, kind, status,
    h('label', {}, failed, ' 只看校验未通过'),
    h('label', {}, orphaned, ' 只看已失效'),
    doubt ? h('label', {}, doubt, ' 只看识别存疑') : null,
    sort,
    h('span', { class: 'counts', id: 'fact-counts' }));
}

export function updateProgress() {
  const all = [...state.facts.values()];
  const decided = all.filter((f) => f.status !== 'pending').length;
  const findings = findingsOf(state.doc.checks);
  const p = $('#doc-progress');
  if (p) {
    // A reader is shown settled facts only: "decided 59 / 59" would say nothing.
    const count = isReader()
      ? '已确认或更正的事实 ' + all.length + ' 条'
      : '已决定 ' + decided + ' / ' + all.length;
    p.replaceChildren(...[h('span', { id: 'decided-count', dataset: { decided, total: all.length } }, count),
    findings.error + findings.warning ? h('span', { class: findings.error ? 'failcount' : 'warncount', id: 'doc-findings' },
      '　校验问题 ' + findingsCount(findings)) : null].filter(Boolean));
  }
  const c = $('#fact-counts');
  if (c) c.textContent = '显示 ' + state.order.length + ' 条';
}

// ---------------------------------------------------------------- the fact list

const GROUP_HEADINGS = ['校验未通过', '待审核', '已决定'];

// After one fact changed (a decision, live or one's own): its row is drawn again and moved to
// its place in the order, and the group headings count again — instead of the whole list
// being drawn anew, which a document of thousands of facts cannot afford at every key press.
// A group that appears gets its heading, one that empties loses it. A row whose place lies
// past the cards built so far is left to the builder, which draws it in its turn.
export function placeRow(id) {
  const box = $('#facts');
  if (!box) return;
  const byConfidence = state.factFilter.sort === 'confidence';
  const groupOfId = (x) => (byConfidence ? 0 : groupOf(state.facts.get(x)));
  const counts = [0, 0, 0];
  for (const x of state.order) counts[groupOfId(x)]++;
  // The list empties, or was empty: its note about that comes and goes with the whole list.
  if (!state.order.length || box.querySelector(':scope > .state-msg')) {
    renderFactList();
    return;
  }
  if (!byConfidence) {
    for (const g of [0, 1, 2]) {
      const shown = lazy.heads.find(([k]) => k === g);
      if (counts[g] && !shown) {
        const head = groupHeading(g, counts[g]);
        box.insertBefore(head, sectionEnd(g));
        lazy.heads = [...lazy.heads, [g, head]].sort((a, b) => a[0] - b[0]);
      } else if (!counts[g] && shown) {
        shown[1].remove();
        lazy.heads = lazy.heads.filter(([k]) => k !== g);
      }
    }
  }
  const old = state.rows.get(id);
  if (old) {
    old.remove();
    state.rows.delete(id);
  }
  const i = state.order.indexOf(id);
  if (i >= 0) {
    const g = groupOfId(id);
    lazy.group.set(id, g);
    const next = state.order[i + 1];
    const prev = state.order[i - 1];
    let row = null;
    if (next !== undefined && groupOfId(next) === g && state.rows.has(next)) state.rows.get(next).before(row = factRow(state.facts.get(id)));
    else if (prev !== undefined && groupOfId(prev) === g && state.rows.has(prev)) state.rows.get(prev).after(row = factRow(state.facts.get(id)));
    else if (prev === undefined || state.rows.has(prev)) {
      // The first of its group, and no card of the group built yet after it.
      box.insertBefore(row = factRow(state.facts.get(id)), sectionEnd(g));
    }
    if (row) state.rows.set(id, row);
  }
  // The order changed around the built cards: the builder looks for its place again.
  lazy.next = 0;
  if (state.rows.size < state.order.length) buildLater();
  if (!byConfidence) for (const [g, el] of lazy.heads) el.textContent = GROUP_HEADINGS[g] + '（' + counts[g] + '）';
  updateProgress();
  refreshBoxes();
}

// A long list is drawn in parts, so that a document of thousands of facts opens at once:
// the group headings and the first cards at once, the rest in order while the browser is
// idle, sooner when the assessor scrolls towards the end of what is built, and at once up
// to any fact that gets selected (j/k, Home/End, a highlight, a cell, a box on the page).
// The cards built are always the first ones of the order, each in its group's section, so
// every other view of the list (j/k, counts, live updates) sees it as if it were whole.
const WHOLE_LIST_MAX = 300; // a list this short is drawn whole, as it always was
const FIRST_ROWS = 60; // more cards than the pane shows on a large screen
const CHUNK_ROWS = 25;
const IDLE_MS = 20;

const lazy = {
  next: 0, // where in state.order to look for the next card to build
  group: new Map(), // fact id → the group whose section holds its card (as the list was drawn)
  heads: [], // [group, heading] of the groups shown, in order
  more: null, // the marker after the last card built, watched to build more when it comes into view
  observer: null,
  idle: null,
};

export function renderFactList() {
  const box = $('#facts');
  if (!box) return;
  stopBuilding();
  state.rows = new Map();
  const parts = [];
  const byConfidence = state.factFilter.sort === 'confidence';
  lazy.group = new Map();
  const counts = [0, 0, 0];
  for (const id of state.order) {
    const g = byConfidence ? 0 : groupOf(state.facts.get(id));
    lazy.group.set(id, g);
    counts[g]++;
  }
  lazy.heads = [];
  if (byConfidence && state.order.length) parts.push(h('h2', {}, '按识别置信度由低到高（' + state.order.length + '）'));
  else {
    for (const g of [0, 1, 2]) {
      if (!counts[g]) continue;
      const head = groupHeading(g, counts[g]);
      lazy.heads.push([g, head]);
      parts.push(head);
    }
  }
  if (!state.order.length) {
    parts.push(h('div', { class: 'state-msg' }, state.facts.size ? '没有符合筛选条件的事实。' : '这份材料里没有提取到事实。'));
  }
  box.replaceChildren(...parts);
  lazy.next = 0;
  lazy.more = h('div', { class: 'facts-more' }, '正在列出其余事实…');
  if ('IntersectionObserver' in window) {
    lazy.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) buildRows(CHUNK_ROWS);
    }, { root: box, rootMargin: '0px 0px 600px 0px' });
  }
  // The selected fact's card is there at once too, wherever it stands (after a filter changed).
  const selected = state.order.includes(state.selected) ? state.selected : undefined;
  buildRows(state.order.length <= WHOLE_LIST_MAX ? Infinity : FIRST_ROWS, selected);
  updateProgress();
  refreshBoxes();
}

function groupHeading(g, n) {
  return h('h2', { class: g === 0 ? 'bad' : '', dataset: { group: g } }, GROUP_HEADINGS[g] + '（' + n + '）');
}

// Builds the card of `id` now, with every card before it in the order.
export function ensureRow(id) {
  if (id === null || id === undefined || state.rows.has(id) || !state.order.includes(id)) return;
  buildRows(0, id);
}

// Where the cards of group g end: before the next group's heading, or at the list's end.
function sectionEnd(g) {
  const next = lazy.heads.find(([k]) => k > g);
  return next ? next[1] : null;
}

// Builds the next `count` cards of the order not built yet (and on up to `until`), each
// at the end of its group's section; then schedules the rest.
function buildRows(count, until) {
  const box = $('#facts');
  if (!box || !lazy.more) return;
  lazy.more.remove();
  const order = state.order;
  let built = 0;
  let i = lazy.next;
  for (; i < order.length; i++) {
    const id = order[i];
    if (state.rows.has(id)) continue;
    if (built >= count && (until === undefined || state.rows.has(until))) break;
    const row = factRow(state.facts.get(id));
    box.insertBefore(row, sectionEnd(lazy.group.get(id) ?? groupOf(state.facts.get(id))));
    state.rows.set(id, row);
    built++;
  }
  lazy.next = i;
  if (i >= order.length) return;
  box.insertBefore(lazy.more, sectionEnd(lazy.group.get(order[i]) ?? 0));
  if (lazy.observer) {
    // Observed anew, so that a marker still in view after this part asks for the next.
    lazy.observer.unobserve(lazy.more);
    lazy.observer.observe(lazy.more);
  }
  buildLater();
}

function buildLater() {
  if (lazy.idle !== null) return;
  const run = (deadline) => {
    lazy.idle = null;
    // A few milliseconds at a time, so that a key pressed meanwhile is not kept waiting.
    const stop = performance.now() + IDLE_MS;
    do buildRows(CHUNK_ROWS);
    while (lazy.next < state.order.length && $('#facts') && performance.now() < stop && deadline.timeRemaining() > 2);
  };
  // Without requestIdleCallback (older Safari): a short part every few frames.
  const soon = () => {
    const end = performance.now() + 12;
    run({ timeRemaining: () => end - performance.now() });
  };
  lazy.idle = window.requestIdleCallback
    ? { idle: requestIdleCallback(run, { timeout: 500 }) }
    : { timer: setTimeout(soon, 50) };
}

function stopBuilding() {
  if (lazy.idle) {
    if (lazy.idle.idle !== undefined) cancelIdleCallback(lazy.idle.idle);
    else clearTimeout(lazy.idle.timer);
  }
  lazy.idle = null;
  if (lazy.observer) lazy.observer.disconnect();
  lazy.observer = null;
}

function factRow(f) {
  const sel = f.id === state.selected;
  const checks = state.checksOf.get(f.id) || [];
  const page = pageOf(f);
  const details = [];
  if (f.subject) details.push(h('span', { class: 'subject' }, '主体：' + f.subject));
  details.push(h('span', {}, '原文「' + f.text + '」'));
  if (page) details.push(h('span', { class: 'page' }, '第 ' + page + ' 页'));
  // The extractor's rule that read the fact: what a developer fixes when it is wrong.
  details.push(h('span', { class: 'rule', title: '抽取规则' }, '规则 ' + (f.rule || '未记录')));
  const cell = f.original && f.original.cell;
  if (cell) {
    // A form's cell: its table and column (得分, 全年执行数 …).
    details.push(h('span', {}, '表 ' + (cell.table + 1) + ' · ' + cell.column));
  } else if (f.table !== null && f.table !== undefined) {
    details.push(h('span', {}, '表 ' + (f.table + 1) + (f.row !== null && f.row !== undefined ? ' 第 ' + f.row + ' 行' : ' 合计')));
  }
  const wan = f.kind === 'amount' ? h('span', { class: 'wan' }, '＝ ' + groupDigits(yuanToWan(String(f.value))) + ' 万元') : null;
  const qual = f.qualifier && f.kind !== 'document'
    ? h('span', { class: 'qual q-' + f.qualifier, title: '限定' }, QUALIFIER_LABEL[f.qualifier] || f.qualifier) : null;
  const el = h('article', {
    class: 'fact k-' + f.kind + ' s-' + f.status + (f.orphaned ? ' orphaned' : '') + (sel ? ' sel' : ''),
    id: 'fact-' + f.id,
    dataset: { id: f.id, kind: f.kind, status: f.status, table: f.table ?? '' },
    // The fact being reviewed is the current one of the list (a card holds buttons, so it
    // cannot be an option of a listbox).
    'aria-current': sel ? 'true' : null,
    onclick: (ev) => {
      if (ev.target.closest('button, input, select, form')) return;
      select(f.id);
    },
  },
  h('div', { class: 'line1' },
    h('span', { class: 'kind k-' + f.kind }, KIND_LABEL[f.kind] || f.kind),
    h('span', { class: 'value' }, valueText(f)),
    wan,
    qual,
    f.low_confidence ? h('span', {
      class: 'doubt', role: 'note',
      'aria-label': '文字识别置信度 ' + Math.round(f.confidence * 100) + '%，可能识别有误，请对照原件核对',
      title: '文字识别（OCR）对这一行的把握不足，请对照原件核对',
    }, confidenceText(f)) : null,
    h('span', { class: 'badge ' + f.status }, STATUS_LABEL[f.status] || f.status)),
  h('div', { class: 'line2' }, details),
  // Kept because someone decided it, though the current extractor no longer reads it.
  f.orphaned ? h('div', { class: 'orphan', title: '重新抽取时新版抽取器未再提取出这条事实；保留原审核结论，请复核' },
    '已失效（新版抽取未再产生）') : null,
  f.status === 'corrected' && changedFieldsText(f) ? h('div', { class: 'was' }, '原为 ' + changedFieldsText(f)) : null,
  f.status !== 'pending' && f.reviewed_by ? h('div', { class: 'reason' }, '由 ' + f.reviewed_by + ' 决定') : null,
  checks.length ? h('ul', { class: 'checks' }, checks.map((c) => {
    const warn = !c.ok && c.severity === 'warning';
    return h('li', { class: c.ok ? 'ok' : warn ? 'bad warn' : 'bad' },
      (c.ok ? '✓ ' : '✗ ') + (warn ? '〔' + SEVERITY_LABEL.warning + '〕' : '') + checkText(c));
  })) : null);
  if (sel && state.editing === f.id) el.append(correctionForm(f));
  else if (sel) el.append(actionButtons(f));
  return el;
}

export function rerenderRow(id) {
  const old = state.rows.get(id);
  const f = state.facts.get(id);
  if (!old || !f) return;
  const row = factRow(f);
  old.replaceWith(row);
  state.rows.set(id, row);
}

export function select(id, opts = {}) {
  const prev = state.selected;
  if (state.editing !== null && state.editing !== id) state.editing = null;
  state.selected = id;
  if (prev !== null && prev !== id) {
    rerenderRow(prev);
    for (const m of state.marks.get(prev) || []) m.classList.remove('sel');
    for (const c of state.cells.get(prev) || []) c.classList.remove('sel');
  }
  if (id === null || id === undefined) return;
  ensureRow(id);
  // The address names the fact, so a reload (or a shared link) comes back to it; replacing
  // the history entry fires no hashchange and adds no step to Back.
  if (state.doc) history.replaceState(null, '', '#/doc/' + state.doc.id + '?fact=' + id);
  rerenderRow(id);
  for (const m of state.marks.get(id) || []) m.classList.add('sel');
  for (const c of state.cells.get(id) || []) c.classList.add('sel');
  const row = state.rows.get(id);
  if (row) row.scrollIntoView({ block: 'nearest' });
  // The left pane follows: to the fact's cell in the form, or its highlight in the text.
  const formShown = $('#form-view') && !$('#form-view').hidden;
  const cells = state.cells.get(id);
  const targets = formShown ? cells : state.marks.get(id);
  if (targets && targets.length && opts.scrollText !== false && !sourceShown()) {
    targets[0].scrollIntoView({ block: formShown ? 'nearest' : 'center', behavior: opts.smooth === false ? 'auto' : 'smooth' });
  }
  // The original page follows too, turning to the fact's page.
  followFact(id, opts);
}

export function move(delta) {
  if (!state.order.length) return;
  let i = state.order.indexOf(state.selected);
  if (i < 0) i = delta > 0 ? -1 : state.order.length;
  const j = Math.max(0, Math.min(state.order.length - 1, i + delta));
  select(state.order[j]);
}

// After a decision the list re-sorts; the cursor moves to the fact that came next.
