// The API client: JSON calls under /api with the signed-in token, downloads and uploads
// (which a plain link or fetch cannot do with a token and progress), and the API's errors
// in plain Chinese words.

import { FIELD_LABEL, ROLE_LABEL } from './format.js';
import { h } from './ui.js';
import { state } from './state.js';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || String(status));
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function api(method, path, body) {
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
// A document with all its facts. The API sends a long list of facts a page at a time: the
// first page comes with the document, the rest follow their cursor.
export async function fetchDocument(id) {
  const doc = await api('GET', '/documents/' + id);
  const facts = doc.facts || [];
  for (let next = doc.facts_next; next;) {
    const page = await api('GET', '/documents/' + id + '/facts?after=' + encodeURIComponent(next));
    for (const f of page.facts) facts.push(f);
    next = page.next;
  }
  doc.facts = facts;
  return doc;
}

// A GET of the API answered with a file rather than JSON: the response as it came, or the
// API's refusal thrown as an ApiError.
async function getFile(path) {
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
  return res;
}

// The uploaded file of a document, as bytes with its media type (without parameters).
export async function fetchOriginal(id) {
  const res = await getFile('/documents/' + id + '/original');
  const type = (res.headers.get('content-type') || '').split(';')[0].trim();
  return { type, bytes: await res.arrayBuffer() };
}

export function translateMessage(m) {
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
export function plainError(e) {
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


// A file from the API saved through the browser (a link cannot carry the token).
export async function download(path, name) {
  const res = await getFile(path);
  // The server names the file after what it holds (相山区_2022_已确认事实_20261202.xlsx).
  const disposition = res.headers.get('Content-Disposition') || '';
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (utf8) {
    try {
      name = decodeURIComponent(utf8[1]);
    } catch (e) {
      // keep the name given
    }
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// XMLHttpRequest rather than fetch: only it reports upload progress.
export function uploadFile(file, onProgress) {
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
