// The chat page: renders a session's events as they stream. All state comes from events, so a
// reload, a reconnect or a switch to another chat that replays the log draws the same page.
// Model text and the code's rich output are untrusted: markdown goes through DOMPurify, HTML
// displays into script-less frames, and the page's Content-Security-Policy backs both. Nothing
// they contain is loaded from another origin: that would carry the chat out in the URL (a
// prompt-injected model re-renders such an image on every token). An outside image becomes a
// link the person may open.
import { CodeActApi, CodeActClient, splitReply } from '/codeact-client.js';
import { highlightPython } from '/highlight.js';
import { marked } from '/_static/marked/lib/marked.esm.js';
import DOMPurify from '/_static/dompurify/dist/purify.es.mjs';

const $ = (id) => document.getElementById(id);
const transcript = $('transcript');
const input = $('input');
const sendButton = $('send');
const stopButton = $('stop');

// With API keys on (codeact.auth.mode=api-key), open the page as /#access_token=KEY.
const token = new URLSearchParams(location.hash.slice(1)).get('access_token');
const STORED = 'codeact.session';

/** Output longer than this many lines is collapsed once its action ends. */
const COLLAPSE_LINES = 40;

/** What an error code means to a person; the code itself is shown too. */
const MESSAGES = {
  no_model: 'No model is configured: see the notice above.',
  upstream_unavailable: 'The model server could not be reached.',
  upstream_auth: 'The model server refused the gateway\'s credentials.',
  upstream_rate_limited: 'The model server is limiting requests: try again shortly.',
  upstream_timeout: 'The model server took too long to answer.',
  upstream_protocol: 'The model server sent a reply the gateway could not read.',
  reply_too_long: 'The model\'s reply was too long.',
  execution_failed: 'No worker reported on the code.',
  turn_in_progress: 'A turn is already running: wait for it, or press Stop.',
  too_many_turns: 'You have too many turns running: wait for one to end.',
  too_many_sessions: 'You have too many chats open: close or delete one.',
  too_many_connections: 'This chat is open in too many tabs.',
  rate_limited: 'Too many messages at once: slow down.',
  overloaded: 'The gateway or its workers are full: try again in a moment.',
  storage: 'The gateway cannot reach its storage (Redis): try again shortly.',
  session_full: 'This chat is full: start a new chat.',
  session_not_found: 'This chat no longer exists.',
  session_elsewhere: 'This chat is busy on another gateway: try again in a moment.',
  turn_interrupted: 'The gateway running this turn stopped: send the message again.',
  unauthorized: 'The gateway refused this page\'s credentials: open it as /#access_token=KEY.',
  forbidden_origin: 'The gateway refuses this page: add its origin to codeact.auth.allowed-origins.',
  forbidden: 'This chat belongs to someone else.',
  file_not_found: 'No such file in the chat\'s working directory.',
  file_too_large: 'The file is too large for the chat\'s working directory.',
  file_changed: 'The file changed while it was read: download it again once the code has written it.',
  invalid_event: 'The gateway refused the request.',
};

/** Why a tool call failed, for a person (the code is shown too). */
const TOOL_MESSAGES = {
  tool_error: 'the tool failed',
  tool_timeout: 'no answer in time',
  tool_unavailable: 'nobody could answer',
  tool_limit: 'too many calls in one action',
  tool_too_large: 'too large',
  unknown_tool: 'no such tool',
  tool_forbidden: 'not allowed',
};

/**
 * The page's own client tool: the agent's code can ask the person at the page a question
 * (ask_user("…") in Python) and gets their answer as a str.
 */
const ASK_USER = {
  name: 'ask_user',
  description: 'Ask the user a question in the chat and wait for their answer (a str). Use it when you need '
    + 'information only the user has.',
  parameters: { type: 'object', properties: { question: { type: 'string', description: 'What to ask' } }, required: ['question'] },
};

let client = null;
let connecting = null;    // the current client's connect(), once started
let turn = null;          // { el, segment } of the running turn
let running = false;
let outputs = new Map();  // action_id → { out, status, calls }
let toolCalls = new Map(); // call_id → { el, state, ask }
let sentText = null;      // the message sent and not yet started, restored if it is refused
let pending = null;       // its bubble, shown at once, until its turn_start (or refusal) comes
let info = null;          // GET /v1/info
let editing = false;      // the box holds the last message, being edited: sending it replaces the last turn
let sentEditing = false;  // the message sent and not yet started was such an edit
let uploadedSince = new Set(); // files this page uploaded since its last message, shown on the next one
// Exposed for debugging and the browser tests.
window.codeact = { client: null, events: [] };

const api = new CodeActApi({ token });

function element(tag, className, parent, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

function scroll() {
  transcript.scrollTop = transcript.scrollHeight;
}

function setRunning(value) {
  running = value;
  sendButton.disabled = value;
  stopButton.hidden = !value;
}

/** A copy button for {@code source}'s text, after it in {@code parent}. */
function copyButton(parent, source) {
  const button = element('button', 'copy', parent, 'Copy');
  button.type = 'button';
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = 'Copied';
    } catch (e) {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
  return button;
}

/** A block (code or output) with its copy button. */
function block(parent, preClass) {
  const wrap = element('div', 'block', parent);
  const pre = element('pre', preClass, wrap);
  copyButton(wrap, pre);
  return pre;
}

/**
 * Prose of a reply as sanitized HTML: markdown, with the CodeAct format's <thought> shown as a
 * collapsible thought and <solution> as the answer.
 */
function proseHtml(text) {
  let html = '';
  let last = 0;
  for (const m of text.matchAll(/<(thought|solution)>([\s\S]*?)(?:<\/\1>|$)/g)) {
    html += marked.parse(text.slice(last, m.index));
    const inner = marked.parse(m[2]);
    html += m[1] === 'thought'
      ? `<details class="thought"><summary>Thought</summary>${inner}</details>`
      : `<div class="solution"><div class="label">Solution</div>${inner}</div>`;
    last = m.index + m[0].length;
  }
  html += marked.parse(text.slice(last));
  return DOMPurify.sanitize(html, SANITIZE);
}

// What would load by itself or restyle the page; images are kept (an outside one as a link).
const SANITIZE = { FORBID_TAGS: ['audio', 'video', 'source', 'track', 'picture', 'link', 'meta', 'base', 'style'],
  FORBID_ATTR: ['srcset', 'poster', 'background', 'ping', 'style'] };

/** Whether a URL loads from this page's origin or from memory (data:, blob:), not from elsewhere. */
function local(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'data:' || u.protocol === 'blob:' || u.origin === location.origin;
  } catch (e) {
    return false;
  }
}

// The sanitizer parses in a document that loads nothing; an outside image leaves it without its
// src, so it cannot load once on the page either, and renderProse turns it into a link.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG' && node.hasAttribute('src') && !local(node.getAttribute('src'))) {
    node.setAttribute('data-outside-src', node.getAttribute('src'));
    node.removeAttribute('src');
  }
});

function renderProse(el, text) {
  el.innerHTML = proseHtml(text);
  for (const img of el.querySelectorAll('img[data-outside-src]')) {
    const link = document.createElement('a');
    link.className = 'outside-image';
    link.href = img.dataset.outsideSrc;
    link.target = '_blank';
    link.rel = 'noopener noreferrer nofollow';
    link.title = `An image on another site, not loaded: ${img.dataset.outsideSrc}`;
    link.textContent = `[image: ${img.getAttribute('alt') || 'untitled'}, not loaded]`;
    img.replaceWith(link);
  }
  for (const code of el.querySelectorAll('pre > code')) {
    if (!code.className || code.className === 'language-python') code.innerHTML = highlightPython(code.textContent);
    const pre = code.parentElement;
    const wrap = element('div', 'block');
    pre.replaceWith(wrap);
    wrap.appendChild(pre);
    copyButton(wrap, pre);
  }
}

/** A model call's text: prose, then (once it starts) the code action it is writing. */
function newSegment() {
  const el = element('div', 'segment', turn.el);
  turn.segment = { el, raw: '', text: element('div', 'text', el), code: null, status: null };
}

function renderSegment(segment) {
  const { prose, code } = splitReply(segment.raw);
  renderProse(segment.text, prose);
  if (code !== null) {
    if (!segment.code) {
      segment.status = element('div', 'action-status', segment.el, 'Writing code…');
      segment.status.dataset.state = 'writing';
      segment.code = block(segment.el, 'code');
    }
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
 * it), under the page's Content-Security-Policy and its own (nothing from the network); SVG into an
 * <img>, which runs none; markdown through the same sanitizer as the model's.
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
    // Its own policy besides the page's (which a srcdoc frame inherits): nothing from the network.
    el.srcdoc = `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; font-src data:"><style>body{font:13px system-ui,sans-serif;margin:6px}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>${d.data[mime]}`;
  } else if (mime === 'image/svg+xml') {
    el = figure(box, `data:image/svg+xml;charset=utf-8,${encodeURIComponent(d.data[mime])}`, 'svg');
  } else if (mime === 'image/png' || mime === 'image/jpeg') {
    el = figure(box, `data:${mime};base64,${d.data[mime]}`, mime === 'image/png' ? 'png' : 'jpg');
  } else if (mime === 'text/markdown') {
    el = element('div', 'display-markdown', box);
    renderProse(el, d.data[mime]);
  } else {
    el = element('pre', 'display-text', box, mime ? d.data[mime] : text);
  }
  el.title = text;
  if (el.tagName === 'IMG') el.alt = text;
  el.dataset.mime = mime || 'text/plain';
}

/** An image the code made: a click enlarges it (and shrinks it back), a link downloads it. */
function figure(box, url, suffix) {
  const holder = element('figure', 'display-figure', box);
  const img = element('img', 'display-image', holder);
  img.src = url;
  img.addEventListener('click', () => holder.classList.toggle('enlarged'));
  const download = element('a', 'figure-download', holder, `Download .${suffix}`);
  download.href = url;
  download.download = `figure-${box.querySelectorAll('figure').length}.${suffix}`;
  return img;
}

/** The end of an action, said in a few words: how it ended and how long it took. */
function actionEnd(r) {
  const seconds = `${(r.duration_ms / 1000).toFixed(1)} s`;
  if (r.cancelled) return ['stopped', `Stopped · ${seconds}`];
  if (r.timed_out) return ['timed-out', `Timed out · ${seconds}`];
  if (r.error) return ['error', `${r.error.name} · ${seconds}`];
  return ['ok', `Done · ${seconds}`];
}

/** Collapses long output behind a button that shows all of it. */
function collapse(out) {
  const lines = out.textContent.split('\n').length;
  if (lines <= COLLAPSE_LINES) return;
  out.classList.add('collapsed');
  const more = element('button', 'expand', out.parentElement, `Show all ${lines} lines`);
  more.type = 'button';
  more.addEventListener('click', () => {
    const collapsed = out.classList.toggle('collapsed');
    more.textContent = collapsed ? `Show all ${lines} lines` : 'Show less';
  });
}

/** An error, readable: what it means, its code, and the gateway's own words. */
function showError(e, parent) {
  const el = element('div', 'error', parent || (turn ? turn.el : transcript));
  el.dataset.code = e.code;
  element('strong', null, el, MESSAGES[e.code] || 'Something went wrong.');
  element('span', 'error-code', el, ` ${e.code}${e.retry_after ? ` · retry in ${e.retry_after} s` : ''}`);
  if (e.message) element('div', 'error-detail', el, e.message);
  return el;
}

/** A failed call of the HTTP API: its refusal as the WebSocket's error event says it, or what went wrong. */
function showFailure(e, parent) {
  return showError(e.event || { code: 'storage', message: String(e) }, parent);
}

function showFiles(files) {
  const bar = $('files');
  bar.replaceChildren();
  bar.hidden = !files.length;
  for (const f of files) {
    const link = element('a', 'file', bar, f.name);
    const query = token ? `?access_token=${encodeURIComponent(token)}` : '';
    link.href = `/v1/sessions/${encodeURIComponent(client.sessionId)}/files/${encodeURIComponent(f.name)}${query}`;
    link.download = f.name;
    link.title = `${f.size} bytes: download`;
  }
}

/** A tool call under its action's code: what was called with what, then how it ended. */
function showToolCall(e) {
  const action = outputs.get(e.action_id);
  if (!action) return;
  const el = element('details', 'tool-call', action.calls);
  el.dataset.call = e.call_id;
  el.dataset.state = 'waiting';
  const summary = element('summary', null, el);
  element('span', 'tool-name', summary, e.tool);
  // As the code wrote the call: name(key=value, …).
  const args = Object.entries(e.arguments || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  element('span', 'tool-args', summary, `(${args.length > 80 ? `${args.slice(0, 79)}…` : args})`);
  const state = element('span', 'tool-state', summary, e.source === 'client' ? ' · waiting for this page' : ' · calling…');
  labelled(el, 'Arguments', 'tool-detail tool-arguments', JSON.stringify(e.arguments || {}, null, 2));
  toolCalls.set(e.call_id, { el, state, ask: null });
}

function showToolResult(e) {
  const call = toolCalls.get(e.call_id);
  if (!call) return;
  if (call.ask) call.ask.remove();
  const ms = `${e.duration_ms} ms`;
  if (e.error) {
    call.el.dataset.state = 'error';
    call.state.textContent = ` · ${TOOL_MESSAGES[e.error.code] || e.error.code} (${e.error.code}) · ${ms}`;
    labelled(call.el, 'Error', 'tool-detail tool-error', e.error.message || '');
  } else {
    call.el.dataset.state = 'ok';
    call.state.textContent = ` · done · ${ms}`;
    const value = e.value === undefined ? null : e.value;
    labelled(call.el, 'Value', 'tool-detail tool-value', typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  }
}

/** A part of a tool call's detail, with what it is. */
function labelled(parent, label, className, text) {
  element('div', 'tool-label', parent, label);
  return element('pre', className, parent, text);
}

/** ask_user's answer, from a small form under the call; declining raises ToolError in the code. */
function askUser(args, call) {
  return new Promise((resolve, reject) => {
    const shown = toolCalls.get(call.call_id);
    const form = element('form', 'ask', shown ? shown.el.parentElement : transcript);
    element('div', 'ask-question', form, String(args.question || ''));
    const answer = element('input', 'ask-answer', form);
    answer.setAttribute('aria-label', 'Your answer');
    const send = element('button', 'ask-send', form, 'Answer');
    send.type = 'submit';
    const decline = element('button', 'ask-decline', form, 'Decline');
    decline.type = 'button';
    if (shown) shown.ask = form;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      form.remove();
      resolve(answer.value);
    });
    decline.addEventListener('click', () => {
      form.remove();
      reject(new Error('the user declined to answer'));
    });
    scroll();
    answer.focus();
  });
}

const on = {
  session(e) {
    sessionStorage.setItem(STORED, JSON.stringify(e.session));
    markCurrent();
    $('model').textContent = e.model;
    $('no-model').hidden = e.model_configured;
    refreshSessions();
  },
  turn_start(e) {
    sentText = null;
    let user = pending;
    if (pending) {
      // The message shown as it was sent is this turn's: it stays, with the agent's reply begun under it.
      pending.classList.remove('pending');
      pending.querySelector('.bubble').textContent = e.text || '';
      pending = null;
    } else {
      user = element('div', 'msg user', transcript);
      element('div', 'bubble', user, e.text || '');
      turn = null;
      ensureTurn();
    }
    showUploads(user, e.uploads || []);
    user.dataset.turn = e.turn;
    ensureTurn().el.dataset.turn = e.turn;
    user.dataset.text = e.text || '';
    transcript.querySelectorAll('.redo').forEach((el) => el.remove());
    if (e.replaces) {
      // The replaced turn folds away; the kernel did not go back with it, and the page says so.
      transcript.querySelectorAll(`.msg[data-turn="${e.replaces}"]`).forEach((el) => el.classList.add('replaced'));
      element('div', 'replaced-note', user,
        'Replaces the earlier answer. The kernel kept its state: what that answer\'s code did is still there.');
    }
    setRunning(true);
    if (e.turn === 1) refreshSessions();
  },
  token(e) {
    ensureTurn();
    turn.segment.raw += e.text;
    renderSegment(turn.segment);
  },
  action(e) {
    ensureTurn();
    const segment = turn.segment;
    segment.status ||= element('div', 'action-status', segment.el);
    segment.status.textContent = 'Running…';
    segment.status.dataset.state = 'running';
    segment.code ||= block(segment.el, 'code');
    segment.code.innerHTML = highlightPython(e.code);
    segment.code.dataset.action = e.action_id;
    const calls = element('div', 'tool-calls', segment.el);
    const out = block(segment.el, 'output');
    out.dataset.action = e.action_id;
    outputs.set(e.action_id, { out, status: segment.status, calls });
  },
  tool_call(e) {
    showToolCall(e);
  },
  tool_result(e) {
    showToolResult(e);
  },
  observation_chunk(e) {
    const action = outputs.get(e.action_id);
    if (action) element('span', e.stream, action.out, e.text);
  },
  action_restarted(e) {
    // The code runs again from the start on another worker: the earlier run's output goes.
    const action = outputs.get(e.action_id);
    if (!action) return;
    action.out.replaceChildren();
    element('span', 'notice-line', action.out, `[the code runs again from the start: ${e.reason}]\n`);
    action.status.textContent = `Running again (attempt ${e.attempt})…`;
  },
  observation(e) {
    const action = outputs.get(e.action_id);
    if (!action) return;
    const { out, status } = action;
    const r = e.result;
    const displays = r.displays || [];
    const richValue = displays.some((d) => d.kind === 'value' && richest(d.data));
    if (r.notice) out.prepend(Object.assign(document.createElement('span'), { className: 'notice-line', textContent: `[${r.notice}]\n` }));
    if (r.value != null && !richValue) element('span', 'value', out).textContent = (out.textContent && !out.textContent.endsWith('\n') ? '\n' : '') + r.value;
    if (r.error && r.error.traceback) element('span', 'traceback', out).textContent = (out.textContent ? '\n' : '') + r.error.traceback;
    if (r.timed_out) element('span', 'stderr', out, '\n[timed out]');
    if (r.cancelled) element('span', 'stderr', out, '\n[stopped]');
    out.classList.add('done');
    [status.dataset.state, status.textContent] = actionEnd(r);
    collapse(out);
    if (displays.length) {
      if (!out.textContent) out.parentElement.hidden = true;
      const box = element('div', 'observation-displays', out.parentElement.parentElement);
      for (const d of displays) renderDisplay(d, box);
    }
    newSegment();
  },
  turn_end(e) {
    ensureTurn();
    if (!turn.segment.raw) turn.segment.el.remove();
    const seconds = (e.duration_ms / 1000).toFixed(1);
    const tokens = e.usage ? ` · tokens: ${e.usage.prompt_tokens} in, ${e.usage.completion_tokens} out` : '';
    element('div', 'turn-end', turn.el,
      `${e.reason.replace('_', ' ')} · ${e.actions} action${e.actions === 1 ? '' : 's'} · ${seconds} s${tokens}`);
    turn.el.dataset.reason = e.reason;
    offerRedo(turn.el);
    turn = null;
    setRunning(false);
    refreshSessions();
  },
  error(e) {
    // A refused message (seq 0: it started no turn) goes back into the box, unless something new was typed.
    if (e.seq === 0 && pending) {
      pending.remove();
      pending = null;
      turn?.el.remove();
      turn = null;
      setRunning(false);
    }
    showError(e);
    if (e.seq === 0 && sentText !== null && !input.value) {
      // A refused edit stays an edit: sending it again still replaces the last turn.
      if (sentEditing) startEditing(sentText);
      else input.value = sentText;
    }
    sentText = null;
  },
  events_lost() {
    element('div', 'error', turn ? turn.el : transcript,
      'The gateway running this session stopped: what it showed last may be missing after a reload.');
  },
  files(e) {
    showFiles(e.files);
  },
};

/**
 * Opens a chat: an existing one (its whole log is replayed) or, without an id, a new one, which
 * the gateway creates with the first message or upload (opening the page leaves no empty chat).
 */
function open(sessionId) {
  if (client) client.close();
  connecting = null;
  transcript.replaceChildren();
  showFiles([]);
  turn = null;
  pending = null;
  outputs = new Map();
  toolCalls = new Map();
  uploadedSince = new Set();
  stopEditing();
  setRunning(false);
  window.codeact.events = [];
  client = new CodeActClient({ token, ...(sessionId ? { sessionId, lastSeq: 0 } : {}) });
  client.tool(ASK_USER, askUser);
  window.codeact.client = client;
  if (sessionId) sessionStorage.setItem(STORED, JSON.stringify(sessionId));
  else sessionStorage.removeItem(STORED);
  const mine = client;
  client.on('*', (e) => {
    if (client !== mine) return;
    window.codeact.events.push(e);
    (on[e.type] || (() => {}))(e);
    scroll();
  });
  client.on('status', (s) => {
    if (client !== mine) return;
    const chip = $('status');
    chip.dataset.state = s.state;
    chip.textContent = s.state === 'open' ? 'connected' : s.state;
  });
  if (sessionId) {
    connectNow();
  } else {
    const chip = $('status');
    [chip.dataset.state, chip.textContent] = ['new', 'new chat'];
  }
  markCurrent();
}

/** Connects the current chat (creating it when new); resolves once the gateway accepted it. */
function connectNow() {
  const mine = client;
  connecting ||= client.connect().catch((err) => {
    if (client === mine && mine.sessionId && err.event && ['session_not_found', 'forbidden'].includes(err.event.code)) open(null);
  });
  return connecting;
}

function markCurrent() {
  for (const li of $('session-list').children) li.classList.toggle('current', client && li.dataset.id === client.sessionId);
  $('export').hidden = !client?.sessionId;
}

/** Downloads the current chat as the gateway exports it (fetched, so an API key goes along). */
async function exportChat(format, suffix) {
  const id = client?.sessionId;
  if (!id) return;
  let blob;
  try {
    blob = format === 'notebook'
      ? new Blob([JSON.stringify(await api.notebook(id), null, 1)], { type: 'application/x-ipynb+json' })
      : new Blob([await api.markdown(id)], { type: 'text/markdown' });
  } catch (e) {
    showFailure(e, transcript);
    return;
  }
  const link = element('a', null, document.body);
  link.href = URL.createObjectURL(blob);
  link.download = `codeact-${id}.${suffix}`;
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  $('export').open = false;
}

async function refreshSessions() {
  let sessions;
  try {
    sessions = await api.sessions(100);
  } catch (e) {
    return;
  }
  const list = $('session-list');
  list.replaceChildren();
  let group = null;
  // The gateway writes a chat's title as its first turn starts, in the background: until the list
  // has it, the current chat shows the message it began with.
  const firstMessage = transcript.querySelector('.msg.user .bubble')?.textContent.trim().replace(/\s+/g, ' ');
  for (const s of sessions) {
    if (s.id === deleting?.id) continue;  // deleted, and can still be undone
    // Latest first, under a heading when the day changes: Today, Yesterday, then the date.
    const day = dayOf(s.last_activity || s.created_at);
    if (day !== group) {
      group = day;
      element('li', 'session-day', list, day).setAttribute('role', 'presentation');
    }
    const li = element('li', 'session', list);
    li.dataset.id = s.id;
    const title = s.title || (client && s.id === client.sessionId && firstMessage) || 'New chat';
    li.dataset.title = title.toLowerCase();
    const openButton = element('button', 'open', li, title.length > 80 ? `${title.slice(0, 79)}…` : title);
    openButton.type = 'button';
    openButton.title = new Date(s.last_activity).toLocaleString();
    openButton.addEventListener('click', () => {
      document.body.classList.remove('sidebar-open');
      if (!client || client.sessionId !== s.id) open(s.id);
    });
    const rename = element('button', 'rename', li, '✎');
    rename.type = 'button';
    rename.setAttribute('aria-label', `Rename ${title}`);
    rename.addEventListener('click', () => renameChat(li, s.id, title));
    const remove = element('button', 'delete', li, '×');
    remove.type = 'button';
    remove.setAttribute('aria-label', `Delete ${title}`);
    remove.addEventListener('click', () => deleteChat(s.id, title));
  }
  filterSessions();
  markCurrent();
}

/** The chat's name becomes a field: Enter keeps what it holds, Escape (or leaving it) does not. */
function renameChat(li, id, title) {
  const field = element('input', 'rename-field');
  field.value = title;
  field.maxLength = 80;
  field.setAttribute('aria-label', 'New name');
  li.querySelector('.open').replaceWith(field);
  field.focus();
  field.select();
  let done = false;
  const finish = async (keep) => {
    if (done) return;
    done = true;
    const name = field.value.trim();
    if (keep && name && name !== title) {
      await api.rename(id, name).catch((e) => showFailure(e, transcript));
    }
    refreshSessions();
  };
  field.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') finish(true);
    if (ev.key === 'Escape') finish(false);
  });
  field.addEventListener('blur', () => finish(false));
}

/**
 * A deleted chat leaves the list at once, but the gateway deletes it only when the few seconds to
 * undo it are over (or the page goes away): Undo brings it back as it was.
 */
let deleting = null;  // { id, timer, reopen }
const UNDO_MS = 6000;

function deleteChat(id, title) {
  commitDelete();
  const reopen = client?.sessionId === id;
  if (reopen) open(null);
  deleting = { id, reopen, timer: setTimeout(commitDelete, UNDO_MS) };
  const toast = $('toast');
  toast.querySelector('.toast-text').textContent = `Deleted “${title.length > 40 ? `${title.slice(0, 39)}…` : title}”.`;
  toast.hidden = false;
  refreshSessions();
}

function commitDelete(keepalive = false) {
  if (!deleting) return;
  const { id, timer } = deleting;
  clearTimeout(timer);
  deleting = null;
  $('toast').hidden = true;
  api.deleteSession(id, { keepalive })
    .catch((e) => showFailure(e, transcript))
    .then(() => refreshSessions());
}

$('toast').querySelector('.toast-undo').addEventListener('click', () => {
  if (!deleting) return;
  const { id, timer, reopen } = deleting;
  clearTimeout(timer);
  deleting = null;
  $('toast').hidden = true;
  if (reopen) open(id);
  refreshSessions();
});
// The page going away does not cancel a delete: the request outlives it.
addEventListener('pagehide', () => commitDelete(true));

/** The tools the agent's code can call in this chat: the gateway's (MCP) and this page's own. */
async function showTools() {
  const panel = $('tools').querySelector('.tools-panel');
  panel.replaceChildren(element('div', 'muted', null, 'Loading…'));
  let gateway = [];
  try {
    gateway = await api.tools();
  } catch (e) {
    panel.replaceChildren();
    showFailure(e, panel);
    return;
  }
  const own = [...(client?.tools.values() || [])].map(({ spec }) => ({
    name: spec.name, source: 'this page', doc: spec.description,
    signature: `(${Object.keys(spec.parameters?.properties || {}).join(', ')})`,
  }));
  panel.replaceChildren();
  for (const t of [...own, ...gateway]) {
    const item = element('div', 'tool', panel);
    item.dataset.tool = t.name;
    const head = element('div', 'tool-head', item);
    element('code', 'tool-name', head, `${t.name}${t.signature || '()'}`);
    element('span', 'tool-source', head, t.source);
    if (t.doc) element('div', 'tool-doc', item, t.doc);
  }
  if (!panel.children.length) element('div', 'muted', panel, 'No tools.');
}
$('tools').addEventListener('toggle', () => { if ($('tools').open) showTools(); });

/** A chat's day as the list heads it. */
function dayOf(epochMs) {
  const day = new Date(epochMs).toDateString();
  const today = new Date();
  if (day === today.toDateString()) return 'Today';
  if (day === new Date(today.getTime() - 86_400_000).toDateString()) return 'Yesterday';
  return new Date(epochMs).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Only the chats whose title holds what the search box holds, and the headings of their days. */
function filterSessions() {
  const query = $('search').value.trim().toLowerCase();
  let heading = null;
  let shown = 0;
  for (const li of $('session-list').children) {
    if (li.classList.contains('session-day')) {
      if (heading) heading.hidden = shown === 0;
      heading = li;
      shown = 0;
    } else {
      li.hidden = query !== '' && !li.dataset.title.includes(query);
      if (!li.hidden) shown++;
    }
  }
  if (heading) heading.hidden = shown === 0;
}

async function upload(files) {
  if (!client.sessionId) await connectNow();
  if (!client.sessionId) return;
  for (const file of files) {
    await api.upload(client.sessionId, file.name, file)
      .then(() => uploadedSince.add(file.name))
      .catch((e) => showFailure(e, transcript));
  }
}

/** The model and temperature chosen, when they differ from the gateway's defaults. */
function chosenOptions() {
  if (!info) return undefined;
  const options = {};
  const model = $('model-picker').value;
  if (model && model !== info.model) options.model = model;
  const temperature = parseFloat($('temperature').value);
  if (!Number.isNaN(temperature) && temperature !== info.temperature) options.temperature = temperature;
  return Object.keys(options).length ? options : undefined;
}

$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sendMessage(input.value.trim(), editing);
});

/**
 * The last turn can be done again: its message edited and resent, or its answer regenerated (the
 * same message). Either replaces that turn for the model; the kernel keeps its state.
 */
function offerRedo(answer) {
  transcript.querySelectorAll('.redo').forEach((el) => el.remove());
  const message = answer.previousElementSibling;
  if (!message?.classList.contains('user') || !message.dataset.turn) return;
  const edit = element('button', 'redo redo-edit', message, 'Edit');
  edit.type = 'button';
  edit.title = 'Edit this message and send it again: it replaces this turn (the kernel keeps its state)';
  edit.addEventListener('click', () => startEditing(message.dataset.text));
  const again = element('button', 'redo redo-regenerate', answer, 'Regenerate');
  again.type = 'button';
  again.title = 'Ask again for this answer: a new one replaces it (the kernel keeps its state)';
  again.addEventListener('click', () => sendMessage(message.dataset.text, true));
}

/** The last message goes back into the box; sending it replaces the last turn. */
function startEditing(text) {
  editing = true;
  input.value = text;
  $('editing').hidden = false;
  input.focus();
}

function stopEditing() {
  editing = false;
  $('editing').hidden = true;
}
$('editing').querySelector('button').addEventListener('click', () => {
  stopEditing();
  input.value = '';
});

/** Sends a message (`replaceLast`: in place of the last turn's), shown at once. */
function sendMessage(text, replaceLast) {
  if (!text || running) return;
  sentText = editing || !replaceLast ? input.value : null;
  sentEditing = editing;
  client.send(text, chosenOptions(), { replaceLast });
  connectNow();
  input.value = '';
  stopEditing();
  showPending(text);
}

/** The files uploaded with a message, under its bubble. */
function showUploads(message, names) {
  message.querySelector('.uploads')?.remove();
  if (!names.length) return;
  const list = element('div', 'uploads', null);
  list.setAttribute('aria-label', 'Uploaded with this message');
  for (const name of names) element('span', 'upload', list, name).title = 'Uploaded to the working directory';
  message.querySelector('.bubble').after(list);
}

/**
 * The message as sent, with the agent's typing indicator and Stop, at once: the gateway's
 * turn_start may be a network round trip away. Its turn_start takes it over; a refusal removes it.
 */
function showPending(text) {
  pending = element('div', 'msg user pending', transcript);
  element('div', 'bubble', pending, text);
  showUploads(pending, [...uploadedSince]);
  uploadedSince = new Set();
  turn = null;
  ensureTurn();
  const typing = element('span', 'typing', turn.segment.text);
  typing.setAttribute('role', 'status');
  typing.setAttribute('aria-label', 'The agent is working');
  for (let i = 0; i < 3; i++) element('i', null, typing);
  setRunning(true);
  scroll();
}
input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    $('composer').requestSubmit();
  }
});
stopButton.addEventListener('click', () => client.cancel());
$('new-chat').addEventListener('click', () => {
  document.body.classList.remove('sidebar-open');
  open(null);
});
$('backdrop').addEventListener('click', () => {
  document.body.classList.remove('sidebar-open');
  $('menu').setAttribute('aria-expanded', 'false');
});

/** The theme: as the system's, or the one the person chose (kept in this browser). */
const THEMES = { system: 'as the system\'s', light: 'light', dark: 'dark' };
function applyTheme(theme) {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  const label = `Theme: ${THEMES[theme]}`;
  $('theme').setAttribute('aria-label', label);
  $('theme').title = label;
  $('theme').dataset.theme = theme;
}
applyTheme(Object.hasOwn(THEMES, localStorage.getItem('codeact.theme') ?? '') ? localStorage.getItem('codeact.theme') : 'system');
$('theme').addEventListener('click', () => {
  const order = Object.keys(THEMES);
  const next = order[(order.indexOf($('theme').dataset.theme) + 1) % order.length];
  localStorage.setItem('codeact.theme', next);
  applyTheme(next);
});
$('menu').addEventListener('click', () => {
  const opened = document.body.classList.toggle('sidebar-open');
  $('menu').setAttribute('aria-expanded', String(opened));
});
for (const button of $('export').querySelectorAll('button')) {
  button.addEventListener('click', () => exportChat(button.dataset.format, button.dataset.suffix));
}
$('search').addEventListener('input', filterSessions);
$('attach').addEventListener('click', () => $('file').click());
// Files dropped on the chat or pasted into the message box go to the working directory too.
for (const target of [transcript, $('composer')]) {
  target.addEventListener('dragover', (ev) => {
    if (![...ev.dataTransfer.types].includes('Files')) return;
    ev.preventDefault();
    document.body.classList.add('dropping');
  });
  target.addEventListener('dragleave', () => document.body.classList.remove('dropping'));
  target.addEventListener('drop', (ev) => {
    document.body.classList.remove('dropping');
    if (!ev.dataTransfer.files.length) return;
    ev.preventDefault();
    upload([...ev.dataTransfer.files]);
  });
}
input.addEventListener('paste', (ev) => {
  if (!ev.clipboardData.files.length) return;
  ev.preventDefault();
  upload([...ev.clipboardData.files]);
});
$('file').addEventListener('change', () => {
  upload([...$('file').files]);
  $('file').value = '';
});

api.info().catch((e) => {
  // Before any chat is opened, this is where a refused page learns it.
  if (e.status === 401 || e.status === 403) showError(e.event, transcript);
  throw e;
}).then((gateway) => {
  info = gateway;
  $('model').textContent = gateway.model;
  $('no-model').hidden = gateway.model_configured;
  const picker = $('model-picker');
  for (const model of gateway.models || [gateway.model]) element('option', null, picker, model).value = model;
  const temperature = $('temperature');
  temperature.max = String(gateway.max_temperature);
  temperature.value = String(gateway.temperature);
}).catch(() => {});

open(JSON.parse(sessionStorage.getItem(STORED) || 'null'));
refreshSessions();
