// Review actions on the selected fact: confirm, correct (an inline form that validates as
// the API does), reject with a reason, undo, bulk confirm, and its history. After a decision
// the page shows the fact as the API returned it; a correction also brings the document's
// findings as the server computed them again, so flags on the form come and go at once.

import { ApiError, api, fetchDocument } from './api.js';
import {
  computeOrder, placeRow, renderDocument, renderFactList, rerenderRow, select, setDocument, updateProgress,
} from './document.js';
import {
  ACTION_LABEL, AMOUNT_UNITS, KIND_LABEL, QUALIFIER_LABEL, REASONS, REASON_LABEL, STATUS_LABEL,
  groupDigits, localTime, parseAmountInput, valueText, yuanToWan,
} from './format.js';
import { refreshForms, setFindings } from './form.js';
import { offerNextIfDone, pendingCount } from './queue.js';
import { canReview, isReader, state } from './state.js';
import { refreshMarks } from './text.js';
import { $, closeDialog, confirmDialog, h, openDialog, showError, toast } from './ui.js';

export function actionButtons(f) {
  const review = canReview();
  const btn = (label, key, fn, attrs = {}) => h('button', Object.assign({ type: 'button', onclick: fn }, attrs), label, h('kbd', {}, key));
  const inTable = f.table !== null && f.table !== undefined;
  return h('div', { class: 'actions' },
    review && f.status === 'pending' ? btn('确认', 'a', () => confirmFact(f.id), { class: 'primary', 'data-act': 'confirm' }) : null,
    review ? btn('更正', 'e', () => startEdit(f.id), { 'data-act': 'correct' }) : null,
    review && f.status !== 'rejected' ? btn('驳回', 'x', () => askReject(f.id), { class: 'danger', 'data-act': 'reject' }) : null,
    review && f.status !== 'pending' ? btn('撤销', 'u', () => undo(), { 'data-act': 'undo' }) : null,
    review && inTable ? btn('确认本表全部', 'b', () => bulkTable(f.table), { 'data-act': 'bulk-table' }) : null,
    review || isReader() ? btn('历史', 'h', () => showHistory(f.id), { 'data-act': 'history' }) : null);
}

function afterDecision(id, answer, advance) {
  const oldOrder = state.order;
  const i = oldOrder.indexOf(id);
  const next = advance ? (oldOrder[i + 1] ?? oldOrder[i - 1] ?? id) : id;
  const { document_findings: findings, ...updated } = answer;
  state.facts.set(id, updated);
  // A changed value: the checks were computed again, and other facts' flags may move too.
  if (findings) setFindings(findings);
  if (state.editing === id) state.editing = null;
  computeOrder();
  // A correction may move other facts' flags: the whole list then; else only this row.
  if (findings) renderFactList();
  else placeRow(id);
  refreshMarks(id);
  if (findings || (state.doc.forms || []).length) refreshForms();
  select(state.order.includes(next) ? next : state.order[0] ?? null);
}

// opts.onConflict: called instead of reloading when the fact moved on (409), so a form can
// keep what the assessor typed.
export async function decide(id, verb, body, okText, opts = {}) {
  if (!canReview()) {
    toast('只读视图：你的角色不能审核。', 'bad');
    return false;
  }
  if (state.busy) return false;
  const f = state.facts.get(id);
  if (!f) return false;
  state.busy = true;
  const pendingBefore = pendingCount();
  try {
    const updated = await api('POST', '/facts/' + id + '/' + verb, Object.assign({ version: f.version }, body));
    state.lastBulk = null;
    if (verb !== 'undo') state.undoStack.push(id);
    afterDecision(id, updated, verb !== 'undo');
    if (okText) toast(okText, 'ok');
    offerNextIfDone(pendingBefore);
    return true;
  } catch (e) {
    if (opts.onConflict && e instanceof ApiError && e.status === 409) await opts.onConflict();
    else await handleDecisionError(e, id);
    return false;
  } finally {
    state.busy = false;
  }
}

// Who changed a fact last and how, from its history: "王芳 更正了这条事实（14:05:09）".
async function lastChange(id) {
  const { history } = await api('GET', '/facts/' + id + '/history');
  const e = history.at(-1);
  if (!e) return '这条事实刚被改动';
  const what = { confirm: '确认了', correct: '更正了', reject: '驳回了', undo: '撤销了对', reextract: '重新抽取了' }[e.action] || e.action;
  const reason = e.reason ? '（' + (REASON_LABEL[e.reason] || e.reason) + '）' : '';
  return e.actor + ' 于 ' + localTime(e.at) + ' ' + what + '这条事实' + reason;
}

async function handleDecisionError(e, id) {
  showError(e);
  if (e instanceof ApiError && (e.status === 409 || e.status === 404)) await reloadDocument(id);
}

export async function reloadDocument(keepId) {
  if (!state.doc) return;
  try {
    const doc = await fetchDocument(state.doc.id);
    const text = state.doc.text;
    setDocument(doc);
    if (doc.text === text && $('#text')) {
      computeOrder();
      renderFactList();
      for (const id of state.facts.keys()) refreshMarks(id);
      refreshForms();
    } else {
      renderDocument();
    }
    select(state.facts.has(keepId) ? keepId : state.order[0] ?? null, { smooth: false });
  } catch (e) {
    showError(e);
  }
}

// A decision someone else took on this document (from /api/events): the fact's row, its
// highlight and the counts follow at once; a correction or an undo may change checks and
// spans, so the document is read again then. The assessor's own decisions arrive here too
// and are known already by their version.
export async function applyLiveDecision(e) {
  if (!state.doc || e.document_id !== state.doc.id) return;
  const f = state.facts.get(e.fact_id);
  if (f && e.version !== undefined && f.version >= e.version) return;
  // The correction form in the way: its own conflict handling tells the assessor.
  if (state.editing === e.fact_id) return;
  if (e.status === 'hidden' || !f || e.action === 'correct' || e.action === 'undo') {
    await reloadDocument(state.selected);
    return;
  }
  try {
    const current = await api('GET', '/facts/' + e.fact_id);
    state.facts.set(e.fact_id, current);
  } catch (err) {
    return;
  }
  rerenderRow(e.fact_id);
  refreshMarks(e.fact_id);
  refreshForms();
  updateProgress();
  const row = state.rows.get(e.fact_id);
  if (row) {
    row.classList.add('live');
    row.title = e.actor + ' 刚刚' + (ACTION_LABEL[e.action] || e.action);
  }
}

export function confirmFact(id) {
  const f = state.facts.get(id);
  if (!f) return;
  if (!canReview()) {
    toast('只读视图：你的角色不能审核。', 'bad');
    return;
  }
  if (f.status !== 'pending') {
    toast('这条事实' + STATUS_LABEL[f.status] + '；要改变决定请先撤销（u）。');
    return;
  }
  decide(id, 'confirm', {}, '已确认');
}

export function askReject(id) {
  const f = state.facts.get(id);
  if (!f || !canReview()) return decide(id, 'reject', {});
  if (f.status === 'rejected') {
    toast('这条事实已驳回；要改变决定请先撤销（u）。');
    return;
  }
  const choose = (code) => {
    closeDialog();
    decide(id, 'reject', { reason: code }, '已驳回：' + REASON_LABEL[code]);
  };
  openDialog('驳回：请选择原因', [
    h('ol', { class: 'reasons' }, REASONS.map(([code, label], i) => h('li', {},
      h('button', { type: 'button', 'data-reason': code, onclick: () => choose(code) }, h('kbd', {}, String(i + 1)), label)))),
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: closeDialog }, '取消 ', h('kbd', {}, 'Esc'))),
  ], (ev) => {
    const n = Number(ev.key);
    if (n >= 1 && n <= REASONS.length) {
      ev.preventDefault();
      choose(REASONS[n - 1][0]);
      return true;
    }
    return false;
  }, 'reject-dialog');
}

// u: the selected fact's decision if it has one; otherwise the latest decision made on
// this page (the cursor has usually moved on to the next fact by then).
export async function undo() {
  if (!canReview()) {
    toast('只读视图：你的角色不能审核。', 'bad');
    return;
  }
  // Right after a bulk confirm, u undoes it as the one action it was.
  if (state.lastBulk !== null) return undoBulk();
  let id = state.selected;
  const f = state.facts.get(id);
  if (!f || f.status === 'pending') {
    while (state.undoStack.length) {
      const last = state.undoStack.pop();
      const g = state.facts.get(last);
      if (g && g.status !== 'pending') {
        id = last;
        break;
      }
    }
  }
  const target = state.facts.get(id);
  if (!target || target.status === 'pending') {
    toast('没有可以撤销的决定。');
    return;
  }
  if (!state.order.includes(id)) {
    state.factFilter = { kind: '', status: '', failed: false, orphaned: false };
    computeOrder();
    renderFactList();
  }
  const ok = await decide(id, 'undo', {}, '已撤销');
  if (ok) {
    const k = state.undoStack.lastIndexOf(id);
    if (k >= 0) state.undoStack.splice(k, 1);
  }
}

// ---------------------------------------------------------------- correction

export function startEdit(id) {
  if (!canReview()) {
    toast('只读视图：你的角色不能审核。', 'bad');
    return;
  }
  if (state.selected !== id) select(id);
  state.editing = id;
  rerenderRow(id);
  const input = $('#fact-' + id + ' form.correct input, #fact-' + id + ' form.correct select');
  if (input) {
    input.focus();
    if (input.select) input.select();
  }
}

function currentValueInput(f) {
  if (f.kind === 'document') return '';
  return String(f.value ?? '');
}

// The same rules the API applies (src/review.rs), checked before sending so the assessor
// sees the problem at once; the API checks again.
function validateCorrection(f, v) {
  const errors = {};
  const out = {};
  const decimal = /^\d+(\.\d+)?$/;
  if (f.kind === 'document') {
    const title = v.title.trim().replace(/^《|》$/g, '');
    const number = v.number.trim();
    const old = f.value || {};
    if (!title && !number) errors.value = '标题和文号至少填一个';
    else if (title !== (old.title || '') || number !== (old.number || '')) out.value = { title: title || null, number: number || null };
  } else if (v.value.trim() !== currentValueInput(f)) {
    const raw = v.value.trim();
    if (f.kind === 'amount') {
      const yuan = parseAmountInput(raw);
      if (yuan === null) errors.value = '请输入金额（元），可写成 1.02亿、548.95万';
      else if (yuan !== String(f.value)) out.value = yuan;
    } else if (f.kind === 'score') {
      if (!decimal.test(raw)) errors.value = '请输入不带负号的数字';
      else out.value = raw;
    } else if (f.kind === 'percent') {
      if (!decimal.test(raw)) errors.value = '请输入不带负号的数字（不含 %）';
      else if (Number(raw) > 1000) errors.value = '百分比不能超过 1000';
      else out.value = raw;
    } else if (f.kind === 'count') {
      if (!/^\d+$/.test(raw)) errors.value = '数量必须是非负整数';
      else out.value = raw;
    } else if (f.kind === 'rating') {
      const norm = { 优秀: '优', 良好: '良', 中等: '中', 一般: '中', 较差: '差' }[raw] || raw;
      if (!['优', '良', '中', '差'].includes(norm)) errors.value = '等级只能是 优、良、中、差';
      else if (norm !== f.value) out.value = norm;
    }
  }
  // An amount's unit select shows 元 when the fact has none.
  const oldUnit = f.unit || (f.kind === 'amount' ? '元' : '');
  if (v.unit !== undefined && v.unit !== oldUnit) {
    const u = v.unit.trim();
    if (f.kind === 'amount' && !AMOUNT_UNITS.includes(u)) errors.unit = '金额单位只能是 ' + AMOUNT_UNITS.join('、');
    else if (f.kind === 'count' && (!u || [...u].length > 4 || /\d/.test(u))) errors.unit = '数量单位应是量词（个、家、项 …），最多 4 个字';
    else out.unit = u;
  }
  if (v.qualifier !== f.qualifier) out.qualifier = v.qualifier;
  const subject = v.subject.trim();
  if (subject !== (f.subject || '')) {
    if ([...subject].length > 200) errors.subject = '最多 200 个字';
    else out.subject = subject;
  }
  if (v.span && (v.span.start !== f.start || v.span.end !== f.end)) {
    out.start = v.span.start;
    out.end = v.span.end;
  }
  if ([...v.note.trim()].length > 2000) errors.note = '备注最多 2000 个字';
  else if (v.note.trim()) out.note = v.note.trim();
  const changed = Object.keys(out).some((k) => k !== 'note');
  if (!changed && !Object.keys(errors).length) errors.form = '没有任何改动：改一个字段，或按 Esc 取消';
  return { errors, body: out };
}

export function correctionForm(f) {
  const fields = {};
  const rows = [];
  const errs = {};
  const errEl = (name) => (errs[name] = h('div', { class: 'ferr', 'data-err': name }));
  if (f.kind === 'document') {
    fields.title = h('input', { name: 'title', value: (f.value && f.value.title) || '' });
    fields.number = h('input', { name: 'number', value: (f.value && f.value.number) || '' });
    rows.push(h('label', {}, '标题'), fields.title, h('label', {}, '文号'), fields.number, errEl('value'));
  } else if (f.kind === 'rating') {
    fields.value = h('select', { name: 'value' }, ['优', '良', '中', '差'].map((g) => h('option', { value: g, selected: f.value === g }, g)));
    rows.push(h('label', {}, '等级'), fields.value, errEl('value'));
  } else {
    fields.value = h('input', { name: 'value', value: currentValueInput(f), autocomplete: 'off', inputmode: 'decimal' });
    const hint = h('div', { class: 'hint' });
    const label = { amount: '金额（元）', count: '数量', percent: '百分比', score: '分数' }[f.kind];
    const updateHint = () => {
      if (f.kind !== 'amount') {
        hint.textContent = f.kind === 'percent' ? '只填数字，如 11.49' : '';
        return;
      }
      const yuan = parseAmountInput(fields.value.value);
      hint.textContent = yuan === null ? '可写 元，或带 万、亿：如 548.95万'
        : '＝ ' + groupDigits(yuan) + ' 元 ＝ ' + groupDigits(yuanToWan(yuan)) + ' 万元';
    };
    fields.value.addEventListener('input', updateHint);
    updateHint();
    rows.push(h('label', {}, label), fields.value, hint, errEl('value'));
  }
  if (f.kind === 'amount') {
    fields.unit = h('select', { name: 'unit' }, AMOUNT_UNITS.map((u) => h('option', { value: u, selected: (f.unit || '元') === u }, u)));
    rows.push(h('label', {}, '原文单位'), fields.unit, errEl('unit'));
  } else if (f.kind === 'count') {
    fields.unit = h('input', { name: 'unit', value: f.unit || '' });
    rows.push(h('label', {}, '量词'), fields.unit, errEl('unit'));
  }
  if (f.kind !== 'document') {
    fields.qualifier = h('select', { name: 'qualifier' },
      Object.entries(QUALIFIER_LABEL).map(([k, v]) => h('option', { value: k, selected: f.qualifier === k }, v)));
    rows.push(h('label', {}, '限定'), fields.qualifier);
  }
  fields.subject = h('input', { name: 'subject', value: f.subject || '' });
  rows.push(h('label', {}, '主体'), fields.subject, errEl('subject'));
  // The span: select the right words in the report, then take them over.
  let span = null;
  const spanText = h('span', { class: 'span-text', id: 'span-text' }, f.text);
  const takeSpan = () => {
    const s = state.textSelection;
    if (!s) {
      errs.span.textContent = '先在左侧原文中选中文字';
      return;
    }
    span = s;
    errs.span.textContent = '';
    window.getSelection().removeAllRanges();
    spanText.textContent = s.text;
    spanText.classList.toggle('changed', s.start !== f.start || s.end !== f.end);
  };
  state.textSelection = null;
  rows.push(h('label', {}, '原文范围'),
    h('div', { class: 'span-row' }, spanText,
      h('button', { type: 'button', id: 'take-span', onclick: takeSpan }, '用选中的原文')),
    errEl('span'));
  fields.note = h('input', { name: 'note', placeholder: '可不填' });
  rows.push(h('label', {}, '备注'), fields.note, errEl('note'));
  const formErr = errEl('form');
  rows.push(formErr);
  rows.push(h('div', { class: 'buttons' },
    h('button', { type: 'submit', class: 'primary' }, '保存更正 ', h('kbd', {}, 'Enter')),
    h('button', { type: 'button', onclick: () => cancelEdit() }, '取消 ', h('kbd', {}, 'Esc'))));
  const form = h('form', { class: 'correct', id: 'correct-form', novalidate: true }, rows);
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      cancelEdit();
    } else if (ev.key === 'Enter' && ev.target.tagName === 'SELECT') {
      // A select does not submit its form on Enter by itself; here it should.
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = {
      value: fields.value ? fields.value.value : '',
      title: fields.title ? fields.title.value : '',
      number: fields.number ? fields.number.value : '',
      unit: fields.unit ? fields.unit.value : undefined,
      qualifier: fields.qualifier ? fields.qualifier.value : f.qualifier,
      subject: fields.subject.value,
      note: fields.note.value,
      span,
    };
    const { errors, body } = validateCorrection(f, v);
    for (const [k, el] of Object.entries(errs)) el.textContent = errors[k] || '';
    for (const [k, el] of Object.entries(fields)) el.classList.toggle('invalid', !!errors[k]);
    if (Object.keys(errors).length) return;
    const ok = await decide(f.id, 'correct', body, '已更正', {
      // Someone else changed the fact meanwhile: say who and how, keep what was typed here,
      // and offer to save it again on top of their change.
      onConflict: async () => {
        let who = '这条事实刚被别人改动';
        try {
          const current = await api('GET', '/facts/' + f.id);
          state.facts.set(f.id, current);
          who = await lastChange(f.id);
        } catch (e) {
          showError(e);
        }
        formErr.replaceChildren(
          h('span', { class: 'conflict' }, who + '。你填写的更正仍在表单里，尚未保存。'),
          h('button', { type: 'button', id: 'reapply', onclick: () => form.requestSubmit() }, '在此基础上重新提交'));
        const again = form.querySelector('#reapply');
        if (again) again.focus();
      },
    });
    if (!ok && state.editing === f.id && !formErr.querySelector('#reapply')) {
      // Keep the form open with what the API said.
      formErr.textContent = '未保存。';
    }
  });
  return form;
}

export function cancelEdit() {
  const id = state.editing;
  state.editing = null;
  if (id !== null) rerenderRow(id);
}

// ---------------------------------------------------------------- bulk

async function bulk(filter, what) {
  if (!canReview()) {
    toast('只读视图：你的角色不能审核。', 'bad');
    return;
  }
  const n = [...state.facts.values()].filter((f) => f.status === 'pending' && filter.match(f)).length;
  if (!n) {
    toast('没有可批量确认的事实：' + what + '的事实都已审核。');
    return;
  }
  const ok = await confirmDialog('批量确认', '确认' + what + '的全部 ' + n + ' 条待审核事实？这是一次操作，之后可以逐条撤销。', '全部确认');
  if (!ok) return;
  const pendingBefore = pendingCount();
  try {
    const res = await api('POST', '/facts/bulk-confirm', Object.assign({ document_id: state.doc.id }, filter.query));
    state.lastBulk = res.bulk_id;
    toast('已确认 ' + res.confirmed + ' 条（按 u 可整批撤销）', 'ok');
  } catch (e) {
    showError(e);
  }
  await reloadDocument(state.selected);
  offerNextIfDone(pendingBefore);
}

async function undoBulk() {
  const bulkId = state.lastBulk;
  state.lastBulk = null;
  try {
    const res = await api('POST', '/facts/bulk-confirm/' + bulkId + '/undo');
    toast('已撤销批量确认：' + res.undone + ' 条恢复为原状态' +
      (res.skipped.length ? '，' + res.skipped.length + ' 条此后已被再次审核，保持不变' : ''), 'ok');
  } catch (e) {
    showError(e);
  }
  await reloadDocument(state.selected);
}

export function bulkTable(table) {
  if (table === null || table === undefined) {
    toast('这条事实不在表格里。按 j/k 选中表格里的一条事实再按 b。');
    return;
  }
  return bulk({ query: { table }, match: (f) => f.table === table }, '表 ' + (table + 1));
}

export function bulkPassing() {
  return bulk({ query: { failed_checks: false }, match: (f) => !(f.failed_checks > 0) }, '没有失败校验');
}

// ---------------------------------------------------------------- history

export async function showHistory(id) {
  // A reader sees settled facts only, and may read how they were settled.
  if (!canReview() && !isReader()) return;
  let data;
  try {
    data = await api('GET', '/facts/' + id + '/history');
  } catch (e) {
    showError(e);
    return;
  }
  const f = state.facts.get(id);
  const describe = (s) => {
    if (!s || typeof s !== 'object') return '';
    const parts = [STATUS_LABEL[s.status] || s.status || ''];
    if (s.value !== undefined && f) {
      let value = s.value;
      if (f.kind === 'document' && typeof value === 'string') {
        try {
          value = JSON.parse(value);
        } catch (e) {
          // keep the text
        }
      }
      parts.push(valueText({ kind: f.kind, value, unit: s.unit, extra: f.extra }));
    }
    return parts.filter(Boolean).join(' · ');
  };
  const items = data.history.map((e) => h('li', {},
    h('div', {}, h('strong', {}, ACTION_LABEL[e.action] || e.action),
      e.reason ? '（' + (REASON_LABEL[e.reason] || e.reason) + '）' : '',
      e.bulk_id ? '（批量操作 #' + e.bulk_id + '）' : '',
      '　' + describe(e.before) + ' → ' + describe(e.after)),
    e.note ? h('div', {}, '备注：' + e.note) : null,
    h('div', { class: 'when' }, e.actor + ' · ' + localTime(e.at) + ' · 版本 ' + e.version)));
  openDialog('历史：' + (f ? KIND_LABEL[f.kind] + ' ' + valueText(f) : '#' + id), [
    items.length ? h('ul', { class: 'history' }, items) : h('p', {}, '还没有任何决定。'),
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: closeDialog }, '关闭 ', h('kbd', {}, 'Esc'))),
  ], null, 'history-dialog');
}

