// The document list as a work queue: search by file name or title, filters (region as a
// part, assignee …), sorting; upload (file picker or drag and drop, with progress; a batch as
// one line that sums it up), each document's extraction status, review progress, findings
// and assignee (an admin assigns it here); the review statistics; and the export buttons the
// document view shares.

import { ApiError, api, download, plainError, uploadFile } from './api.js';
import { setMain, signOut } from './app.js';
import {
  CHECK_LABEL, DOC_STATUS_LABEL, KINDS, KIND_LABEL, SEVERITY_LABEL, findingsCount, groupDigits,
  localTime,
} from './format.js';
import { canExport, canReview, canUpload, state } from './state.js';
import { followDecisions } from './live.js';
import { assignable, assignableUsers, rememberQueue } from './queue.js';
import { $, h, showError, toast } from './ui.js';

function docQuery() {
  const f = state.docFilter;
  const q = new URLSearchParams();
  if (f.q.trim()) q.set('q', f.q.trim());
  if (f.region.trim()) q.set('region', f.region.trim());
  if (/^\d{4}$/.test(f.year.trim())) q.set('year', f.year.trim());
  if (f.status) q.set('status', f.status);
  if (f.review) q.set('review', f.review);
  if (f.check) q.set('check', f.check);
  if (f.severity) q.set('severity', f.severity);
  if (f.assigned) q.set('assigned', f.assigned);
  if (f.sort && f.sort !== 'uploaded') q.set('sort', f.sort);
  if (f.order) q.set('order', f.order);
  return q;
}

// Whether the list is narrowed by anything (sorting does not narrow it).
function filtered() {
  const { sort, order, ...rest } = state.docFilter;
  return Object.values(rest).some((v) => v);
}

const SORT_LABEL = { uploaded: '上传时间', region: '地区', year: '年度', progress: '审核进度', findings: '校验问题' };

async function loadDocs(append = false) {
  const q = docQuery();
  q.set('limit', '100');
  if (append && state.docNext) q.set('offset', String(state.docNext));
  const data = await api('GET', '/documents?' + q);
  state.docs = append ? state.docs.concat(data.documents) : data.documents;
  state.docNext = data.next_offset;
}

export async function openList() {
  state.doc = null;
  document.title = '材料列表 · 绩效事实审核';
  const page = h('div', { class: 'list-page', id: 'list-page' });
  setMain(page);
  renderListShell(page);
  try {
    await loadDocs();
  } catch (e) {
    showError(e);
  }
  renderDocTable();
  // Review progress moves as assessors decide, here or elsewhere.
  if (canExport()) followDecisions(null, refreshSoon, refreshSoon);
}

// Reads the list again and redraws it, while the list is what the page shows.
async function reloadList() {
  if (!$('#doc-table')) return;
  try {
    await loadDocs();
  } catch (e) {
    return;
  }
  renderDocTable();
}

let refreshTimer = null;
// Many decisions in a row (a bulk confirm) make one reload of the list.
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(reloadList, 400);
}

function renderListShell(page) {
  const f = state.docFilter;
  const onFilter = () => {
    clearTimeout(onFilter.t);
    onFilter.t = setTimeout(async () => {
      try {
        await loadDocs();
      } catch (e) {
        showError(e);
      }
      state.docCursor = -1;
      renderDocTable();
    }, 250);
  };
  const region = h('input', { type: 'text', id: 'f-region', placeholder: '如 秀洲区', value: f.region });
  region.addEventListener('input', () => { f.region = region.value; onFilter(); });
  const year = h('input', { type: 'number', id: 'f-year', placeholder: '如 2022', min: 1990, max: 2100, value: f.year });
  year.addEventListener('input', () => { f.year = year.value; onFilter(); });
  const status = h('select', { id: 'f-status' },
    h('option', { value: '' }, '全部'),
    Object.entries(DOC_STATUS_LABEL).map(([k, v]) => h('option', { value: k, selected: f.status === k }, v)));
  status.addEventListener('change', () => { f.status = status.value; onFilter(); });
  const review = h('select', { id: 'f-review' },
    h('option', { value: '' }, '全部'),
    h('option', { value: 'unreviewed', selected: f.review === 'unreviewed' }, '未开始'),
    h('option', { value: 'in_progress', selected: f.review === 'in_progress' }, '进行中'),
    h('option', { value: 'reviewed', selected: f.review === 'reviewed' }, '已审完'));
  review.addEventListener('change', () => { f.review = review.value; onFilter(); });
  const severity = h('select', { id: 'f-severity' },
    h('option', { value: '' }, '全部'),
    Object.entries(SEVERITY_LABEL).map(([k, v]) => h('option', { value: k, selected: f.severity === k }, '有' + v)));
  severity.addEventListener('change', () => { f.severity = severity.value; onFilter(); });
  const check = h('select', { id: 'f-check' },
    h('option', { value: '' }, '全部'),
    Object.entries(CHECK_LABEL).map(([k, v]) => h('option', { value: k, selected: f.check === k }, v)));
  check.addEventListener('change', () => { f.check = check.value; onFilter(); });

  const search = h('input', { type: 'search', id: 'f-q', placeholder: '文件名或标题', value: f.q });
  search.addEventListener('input', () => { f.q = search.value; onFilter(); });
  const assigned = h('select', { id: 'f-assigned' },
    h('option', { value: '' }, '全部'),
    h('option', { value: 'me', selected: f.assigned === 'me' }, '分配给我'),
    h('option', { value: 'none', selected: f.assigned === 'none' }, '未分配'));
  assigned.addEventListener('change', () => { f.assigned = assigned.value; onFilter(); });
  const sort = h('select', { id: 'f-sort' },
    Object.entries(SORT_LABEL).map(([k, v]) => h('option', { value: k, selected: f.sort === k }, v)));
  sort.addEventListener('change', () => { f.sort = sort.value; onFilter(); });
  const order = h('select', { id: 'f-order', 'aria-label': '排序方向' },
    h('option', { value: '' }, '默认顺序'),
    h('option', { value: 'asc', selected: f.order === 'asc' }, '升序'),
    h('option', { value: 'desc', selected: f.order === 'desc' }, '降序'));
  order.addEventListener('change', () => { f.order = order.value; onFilter(); });

  const head = h('div', { class: 'list-head' },
    h('h1', {}, '材料列表'),
    canExport() ? h('a', { href: '#/stats', id: 'stats-link', class: 'stats-link' }, '审核统计') : null,
    h('div', { class: 'filters' },
      h('label', {}, '搜索', search),
      h('label', {}, '地区', region),
      h('label', {}, '年度', year),
      h('label', {}, '状态', status),
      h('label', {}, '审核进度', review),
      h('label', {}, '校验问题', severity),
      h('label', {}, '校验项目', check),
      canExport() ? h('label', {}, '承办', assigned) : null,
      h('label', {}, '排序', sort),
      h('label', {}, '方向', order)),
    canExport() ? exportButtons(() => {
      const q = new URLSearchParams();
      if (f.region.trim()) q.set('region', f.region.trim());
      if (/^\d{4}$/.test(f.year.trim())) q.set('year', f.year.trim());
      return q;
    }) : null);
  page.append(head);
  if (canUpload()) page.append(...uploadZone());
  page.append(h('div', { id: 'doc-table' }));
}

// ---------------------------------------------------------------- review statistics

// A share as a percent with one decimal, or a dash when nothing is decided yet.
function share(x) {
  return x == null ? '—' : (Math.round(x * 1000) / 10).toFixed(1) + '%';
}

export async function openStats() {
  state.doc = null;
  document.title = '审核统计 · 绩效事实审核';
  const page = h('div', { class: 'list-page', id: 'stats-page' });
  setMain(page);
  let data;
  try {
    data = await api('GET', '/stats');
  } catch (e) {
    showError(e);
    return;
  }
  const cells = (k, label) => h('tr', { 'data-kind': k.kind },
    h('th', { scope: 'row' }, label),
    ['total', 'pending', 'confirmed', 'corrected', 'rejected'].map((c) => h('td', { class: 'num', 'data-col': c }, groupDigits(String(k[c])))),
    h('td', { class: 'num', 'data-col': 'precision' }, share(k.precision)),
    h('td', { class: 'num', 'data-col': 'precision_found' }, share(k.precision_found)));
  const byKind = Object.fromEntries(data.kinds.map((k) => [k.kind, k]));
  page.append(
    h('div', { class: 'list-head' },
      h('h1', {}, '审核统计'),
      h('a', { href: '#/', class: 'stats-link' }, '返回材料列表')),
    h('table', { class: 'docs stats', id: 'stats' },
      h('thead', {}, h('tr', {},
        h('th', {}, '类型'),
        ['事实', '待审', '确认', '更正', '驳回'].map((t) => h('th', { class: 'num' }, t)),
        h('th', { class: 'num', title: '已决定的事实中，原样确认的比例' }, '准确率'),
        h('th', { class: 'num', title: '已决定的事实中，确认或更正（确为事实）的比例' }, '查准率'))),
      h('tbody', {},
        KINDS.filter((k) => byKind[k]).map((k) => cells(byKind[k], KIND_LABEL[k])),
        cells(data.all, '合计'))),
    h('p', { class: 'stats-note' },
      '准确率：已决定的事实中原样确认的比例；查准率：确认与更正（确为事实）之和的比例。驳回说明抽取有误。'));
  let byRule;
  try {
    byRule = await api('GET', '/stats?by=rule');
  } catch (e) {
    showError(e);
    return;
  }
  page.append(ruleTable(byRule.rules));
}

const FIELD_LABEL = { value: '数值', unit: '单位', qualifier: '限定', subject: '主体', span: '原文范围' };
const REASON_LABEL = {
  not_a_fact: '不是事实', wrong_value: '数值有误', wrong_unit: '单位有误', wrong_span: '范围有误',
  wrong_subject: '主体有误', duplicate: '重复', unspecified: '未说明',
};

// "数值 2 · 主体 1" from {value: 2, subject: 1}.
function tally(counts, labels) {
  return Object.entries(counts).map(([k, n]) => (labels[k] || k) + ' ' + n).join(' · ');
}

// Review per extraction rule: counts, what corrections changed, why facts were rejected,
// precision with its 95 % interval, the documents where the rule failed most, and for
// assessors the rule's failed facts as test cases to download.
function ruleTable(rules) {
  const cases = (rule) => async () => {
    try {
      await download('/stats/rules/' + encodeURIComponent(rule) + '/cases', 'jixiao-cases-' + rule + '.jsonl');
    } catch (e) {
      showError(e);
    }
  };
  const row = (r) => h('tr', { 'data-rule': r.rule ?? '' },
    h('th', { scope: 'row' }, h('code', {}, r.rule ?? '未记录')),
    ['total', 'pending', 'confirmed'].map((c) => h('td', { class: 'num', 'data-col': c }, groupDigits(String(r[c])))),
    h('td', { class: 'num', 'data-col': 'corrected', title: tally(r.corrected_fields, FIELD_LABEL) }, groupDigits(String(r.corrected))),
    h('td', { class: 'num', 'data-col': 'rejected', title: tally(r.rejected_reasons, REASON_LABEL) }, groupDigits(String(r.rejected))),
    h('td', { class: 'num', 'data-col': 'precision' }, share(r.precision)),
    h('td', { class: 'num', 'data-col': 'interval' }, r.interval ? share(r.interval[0]) + '–' + share(r.interval[1]) : '—'),
    h('td', { 'data-col': 'fields' }, tally(r.corrected_fields, FIELD_LABEL)),
    h('td', { 'data-col': 'reasons' }, tally(r.rejected_reasons, REASON_LABEL)),
    h('td', { 'data-col': 'documents' }, r.worst_documents.map((d) => h('a', {
      href: '#/doc/' + d.document_id, class: 'worst-doc',
      title: '更正 ' + d.corrected + '，驳回 ' + d.rejected,
    }, (d.file_name || '材料 ' + d.document_id) + '（' + (d.corrected + d.rejected) + '）'))),
    h('td', {}, canReview() && r.rule && r.corrected + r.rejected > 0
      ? h('button', { type: 'button', class: 'cases', onclick: cases(r.rule) }, '下载用例') : null));
  return h('section', { id: 'rule-stats' },
    h('h2', {}, '按抽取规则'),
    h('table', { class: 'docs stats', id: 'stats-by-rule' },
      h('thead', {}, h('tr', {},
        h('th', {}, '抽取规则'),
        ['事实', '待审', '确认', '更正', '驳回'].map((t) => h('th', { class: 'num' }, t)),
        h('th', { class: 'num', title: '确认 ÷（确认＋更正＋驳回）' }, '准确率'),
        h('th', { class: 'num', title: 'Wilson 法 95% 置信区间' }, '95% 区间'),
        h('th', {}, '更正字段'),
        h('th', {}, '驳回原因'),
        h('th', {}, '问题最多的材料'),
        h('th', {}, '测试用例'))),
      h('tbody', {}, rules.map(row))),
    h('p', { class: 'stats-note' },
      '准确率＝确认 ÷（确认＋更正＋驳回），只计已决定的事实；区间为 Wilson 法 95% 置信区间，决定越多区间越窄。“未记录”为记录抽取规则之前入库的事实。'));
}

export function exportButtons(query) {
  const go = (format) => async () => {
    const q = query();
    q.set('format', format);
    try {
      await download('/export?' + q, 'jixiao-facts.' + format);
    } catch (e) {
      showError(e);
    }
  };
  const findings = async () => {
    const q = query();
    for (const k of ['kind', 'status', 'failed_checks']) q.delete(k);
    q.set('format', 'csv');
    q.set('what', 'findings');
    try {
      await download('/export?' + q, 'jixiao-findings.csv');
    } catch (e) {
      showError(e);
    }
  };
  return h('div', { class: 'exports', title: '导出已确认和已更正的事实（按当前筛选）；XLSX 另附“校验结果”表' },
    '导出',
    h('button', { type: 'button', id: 'export-csv', onclick: go('csv') }, 'CSV'),
    h('button', { type: 'button', id: 'export-xlsx', onclick: go('xlsx') }, 'XLSX'),
    h('button', { type: 'button', id: 'export-json', onclick: go('json') }, 'JSON'),
    h('button', { type: 'button', id: 'export-findings', title: '导出校验问题（CSV）', onclick: findings }, '校验结果'));
}


function uploadZone() {
  const input = h('input', { type: 'file', id: 'upload-input', multiple: true, accept: '.txt,.docx,.pdf,text/plain,application/pdf', hidden: true });
  const list = h('ul', { class: 'uploads', id: 'uploads' });
  const zone = h('div', { class: 'drop', id: 'drop' },
    h('span', {}, h('strong', {}, '上传报告：'), '把 TXT、DOCX 或 PDF 文件拖到这里，或'),
    h('button', { type: 'button', onclick: () => input.click() }, '选择文件…'),
    input);
  input.addEventListener('change', () => {
    uploadAll([...input.files], list);
    input.value = '';
  });
  zone.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    uploadAll([...ev.dataTransfer.files], list);
  });
  return [zone, list];
}

async function uploadAll(files, list) {
  // A batch is one line that sums it up, its files listed when opened.
  let rows = list;
  let batch = null;
  if (files.length > 1) {
    rows = h('ul', { class: 'batch-files' });
    batch = h('li', { class: 'batch' }, h('details', {}, h('summary', { class: 'batch-summary' }), rows));
    list.prepend(batch);
  }
  for (const file of files) {
    const bar = h('progress', { max: 100, value: 0 });
    const msg = h('span', { class: 'msg' }, '上传中…');
    const row = h('li', { class: 'upload' }, h('span', { class: 'name', title: file.name }, file.name), bar, msg);
    rows.prepend(row);
    if (batch) summarizeBatch(batch);
    try {
      const { status, body } = await uploadFile(file, (p) => { bar.value = Math.round(p * 100); });
      bar.value = 100;
      msg.className = 'msg ok';
      msg.dataset.doc = body.id;
      msg.dataset.state = status === 200 ? 'duplicate' : 'queued';
      msg.textContent = status === 200 ? '这份材料已经上传过（#' + body.id + '）' : '已上传，排队提取中（#' + body.id + '）';
    } catch (e) {
      msg.className = 'msg bad';
      msg.dataset.state = 'refused';
      msg.textContent = plainError(e);
      if (e instanceof ApiError && e.status === 401) signOut();
    }
    if (batch) summarizeBatch(batch);
  }
  try {
    await loadDocs();
    renderDocTable();
  } catch (e) {
    showError(e);
  }
}

// "上传 12 份：完成 9，失败 2，处理中 1" from the states of its rows: done counts the files
// extracted (or uploaded before), failed those refused at upload or failed in extraction.
function summarizeBatch(batch) {
  const msgs = [...batch.querySelectorAll('.msg')];
  const count = (...states) => msgs.filter((m) => states.includes(m.dataset.state)).length;
  const done = count('done', 'duplicate');
  const failed = count('refused', 'failed');
  const waiting = msgs.length - done - failed;
  const summary = batch.querySelector('.batch-summary');
  summary.textContent = '上传 ' + msgs.length + ' 份：完成 ' + done + '，失败 ' + failed +
    (waiting ? '，处理中 ' + waiting : '');
  summary.dataset.done = done;
  summary.dataset.failed = failed;
  summary.classList.toggle('bad', failed > 0);
}


// Why extraction failed, in Chinese where the reason is a known one; the server's own
// words stay in the tooltip.
export function failureText(error) {
  const known = [
    [/unsupported format: PDF/i, '暂不支持读取这种 PDF'],
    [/unsupported format/i, '不支持的文件格式（可上传 TXT、DOCX、PDF）'],
    [/legacy Word \.doc/i, '旧版 Word .doc 文件：请另存为 .docx 或 PDF'],
    [/does not look like text/i, '看起来不是文本文件'],
    [/could not be read/i, '文件无法读取，可能已损坏'],
    [/no text layer|needs OCR/i, 'PDF 只有图像，没有文字层，需要 OCR'],
    [/file is empty/i, '文件是空的'],
    [/bytes; the limit is/i, '文件太大'],
  ];
  for (const [re, zh] of known) if (re.test(error)) return zh;
  return error;
}

function statusCell(d) {
  const cell = h('td', { class: 'status ' + d.status, dataset: { status: d.status } },
    DOC_STATUS_LABEL[d.status] || d.status);
  if (d.status === 'failed' && d.error) cell.append(h('span', { class: 'why', title: d.error }, failureText(d.error)));
  if (d.status === 'needs_ocr') cell.append(h('span', { class: 'why', title: d.error || '' }, '只有图像，没有文字层；服务器未安装 OCR'));
  // A scan being read: pages done of pages; one waiting for an OCR worker: its pages.
  if (d.status === 'processing' && d.ocr_progress) {
    cell.append(h('span', { class: 'why' }, `OCR ${d.ocr_progress.done}/${d.ocr_progress.pages} 页`));
  }
  if (d.status === 'queued' && d.ocr_progress) {
    cell.append(h('span', { class: 'why' }, `待 OCR 识别，共 ${d.ocr_progress.pages} 页`));
  }
  if (d.status === 'done' && d.ocr) cell.append(h('span', { class: 'why', title: d.ocr.engine }, 'OCR 识别'));
  // Done with a note: more facts than the cap, so only the text before a point was read.
  if (d.status === 'done' && d.error) cell.append(h('span', { class: 'why', title: d.error }, d.error.split(' / ')[0]));
  return cell;
}

function progressCell(d) {
  const r = d.review || { facts: 0, decided: 0 };
  if (d.status !== 'done' && !r.facts) return h('td', { class: 'review' }, '—');
  const pct = r.facts ? Math.round((r.decided / r.facts) * 100) : 0;
  const fill = h('i');
  fill.style.width = pct + '%';
  return h('td', { class: 'review' },
    h('div', { class: 'progress', title: '已决定 ' + r.decided + ' 条，共 ' + r.facts + ' 条' },
      h('span', { class: 'bar' }, fill),
      h('span', { class: 'nm' }, r.decided + ' / ' + r.facts)));
}

// "3（错误 2，提示 1）": the document's failed checks by severity.
function findingsCell(d) {
  const f = d.findings || { error: d.checks_failed || 0, warning: 0 };
  const text = findingsCount(f);
  if (text === '0') return h('td', { class: 'num findings' }, '0');
  const [n, rest] = [text.slice(0, text.indexOf('（')), text.slice(text.indexOf('（'))];
  return h('td', { class: 'num findings', title: '校验问题 ' + text },
    h('span', { class: f.error ? 'failcount' : 'warncount' }, n), h('span', { class: 'sev' }, rest));
}

// Who works on the document; an admin chooses here among the assessors (read once, then the
// table is drawn again with them).
function assigneeCell(d) {
  const name = d.assignee ? d.assignee.name : '';
  if (!state.me || state.me.role !== 'admin') {
    return h('td', { class: 'assignee', dataset: { assignee: d.assignee ? d.assignee.id : '' } }, name || '—');
  }
  const users = [...(assignable() || [])];
  if (d.assignee && !users.some((u) => u.id === d.assignee.id)) users.push(d.assignee);
  const select = h('select', { class: 'assign', id: 'assign-' + d.id, 'aria-label': '分配材料 ' + (d.file_name || d.id) },
    h('option', { value: '' }, '未分配'),
    users.map((u) => h('option', { value: u.id, selected: !!d.assignee && d.assignee.id === u.id }, u.name)));
  select.addEventListener('change', async () => {
    const userId = select.value ? Number(select.value) : null;
    try {
      const doc = await api('PUT', '/documents/' + d.id + '/assignee', { user_id: userId });
      Object.assign(d, doc);
      toast(doc.assignee ? '已分配给 ' + doc.assignee.name : '已取消分配', 'ok');
    } catch (e) {
      showError(e);
      select.value = d.assignee ? String(d.assignee.id) : '';
    }
  });
  return h('td', { class: 'assignee' }, select);
}

export function renderDocTable() {
  const box = $('#doc-table');
  if (!box) return;
  if (state.me && state.me.role === 'admin' && !assignable()) {
    assignableUsers().then(renderDocTable, showError);
  }
  if (!state.docs.length) {
    box.replaceChildren(h('div', { class: 'empty' },
      filtered() ? '没有符合筛选条件的材料。' : '还没有材料。' + (canUpload() ? '把报告拖到上面的框里上传。' : '')));
  } else {
    const rows = state.docs.map((d, i) => {
      const tr = h('tr', {
        class: i === state.docCursor ? 'cur' : '',
        tabindex: 0,
        dataset: { id: d.id },
        onclick: (ev) => { if (!ev.target.closest('.assign')) openFromList(d.id); },
        onkeydown: (ev) => { if (ev.key === 'Enter' && !ev.target.closest('.assign')) openFromList(d.id); },
      },
      h('td', { class: 'file' },
        h('div', { class: 'fn' }, d.file_name || '（无文件名）'),
        d.title ? h('div', { class: 'title' }, d.title) : null),
      h('td', {}, d.region || '—'),
      h('td', { class: 'num' }, d.year || '—'),
      statusCell(d),
      progressCell(d),
      findingsCell(d),
      assigneeCell(d),
      h('td', { class: 'num', title: d.uploaded_at || '' }, localTime(d.uploaded_at, false)));
      return tr;
    });
    const table = h('table', { class: 'docs', id: 'docs' },
      h('thead', {}, h('tr', {},
        h('th', {}, '文件'), h('th', {}, '地区'), h('th', { class: 'num' }, '年度'), h('th', {}, '状态'),
        h('th', {}, '审核进度'), h('th', { class: 'num' }, '校验问题'), h('th', {}, '承办人'),
        h('th', { class: 'num' }, '上传时间'))),
      h('tbody', {}, rows));
    const parts = [table];
    if (state.docNext) {
      parts.push(h('div', { class: 'more' }, h('button', {
        type: 'button',
        onclick: async () => {
          try {
            await loadDocs(true);
          } catch (e) {
            showError(e);
          }
          renderDocTable();
        },
      }, '加载更多')));
    }
    box.replaceChildren(...parts);
  }
  // Upload rows follow their document through extraction.
  for (const msg of document.querySelectorAll('#uploads .msg[data-doc]')) {
    const d = state.docs.find((x) => x.id === Number(msg.dataset.doc));
    if (!d || msg.textContent.startsWith('这份材料已经上传过')) continue;
    if (d.status === 'done') {
      msg.dataset.state = 'done';
      msg.textContent = '已上传（#' + d.id + '），提取完成：' + d.review.facts + ' 条事实';
    } else if (d.status === 'processing') msg.textContent = '已上传（#' + d.id + '），正在提取…';
    else if (d.status === 'needs_ocr' || d.status === 'failed') {
      msg.className = 'msg bad';
      msg.dataset.state = 'failed';
      msg.textContent = '已上传（#' + d.id + '），' + (d.status === 'failed' ? '提取失败' : '需要 OCR');
    }
  }
  for (const batch of document.querySelectorAll('#uploads li.batch')) summarizeBatch(batch);
  // Watch documents still being extracted.
  clearTimeout(state.listPoll);
  if (state.docs.some((d) => d.status === 'queued' || d.status === 'processing')) {
    state.listPoll = setTimeout(reloadList, 1500);
  }
}

// Opens a document of the list, remembering the list as the queue to go on with.
export function openFromList(id) {
  rememberQueue(docQuery());
  location.hash = '#/doc/' + id;
}

export function moveDocCursor(delta) {
  if (!state.docs.length) return;
  state.docCursor = Math.max(0, Math.min(state.docs.length - 1, state.docCursor + delta));
  const rows = document.querySelectorAll('#docs tbody tr');
  rows.forEach((r, i) => r.classList.toggle('cur', i === state.docCursor));
  const row = rows[state.docCursor];
  if (row) {
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }
}

