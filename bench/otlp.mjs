// A minimal OTLP/HTTP trace receiver for bin/bench: the application exports its spans here
// (http/protobuf) and the harness reads the action's hops off them. Decodes just the fields of
// opentelemetry-proto's ExportTraceServiceRequest it needs (names, ids, times, events).
import http from 'node:http';
import zlib from 'node:zlib';

/** Protobuf wire format: field number → list of values (numbers as BigInt, bytes as Buffer). */
function fields(buf) {
  const out = new Map();
  let i = 0;
  const varint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    let value;
    switch (key & 7) {
      case 0: value = varint(); break;
      case 1: value = buf.readBigUInt64LE(i); i += 8; break;
      case 2: { const n = Number(varint()); value = buf.subarray(i, i + n); i += n; break; }
      case 5: value = buf.readUInt32LE(i); i += 4; break;
      default: throw new Error(`unsupported wire type ${key & 7}`);
    }
    if (!out.has(no)) out.set(no, []);
    out.get(no).push(value);
  }
  return out;
}

const one = (f, no) => f.get(no)?.[0];
const all = (f, no) => f.get(no) ?? [];
const ms = (nanos) => Number(nanos) / 1e6;

function attributes(list) {
  const out = {};
  for (const kv of list) {
    const f = fields(kv);
    const value = fields(one(f, 2) ?? Buffer.alloc(0));
    const v = one(value, 1)?.toString() ?? one(value, 3) ?? (one(value, 2) !== undefined ? one(value, 2) === 1n : one(value, 4));
    out[one(f, 1).toString()] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out;
}

function spansOf(body) {
  const spans = [];
  for (const resourceSpans of all(fields(body), 1)) {
    for (const scopeSpans of all(fields(resourceSpans), 2)) {
      for (const raw of all(fields(scopeSpans), 2)) {
        const f = fields(raw);
        spans.push({
          traceId: one(f, 1).toString('hex'),
          spanId: one(f, 2).toString('hex'),
          parentId: one(f, 4)?.toString('hex') ?? '',
          name: one(f, 5).toString(),
          start: ms(one(f, 7)),
          end: ms(one(f, 8)),
          attributes: attributes(all(f, 9)),
          events: all(f, 11).map((e) => { const ef = fields(e); return { name: one(ef, 2).toString(), at: ms(one(ef, 1)) }; }),
        });
      }
    }
  }
  return spans;
}

export function createReceiver() {
  const spans = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      try {
        spans.push(...spansOf(body));
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  return { server, spans };
}

/**
 * The hops of each traced action, in ms: submit (job onto its stream), queue wait (until a worker
 * picked it), pick-up (until the code was handed to the kernel), kernel (the sandbox's round
 * trip), publish (kernel done → the observation on the session's context: XADD, XREAD, hand-off),
 * emit (the observation event out to the clients).
 */
export function actionHops(spans) {
  const byParent = new Map();
  for (const s of spans) {
    if (!byParent.has(s.parentId)) byParent.set(s.parentId, []);
    byParent.get(s.parentId).push(s);
  }
  const child = (span, name) => (byParent.get(span.spanId) ?? []).find((s) => s.name === name);
  const hops = [];
  for (const action of spans.filter((s) => s.name === 'codeact action')) {
    const submit = child(action, 'codeact action submit');
    const job = child(action, 'codeact job');
    const kernel = job && child(job, 'codeact kernel');
    const received = action.events.find((e) => e.name === 'result received');
    if (!submit || !kernel || !received) continue;
    hops.push({ submit: submit.end - submit.start, 'queue wait': job.start - submit.end, 'pick-up': kernel.start - job.start,
      kernel: kernel.end - kernel.start, publish: received.at - kernel.end, emit: action.end - received.at,
      total: action.end - action.start, fresh: kernel.attributes['codeact.kernel.fresh'] === true });
  }
  return hops;
}
