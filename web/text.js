// The report's text with every fact highlighted in the colour of its kind; the tables
// ingestion found (DOCX, PDF, spreadsheets: given as cell spans) and tables flattened into a
// text file shown as tables, everything else as running text; a selection in the text mapped back to code points (for a
// correction of a fact's span).

import { KIND_LABEL, valueText } from './format.js';
import { state } from './state.js';
import { h } from './ui.js';

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

// The tables ingestion found, from their cells' code-point spans, in UTF-16 offsets. A cell
// merged into another has an empty span at its origin and is drawn empty.
function storedTables(layout, map, count) {
  const clamp = (n) => map[Math.max(0, Math.min(n, count))];
  const tables = [];
  for (const rows of layout) {
    const cells = rows.flat().filter((c) => c[1] > c[0]);
    if (!cells.length) continue;
    tables.push({
      a: clamp(Math.min(...cells.map((c) => c[0]))),
      b: clamp(Math.max(...cells.map((c) => c[1]))),
      rows: rows.map((row) => row.map((c) => ({ a: clamp(c[0]), b: clamp(c[1]) }))),
    });
  }
  // In reading order, and none inside another (a table nested in a cell is drawn as its text).
  tables.sort((x, y) => x.a - y.a);
  const kept = [];
  for (const t of tables) if (!kept.length || t.a >= kept[kept.length - 1].b) kept.push(t);
  return kept;
}

export function renderText(text, facts, layout = []) {
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
  const tables = layout.length ? storedTables(layout, map, count) : findTables(text);
  for (const t of tables) {
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
        // An empty span (a merged cell's covered part) may point back into an earlier cell.
        if (c.b <= c.a) {
          tr.append(td);
          return;
        }
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

export function refreshMarks(id) {
  for (const mark of state.marks.get(id) || []) {
    const owner = state.facts.get(Number(mark.dataset.owner));
    for (const cls of [...mark.classList]) if (cls.startsWith('s-')) mark.classList.remove(cls);
    mark.classList.add('s-' + owner.status);
    mark.title = KIND_LABEL[owner.kind] + '：' + valueText(owner);
  }
}

