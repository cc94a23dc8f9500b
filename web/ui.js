// Building blocks of every view: elements, toasts and dialogs.

import { ApiError, plainError } from './api.js';
import { signOut } from './app.js';

export const $ = (sel, root = document) => root.querySelector(sel);

// Builds an element: h('div', {class: 'x', onclick: f}, child, 'text', …).
export function h(tag, attrs, ...children) {
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

// Short notes in a corner: a few at a time, so they never bury the fact list.
export function toast(text, kind = '') {
  const box = $('#toasts');
  const el = h('div', { class: 'toast ' + kind }, text);
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => el.remove(), kind === 'bad' ? 8000 : kind === 'ok' ? 2000 : 4000);
}

export function showError(e) {
  toast(plainError(e), 'bad');
  if (e instanceof ApiError && e.status === 401) signOut();
}

// ---------------------------------------------------------------- dialogs

let dialog = null; // { el, onKey, resolve }

// The open dialog, if any: the keyboard goes to it first.
export const openedDialog = () => dialog;

export function openDialog(title, body, onKey, id) {
  closeDialog();
  const box = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': title, id }, h('h2', {}, title), body);
  const overlay = h('div', { class: 'overlay', onclick: (ev) => { if (ev.target === overlay) closeDialog(); } }, box);
  document.body.append(overlay);
  dialog = { el: overlay, onKey, previous: document.activeElement };
  const first = box.querySelector('button.primary') || box.querySelector('button');
  if (first) first.focus();
}

export function closeDialog() {
  if (!dialog) return;
  const d = dialog;
  dialog = null;
  d.el.remove();
  if (d.resolve) d.resolve(false);
  if (d.previous && d.previous.focus && document.contains(d.previous)) d.previous.focus({ preventScroll: true });
}

export function confirmDialog(title, text, yes) {
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
