// CodeAct gateway client: one WebSocket per session, reconnects by itself and resumes from the
// last event it saw, so no event is lost or repeated; and the HTTP side (CodeActApi). No
// dependencies; an ES module, for browsers and Node.js 20+.
//
//   import { CodeActClient } from '/codeact-client.js';
//   const client = new CodeActClient({ url: 'ws://localhost:8080' });
//   client.on('token', (e) => append(e.text));
//   client.on('turn_end', (e) => console.log('turn ended:', e.reason));
//   await client.connect();
//   client.send('What is 2**100?');
//
// See docs/client.md.

// Refusals that reconnecting cannot fix; others (session_moved, session_elsewhere, overloaded) are retried.
const FINAL_REFUSALS = ['session_not_found', 'unauthorized', 'forbidden', 'too_many_sessions', 'too_many_connections'];

const EVENT_TYPES = ['session', 'files', 'turn_start', 'token', 'action', 'observation_chunk', 'action_restarted', 'observation',
  'tool_call', 'tool_result', 'turn_end', 'error', 'events_lost', 'pong'];

/** The id of the ping an attach sends to learn it was accepted. */
const ATTACHED = 'codeact-attached';

const OPEN = '<execute>';
const CLOSE = '</execute>';

/**
 * A reply as far as it has streamed: the prose before its code action, and the action's code
 * (null before <execute>), without a closing tag or the start of one ("</", "</e", …) that the
 * stream may still complete. The gateway's ActionParser cuts actions the same way
 * (ExecuteFormatTest runs both on the same replies).
 */
export function splitReply(raw) {
  const open = raw.indexOf(OPEN);
  if (open < 0) return { prose: raw, code: null };
  let code = raw.slice(open + OPEN.length);
  const close = code.indexOf(CLOSE);
  if (close >= 0) {
    code = code.slice(0, close);
  } else {
    for (let n = Math.min(CLOSE.length - 1, code.length); n >= 2; n--) {
      if (code.endsWith(CLOSE.slice(0, n))) {
        code = code.slice(0, code.length - n);
        break;
      }
    }
  }
  return { prose: raw.slice(0, open), code };
}

/** A refusal of the gateway, with the protocol's error code (the same over HTTP and the WebSocket). */
export class CodeActError extends Error {
  constructor(code, message, { status, retryAfter } = {}) {
    super(`${code}: ${message}`);
    this.name = 'CodeActError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    // As the WebSocket's `error` event carries it, so one handler shows both.
    this.event = { type: 'error', code, message, ...(retryAfter !== undefined ? { retry_after: retryAfter } : {}) };
  }
}

/**
 * The gateway's HTTP side (docs/http-api.md) over fetch: sessions, their events (JSON, or
 * Server-Sent Events as an async iterator), code run in a session's kernel (JSON, or streamed),
 * files, exports. A refusal (an RFC 9457 problem) is thrown as a {@link CodeActError}.
 */
export class CodeActApi {
  /**
   * @param {object} options
   * @param {string} [options.url]   http(s)://host[:port] of the gateway (default: this page's origin)
   * @param {string} [options.token] an API key or JWT, sent as Authorization: Bearer
   * @param {typeof fetch} [options.fetch] a fetch implementation (default: the global one)
   */
  constructor(options = {}) {
    const here = typeof location !== 'undefined' ? location.origin : 'http://localhost:8080';
    this.url = (options.url || here).replace(/\/+$/, '');
    this.token = options.token || null;
    this.fetchImpl = options.fetch || globalThis.fetch.bind(globalThis);
  }

  info() { return this.json('GET', '/v1/info'); }

  createSession() { return this.json('POST', '/v1/sessions'); }

  sessions(limit = 50) { return this.json('GET', `/v1/sessions?limit=${limit}`); }

  session(id) { return this.json('GET', `/v1/sessions/${seg(id)}`); }

  /** Names the session in the list (1 to 80 characters). */
  rename(id, title) { return this.json('PATCH', `/v1/sessions/${seg(id)}`, { title }); }

  /** `keepalive`: the request outlives the page (a delete sent as it closes). */
  deleteSession(id, { keepalive = false } = {}) {
    return this.call('DELETE', `/v1/sessions/${seg(id)}`, { keepalive }).then(() => undefined);
  }

  events(id, { after = 0, limit = 1000 } = {}) { return this.json('GET', `/v1/sessions/${seg(id)}/events?after=${after}&limit=${limit}`); }

  /** The session's stored events after `after`, then live ones, without end: break, or abort `signal`, to stop. */
  follow(id, { after = 0, signal } = {}) {
    return this.stream('GET', `/v1/sessions/${seg(id)}/events?after=${after}`, undefined, signal);
  }

  execute(id, code, { timeoutMs, signal } = {}) {
    return this.json('POST', `/v1/sessions/${seg(id)}/execute`, execution(code, timeoutMs), signal);
  }

  /** `{event: 'output', stream, text}` while the code runs, `{event: 'restarted', …}`, then `{event: 'result', …}`; stopping early interrupts it. */
  executeStream(id, code, { timeoutMs, signal } = {}) {
    return this.stream('POST', `/v1/sessions/${seg(id)}/execute`, execution(code, timeoutMs), signal, 'result');
  }

  answerTool(id, callId, answer) {
    return this.call('POST', `/v1/sessions/${seg(id)}/tool-calls/${seg(callId)}`, { body: JSON.stringify(answer) })
      .then(() => undefined);
  }

  tools() { return this.json('GET', '/v1/tools'); }

  files(id) { return this.json('GET', `/v1/sessions/${seg(id)}/files`); }

  /** Puts `body` (a Blob, File, ArrayBuffer, typed array or string) in the working directory as `name`; answers the files after it. */
  upload(id, name, body) {
    return this.call('PUT', `/v1/sessions/${seg(id)}/files/${seg(name)}`,
      { body, headers: { 'Content-Type': 'application/octet-stream' } }).then((r) => r.json());
  }

  download(id, name) { return this.call('GET', `/v1/sessions/${seg(id)}/files/${seg(name)}`, { accept: '*/*' }).then((r) => r.blob()); }

  deleteFile(id, name) { return this.call('DELETE', `/v1/sessions/${seg(id)}/files/${seg(name)}`).then(() => undefined); }

  /** The chat as a Jupyter notebook (nbformat 4.5). */
  notebook(id) { return this.json('GET', `/v1/sessions/${seg(id)}/notebook`, undefined, undefined, 'application/x-ipynb+json'); }

  markdown(id) { return this.call('GET', `/v1/sessions/${seg(id)}/markdown`, { accept: 'text/markdown' }).then((r) => r.text()); }

  json(method, path, body, signal, accept = 'application/json') {
    return this.call(method, path, { body: body === undefined ? undefined : JSON.stringify(body), signal, accept })
      .then((r) => r.json());
  }

  async call(method, path, { body, headers = {}, signal, keepalive, accept = 'application/json' } = {}) {
    const response = await this.fetchImpl(this.url + path, {
      method, body, signal, keepalive,
      headers: { Accept: accept, ...(typeof body === 'string' ? { 'Content-Type': 'application/json' } : {}), ...headers,
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) },
    });
    if (response.ok) return response;
    const problem = await response.json().catch(() => ({}));
    const retry = Number(response.headers.get('Retry-After'));
    throw new CodeActError(problem.code || { 401: 'unauthorized', 403: 'forbidden_origin' }[response.status] || `http_${response.status}`,
      problem.detail || problem.title || response.statusText, { status: response.status, retryAfter: retry > 0 ? retry : undefined });
  }

  /** A Server-Sent Events response as an async iterator of its events' JSON; an `error` event is thrown. */
  async* stream(method, path, body, signal, last) {
    const response = await this.call(method, path,
      { body: body === undefined ? undefined : JSON.stringify(body), signal, accept: 'text/event-stream' });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    let name = null;
    let data = [];
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, end).replace(/\r$/, '');
          buffered = buffered.slice(end + 1);
          if (line.startsWith(':')) continue;
          if (line) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') name = text;
            else if (field === 'data') data.push(text);
            continue;
          }
          if (data.length) {
            const event = JSON.parse(data.join('\n'));
            if (name === 'error' || event.type === 'error') {
              throw new CodeActError(event.code || 'error', event.message || '', { retryAfter: event.retry_after });
            }
            yield event.type ? event : { event: name || 'message', ...event };
            if (last && name === last) return;
          }
          name = null;
          data = [];
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}

function seg(value) { return encodeURIComponent(value); }

function execution(code, timeoutMs) { return timeoutMs === undefined ? { code } : { code, timeout_ms: timeoutMs }; }

export class CodeActClient {
  /**
   * @param {object} options
   * @param {string} [options.url]        ws(s)://host[:port] of the gateway (default: this page's host)
   * @param {string} [options.sessionId]  an existing session to attach to
   * @param {number} [options.lastSeq]    the last seq already seen of that session (0: replay all)
   * @param {boolean} [options.reconnect] reconnect after a dropped connection (default true)
   * @param {number} [options.maxBackoffMs] longest wait between reconnect attempts (default 5000)
   * @param {typeof WebSocket} [options.WebSocket] a WebSocket implementation (default: the global one)
   * @param {string} [options.token]     an API key, sent as ?access_token= (browsers cannot set WebSocket headers)
   */
  constructor(options = {}) {
    const here = typeof location !== 'undefined'
      ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}` : 'ws://localhost:8080';
    this.url = (options.url || here).replace(/\/+$/, '');
    this.sessionId = options.sessionId || null;
    this.lastSeq = options.lastSeq || 0;
    this.reconnect = options.reconnect !== false;
    this.maxBackoffMs = options.maxBackoffMs || 5000;
    this.WebSocketImpl = options.WebSocket || globalThis.WebSocket;
    this.token = options.token || null;
    this.handlers = new Map();
    this.pending = [];
    this.ws = null;
    this.closedByUser = false;
    this.attempt = 0;
    this.connected = false;
    this.tools = new Map();
    this.answered = new Set();
  }

  /** Registers a handler for one event type ('*' for every event, 'status' for connection changes). */
  on(type, handler) {
    if (type !== '*' && type !== 'status' && !EVENT_TYPES.includes(type)) {
      throw new Error(`unknown event type ${type}`);
    }
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(handler);
    return this;
  }

  /**
   * Opens the connection. Resolves with the session's first event (a new session), or once an
   * existing session accepted the attach (its first replayed event, or the answer to a ping sent
   * at once when nothing is left to replay); rejects when the gateway refuses.
   */
  connect() {
    this.closedByUser = false;
    return new Promise((resolve, reject) => {
      this.openSocket(resolve, reject);
    });
  }

  /**
   * Starts a turn. Frames sent while disconnected are queued and sent after the resume.
   * @param {string} text
   * @param {{model?: string, temperature?: number, max_tokens?: number, top_p?: number}} [options]
   *        model and sampling choices for this and later turns (within the gateway's bounds)
   */
  /** `replaceLast`: the message replaces the last turn's (edit and resend, regenerate); the kernel keeps its state. */
  send(text, options, { replaceLast = false } = {}) {
    // Every message carries the tools (the gateway stores them when they change): a refused
    // message must not leave them undeclared.
    const tools = this.tools.size ? [...this.tools.values()].map((t) => t.spec) : null;
    this.sendFrame({ type: 'user_message', text, ...(options ? { options } : {}), ...(tools ? { tools } : {}),
      ...(replaceLast ? { replace_last: true } : {}) });
  }

  /**
   * Registers a client tool: the agent's code gets a Python function of that name, declared to
   * the gateway with each message. Each call runs handler(args, event); what it returns (or
   * resolves to) goes back as the function's value, what it throws is raised there as ToolError.
   * @param {{name: string, description?: string, parameters?: object}} spec  parameters: a JSON Schema of type object
   * @param {(args: object, call: object) => any} handler
   */
  tool(spec, handler) {
    this.tools.set(spec.name, { spec: { name: spec.name, description: spec.description || '', parameters: spec.parameters || null }, handler });
    return this;
  }

  cancel() {
    this.sendFrame({ type: 'cancel' });
  }

  ping(id) {
    this.sendFrame({ type: 'ping', id });
  }

  close() {
    this.closedByUser = true;
    if (this.ws) this.ws.close(1000, 'bye');
  }

  sendFrame(frame) {
    const json = JSON.stringify(frame);
    if (this.connected && this.ws && this.ws.readyState === 1) {
      this.ws.send(json);
    } else {
      this.pending.push(json);
    }
  }

  openSocket(resolve, reject) {
    const query = new URLSearchParams();
    if (this.sessionId) query.set('last_seq', String(this.lastSeq));
    if (this.token) query.set('access_token', this.token);
    const path = (this.sessionId ? `/v1/sessions/${encodeURIComponent(this.sessionId)}` : '/v1/sessions')
      + (query.toString() ? `?${query}` : '');
    const ws = new this.WebSocketImpl(this.url + path);
    this.ws = ws;
    let settled = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.connected = true;
      this.emit('status', { type: 'status', state: 'open' });
      // An attach with nothing left to replay gets no event: a ping's answer says it was accepted.
      if (this.sessionId && !settled) ws.send(JSON.stringify({ type: 'ping', id: ATTACHED }));
      for (const json of this.pending.splice(0)) ws.send(json);
    };
    ws.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      if (event.type === 'error' && event.seq === 0 && event.code === 'unknown_tool_call' && this.answered.size) {
        return; // an answer to a replayed call that was answered before (by this or another client)
      }
      if (event.type === 'error' && event.seq === 0) {
        // Outside the session's log: a refusal of this connection.
        this.emit('error', event);
        if (FINAL_REFUSALS.includes(event.code)) {
          this.closedByUser = true;
          if (!settled) { settled = true; reject(Object.assign(new Error(event.message), { event })); }
        }
        return;
      }
      if (event.type === 'pong' && event.id === ATTACHED) {
        if (!settled) { settled = true; resolve(event); }
        return;
      }
      if (event.seq <= this.lastSeq) return; // already seen (a replay overlapping a live event)
      this.lastSeq = event.seq;
      if (event.type === 'session') this.sessionId = event.session;
      if (!this.sessionId) this.sessionId = event.session;
      if (event.type === 'tool_call' && event.source === 'client') this.answerTool(event);
      this.emit(event.type, event);
      if (!settled) { settled = true; resolve(event); }
    };
    ws.onclose = async () => {
      this.connected = false;
      if (this.ws !== ws) return;
      if (!opened && !this.closedByUser) {
        // The upgrade was refused, and a browser does not say with which status: ask the HTTP API,
        // which takes the same credentials.
        const refusal = await this.refusal();
        if (refusal) {
          this.closedByUser = true;
          this.emit('error', refusal);
          if (!settled) { settled = true; reject(Object.assign(new Error(refusal.message), { event: refusal })); }
        }
      }
      this.emit('status', { type: 'status', state: this.closedByUser ? 'closed' : 'reconnecting' });
      if (!this.closedByUser && this.reconnect && this.sessionId) {
        const delay = Math.min(this.maxBackoffMs, 100 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
        setTimeout(() => { if (!this.closedByUser) this.openSocket(() => {}, () => {}); }, delay);
      } else if (!settled) {
        settled = true;
        reject(new Error('connection closed'));
      }
    };
    ws.onerror = () => { /* onclose follows and decides */ };
  }

  answerTool(call) {
    const tool = this.tools.get(call.tool);
    if (!tool || this.answered.has(call.call_id)) return;
    this.answered.add(call.call_id);
    Promise.resolve().then(() => tool.handler(call.arguments || {}, call)).then(
      (value) => this.sendFrame({ type: 'tool_result', call_id: call.call_id, value: value === undefined ? null : value }),
      (error) => this.sendFrame({ type: 'tool_result', call_id: call.call_id, error: String((error && error.message) || error) }));
  }

  /** Why the gateway refuses this client (an error event with seq 0), or null when it does not. */
  async refusal() {
    const http = this.url.replace(/^ws/, 'http');
    try {
      const response = await fetch(`${http}/v1/info`,
        this.token ? { headers: { Authorization: `Bearer ${this.token}` } } : {});
      if (response.status === 401) {
        return { type: 'error', seq: 0, session: this.sessionId, code: 'unauthorized',
          message: 'the gateway did not accept this client: it wants a valid API key or token (open the page as /#access_token=…), or, without authentication, a client on its own machine' };
      }
      if (response.ok) {
        return { type: 'error', seq: 0, session: this.sessionId, code: 'forbidden_origin',
          message: 'the gateway refuses WebSockets from this page (its origin): add it to codeact.auth.allowed-origins' };
      }
    } catch (e) {
      // unreachable: the normal reconnect logic applies
    }
    return null;
  }

  emit(type, event) {
    for (const handler of this.handlers.get(type) || []) handler(event);
    if (type !== 'status') for (const handler of this.handlers.get('*') || []) handler(event);
  }
}
