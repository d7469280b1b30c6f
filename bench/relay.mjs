// Relay clients of bin/bench, in worker threads so the driver is not the bottleneck: each thread
// holds a share of the sessions and runs their turns, noting when each piece of text arrived
// (monotonic clock, shared with the model server's write times). Three ways to read the same
// streams: `sse` straight from the model server, `ws` through a WebSocket relay (the bare relay
// or the gateway: same frames for what is measured here).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { now } from './model.mjs';

/**
 * Runs `turns` turns of `tokens` tokens in each of `sessions` sessions, `pace` tokens/s (0: full
 * speed). Resolves with the arrivals of every turn: tag → [time, characters so far, …].
 */
export function runRelay({ mode, url, sessions, turns, tokens, pace, threads, tagPrefix }) {
  const tags = Array.from({ length: sessions }, (_, i) => `${tagPrefix}s${i}`);
  const shares = Array.from({ length: threads }, (_, t) => tags.filter((_, i) => i % threads === t)).filter((s) => s.length);
  return Promise.all(shares.map((share) => new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { mode, url, tags: share, turns, tokens, pace } });
    worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.arrivals)));
    worker.once('error', reject);
  }))).then((parts) => Object.assign({}, ...parts));
}

/**
 * Per-token latency: for each token the model wrote, the time from its write to the arrival of
 * the piece of text that completed it.
 */
export function tokenLatencies(writeTimes, arrivals, tokensOf) {
  const out = [];
  for (const [tag, seen] of Object.entries(arrivals)) {
    const writes = writeTimes.get(tag);
    if (!writes) throw new Error(`no stream was written for ${tag}`);
    const pieces = tokensOf(tag, writes.length);
    let k = 0;
    let end = 0;
    for (let i = 0; i < writes.length; i++) {
      end += pieces[i].length;
      while (k < seen.length && seen[k + 1] < end) k += 2;
      if (k >= seen.length) throw new Error(`${tag}: token ${i} never arrived`);
      out.push(seen[k] - writes[i]);
    }
  }
  return out;
}

async function wsSession(url, tag, turns, tokens, pace, arrivals) {
  const ws = new WebSocket(url);
  let onEvent = null;
  let failure = null;
  ws.onmessage = (m) => {
    const at = now();
    const e = JSON.parse(m.data);
    if (e.type === 'error' && !e.turn) failure = new Error(`${tag}: refused: ${e.code} ${e.message ?? ''}`);
    onEvent?.(e, at);
  };
  await new Promise((resolve, reject) => {
    onEvent = (e) => { if (e.type === 'session') resolve(); };
    ws.onerror = () => reject(new Error(`${tag}: cannot connect to ${url}`));
    ws.onclose = () => reject(failure ?? new Error(`${tag}: closed`));
  });
  for (let t = 0; t < turns; t++) {
    const turnTag = `${tag}t${t}`;
    const seen = [];
    let chars = 0;
    await new Promise((resolve, reject) => {
      onEvent = (e, at) => {
        if (e.type === 'token') {
          chars += e.text.length;
          seen.push(at, chars);
        } else if (e.type === 'turn_end') {
          resolve();
        } else if (e.type === 'error') {
          reject(new Error(`${turnTag}: ${e.code}: ${e.message}`));
        }
      };
      ws.onclose = () => reject(failure ?? new Error(`${turnTag}: closed mid-turn`));
      ws.send(JSON.stringify({ type: 'user_message', text: `tokens:${tokens} pace:${pace} tag:${turnTag}` }));
    });
    arrivals[turnTag] = seen;
  }
  ws.onclose = null;
  ws.close();
}

function sseTurn(url, turnTag, tokens, pace) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      // Read as a client would: split the events, parse each chunk's JSON.
      const seen = [];
      let chars = 0;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = now();
        buffer += chunk;
        let cut;
        let got = 0;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (event.startsWith('data: {')) got += JSON.parse(event.slice(6)).choices[0].delta.content?.length ?? 0;
        }
        if (got) {
          chars += got;
          seen.push(at, chars);
        }
      });
      res.on('end', () => resolve(seen));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ messages: [{ role: 'user', content: `tokens:${tokens} pace:${pace} tag:${turnTag}` }] }));
  });
}

async function sseSession(url, tag, turns, tokens, pace, arrivals) {
  for (let t = 0; t < turns; t++) {
    arrivals[`${tag}t${t}`] = await sseTurn(url, `${tag}t${t}`, tokens, pace);
  }
}

if (!isMainThread) {
  const { mode, url, tags, turns, tokens, pace } = workerData;
  const arrivals = {};
  const run = mode === 'sse' ? sseSession : wsSession;
  // Sessions start together (their streams overlap), each running its turns one after another.
  Promise.all(tags.map((tag) => run(url, tag, turns, tokens, pace, arrivals)))
    .then(() => parentPort.postMessage({ arrivals }), (e) => parentPort.postMessage({ error: e.message }));
}
