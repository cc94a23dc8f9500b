// Links of a document to other reports: "被 N 份其他报告引用" with links to them, the stored
// documents it cites, the same project or department in other reports, and each project's
// amounts and grades over the years as a small chart (uPlot, vendored in web/vendor/ and
// loaded only when there is something to draw).

import { api, plainError } from './api.js';
import { yuanToWan } from './format.js';
import { h } from './ui.js';

const WHY_LABEL = { number: '文号', title: '标题', project: '项目', department: '部门' };
const FIGURE_LABEL = {
  budget: '全年预算数', spent: '全年执行数', grade: '自评等级', amount: '财政资金', rating: '评价等级',
};
// Grades on the chart's right-hand scale.
const GRADE_VALUE = { 优: 4, 良: 3, 中: 2, 差: 1 };
const GRADE_OF = { 4: '优', 3: '良', 2: '中', 1: '差' };

function docLink(d) {
  const name = d.title || d.file_name || '材料 #' + d.id;
  return h('a', { href: '#/doc/' + d.id, title: d.file_name || '' }, name,
    d.year ? h('span', { class: 'muted' }, '（' + d.year + '年度）') : null);
}

function reasons(why) {
  return why.map((w) => {
    const key = w.kind === 'project' || w.kind === 'department' ? w.key.split('|').pop() : w.key;
    return h('span', { class: 'why' }, (WHY_LABEL[w.kind] || w.kind) + '：' + key);
  });
}

function entryList(entries) {
  return h('ul', {}, entries.map((e) => h('li', {}, docLink(e.document), ' ', reasons(e.why))));
}

// A panel filled once the related documents arrive; hidden while there are none.
export function relatedPanel(doc) {
  const panel = h('details', { class: 'related', id: 'related', hidden: true });
  api('GET', '/documents/' + doc.id + '/related').then((r) => fill(panel, r), (e) => {
    panel.hidden = false;
    panel.replaceChildren(h('summary', {}, '关联报告'), h('div', { class: 'state-msg bad' }, plainError(e)));
  });
  return panel;
}

function fill(panel, r) {
  const charted = r.projects.filter((p) => new Set(p.points.map((x) => x.year)).size > 1);
  const parts = [];
  if (r.cited_by.length) {
    parts.push(h('h3', { id: 'cited-by' }, '被 ' + r.cited_by.length + ' 份其他报告引用'), entryList(r.cited_by));
  }
  if (r.cites.length) parts.push(h('h3', {}, '引用的已入库文件'), entryList(r.cites));
  if (r.same_project.length) {
    parts.push(h('h3', {}, '同一项目或部门的其他报告'), entryList(r.same_project));
  }
  for (const p of charted) parts.push(projectChart(p));
  if (!parts.length) return;
  const summary = [
    r.cited_by.length ? '被 ' + r.cited_by.length + ' 份其他报告引用' : null,
    r.cites.length ? '引用 ' + r.cites.length + ' 份' : null,
    r.same_project.length ? '同项目报告 ' + r.same_project.length + ' 份' : null,
  ].filter(Boolean).join('，');
  panel.hidden = false;
  panel.open = r.cited_by.length > 0 || charted.length > 0;
  panel.replaceChildren(h('summary', {}, '关联报告' + (summary ? '：' + summary : '')), ...parts);
}

// One project's figures by year: money in 万元 on the left, grades on the right.
function projectChart(p) {
  const years = [...new Set(p.points.map((x) => x.year).filter((y) => y != null))].sort((a, b) => a - b);
  const labels = [...new Set(p.points.map((x) => x.label))];
  const box = h('div', { class: 'project-chart' }, h('h4', {}, p.name + '（' + p.region + '）历年金额与等级'));
  const table = h('table', { class: 'project-figures' },
    h('thead', {}, h('tr', {}, h('th', {}, '年度'), labels.map((l) => h('th', {}, FIGURE_LABEL[l] || l)))),
    h('tbody', {}, years.map((y) => h('tr', {}, h('td', {}, String(y)), labels.map((l) => {
      const values = p.points.filter((x) => x.year === y && x.label === l)
        .map((x) => (GRADE_VALUE[x.value] ? x.value : yuanToWan(x.value) + '万元'));
      return h('td', {}, [...new Set(values)].join(' / ') || '—');
    })))));
  const plot = h('div', { class: 'chart' });
  box.append(plot, table);
  drawChart(plot, p, years, labels);
  return box;
}

async function drawChart(el, p, years, labels) {
  let uPlot;
  try {
    uPlot = (await import('./vendor/uplot.js')).default;
  } catch (e) {
    return; // the table beside it says the same
  }
  // One value a year per figure: the first report's, as the table shows them all.
  const value = (l, y) => {
    const x = p.points.find((pt) => pt.year === y && pt.label === l);
    if (!x) return null;
    return GRADE_VALUE[x.value] ?? Number(x.value) / 10000;
  };
  const colors = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df'];
  const series = [{ label: '年度' }, ...labels.map((l, i) => ({
    label: FIGURE_LABEL[l] || l,
    scale: l === 'grade' || l === 'rating' ? 'grade' : '万元',
    stroke: colors[i % colors.length],
    width: 2,
    points: { size: 7 },
    value: (u, v) => (v == null ? '—' : (l === 'grade' || l === 'rating') ? GRADE_OF[v] : v + ' 万元'),
  }))];
  const data = [years, ...labels.map((l) => years.map((y) => value(l, y)))];
  const hasGrades = labels.some((l) => l === 'grade' || l === 'rating');
  const hasMoney = labels.some((l) => l !== 'grade' && l !== 'rating');
  const axes = [{ values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }];
  if (hasMoney) axes.push({ scale: '万元', label: '万元', size: 60 });
  if (hasGrades) {
    axes.push({
      scale: 'grade', side: 1, grid: { show: false }, size: 30,
      values: (u, ticks) => ticks.map((t) => GRADE_OF[t] || ''),
    });
  }
  const opts = {
    width: Math.min(520, el.parentElement.clientWidth || 520),
    height: 180,
    scales: { x: { time: false }, grade: { range: [0.5, 4.5] } },
    series,
    axes,
  };
  el.replaceChildren();
  new uPlot(opts, data, el);
}
