// Labels and formatting: what the page calls each kind of fact, status, check and
// severity, and how it writes numbers (digit groups and 万元 computed on the decimal text,
// never through a float) and the facts' values.

export const KINDS = ['amount', 'count', 'percent', 'score', 'rating', 'document'];
export const KIND_LABEL = {
  amount: '金额', count: '数量', percent: '百分比', score: '分数', rating: '等级', document: '文件',
};
export const STATUS_LABEL = { pending: '待审核', confirmed: '已确认', corrected: '已更正', rejected: '已驳回' };
export const DOC_STATUS_LABEL = {
  queued: '排队中', processing: '提取中', done: '完成', needs_ocr: '需要 OCR', failed: '失败',
};
export const ROLE_LABEL = { assessor: '评审员', reader: '只读', uploader: '上传员', admin: '管理员' };
export const QUALIFIER_LABEL = { exact: '精确', approx: '约', at_least: '不低于', at_most: '不高于' };
// Reason codes of the API, in the order of their keys 1–6.
export const REASONS = [
  ['not_a_fact', '不是事实'],
  ['wrong_value', '数值错误'],
  ['wrong_unit', '单位错误'],
  ['wrong_span', '范围划错'],
  ['wrong_subject', '主体错误'],
  ['duplicate', '重复'],
];
export const REASON_LABEL = Object.fromEntries(REASONS);
export const ACTION_LABEL = { confirm: '确认', correct: '更正', reject: '驳回', undo: '撤销', reextract: '重新抽取' };
// The checks, as the findings sheet of the XLSX export names them too (src/http/reports.rs).
export const CHECK_LABEL = {
  table_total: '表格合计',
  split: '分项之和',
  difference: '差额',
  share: '占比',
  score_cap: '得分不超过分值',
  weights_total: '分值合计',
  score_total: '总分合计',
  execution_rate: '预算执行率',
  execution_score: '执行率得分',
  funds_total: '资金总额',
  target_score: '未达目标的得分',
  target_met_docked: '达标扣分的原因',
  grade_band: '自评等级',
  text_table: '正文与表格一致',
  cross_document: '跨报告一致',
};
export const SEVERITY_LABEL = { error: '错误', warning: '提示' };
// Units a correction may carry, as the API validates them.
export const AMOUNT_UNITS = ['元', '千元', '万元', '亿元', '千', '万', '亿'];
export const FIELD_LABEL = { value: '数值', unit: '单位', subject: '主体', qualifier: '限定', span: '范围', note: '备注' };

// ---------------------------------------------------------------- numbers

// Digit groups of a decimal string, computed on the text so no digit is lost to a float.
export function groupDigits(s) {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] || '');
}

// The decimal string `s` times 10^`places` (places may be negative), exactly.
export function shiftDecimal(s, places) {
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

export const yuanToWan = (v) => shiftDecimal(String(v), -4);

// What the assessor types for an amount: yuan, or with 千/万/亿 (元) after the number.
export function parseAmountInput(raw) {
  const t = raw.replace(/[,，\s]/g, '');
  const m = /^(\d+(?:\.\d+)?|\.\d+)(千元|万元|亿元|千|万|亿|元)?$/.exec(t);
  if (!m) return null;
  const power = { 千: 3, 千元: 3, 万: 4, 万元: 4, 亿: 8, 亿元: 8 }[m[2]] || 0;
  return shiftDecimal(m[1].startsWith('.') ? '0' + m[1] : m[1], power);
}

// ---------------------------------------------------------------- fact formatting

export function valueText(f) {
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

export function originalValueText(f) {
  const o = f.original;
  if (!o || typeof o !== 'object') return '';
  return valueText({ kind: f.kind, value: o.value, unit: o.unit, extra: f.extra });
}

// What a correction changed, as the extractor had it: only the fields that differ now
// ("值 1,462,000,000 元 · 主体 资金"); empty when nothing differs.
export function changedFieldsText(f) {
  const o = f.original;
  if (!o || typeof o !== 'object') return '';
  const parts = [];
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  // Compared as shown: a document's object may list its keys in another order.
  const was = originalValueText(f);
  if (was !== valueText(f)) parts.push('值 ' + was);
  if (o.qualifier !== undefined && o.qualifier !== f.qualifier) parts.push('限定 ' + (QUALIFIER_LABEL[o.qualifier] || o.qualifier));
  if (o.subject !== undefined && !same(o.subject, f.subject)) parts.push('主体 ' + (o.subject || '（无）'));
  if (o.start !== undefined && (o.start !== f.start || o.end !== f.end)) parts.push('原文「' + (o.text ?? '') + '」');
  return parts.join(' · ');
}

export function pageOf(f) {
  const p = f.provenance;
  if (p && (p.source === 'pdf_page' || p.source === 'ocr_page' || p.source === 'ofd_page') && p.page) return p.page;
  return null;
}

// "识别存疑 72%": a fact OCR read with a confidence under the server's threshold.
export function confidenceText(f) {
  return '识别存疑 ' + Math.round(f.confidence * 100) + '%';
}

export function checkText(c) {
  const money = (s) => groupDigits(yuanToWan(s)) + ' 万元';
  const label = CHECK_LABEL[c.kind] || c.kind;
  switch (c.kind) {
    case 'table_total': return label + '：各行相加 ' + money(c.computed) + '，合计行写 ' + money(c.stated);
    case 'difference': return label + '：计算得 ' + money(c.computed) + '，原文写 ' + money(c.stated);
    case 'split': return label + '：各项相加 ' + c.computed + '，总数写 ' + c.stated;
    case 'share': return label + '：计算得 ' + c.computed + '%，原文写 ' + c.stated + '%';
    // The form checks' messages say what is wrong; a check that passed gets its numbers.
    default: return label + '：' + (c.ok ? '所述 ' + c.stated + '，计算 ' + c.computed : c.message);
  }
}

// A failed check for a tooltip or the findings panel: kind, severity, stated against
// computed, and the extractor's own words.
export function findingText(c) {
  const money = ['table_total', 'difference', 'funds_total'].includes(c.kind);
  const v = (s) => (money ? groupDigits(yuanToWan(s)) + ' 万元' : s);
  return (CHECK_LABEL[c.kind] || c.kind) + '（' + (SEVERITY_LABEL[c.severity] || c.severity) + '）：所述 '
    + v(c.stated) + '，计算得 ' + v(c.computed) + '。' + c.message;
}

// "3（错误 2，提示 1）": how many findings, of which severity; "0" when none.
export function findingsCount(findings) {
  const n = (findings.error || 0) + (findings.warning || 0);
  if (!n) return '0';
  const parts = [];
  if (findings.error) parts.push('错误 ' + findings.error);
  if (findings.warning) parts.push('提示 ' + findings.warning);
  return n + '（' + parts.join('，') + '）';
}

// The same summary from a list of checks.
export function findingsOf(checks) {
  const out = { error: 0, warning: 0 };
  for (const c of checks || []) if (!c.ok) out[c.severity === 'warning' ? 'warning' : 'error'] += 1;
  return out;
}


// A stored time (RFC 3339, UTC) in the browser's own time zone, as 2026-12-02 14:05:09.
export function localTime(iso, withSeconds = true) {
  const t = new Date(iso);
  if (!iso || Number.isNaN(t.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  const day = t.getFullYear() + '-' + pad(t.getMonth() + 1) + '-' + pad(t.getDate());
  const clock = pad(t.getHours()) + ':' + pad(t.getMinutes()) + (withSeconds ? ':' + pad(t.getSeconds()) : '');
  return day + ' ' + clock;
}
