// The original page beside the facts: a PDF's page drawn by pdf.js, or an uploaded photo or
// scan as it is, with every fact's box from its provenance in the kind's colour. A click on a
// box selects the fact; moving through the facts turns to the page each stands on. The
// assessor switches between the text and the original (文本 / 原件), and the page remembers
// the choice. Documents without pages (TXT, DOCX, spreadsheets, OFD) are not offered it.

import { fetchOriginal, plainError } from './api.js';
import { select } from './document.js';
import { KIND_LABEL, valueText } from './format.js';
import { state } from './state.js';
import { $, h } from './ui.js';

const VIEW_KEY = 'jixiao.sourceView';
// Width of an A4 page in points: an image upload's boxes are in points of the image scaled
// to it (ingest::ocr::images::A4_WIDTH).
const A4_WIDTH = 595.276;

// The document shown: its id, what it is, the PDF or the image, the page on screen.
let source = null;
let pdfjs = null;

// PDFs and images (PNG, JPEG; a TIFF the browser cannot draw is said so) have pages.
export function hasPages(doc) {
  return doc && doc.status === 'done' && (doc.format === 'pdf' || doc.format === 'image');
}

export function sourceShown() {
  return hasPages(state.doc) && localStorage.getItem(VIEW_KEY) === 'page';
}

// 文本 / 原件: which of the two the left pane shows.
export function sourceToggle() {
  const shown = sourceShown();
  const button = (which, label) => h('button', {
    type: 'button', id: 'source-' + which, dataset: { source: which },
    'aria-pressed': String((which === 'page') === shown),
    onclick: () => showSource(which === 'page'),
  }, label);
  return h('div', { class: 'view-tabs source-tabs', role: 'group', 'aria-label': '文本或原件' },
    button('text', '文本'), button('page', '原件'),
    h('span', { class: 'hint' }, h('kbd', {}, 'o'), ' 切换'));
}

// The pane of the page view, empty until it is shown.
export function pageView() {
  return h('div', { id: 'page-view', class: 'page-view', hidden: !sourceShown() });
}

export function toggleSource() {
  if (hasPages(state.doc)) showSource(!sourceShown());
}

export function showSource(page) {
  localStorage.setItem(VIEW_KEY, page ? 'page' : 'text');
  for (const b of document.querySelectorAll('.source-tabs button')) {
    b.setAttribute('aria-pressed', String((b.dataset.source === 'page') === page));
  }
  const hasForms = (state.doc.forms || []).length > 0;
  const pane = $('#page-view');
  const text = $('#text-view');
  const form = $('#form-view');
  const tabs = $('.view-tabs:not(.source-tabs)');
  if (pane) pane.hidden = !page;
  if (text) text.hidden = page || (hasForms && state.view === 'form');
  if (form) form.hidden = page || state.view !== 'form';
  if (tabs) tabs.hidden = page;
  if (page) openPage();
  else if (state.selected !== null) select(state.selected, { smooth: false });
}

// The fact's page and box in the page's own units, when its provenance has them.
function placeOf(f) {
  const p = f.provenance;
  if (!p || (p.source !== 'pdf_page' && p.source !== 'ocr_page') || !p.page) return null;
  return { page: p.page, bbox: p.bbox || null };
}

async function openPage() {
  const doc = state.doc;
  const pane = $('#page-view');
  if (!pane) return;
  if (!source || source.docId !== doc.id) {
    source = { docId: doc.id, page: 1, pages: 1, pdf: null, image: null, drawn: null };
    pane.replaceChildren(h('div', { class: 'state-msg' }, '正在载入原件…'));
    try {
      await load(source, doc.id);
    } catch (e) {
      if (source.docId === doc.id) pane.replaceChildren(h('div', { class: 'state-msg bad' }, '无法显示原件：' + plainError(e)));
      return;
    }
    if (!state.doc || state.doc.id !== source.docId) return;
  }
  const f = state.selected !== null ? state.facts.get(state.selected) : null;
  const at = f && placeOf(f);
  await drawPage(at ? at.page : source.page);
  markSelected(true);
}

async function load(src, id) {
  const file = await fetchOriginal(id);
  if (file.type === 'application/pdf') {
    if (!pdfjs) {
      pdfjs = await import('./vendor/pdf.min.mjs');
      pdfjs.GlobalWorkerOptions.workerSrc = '/vendor/pdf.worker.min.mjs';
    }
    // The character maps of Chinese fonts that a PDF does not embed come with the page;
    // no eval, which the page's content security policy forbids.
    src.pdf = await pdfjs.getDocument({
      data: new Uint8Array(file.bytes), cMapUrl: '/vendor/cmaps/', cMapPacked: true, isEvalSupported: false,
    }).promise;
    src.pages = src.pdf.numPages;
  } else if (file.type === 'image/png' || file.type === 'image/jpeg') {
    src.image = await createImageBitmap(new Blob([file.bytes], { type: file.type }));
  } else {
    throw new Error(file.type === 'image/tiff' ? '浏览器不能显示 TIFF 图像，请查看文本' : '这种文件没有可显示的页面');
  }
}

// Draws page `n` to the width of the pane, with its boxes.
async function drawPage(n) {
  const pane = $('#page-view');
  if (!pane || !source) return;
  n = Math.max(1, Math.min(source.pages, n));
  source.page = n;
  const canvas = h('canvas', { id: 'page-canvas', 'aria-label': '原件第 ' + n + ' 页', role: 'img' });
  const boxes = h('div', { class: 'page-boxes', id: 'page-boxes' });
  const stage = h('div', { class: 'page-stage' }, canvas, boxes);
  pane.replaceChildren(pageTools(n), stage);
  const width = Math.max(320, pane.clientWidth - 4);
  const ratio = window.devicePixelRatio || 1;
  let toCss;
  source.toCss = null;
  if (source.pdf) {
    const page = await source.pdf.getPage(n);
    const viewport = page.getViewport({ scale: width / page.getViewport({ scale: 1 }).width });
    const device = viewport.clone({ scale: viewport.scale * ratio });
    canvas.width = Math.floor(device.width);
    canvas.height = Math.floor(device.height);
    canvas.style.width = viewport.width + 'px';
    canvas.style.height = viewport.height + 'px';
    stage.style.height = viewport.height + 'px';
    const task = page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport: device });
    source.drawn = task;
    // Provenance boxes are PDF points from the page's lower left corner, y up; the viewport
    // turns them into the canvas's pixels, y down, with the page's rotation.
    const [vx, vy] = viewport.viewBox;
    const [a, b, c, d, e, f] = viewport.transform;
    const at = (x, y) => [a * (x + vx) + c * (y + vy) + e, b * (x + vx) + d * (y + vy) + f];
    toCss = ([x0, y0, x1, y1]) => [...at(x0, y0), ...at(x1, y1)];
    source.toCss = toCss;
    boxesFor(n, boxes, toCss);
    try {
      await task.promise;
    } catch (e) {
      if (e && e.name !== 'RenderingCancelledException') throw e;
    }
  } else {
    const img = source.image;
    const height = width * img.height / img.width;
    canvas.width = Math.floor(width * ratio);
    canvas.height = Math.floor(height * ratio);
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    stage.style.height = height + 'px';
    canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
    // Points of the image scaled to A4 width, y up from the bottom of the image.
    const k = width / A4_WIDTH;
    const pageHeight = img.height * A4_WIDTH / img.width;
    toCss = ([x0, y0, x1, y1]) => [x0 * k, (pageHeight - y0) * k, x1 * k, (pageHeight - y1) * k];
    source.toCss = toCss;
    boxesFor(n, boxes, toCss);
  }
  canvas.dataset.drawn = String(n);
}

function pageTools(n) {
  const go = (d) => () => drawPage(source.page + d).then(() => markSelected(false));
  return h('div', { class: 'page-tools' },
    h('button', { type: 'button', id: 'page-prev', disabled: n <= 1, onclick: go(-1) }, '上一页'),
    h('span', { id: 'page-number', 'aria-live': 'polite' }, '第 ' + n + ' / ' + source.pages + ' 页'),
    h('button', { type: 'button', id: 'page-next', disabled: n >= source.pages, onclick: go(1) }, '下一页'),
    h('span', { class: 'hint' }, '点击方框选中事实'));
}

// One button per fact on page `n` that the list shows, where provenance gives its box.
function boxesFor(n, layer, toCss) {
  for (const id of state.order) {
    const f = state.facts.get(id);
    const at = placeOf(f);
    if (!at || at.page !== n || !at.bbox) continue;
    const [ax, ay, bx, by] = toCss(at.bbox);
    const left = Math.min(ax, bx);
    const top = Math.min(ay, by);
    const doubt = f.low_confidence ? '，识别存疑' : '';
    const box = h('button', {
      type: 'button',
      class: 'box k-' + f.kind + ' s-' + f.status + (f.low_confidence ? ' doubt' : '') + (f.id === state.selected ? ' sel' : ''),
      dataset: { fact: f.id },
      title: (KIND_LABEL[f.kind] || f.kind) + ' ' + valueText(f) + doubt,
      'aria-label': (KIND_LABEL[f.kind] || f.kind) + ' ' + valueText(f) + doubt,
      onclick: () => select(f.id, { fromPage: true }),
    });
    box.style.left = left + 'px';
    box.style.top = top + 'px';
    box.style.width = Math.max(4, Math.abs(bx - ax)) + 'px';
    box.style.height = Math.max(4, Math.abs(by - ay)) + 'px';
    layer.append(box);
  }
}

function markSelected(scroll) {
  for (const b of document.querySelectorAll('#page-boxes .box')) {
    const sel = Number(b.dataset.fact) === state.selected;
    b.classList.toggle('sel', sel);
    if (sel && scroll) b.scrollIntoView({ block: 'center', behavior: 'auto' });
  }
}

// A fact was selected: turn to its page when it stands on another, and show its box.
export async function followFact(id, opts = {}) {
  if (!sourceShown() || !source || source.docId !== (state.doc && state.doc.id)) return;
  const f = state.facts.get(id);
  const at = f && placeOf(f);
  if (at && at.page !== source.page && (source.pdf || source.image)) {
    if (source.drawn) source.drawn.cancel();
    await drawPage(at.page);
  }
  markSelected(!opts.fromPage);
}

// The list's filters changed, or a decision changed a fact's colour: draw the boxes again.
export function refreshBoxes() {
  const layer = $('#page-boxes');
  if (!sourceShown() || !source || !layer || !source.toCss) return;
  layer.replaceChildren();
  boxesFor(source.page, layer, source.toCss);
}

// Forget the document's file when another is opened.
export function closeSource(id) {
  if (source && source.docId !== id) {
    if (source.pdf) source.pdf.destroy();
    source = null;
  }
}
