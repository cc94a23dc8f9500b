// The assessor page: sign-in with a token, the document list with upload, and the document
// view where every fact is highlighted in the report and decided with the keyboard or the
// mouse. Plain JavaScript against the JSON API under /api; nothing to build.
'use strict';

(() => {
  // ---------------------------------------------------------------- constants and labels

  const TOKEN_KEY = 'jixiao.token';

  const KINDS = ['amount', 'count', 'percent', 'score', 'rating', 'document'];
  const KIND_LABEL = {
    amount: '金额', count: '数量', percent: '百分比', score: '分数', rating: '等级', document: '文件',
  };
  const STATUS_LABEL = { pending: '待审核', confirmed: '已确认', corrected: '已更正', rejected: '已驳回' };
  const DOC_STATUS_LABEL = {
    queued: '排队中', processing: '提取中', done: '完成', needs_ocr: '需要 OCR', failed: '失败',
  };
  const ROLE_LABEL = { assessor: '评审员', reader: '只读', uploader: '上传员', admin: '管理员' };
  const QUALIFIER_LABEL = { exact: '精确', approx: '约', at_least: '不低于', at_most: '不高于' };
  // Reason codes of the API, in the order of their keys 1–6.
  const REASONS = [
    ['not_a_fact', '不是事实'],
    ['wrong_value', '数值错误'],
    ['wrong_unit', '单位错误'],
    ['wrong_span', '范围划错'],
    ['wrong_subject', '主体错误'],
    ['duplicate', '重复'],
  ];
  const REASON_LABEL = Object.fromEntries(REASONS);
  const ACTION_LABEL = { confirm: '确认', correct: '更正', reject: '驳回', undo: '撤销' };
  const CHECK_LABEL = { table_total: '表格合计', split: '分项之和', difference: '差额', share: '占比' };
  // Units a correction may carry, as the API validates them.
  const AMOUNT_UNITS = ['元', '千元', '万元', '亿元', '千', '万', '亿'];
  const FIELD_LABEL = { value: '数值', unit: '单位', subject: '主体', qualifier: '限定', span: '范围', note: '备注' };

  // ---------------------------------------------------------------- state

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    me: null,
    // Document list
    docs: [],
    docFilter: { region: '', year: '', status: '', review: '' },
    docNext: null,
    docCursor: -1,
    listPoll: null,
    // Document view
    doc: null,
    facts: new Map(), // id → fact
    checksOf: new Map(), // fact id → checks
    order: [], // fact ids in list order (after filters)
    selected: null, // fact id
    factFilter: { kind: '', status: '', failed: false },
    marks: new Map(), // fact id → [mark elements]
    rows: new Map(), // fact id → list element
    undoStack: [], // fact ids decided on this page, latest last
    editing: null, // fact id whose correction form is open
    textStart: new WeakMap(), // text node of the rendered report → its UTF-16 offset in the text
    textSelection: null, // the last non-empty selection in the report: {start, end} in code points
    docPoll: null,
    busy: false,
  };

  const $ = (sel, root = document) => root.querySelector(sel);

  // Builds an element: h('div', {class: 'x', onclick: f}, child, 'text', …).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const canReview = () => state.me && (state.me.role === 'assessor' || state.me.role === 'admin');
  const canUpload = () => state.me && state.me.role !== 'reader';
  const canExport = () => state.me && state.me.role !== 'uploader';

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message || code || String(status));
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + state.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch('/api' + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'network', String(e));
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      throw new ApiError(res.status, err.code, err.message, err.details);
    }
    return data;
  }

  // English messages of the API's validation, said in Chinese.
  function translateMessage(m) {
    if (!m) return '';
    const table = [
      [/not a decimal|expected a decimal/, '不是有效的数字'],
      [/must not be negative/, '不能为负数'],
      [/percent above 1000/, '百分比不能超过 1000'],
      [/count is a non-negative integer/, '数量必须是非负整数'],
      [/rating is one of/, '等级只能是 优、良、中、差'],
      [/amount's unit/, '金额单位只能是 元、千元、万元、亿元、千、万、亿'],
      [/percent's unit/, '百分比的单位只能是 %'],
      [/score's unit/, '分数的单位只能是 分'],
      [/count's unit/, '数量单位应是量词（个、家、项 …）'],
      [/has no unit/, '这类事实没有单位'],
      [/at most 200 characters/, '最多 200 个字'],
      [/at most 2000 characters/, '备注最多 2000 个字'],
      [/one of exact, approx/, '限定只能是 精确、约、不低于、不高于'],
      [/start must be before end/, '起点必须在终点之前'],
      [/nothing to change|changes nothing|no change/i, '没有任何改动'],
      [/narrow the set/, '请先缩小范围'],
      [/more than \d+ facts/, '选中的事实太多，请缩小范围'],
      [/nothing to undo|no decision to undo|not decided/i, '这条事实没有可撤销的决定'],
      [/the file is empty/, '文件是空的'],
      [/unsupported format|does not look like text/i, '不支持的文件格式（可上传 TXT、DOCX、PDF）'],
    ];
    for (const [re, zh] of table) if (re.test(m)) return zh;
    return m;
  }

  // An API failure in plain words.
  function plainError(e) {
    if (!(e instanceof ApiError)) return '出错了：' + e.message;
    switch (e.status) {
      case 0: return '无法连接服务器，请检查服务是否在运行、网络是否正常。';
      case 400: return '请求有误：' + translateMessage(e.message);
      case 401: return '令牌无效或已被撤销，请重新登录。';
      case 403: return '你的角色（' + (ROLE_LABEL[state.me && state.me.role] || '') + '）不能做这个操作。';
      case 404: return '找不到这份材料或这条事实，可能已被删除。';
      case 409: return '其他人刚修改了这条事实——已重新加载，请再看一眼后决定。';
      case 413: {
        const limit = e.details && e.details.limit_bytes;
        return '文件太大' + (limit ? '：上限 ' + Math.round(limit / 1048576) + ' MB。' : '。');
      }
      case 422: {
        const fields = (e.details && e.details.fields) || [];
        if (fields.length) {
          return '输入不合法：' + fields.map((f) => (FIELD_LABEL[f.field] || f.field) + ' ' + translateMessage(f.message)).join('；');
        }
        return '输入不合法：' + translateMessage(e.message);
      }
      default:
        if (e.status >= 500) return '服务器出错了，请稍后再试。';
        return '出错了（' + e.status + '）：' + translateMessage(e.message);
    }
  }

  // Short notes in a corner: a few at a time, so they never bury the fact list.
  function toast(text, kind = '') {
    const box = $('#toasts');
    const el = h('div', { class: 'toast ' + kind }, text);
    box.append(el);
    while (box.children.length > 3) box.firstElementChild.remove();
    setTimeout(() => el.remove(), kind === 'bad' ? 8000 : kind === 'ok' ? 2000 : 4000);
  }

  function showError(e) {
    toast(plainError(e), 'bad');
    if (e instanceof ApiError && e.status === 401) signOut();
  }

  // ---------------------------------------------------------------- numbers

  // Digit groups of a decimal string, computed on the text so no digit is lost to a float.
  function groupDigits(s) {
    const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
    if (!m) return s;
    return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] || '');
  }

  // The decimal string `s` times 10^`places` (places may be negative), exactly.
  function shiftDecimal(s, places) {
    const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m) return s;
    let int = m[1] || '0';
    let frac = m[2] || '';
    if (places < 0) {
      const n = -places;
      int = int.padStart(n + 1, '0');
      frac = int.slice(-n) + frac;
      int = int.slice(0, -n);
    } else if (places > 0) {
      frac = frac.padEnd(places, '0');
      int += frac.slice(0, places);
      frac = frac.slice(places);
    }
    int = int.replace(/^0+(?=\d)/, '');
    frac = frac.replace(/0+$/, '');
    return frac ? int + '.' + frac : int;
  }

  const yuanToWan = (v) => shiftDecimal(String(v), -4);

  // What the assessor types for an amount: yuan, or with 千/万/亿 (元) after the number.
  function parseAmountInput(raw) {
    const t = raw.replace(/[,，\s]/g, '');
    const m = /^(\d+(?:\.\d+)?|\.\d+)(千元|万元|亿元|千|万|亿|元)?$/.exec(t);
    if (!m) return null;
    const power = { 千: 3, 千元: 3, 万: 4, 万元: 4, 亿: 8, 亿元: 8 }[m[2]] || 0;
    return shiftDecimal(m[1].startsWith('.') ? '0' + m[1] : m[1], power);
  }

  // ---------------------------------------------------------------- fact formatting

  function valueText(f) {
    const v = f.value;
    switch (f.kind) {
      case 'amount': return groupDigits(String(v)) + ' 元';
      case 'count': return groupDigits(String(v)) + (f.unit ? ' ' + f.unit : '');
      case 'percent': return v + '%';
      case 'score': return v + ' 分';
      case 'rating': {
        const n = f.extra && f.extra.count;
        return String(v) + (n ? '（' + n + ' 个）' : '');
      }
      case 'document': {
        const parts = [];
        if (v && v.title) parts.push('《' + v.title + '》');
        if (v && v.number) parts.push(v.number);
        return parts.join(' ') || f.text;
      }
      default: return String(v);
    }
  }

  function originalValueText(f) {
    const o = f.original;
    if (!o || typeof o !== 'object') return '';
    return valueText({ kind: f.kind, value: o.value, unit: o.unit, extra: f.extra });
  }

  function pageOf(f) {
    const p = f.provenance;
    if (p && p.source === 'pdf_page' && p.page) return p.page;
    return null;
  }

  function checkText(c) {
    const money = (s) => groupDigits(yuanToWan(s)) + ' 万元';
    const label = CHECK_LABEL[c.kind] || c.kind;
    switch (c.kind) {
      case 'table_total': return label + '：各行相加 ' + money(c.computed) + '，合计行写 ' + money(c.stated);
      case 'difference': return label + '：计算得 ' + money(c.computed) + '，原文写 ' + money(c.stated);
      case 'split': return label + '：各项相加 ' + c.computed + '，总数写 ' + c.stated;
      case 'share': return label + '：计算得 ' + c.computed + '%，原文写 ' + c.stated + '%';
      default: return label + '：' + c.message;
    }
  }

  // ---------------------------------------------------------------- sign-in

  async function signIn(token) {
    state.token = token;
    const me = await api('GET', '/me');
    state.me = me;
    sessionStorage.setItem(TOKEN_KEY, token);
    renderWho();
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    state.me = null;
    state.doc = null;
    stopPolls();
    renderWho();
    if (location.hash && location.hash !== '#/') location.hash = '#/';
    else route();
  }

  function renderWho() {
    const signedIn = !!state.me;
    $('#who').hidden = !signedIn;
    $('#nav').hidden = !signedIn;
    if (signedIn) {
      $('#who-name').textContent = state.me.name;
      const role = $('#who-role');
      role.textContent = ROLE_LABEL[state.me.role] || state.me.role;
      role.className = 'role ' + state.me.role;
      role.dataset.role = state.me.role;
    }
  }

  function renderSignIn(message) {
    document.title = '登录 · 绩效事实审核';
    const input = h('input', {
      id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
      placeholder: 'jx_…', required: true,
    });
    const err = h('p', { class: 'err', role: 'alert' }, message || '');
    const form = h('form', { class: 'signin', id: 'signin' },
      h('h1', {}, '登录'),
      h('p', {}, '用管理员发给你的令牌登录。令牌只保存在本浏览器标签页的会话中，关闭标签页即失效。'),
      h('label', { for: 'token' }, '令牌'),
      input,
      err,
      h('p', {}, '没有令牌？在服务器上运行 ', h('code', {}, 'jixiao token create --role assessor --name 你的名字'), '。'),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '登录')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      err.textContent = '正在验证…';
      try {
        await signIn(t);
        route();
      } catch (e) {
        state.token = '';
        err.textContent = e instanceof ApiError && e.status === 401 ? '令牌无效或已被撤销。' : plainError(e);
      }
    });
    setMain(form);
    input.focus();
  }

  // ---------------------------------------------------------------- routing

  function setMain(...nodes) {
    const main = $('#main');
    main.replaceChildren(...nodes);
  }

  function stopPolls() {
    clearTimeout(state.listPoll);
    clearTimeout(state.docPoll);
    state.listPoll = null;
    state.docPoll = null;
  }

  async function route() {
    stopPolls();
    closeDialog();
    if (!state.token) {
      renderSignIn();
      return;
    }
    if (!state.me) {
      try {
        await signIn(state.token);
      } catch (e) {
        state.token = '';
        sessionStorage.removeItem(TOKEN_KEY);
        renderSignIn(e instanceof ApiError && e.status === 401 ? '令牌无效或已被撤销，请重新登录。' : plainError(e));
        return;
      }
    }
    const m = /^#\/doc\/(\d+)/.exec(location.hash);
    if (m) await openDocument(Number(m[1]));
    else if (location.hash === '#/stats' && canExport()) await openStats();
    else await openList();
  }

  // ---------------------------------------------------------------- document list

  function docQuery() {
    const f = state.docFilter;
    const q = new URLSearchParams();
    if (f.region.trim()) q.set('region', f.region.trim());
    if (/^\d{4}$/.test(f.year.trim())) q.set('year', f.year.trim());
    if (f.status) q.set('status', f.status);
    if (f.review) q.set('review', f.review);
    return q;
  }

  async function loadDocs(append = false) {
    const q = docQuery();
    q.set('limit', '100');
    if (append && state.docNext) q.set('offset', String(state.docNext));
    const data = await api('GET', '/documents?' + q);
    state.docs = append ? state.docs.concat(data.documents) : data.documents;
    state.docNext = data.next_offset;
  }

  async function openList() {
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

    const head = h('div', { class: 'list-head' },
      h('h1', {}, '材料列表'),
      canExport() ? h('a', { href: '#/stats', id: 'stats-link', class: 'stats-link' }, '审核统计') : null,
      h('div', { class: 'filters' },
        h('label', {}, '地区', region),
        h('label', {}, '年度', year),
        h('label', {}, '状态', status),
        h('label', {}, '审核进度', review)),
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

  async function openStats() {
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
  }

  function exportButtons(query) {
    const go = (format) => async () => {
      const q = query();
      q.set('format', format);
      try {
        await download('/export?' + q, 'jixiao-facts.' + format);
      } catch (e) {
        showError(e);
      }
    };
    return h('div', { class: 'exports', title: '导出已确认和已更正的事实（按当前筛选）' },
      '导出',
      h('button', { type: 'button', id: 'export-csv', onclick: go('csv') }, 'CSV'),
      h('button', { type: 'button', id: 'export-xlsx', onclick: go('xlsx') }, 'XLSX'),
      h('button', { type: 'button', id: 'export-json', onclick: go('json') }, 'JSON'));
  }

  // A file from the API saved through the browser (a link cannot carry the token).
  async function download(path, name) {
    let res;
    try {
      res = await fetch('/api' + path, { headers: { Authorization: 'Bearer ' + state.token } });
    } catch (e) {
      throw new ApiError(0, 'network', String(e));
    }
    if (!res.ok) {
      let err = {};
      try {
        err = (await res.json()).error || {};
      } catch (e) {
        err = {};
      }
      throw new ApiError(res.status, err.code, err.message, err.details);
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
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
    for (const file of files) {
      const bar = h('progress', { max: 100, value: 0 });
      const msg = h('span', { class: 'msg' }, '上传中…');
      const row = h('li', { class: 'upload' }, h('span', { class: 'name', title: file.name }, file.name), bar, msg);
      list.prepend(row);
      try {
        const { status, body } = await uploadFile(file, (p) => { bar.value = Math.round(p * 100); });
        bar.value = 100;
        msg.className = 'msg ok';
        msg.dataset.doc = body.id;
        msg.textContent = status === 200 ? '这份材料已经上传过（#' + body.id + '）' : '已上传，排队提取中（#' + body.id + '）';
      } catch (e) {
        msg.className = 'msg bad';
        msg.textContent = plainError(e);
        if (e instanceof ApiError && e.status === 401) signOut();
      }
    }
    try {
      await loadDocs();
      renderDocTable();
    } catch (e) {
      showError(e);
    }
  }

  // XMLHttpRequest rather than fetch: only it reports upload progress.
  function uploadFile(file, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/documents');
      xhr.setRequestHeader('Authorization', 'Bearer ' + state.token);
      xhr.upload.addEventListener('progress', (ev) => {
        if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
      });
      xhr.addEventListener('load', () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        if (xhr.status === 200 || xhr.status === 201) resolve({ status: xhr.status, body });
        else {
          const err = (body && body.error) || {};
          reject(new ApiError(xhr.status, err.code, err.message, err.details));
        }
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'upload failed')));
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  }

  // Why extraction failed, in Chinese where the reason is a known one; the server's own
  // words stay in the tooltip.
  function failureText(error) {
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
    if (d.status === 'needs_ocr') cell.append(h('span', { class: 'why' }, 'PDF 只有图像，没有文字层'));
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

  function renderDocTable() {
    const box = $('#doc-table');
    if (!box) return;
    if (!state.docs.length) {
      box.replaceChildren(h('div', { class: 'empty' },
        Object.values(state.docFilter).some((v) => v) ? '没有符合筛选条件的材料。' : '还没有材料。' + (canUpload() ? '把报告拖到上面的框里上传。' : '')));
    } else {
      const rows = state.docs.map((d, i) => {
        const tr = h('tr', {
          class: i === state.docCursor ? 'cur' : '',
          tabindex: 0,
          dataset: { id: d.id },
          onclick: () => { location.hash = '#/doc/' + d.id; },
          onkeydown: (ev) => { if (ev.key === 'Enter') location.hash = '#/doc/' + d.id; },
        },
        h('td', { class: 'file' },
          h('div', { class: 'fn' }, d.file_name || '（无文件名）'),
          d.title ? h('div', { class: 'title' }, d.title) : null),
        h('td', {}, d.region || '—'),
        h('td', { class: 'num' }, d.year || '—'),
        statusCell(d),
        progressCell(d),
        h('td', { class: 'num' }, d.checks_failed ? h('span', { class: 'failcount' }, d.checks_failed) : '0'),
        h('td', { class: 'num' }, (d.uploaded_at || '').slice(0, 16).replace('T', ' ')));
        return tr;
      });
      const table = h('table', { class: 'docs', id: 'docs' },
        h('thead', {}, h('tr', {},
          h('th', {}, '文件'), h('th', {}, '地区'), h('th', { class: 'num' }, '年度'), h('th', {}, '状态'),
          h('th', {}, '审核进度'), h('th', { class: 'num' }, '校验未通过'), h('th', { class: 'num' }, '上传时间（UTC）'))),
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
      if (d.status === 'done') msg.textContent = '已上传（#' + d.id + '），提取完成：' + d.review.facts + ' 条事实';
      else if (d.status === 'processing') msg.textContent = '已上传（#' + d.id + '），正在提取…';
      else if (d.status === 'needs_ocr' || d.status === 'failed') {
        msg.className = 'msg bad';
        msg.textContent = '已上传（#' + d.id + '），' + (d.status === 'failed' ? '提取失败' : '需要 OCR');
      }
    }
    // Watch documents still being extracted.
    clearTimeout(state.listPoll);
    if (state.docs.some((d) => d.status === 'queued' || d.status === 'processing')) {
      state.listPoll = setTimeout(async () => {
        if (!$('#doc-table')) return;
        try {
          await loadDocs();
        } catch (e) {
          return;
        }
        renderDocTable();
      }, 1500);
    }
  }

  function moveDocCursor(delta) {
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

  // ---------------------------------------------------------------- document view

  async function openDocument(id) {
    const page = h('div', { class: 'doc-page', id: 'doc-page' });
    setMain(page);
    page.append(h('div', { class: 'state-msg' }, '正在加载…'));
    let doc;
    try {
      doc = await api('GET', '/documents/' + id);
    } catch (e) {
      page.replaceChildren(h('div', { class: 'state-msg bad' }, plainError(e), ' ', h('a', { href: '#/' }, '返回材料列表')));
      if (e instanceof ApiError && e.status === 401) signOut();
      return;
    }
    if (state.doc && state.doc.id !== id) {
      state.undoStack = [];
      state.factFilter = { kind: '', status: '', failed: false };
    }
    setDocument(doc);
    state.selected = null;
    state.editing = null;
    const m = /[?&]fact=(\d+)/.exec(location.hash);
    renderDocument();
    if (m && state.facts.has(Number(m[1]))) select(Number(m[1]));
    else if (state.order.length) select(firstPending() ?? state.order[0]);
  }

  function setDocument(doc) {
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

  function firstPending() {
    return state.order.find((id) => state.facts.get(id).status === 'pending');
  }

  // Failed checks first, then pending, then decided; each group in reading order.
  function groupOf(f) {
    if (f.status === 'pending') return f.failed_checks > 0 ? 0 : 1;
    return 2;
  }

  function computeOrder() {
    const ff = state.factFilter;
    const list = [...state.facts.values()].filter((f) =>
      (!ff.kind || f.kind === ff.kind) && (!ff.status || f.status === ff.status) && (!ff.failed || f.failed_checks > 0));
    list.sort((a, b) => groupOf(a) - groupOf(b) || a.start - b.start || a.id - b.id);
    state.order = list.map((f) => f.id);
  }

  function renderDocument() {
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
    textPane.append(legend(), renderText(doc.text || '', [...state.facts.values()]));
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
  }

  function docStateText(doc) {
    switch (doc.status) {
      case 'queued': return '这份材料正在排队等待提取，稍候自动刷新…';
      case 'processing': return '正在提取事实，稍候自动刷新…';
      case 'needs_ocr': return '这份 PDF 只有扫描图像，没有文字层，需要先做 OCR 才能提取事实。';
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
    const apply = () => {
      ff.kind = kind.value;
      ff.status = status.value;
      ff.failed = failed.checked;
      computeOrder();
      renderFactList();
      if (!state.order.includes(state.selected)) select(state.order[0] ?? null);
    };
    kind.addEventListener('change', apply);
    status.addEventListener('change', apply);
    failed.addEventListener('change', apply);
    return h('div', { class: 'facts-tools' }, kind, status,
      h('label', {}, failed, ' 只看校验未通过'),
      h('span', { class: 'counts', id: 'fact-counts' }));
  }

  function updateProgress() {
    const all = [...state.facts.values()];
    const decided = all.filter((f) => f.status !== 'pending').length;
    const failedChecks = (state.doc.checks || []).filter((c) => !c.ok).length;
    const p = $('#doc-progress');
    if (p) {
      p.replaceChildren(...[h('span', { id: 'decided-count', dataset: { decided, total: all.length } },
        '已决定 ' + decided + ' / ' + all.length),
      failedChecks ? h('span', { class: 'failcount' }, '　校验未通过 ' + failedChecks) : null].filter(Boolean));
    }
    const c = $('#fact-counts');
    if (c) c.textContent = '显示 ' + state.order.length + ' 条';
  }

  // ---------------------------------------------------------------- the text with highlights

  // Code-point offsets (as the API gives them) to UTF-16 offsets (as the browser indexes
  // strings): a character outside the Basic Multilingual Plane is one code point but two
  // UTF-16 units.
  function codePointToUtf16(text) {
    const map = new Uint32Array(text.length + 1);
    let cp = 0;
    let u = 0;
    while (u < text.length) {
      map[cp] = u;
      const c = text.charCodeAt(u);
      u += c >= 0xd800 && c <= 0xdbff && u + 1 < text.length ? 2 : 1;
      cp += 1;
    }
    map[cp] = u;
    return { map, count: cp };
  }

  // Pieces of text each covered by the same set of facts; the innermost (shortest) fact owns
  // a piece and gives it its colour.
  function coverPieces(spans) {
    const points = new Set();
    for (const s of spans) {
      points.add(s.a);
      points.add(s.b);
    }
    const sorted = [...points].sort((x, y) => x - y);
    const byStart = [...spans].sort((x, y) => x.a - y.a);
    const pieces = [];
    let active = [];
    let next = 0;
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i];
      const b = sorted[i + 1];
      while (next < byStart.length && byStart[next].a <= a) active.push(byStart[next++]);
      active = active.filter((s) => s.b > a);
      const here = active.filter((s) => s.a <= a && s.b >= b);
      if (here.length) {
        here.sort((x, y) => (x.b - x.a) - (y.b - y.a));
        pieces.push({ a, b, ids: here.map((s) => s.id), owner: here[0].id });
      }
    }
    return pieces;
  }

  // Tables flattened to text by ingestion come as rows of tab-led lines (one cell a line)
  // with a blank line between rows. A run of at least two such rows, one of them three cells
  // or wider, is shown as a table; anything else stays running text.
  function findTables(text) {
    const lines = [];
    let at = 0;
    for (const line of text.split('\n')) {
      lines.push({ a: at, b: at + line.length, s: line });
      at += line.length + 1;
    }
    const groups = [];
    let i = 0;
    while (i < lines.length) {
      if (lines[i].s.startsWith('\t')) {
        let j = i;
        while (j < lines.length && lines[j].s.startsWith('\t')) j++;
        groups.push({ first: i, last: j - 1, cells: lines.slice(i, j) });
        i = j;
      } else i++;
    }
    const tables = [];
    let run = [];
    const flush = () => {
      if (run.length >= 2 && run.some((g) => g.cells.length >= 3)) tables.push(run);
      run = [];
    };
    for (const g of groups) {
      const prev = run[run.length - 1];
      const adjacent = prev && g.first === prev.last + 2 && lines[prev.last + 1].s.trim() === '';
      if (g.cells.length < 3) {
        flush();
        continue;
      }
      if (!adjacent) flush();
      run.push(g);
    }
    flush();
    return tables.map((rows) => ({
      a: rows[0].cells[0].a,
      b: rows[rows.length - 1].cells[rows[rows.length - 1].cells.length - 1].b,
      rows: rows.map((g) => g.cells.map((c) => ({ a: c.a + 1, b: c.b }))),
    }));
  }

  // The UTF-16 offset in the report text of a selection boundary, or null outside the text.
  function boundaryOffset(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const start = state.textStart.get(node);
      return start === undefined ? null : start + offset;
    }
    // A boundary between elements: the text node right after it, or the end of the one before.
    const after = node.childNodes[offset];
    const walk = (n, last) => {
      if (!n) return null;
      if (n.nodeType === Node.TEXT_NODE) {
        const s = state.textStart.get(n);
        return s === undefined ? null : s + (last ? n.length : 0);
      }
      const kids = [...n.childNodes];
      for (const k of last ? kids.reverse() : kids) {
        const r = walk(k, last);
        if (r !== null) return r;
      }
      return null;
    };
    return after ? walk(after, false) : walk(node.childNodes[offset - 1], true);
  }

  // The selection in the report as a span in code points, trimmed of white space; null when
  // nothing (or something outside the report) is selected.
  function selectedSpan() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed || !state.doc) return null;
    const r = sel.getRangeAt(0);
    let a = boundaryOffset(r.startContainer, r.startOffset);
    let b = boundaryOffset(r.endContainer, r.endOffset);
    if (a === null || b === null) return null;
    const text = state.doc.text;
    while (a < b && /\s/.test(text[a])) a++;
    while (b > a && /\s/.test(text[b - 1])) b--;
    if (a >= b) return null;
    const points = (u) => [...text.slice(0, u)].length;
    return { start: points(a), end: points(b), text: text.slice(a, b) };
  }

  document.addEventListener('selectionchange', () => {
    const span = selectedSpan();
    if (span) state.textSelection = span;
  });

  function renderText(text, facts) {
    const { map, count } = codePointToUtf16(text);
    const spans = [];
    for (const f of facts) {
      if (!(f.start >= 0 && f.end > f.start && f.end <= count)) continue;
      spans.push({ id: f.id, a: map[f.start], b: map[f.end] });
    }
    const pieces = coverPieces(spans);
    state.marks = new Map();
    state.textStart = new WeakMap();
    let p = 0; // first piece not yet rendered
    // A text node for text[a, b), remembered with its offset so a selection maps back to it.
    const textPiece = (a, b) => {
      const node = document.createTextNode(text.slice(a, b));
      state.textStart.set(node, a);
      return node;
    };

    // Appends text[a, b) to `el`, marking the pieces inside it.
    const fill = (el, a, b) => {
      while (p < pieces.length && pieces[p].b <= a) p++;
      let at = a;
      let q = p;
      while (q < pieces.length && pieces[q].a < b) {
        const piece = pieces[q];
        const s = Math.max(piece.a, a);
        const e = Math.min(piece.b, b);
        if (s > at) el.append(textPiece(at, s));
        const owner = state.facts.get(piece.owner);
        const mark = h('mark', {
          class: 'hl k-' + owner.kind + ' s-' + owner.status + (piece.ids.length > 1 ? ' multi' : ''),
          dataset: { owner: piece.owner, ids: piece.ids.join(' ') },
          title: KIND_LABEL[owner.kind] + '：' + valueText(owner),
        }, textPiece(s, e));
        for (const id of piece.ids) {
          if (!state.marks.has(id)) state.marks.set(id, []);
          state.marks.get(id).push(mark);
        }
        el.append(mark);
        at = e;
        if (piece.b <= b) q++;
        else break;
      }
      if (at < b) el.append(textPiece(at, b));
    };

    const root = h('div', { class: 'text', id: 'text' });
    let at = 0;
    for (const t of findTables(text)) {
      if (t.a > at) {
        const para = h('div', { class: 'para' });
        fill(para, at, t.a);
        root.append(para);
      }
      const width = Math.max(...t.rows.map((r) => r.length));
      const table = h('table', { class: 'grid' });
      for (const [ri, row] of t.rows.entries()) {
        if (row.every((c) => !text.slice(c.a, c.b).trim())) continue;
        const header = ri === 0 && /序号|项目名称|名称|指标/.test(text.slice(row[0].a, row[row.length - 1].b));
        const tr = h('tr');
        row.forEach((c, ci) => {
          const td = h(header ? 'th' : 'td');
          // Short cells (numbers, grades, headers) keep to one line; long ones wrap.
          if ([...text.slice(c.a, c.b).trim()].length <= (header ? 6 : 10)) td.className = 'short';
          if (ci === row.length - 1 && row.length < width) td.setAttribute('colspan', String(width - row.length + 1));
          fill(td, c.a, c.b);
          tr.append(td);
        });
        table.append(tr);
      }
      root.append(table);
      at = t.b;
    }
    if (at < text.length) {
      const para = h('div', { class: 'para' });
      fill(para, at, text.length);
      root.append(para);
    }
    return root;
  }

  function refreshMarks(id) {
    for (const mark of state.marks.get(id) || []) {
      const owner = state.facts.get(Number(mark.dataset.owner));
      for (const cls of [...mark.classList]) if (cls.startsWith('s-')) mark.classList.remove(cls);
      mark.classList.add('s-' + owner.status);
      mark.title = KIND_LABEL[owner.kind] + '：' + valueText(owner);
    }
  }

  // ---------------------------------------------------------------- the fact list

  function renderFactList() {
    const box = $('#facts');
    if (!box) return;
    state.rows = new Map();
    const headings = ['校验未通过', '待审核', '已决定'];
    const parts = [];
    let group = -1;
    for (const id of state.order) {
      const f = state.facts.get(id);
      const g = groupOf(f);
      if (g !== group) {
        group = g;
        const n = state.order.filter((x) => groupOf(state.facts.get(x)) === g).length;
        parts.push(h('h2', { class: g === 0 ? 'bad' : '' }, headings[g] + '（' + n + '）'));
      }
      const row = factRow(f);
      state.rows.set(id, row);
      parts.push(row);
    }
    if (!state.order.length) {
      parts.push(h('div', { class: 'state-msg' }, state.facts.size ? '没有符合筛选条件的事实。' : '这份材料里没有提取到事实。'));
    }
    box.replaceChildren(...parts);
    updateProgress();
  }

  function factRow(f) {
    const sel = f.id === state.selected;
    const checks = state.checksOf.get(f.id) || [];
    const page = pageOf(f);
    const details = [];
    if (f.subject) details.push(h('span', { class: 'subject' }, '主体：' + f.subject));
    details.push(h('span', {}, '原文「' + f.text + '」'));
    if (page) details.push(h('span', { class: 'page' }, '第 ' + page + ' 页'));
    if (f.table !== null && f.table !== undefined) {
      details.push(h('span', {}, '表 ' + (f.table + 1) + (f.row !== null && f.row !== undefined ? ' 第 ' + f.row + ' 行' : ' 合计')));
    }
    const wan = f.kind === 'amount' ? h('span', { class: 'wan' }, '＝ ' + groupDigits(yuanToWan(String(f.value))) + ' 万元') : null;
    const qual = f.qualifier && f.kind !== 'document'
      ? h('span', { class: 'qual q-' + f.qualifier, title: '限定' }, QUALIFIER_LABEL[f.qualifier] || f.qualifier) : null;
    const el = h('article', {
      class: 'fact k-' + f.kind + ' s-' + f.status + (sel ? ' sel' : ''),
      id: 'fact-' + f.id,
      dataset: { id: f.id, kind: f.kind, status: f.status, table: f.table ?? '' },
      'aria-selected': sel ? 'true' : 'false',
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
      h('span', { class: 'badge ' + f.status }, STATUS_LABEL[f.status] || f.status)),
    h('div', { class: 'line2' }, details),
    f.status === 'corrected' ? h('div', { class: 'was' }, '原为 ' + originalValueText(f)) : null,
    f.status !== 'pending' && f.reviewed_by ? h('div', { class: 'reason' }, '由 ' + f.reviewed_by + ' 决定') : null,
    checks.length ? h('ul', { class: 'checks' }, checks.map((c) => h('li', { class: c.ok ? 'ok' : 'bad' }, (c.ok ? '✓ ' : '✗ ') + checkText(c)))) : null);
    if (sel && state.editing === f.id) el.append(correctionForm(f));
    else if (sel) el.append(actionButtons(f));
    return el;
  }

  function actionButtons(f) {
    const review = canReview();
    const btn = (label, key, fn, attrs = {}) => h('button', Object.assign({ type: 'button', onclick: fn }, attrs), label, h('kbd', {}, key));
    const inTable = f.table !== null && f.table !== undefined;
    return h('div', { class: 'actions' },
      review && f.status === 'pending' ? btn('确认', 'a', () => confirmFact(f.id), { class: 'primary', 'data-act': 'confirm' }) : null,
      review ? btn('更正', 'e', () => startEdit(f.id), { 'data-act': 'correct' }) : null,
      review && f.status !== 'rejected' ? btn('驳回', 'x', () => askReject(f.id), { class: 'danger', 'data-act': 'reject' }) : null,
      review && f.status !== 'pending' ? btn('撤销', 'u', () => undo(), { 'data-act': 'undo' }) : null,
      review && inTable ? btn('确认本表全部', 'b', () => bulkTable(f.table), { 'data-act': 'bulk-table' }) : null,
      review ? btn('历史', 'h', () => showHistory(f.id), { 'data-act': 'history' }) : null);
  }

  function rerenderRow(id) {
    const old = state.rows.get(id);
    const f = state.facts.get(id);
    if (!old || !f) return;
    const row = factRow(f);
    old.replaceWith(row);
    state.rows.set(id, row);
  }

  function select(id, opts = {}) {
    const prev = state.selected;
    if (state.editing !== null && state.editing !== id) state.editing = null;
    state.selected = id;
    if (prev !== null && prev !== id) {
      rerenderRow(prev);
      for (const m of state.marks.get(prev) || []) m.classList.remove('sel');
    }
    if (id === null || id === undefined) return;
    // The address names the fact, so a reload (or a shared link) comes back to it; replacing
    // the history entry fires no hashchange and adds no step to Back.
    if (state.doc) history.replaceState(null, '', '#/doc/' + state.doc.id + '?fact=' + id);
    rerenderRow(id);
    for (const m of state.marks.get(id) || []) m.classList.add('sel');
    const row = state.rows.get(id);
    if (row) row.scrollIntoView({ block: 'nearest' });
    const marks = state.marks.get(id);
    if (marks && marks.length && opts.scrollText !== false) {
      marks[0].scrollIntoView({ block: 'center', behavior: opts.smooth === false ? 'auto' : 'smooth' });
    }
  }

  function move(delta) {
    if (!state.order.length) return;
    let i = state.order.indexOf(state.selected);
    if (i < 0) i = delta > 0 ? -1 : state.order.length;
    const j = Math.max(0, Math.min(state.order.length - 1, i + delta));
    select(state.order[j]);
  }

  // After a decision the list re-sorts; the cursor moves to the fact that came next.
  function afterDecision(id, updated, advance) {
    const oldOrder = state.order;
    const i = oldOrder.indexOf(id);
    const next = advance ? (oldOrder[i + 1] ?? oldOrder[i - 1] ?? id) : id;
    state.facts.set(id, updated);
    if (state.editing === id) state.editing = null;
    computeOrder();
    renderFactList();
    refreshMarks(id);
    select(state.order.includes(next) ? next : state.order[0] ?? null);
  }

  async function decide(id, verb, body, okText) {
    if (!canReview()) {
      toast('只读视图：你的角色不能审核。', 'bad');
      return false;
    }
    if (state.busy) return false;
    const f = state.facts.get(id);
    if (!f) return false;
    state.busy = true;
    try {
      const updated = await api('POST', '/facts/' + id + '/' + verb, Object.assign({ version: f.version }, body));
      if (verb !== 'undo') state.undoStack.push(id);
      afterDecision(id, updated, verb !== 'undo');
      if (okText) toast(okText, 'ok');
      return true;
    } catch (e) {
      await handleDecisionError(e, id);
      return false;
    } finally {
      state.busy = false;
    }
  }

  async function handleDecisionError(e, id) {
    showError(e);
    if (e instanceof ApiError && (e.status === 409 || e.status === 404)) await reloadDocument(id);
  }

  async function reloadDocument(keepId) {
    if (!state.doc) return;
    try {
      const doc = await api('GET', '/documents/' + state.doc.id);
      const text = state.doc.text;
      setDocument(doc);
      if (doc.text === text && $('#text')) {
        computeOrder();
        renderFactList();
        for (const id of state.facts.keys()) refreshMarks(id);
      } else {
        renderDocument();
      }
      select(state.facts.has(keepId) ? keepId : state.order[0] ?? null, { smooth: false });
    } catch (e) {
      showError(e);
    }
  }

  function confirmFact(id) {
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

  function askReject(id) {
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
  async function undo() {
    if (!canReview()) {
      toast('只读视图：你的角色不能审核。', 'bad');
      return;
    }
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
      state.factFilter = { kind: '', status: '', failed: false };
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

  function startEdit(id) {
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

  function correctionForm(f) {
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
      const ok = await decide(f.id, 'correct', body, '已更正');
      if (!ok && state.editing === f.id) {
        // Keep the form open with what the API said.
        formErr.textContent = '未保存。';
      }
    });
    return form;
  }

  function cancelEdit() {
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
      toast(what + '没有待审核的事实。');
      return;
    }
    const ok = await confirmDialog('批量确认', '确认' + what + '的全部 ' + n + ' 条待审核事实？这是一次操作，之后可以逐条撤销。', '全部确认');
    if (!ok) return;
    try {
      const res = await api('POST', '/facts/bulk-confirm', Object.assign({ document_id: state.doc.id }, filter.query));
      toast('已确认 ' + res.confirmed + ' 条', 'ok');
    } catch (e) {
      showError(e);
    }
    await reloadDocument(state.selected);
  }

  function bulkTable(table) {
    if (table === null || table === undefined) {
      toast('这条事实不在表格里。按 j/k 选中表格里的一条事实再按 b。');
      return;
    }
    return bulk({ query: { table }, match: (f) => f.table === table }, '表 ' + (table + 1));
  }

  function bulkPassing() {
    return bulk({ query: { failed_checks: false }, match: (f) => !(f.failed_checks > 0) }, '没有失败校验');
  }

  // ---------------------------------------------------------------- history

  async function showHistory(id) {
    if (!canReview()) return;
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
      h('div', { class: 'when' }, e.actor + ' · ' + (e.at || '').replace('T', ' ').slice(0, 19) + ' UTC · 版本 ' + e.version)));
    openDialog('历史：' + (f ? KIND_LABEL[f.kind] + ' ' + valueText(f) : '#' + id), [
      items.length ? h('ul', { class: 'history' }, items) : h('p', {}, '还没有任何决定。'),
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: closeDialog }, '关闭 ', h('kbd', {}, 'Esc'))),
    ], null, 'history-dialog');
  }

  // ---------------------------------------------------------------- dialogs

  let dialog = null; // { el, onKey, resolve }

  function openDialog(title, body, onKey, id) {
    closeDialog();
    const box = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': title, id }, h('h2', {}, title), body);
    const overlay = h('div', { class: 'overlay', onclick: (ev) => { if (ev.target === overlay) closeDialog(); } }, box);
    document.body.append(overlay);
    dialog = { el: overlay, onKey, previous: document.activeElement };
    const first = box.querySelector('button.primary') || box.querySelector('button');
    if (first) first.focus();
  }

  function closeDialog() {
    if (!dialog) return;
    const d = dialog;
    dialog = null;
    d.el.remove();
    if (d.resolve) d.resolve(false);
    if (d.previous && d.previous.focus && document.contains(d.previous)) d.previous.focus({ preventScroll: true });
  }

  function confirmDialog(title, text, yes) {
    return new Promise((resolve) => {
      const done = (v) => {
        if (dialog) dialog.resolve = null;
        closeDialog();
        resolve(v);
      };
      openDialog(title, [
        h('p', {}, text),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', id: 'dialog-cancel', onclick: () => done(false) }, '取消 ', h('kbd', {}, 'Esc')),
          h('button', { type: 'button', class: 'primary', id: 'dialog-ok', onclick: () => done(true) }, yes + ' ', h('kbd', {}, 'Enter'))),
      ], (ev) => {
        if (ev.key === 'Enter' || ev.key === 'y') {
          ev.preventDefault();
          done(true);
          return true;
        }
        return false;
      }, 'confirm-dialog');
      dialog.resolve = resolve;
    });
  }

  function showHelp() {
    const keys = [
      ['j / ↓', '下一条事实（正文滚动到该处）'],
      ['k / ↑', '上一条事实'],
      ['Home / End', '第一条 / 最后一条事实'],
      ['a', '确认'],
      ['x，再按 1–6', '驳回，并选择原因：' + REASONS.map(([, l], i) => (i + 1) + ' ' + l).join('、')],
      ['e', '更正（在列表中就地填写；Enter 保存，Esc 取消）'],
      ['u', '撤销（选中事实的决定；选中的是待审核事实时，撤销本页最近一次决定）'],
      ['b', '确认选中事实所在表格的全部待审核事实（会先询问）'],
      ['B', '确认本材料中没有失败校验的全部待审核事实（会先询问）'],
      ['h', '查看选中事实的历史'],
      ['Esc', '关闭对话框 / 取消'],
      ['?', '显示这张快捷键表'],
      ['材料列表里：j / k，Enter', '上下移动，打开材料'],
    ];
    openDialog('快捷键', [
      h('table', { class: 'keys' }, keys.map(([k, d]) => h('tr', {}, h('td', {}, h('kbd', {}, k)), h('td', {}, d)))),
      h('p', {}, '鼠标也可以：点正文里的高亮或列表里的事实来选中，用事实下方的按钮操作。'),
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: closeDialog }, '关闭 ', h('kbd', {}, 'Esc'))),
    ], null, 'help-dialog');
  }

  // ---------------------------------------------------------------- keyboard

  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (dialog) {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        closeDialog();
        return;
      }
      if (dialog.onKey && dialog.onKey(ev)) return;
      return;
    }
    const t = ev.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
    if (!state.me) return;
    if (ev.key === '?') {
      ev.preventDefault();
      showHelp();
      return;
    }
    if (!state.doc) {
      // Document list
      if (ev.key === 'j' || ev.key === 'ArrowDown') {
        ev.preventDefault();
        moveDocCursor(1);
      } else if (ev.key === 'k' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        moveDocCursor(-1);
      } else if (ev.key === 'Enter' && state.docCursor >= 0 && t.tagName !== 'BUTTON' && t.tagName !== 'A') {
        ev.preventDefault();
        location.hash = '#/doc/' + state.docs[state.docCursor].id;
      }
      return;
    }
    if (t && (t.tagName === 'BUTTON' || t.tagName === 'A') && (ev.key === 'Enter' || ev.key === ' ')) return;
    const id = state.selected;
    switch (ev.key) {
      case 'j':
      case 'ArrowDown':
        ev.preventDefault();
        move(1);
        break;
      case 'k':
      case 'ArrowUp':
        ev.preventDefault();
        move(-1);
        break;
      case 'Home':
        ev.preventDefault();
        if (state.order.length) select(state.order[0]);
        break;
      case 'End':
        ev.preventDefault();
        if (state.order.length) select(state.order[state.order.length - 1]);
        break;
      case 'a':
        ev.preventDefault();
        if (id !== null) confirmFact(id);
        break;
      case 'x':
        ev.preventDefault();
        if (id !== null) askReject(id);
        break;
      case 'e':
        ev.preventDefault();
        if (id !== null) startEdit(id);
        break;
      case 'u':
        ev.preventDefault();
        undo();
        break;
      case 'b':
        ev.preventDefault();
        if (id !== null) bulkTable(state.facts.get(id).table);
        break;
      case 'B':
        ev.preventDefault();
        bulkPassing();
        break;
      case 'h':
        ev.preventDefault();
        if (id !== null) showHistory(id);
        break;
      case 'Escape':
        if (state.editing !== null) cancelEdit();
        break;
      default:
    }
  }

  // ---------------------------------------------------------------- start

  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', route);
  $('#signout-btn').addEventListener('click', signOut);
  $('#help-btn').addEventListener('click', showHelp);
  // Dropping a file anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (ev) => ev.preventDefault());
  window.addEventListener('drop', (ev) => ev.preventDefault());
  route();
})();
