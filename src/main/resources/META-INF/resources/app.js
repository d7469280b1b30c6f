// The chat page: renders a session's events as they stream. All state comes from events, so a
// reload or a reconnect that replays the log draws the same page.
import { CodeActClient, splitReply } from '/codeact-client.js';
import { highlightPython } from '/highlight.js';

const $ = (id) => document.getElementById(id);
const transcript = $('transcript');
const input = $('input');
const sendButton = $('send');
const stopButton = $('stop');

// With API keys on (codeact.auth.mode=api-key), open the page as /#access_token=KEY.
const token = new URLSearchParams(location.hash.slice(1)).get('access_token');
const saved = JSON.parse(sessionStorage.getItem('codeact.session') || 'null');
const client = new CodeActClient({ token, ...(saved ? { sessionId: saved, lastSeq: 0 } : {}) });
// Exposed for debugging and the browser tests.
window.codeact = { client, events: [] };

let turn = null;      // { el, segment } of the running turn
let running = false;
const outputs = new Map(); // action_id → <pre class="output">

function scroll() {
  transcript.scrollTop = transcript.scrollHeight;
}

function element(tag, className, parent, html) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (html !== undefined) el.innerHTML = html;
  if (parent) parent.appendChild(el);
  return el;
}

function setRunning(value) {
  running = value;
  sendButton.disabled = value;
  stopButton.hidden = !value;
}

/** A model call's text: prose, then (once it starts) the code action it is writing. */
function newSegment() {
  const el = element('div', 'segment', turn.el);
  turn.segment = { el, raw: '', text: element('div', 'text', el), code: null };
}

function renderSegment(segment) {
  const { prose, code } = splitReply(segment.raw);
  segment.text.textContent = prose;
  if (code !== null) {
    segment.code ||= element('pre', 'code', segment.el);
    segment.code.innerHTML = highlightPython(code.replace(/^\n+/, ''));
  }
}

function ensureTurn() {
  if (!turn) {
    turn = { el: element('div', 'msg assistant', transcript), segment: null };
    newSegment();
  }
  return turn;
}

/** The richest rendering of a display the page shows, or null when it has only text. */
function richest(data) {
  return ['text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'text/markdown', 'text/latex'].find((m) => m in data) || null;
}

/**
 * One display of an observation. Its HTML and SVG come from the sandboxed code: HTML goes into a
 * sandboxed frame where no script runs (no allow-scripts; same origin only so the page can size
 * it), under the page's Content-Security-Policy (no image or style from elsewhere); SVG into an
 * <img>, which runs none.
 */
function renderDisplay(d, box) {
  const mime = richest(d.data);
  const text = d.data['text/plain'] || '';
  let el;
  if (mime === 'text/html') {
    el = element('iframe', 'display-html', box);
    el.setAttribute('sandbox', 'allow-same-origin');
    el.addEventListener('load', () => {
      el.style.height = `${Math.min(Math.ceil(el.contentDocument.body.getBoundingClientRect().bottom) + 8, 480)}px`;
    });
    el.srcdoc = `<!doctype html><meta charset="utf-8"><style>body{font:13px system-ui,sans-serif;margin:6px}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>${d.data[mime]}`;
  } else if (mime === 'image/svg+xml') {
    el = element('img', 'display-image', box);
    el.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(d.data[mime])}`;
  } else if (mime === 'image/png' || mime === 'image/jpeg') {
    el = element('img', 'display-image', box);
    el.src = `data:${mime};base64,${d.data[mime]}`;
  } else {
    el = element('pre', 'display-text', box);
    el.textContent = mime ? d.data[mime] : text;
  }
  el.title = text;
  if (el.tagName === 'IMG') el.alt = text;
  el.dataset.mime = mime || 'text/plain';
}

const on = {
  session(e) {
    sessionStorage.setItem('codeact.session', JSON.stringify(e.session));
    $('model').textContent = e.model;
    $('no-model').hidden = e.model_configured;
  },
  turn_start(e) {
    const user = element('div', 'msg user', transcript);
    element('div', 'bubble', user).textContent = e.text || '';
    turn = null;
    ensureTurn();
    setRunning(true);
  },
  token(e) {
    ensureTurn();
    turn.segment.raw += e.text;
    renderSegment(turn.segment);
  },
  action(e) {
    ensureTurn();
    const segment = turn.segment;
    segment.code ||= element('pre', 'code', segment.el);
    segment.code.innerHTML = highlightPython(e.code);
    segment.code.dataset.action = e.action_id;
    const out = element('pre', 'output', segment.el);
    out.dataset.action = e.action_id;
    outputs.set(e.action_id, out);
  },
  observation_chunk(e) {
    const out = outputs.get(e.action_id);
    if (out) element('span', e.stream, out).textContent = e.text;
  },
  observation(e) {
    const out = outputs.get(e.action_id);
    if (!out) return;
    const r = e.result;
    const displays = r.displays || [];
    const richValue = displays.some((d) => d.kind === 'value' && richest(d.data));
    if (r.notice) out.prepend(Object.assign(document.createElement('span'), { className: 'notice-line', textContent: `[${r.notice}]\n` }));
    if (r.value != null && !richValue) element('span', 'value', out).textContent = (out.textContent && !out.textContent.endsWith('\n') ? '\n' : '') + r.value;
    if (r.error && r.error.traceback) element('span', 'traceback', out).textContent = (out.textContent ? '\n' : '') + r.error.traceback;
    if (r.timed_out) element('span', 'stderr', out).textContent = '\n[timed out]';
    if (r.cancelled) element('span', 'stderr', out).textContent = '\n[stopped]';
    out.classList.add('done');
    if (displays.length) {
      if (!out.textContent) out.hidden = true;
      const box = element('div', 'observation-displays', out.parentElement);
      for (const d of displays) renderDisplay(d, box);
    }
    newSegment();
  },
  turn_end(e) {
    ensureTurn();
    if (!turn.segment.raw) turn.segment.el.remove();
    const seconds = (e.duration_ms / 1000).toFixed(1);
    const tokens = e.usage ? ` · ${e.usage.prompt_tokens} + ${e.usage.completion_tokens} tokens` : '';
    element('div', 'turn-end', turn.el).textContent =
      `${e.reason.replace('_', ' ')} · ${e.actions} action${e.actions === 1 ? '' : 's'} · ${seconds} s${tokens}`;
    turn.el.dataset.reason = e.reason;
    turn = null;
    setRunning(false);
  },
  error(e) {
    const parent = turn ? turn.el : transcript;
    element('div', 'error', parent).textContent = `${e.code}: ${e.message}`;
  },
  events_lost(e) {
    const parent = turn ? turn.el : transcript;
    element('div', 'error', parent).textContent =
      'The gateway running this session stopped: what it showed last may be missing after a reload.';
  },
};

client.on('*', (e) => {
  window.codeact.events.push(e);
  (on[e.type] || (() => {}))(e);
  scroll();
});
client.on('status', (s) => {
  const chip = $('status');
  chip.dataset.state = s.state;
  chip.textContent = s.state === 'open' ? 'connected' : s.state;
});

$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = input.value.trim();
  if (!text || running) return;
  client.send(text);
  input.value = '';
});
input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    $('composer').requestSubmit();
  }
});
stopButton.addEventListener('click', () => client.cancel());

fetch('/v1/info', token ? { headers: { Authorization: `Bearer ${token}` } } : {}).then((r) => r.json()).then((info) => {
  $('model').textContent = info.model;
  $('no-model').hidden = info.model_configured;
}).catch(() => {});

client.connect().catch((err) => {
  if (saved && err.event && ['session_not_found', 'forbidden'].includes(err.event.code)) {
    sessionStorage.removeItem('codeact.session');
    location.reload();
  }
});
