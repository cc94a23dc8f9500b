// The work queue: the documents of the list as last filtered and sorted, remembered when one
// is opened, so that once an assessor has decided the last pending fact of a document the
// page offers the next one of that same queue. Also the assessors an admin assigns to.

import { api } from './api.js';
import { canReview, state } from './state.js';
import { closeDialog, h, openDialog, showError, toast } from './ui.js';

// Remembers the list as it stands (its query and the order of its documents).
export function rememberQueue(query) {
  state.queue = { query: query.toString(), ids: state.docs.map((d) => d.id) };
}

// Pending facts of the open document.
export function pendingCount() {
  let n = 0;
  for (const f of state.facts.values()) if (f.status === 'pending') n++;
  return n;
}

// Called after a decision: `before` is how many facts were pending before it. When this one
// settled the last of them, offer the next document of the queue.
export function offerNextIfDone(before) {
  if (!canReview() || !state.doc || before === 0 || pendingCount() !== 0) return;
  const docId = state.doc.id;
  const open = async () => {
    closeDialog();
    const next = await nextInQueue(docId);
    if (next) location.hash = '#/doc/' + next;
    else toast('队列中没有待审核的材料了。', 'ok');
  };
  openDialog('本文档已审核完毕', [
    h('p', { id: 'next-doc-text' }, '本文档已审核完毕，打开队列中的下一份？'),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', id: 'next-doc-stay', onclick: closeDialog }, '留在本页 ', h('kbd', {}, 'Esc')),
      h('button', { type: 'button', class: 'primary', id: 'next-doc-open', onclick: open }, '打开下一份 ', h('kbd', {}, 'Enter'))),
  ], (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      open();
      return true;
    }
    return false;
  }, 'next-doc-dialog');
}

// The document after `docId` in the remembered queue that still has facts to decide, read
// again with the same query so that others' work since is taken into account; the queue
// remembered when the document was opened (or, opened directly, the default list) sets the
// order.
async function nextInQueue(docId) {
  const remembered = state.queue || { query: '', ids: [] };
  const q = new URLSearchParams(remembered.query);
  q.set('limit', '500');
  q.delete('offset');
  let fresh;
  try {
    fresh = (await api('GET', '/documents?' + q)).documents;
  } catch (e) {
    showError(e);
    return null;
  }
  const open = (d) => d.id !== docId && d.status === 'done' && d.review.pending > 0;
  const byId = new Map(fresh.map((d) => [d.id, d]));
  const at = remembered.ids.indexOf(docId);
  if (at >= 0) {
    for (const id of remembered.ids.slice(at + 1)) if (byId.has(id) && open(byId.get(id))) return id;
  }
  // Past the end of what was remembered: the queue as it is now, after this document.
  const now = fresh.findIndex((d) => d.id === docId);
  const rest = now >= 0 ? fresh.slice(now + 1) : fresh;
  const next = rest.find(open);
  return next ? next.id : null;
}

// Token holders an admin may assign documents to: assessors (and admins) whose token stands;
// `assignable()` is null until they are read.
let assessors = null;
export const assignable = () => assessors;
export async function assignableUsers() {
  if (!assessors) {
    const { tokens } = await api('GET', '/tokens');
    assessors = tokens.filter((u) => !u.revoked && (u.role === 'assessor' || u.role === 'admin'));
  }
  return assessors;
}
