// The assessor page: sign-in with a token, the document list with upload, and the document
// view where every fact is highlighted in the report (or its cell in a self-evaluation form)
// and decided with the keyboard or the mouse. Plain JavaScript modules against the JSON API
// under /api, served as they are: nothing to build. This module signs in, routes between the
// views, and owns the keyboard; the views live in list.js, document.js (with text.js and
// form.js) and review.js, the API client in api.js.

import { ApiError, api, plainError } from './api.js';
import { move, openDocument, select } from './document.js';
import { REASONS, ROLE_LABEL } from './format.js';
import { showView } from './form.js';
import { sourceShown, toggleSource } from './page.js';
import { moveDocCursor, openFromList, openList, openStats } from './list.js';
import {
  askReject, bulkPassing, bulkTable, cancelEdit, confirmFact, showHistory, startEdit, undo,
} from './review.js';
import { TOKEN_KEY, canExport, state } from './state.js';
import { stopFollowing } from './live.js';
import { $, closeDialog, h, openDialog, openedDialog } from './ui.js';

// ---------------------------------------------------------------- sign-in

// The token lives in this tab's session, or — when the assessor asks to stay signed in on
// this computer — in localStorage until they sign out.
async function signIn(token, remember = false) {
  state.token = token;
  const me = await api('GET', '/me');
  state.me = me;
  if (remember) {
    localStorage.setItem(TOKEN_KEY, token);
    sessionStorage.removeItem(TOKEN_KEY);
  } else if (!localStorage.getItem(TOKEN_KEY)) {
    sessionStorage.setItem(TOKEN_KEY, token);
  }
  renderWho();
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
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
  const remember = h('input', { id: 'remember', type: 'checkbox' });
  const form = h('form', { class: 'signin', id: 'signin' },
    h('h1', {}, '登录'),
    h('p', {}, '用管理员发给你的令牌登录。'),
    h('label', { for: 'token' }, '令牌'),
    input,
    err,
    h('p', { class: 'remember' }, remember, h('label', { for: 'remember' }, '在这台电脑上保持登录'),
      h('span', { class: 'hint' }, '（不勾选时，令牌只保存在本标签页，关闭即失效；公用电脑请勿勾选）')),
    h('p', { id: 'no-token' }, '没有令牌？请向系统管理员申请：管理员在“令牌”页面或服务器上（',
      h('code', {}, 'jixiao token create --role assessor --name 你的姓名'), '）为你创建。'),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, '登录')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    err.textContent = '正在验证…';
    try {
      await signIn(t, remember.checked);
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

export function setMain(...nodes) {
  const main = $('#main');
  main.replaceChildren(...nodes);
}

function stopPolls() {
  stopFollowing();
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
      localStorage.removeItem(TOKEN_KEY);
      renderSignIn(e instanceof ApiError && e.status === 401 ? '令牌无效或已被撤销，请重新登录。' : plainError(e));
      return;
    }
  }
  const m = /^#\/doc\/(\d+)/.exec(location.hash);
  if (m) await openDocument(Number(m[1]));
  else if (location.hash === '#/stats' && canExport()) await openStats();
  else await openList();
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
    ['v', '自评表与原文之间切换（有自评表的材料）'],
    ['o', '文本与原件之间切换（PDF 和图片材料）'],
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
  const dialog = openedDialog();
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
      openFromList(state.docs[state.docCursor].id);
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
    case 'v':
      ev.preventDefault();
      if (!sourceShown()) showView(state.view === 'form' ? 'text' : 'form');
      break;
    case 'o':
      ev.preventDefault();
      toggleSource();
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
