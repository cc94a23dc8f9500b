// Other assessors' decisions as they happen. The page reads the /api/events stream with fetch
// (an EventSource cannot send the token); when streaming keeps failing — a proxy that buffers,
// an old browser — it falls back to reloading every few seconds.

import { state } from './state.js';

const POLL_MS = 3000;
let following = null; // { controller }

// Calls onDecision(event) for every decision on `documentId` (every document when null),
// and onReload() when the page should read everything again.
export function followDecisions(documentId, onDecision, onReload) {
  stopFollowing();
  const controller = new AbortController();
  following = { controller };
  run(documentId, controller.signal, onDecision, onReload);
}

export function stopFollowing() {
  if (following) following.controller.abort();
  following = null;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

// One Server-Sent Events block ("event: …\ndata: …") as {event, data}.
function parseBlock(block) {
  const out = { event: 'message', data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) out.event = line.slice(6).trim();
    else if (line.startsWith('data:')) out.data += line.slice(5).trim();
  }
  return out;
}

async function run(documentId, signal, onDecision, onReload) {
  const query = documentId ? '?document_id=' + documentId : '';
  let failures = 0;
  while (!signal.aborted) {
    try {
      const res = await fetch('/api/events' + query, {
        headers: { Authorization: 'Bearer ' + state.token, Accept: 'text/event-stream' },
        signal,
      });
      if (!res.ok || !res.body) throw new Error('events: ' + res.status);
      failures = 0;
      document.body.dataset.live = 'stream';
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n/g, '\n');
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const ev = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (ev.event === 'decision') onDecision(JSON.parse(ev.data));
          else if (ev.event === 'reload') onReload();
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      failures++;
    }
    if (signal.aborted) return;
    if (failures >= 3) break;
    // The server restarted or the stream broke: catch up, then listen again.
    await sleep(1000 * failures, signal);
    if (!signal.aborted) onReload();
  }
  document.body.dataset.live = 'poll';
  while (!signal.aborted) {
    await sleep(POLL_MS, signal);
    if (!signal.aborted) onReload();
  }
}
