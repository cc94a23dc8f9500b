// What the page knows: who is signed in, the document list, and the document under review
// with its facts, checks and forms. One object shared by every module of the page; each
// view writes its own part and reads the rest.

export const TOKEN_KEY = 'jixiao.token';

export const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '',
  me: null,
  // Document list
  docs: [],
  docFilter: {
    q: '', region: '', year: '', status: '', review: '', check: '', severity: '', assigned: '',
    sort: 'uploaded', order: '',
  },
  docNext: null,
  docCursor: -1,
  listPoll: null,
  queue: null, // the list's query and document order when a document was opened from it
  // Document view
  doc: null,
  facts: new Map(), // id → fact
  checksOf: new Map(), // fact id → checks
  order: [], // fact ids in list order (after filters)
  selected: null, // fact id
  factFilter: { kind: '', status: '', failed: false, orphaned: false, doubt: false, sort: '' },
  marks: new Map(), // fact id → [mark elements]
  cells: new Map(), // fact id → [form cells]
  view: 'form', // what the left pane shows of a document with forms: 'form' or 'text'
  findingsOpen: undefined, // whether the assessor opened or folded the findings panel
  rows: new Map(), // fact id → list element
  undoStack: [], // fact ids decided on this page, latest last
  lastBulk: null, // the bulk confirm just made on this page, which u undoes as one action
  editing: null, // fact id whose correction form is open
  textStart: new WeakMap(), // text node of the rendered report → its UTF-16 offset in the text
  textSelection: null, // the last non-empty selection in the report: {start, end} in code points
  docPoll: null,
  busy: false,
};

export const canReview = () => state.me && (state.me.role === 'assessor' || state.me.role === 'admin');
export const isReader = () => state.me && state.me.role === 'reader';
export const canUpload = () => state.me && state.me.role !== 'reader';
export const canExport = () => state.me && state.me.role !== 'uploader';
