// Benchmark harness: starts redis-server, a scripted SSE model server and the packaged gateway +
// worker (real runsc sandboxes), drives them over WebSockets, and prints each measure next to the
// baseline run (bench/baseline.json) with the ratio, the machine and the command.
//
//   bin/bench                    run, compare with bench/baseline.json
//   bin/bench --save-baseline    run and make this run the baseline
//
// Node.js 20 built-ins only (WebSocket needs --experimental-websocket, which bin/bench passes).
import { spawn, execSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const saveBaseline = process.argv.includes('--save-baseline');
const quick = process.argv.includes('--quick');
const SCALE = quick ? 0.2 : 1;
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeact-bench-'));
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitFor(check, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(cmd, args, log, env = {}) {
  const out = fs.openSync(path.join(runDir, log), 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

function cleanup() {
  for (const c of children.reverse()) { try { c.kill('SIGTERM'); } catch (e) { /* gone */ } }
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// --- the scripted model: "tokens:N" → N tokens and no code; "action" → one action, then an answer.
const TOKEN = 'word ';
function sseReply(res, parts) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  for (const p of parts) res.write(`data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(p)}}}]}\n\n`);
  res.end('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":' + parts.length + '}}\n\ndata: [DONE]\n\n');
}
const model = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const messages = JSON.parse(body).messages;
    const last = messages[messages.length - 1].content;
    const tokens = /tokens:(\d+)/.exec(last);
    if (tokens) sseReply(res, Array(Number(tokens[1])).fill(TOKEN));
    else if (last.startsWith('Execution Output:')) sseReply(res, ['done']);
    else sseReply(res, ['<execute>', '1 + 1', '\n']);
  });
});

// --- a WebSocket session client that timestamps events.
function openSession(base) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}/v1/sessions`);
    const waiters = [];
    ws.onmessage = (m) => {
      const e = JSON.parse(m.data);
      e.at = performance.now();
      if (e.type === 'error' && !e.turn) {
        // A refusal (seq 0) or an error outside a turn: the measure is not valid, stop here.
        fail(new Error(`gateway refused: ${e.code}: ${e.message}`));
        return;
      }
      for (const w of waiters.splice(0)) w(e);
      if (e.type === 'session') resolve(session);
    };
    ws.onerror = reject;
    const session = {
      ws,
      next(type) {
        return new Promise((res) => {
          const wait = (e) => (e.type === type ? res(e) : waiters.push(wait));
          waiters.push(wait);
        });
      },
      async turn(text, onEvent) {
        const events = [];
        const t0 = performance.now();
        const done = new Promise((res) => {
          const collect = (e) => { events.push(e); onEvent?.(e); if (e.type === 'turn_end') res(); else waiters.push(collect); };
          waiters.push(collect);
        });
        ws.send(JSON.stringify({ type: 'user_message', text }));
        await done;
        return { events, ms: performance.now() - t0 };
      },
    };
  });
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };

async function relayBench(base, modelPort) {
  const sessions = Math.round(50 * SCALE) || 5;
  const turns = 4;
  const tokens = 200;
  // Baseline inside the run: the same streams read straight from the model server.
  let t0 = performance.now();
  await Promise.all(Array.from({ length: sessions * turns }, () => new Promise((resolve) => {
    const req = http.request({ port: modelPort, method: 'POST', path: '/v1/chat/completions' }, (res) => {
      // Read it as a client would: split the events and parse each token's JSON.
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (event.startsWith('data: {')) JSON.parse(event.slice(6));
        }
      });
      res.on('end', resolve);
    });
    req.end(JSON.stringify({ messages: [{ role: 'user', content: `tokens:${tokens}` }] }));
  })));
  const directTps = sessions * turns * tokens / ((performance.now() - t0) / 1000);
  const clients = await Promise.all(Array.from({ length: sessions }, () => openSession(base)));
  const cpu0 = [process.cpuUsage(), jvmCpuMs()];
  const latencies = [];
  const firstToken = [];
  t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    for (let i = 0; i < turns; i++) {
      let first = null;
      const start = performance.now();
      const r = await c.turn(`tokens:${tokens}`, (e) => { if (e.type === 'token' && first === null) first = e.at - start; });
      latencies.push(r.ms);
      firstToken.push(first);
    }
  }));
  const wall = performance.now() - t0;
  const gatewayTps = sessions * turns * tokens / (wall / 1000);
  const driverCpu = (process.cpuUsage().user + process.cpuUsage().system - cpu0[0].user - cpu0[0].system) / 1000;
  const gatewayCpu = jvmCpuMs() - cpu0[1];
  clients.forEach((c) => c.ws.close());
  return {
    'relay: gateway CPU per 1000 tokens (ms)': gatewayCpu / (sessions * turns * tokens / 1000),
    'relay: driver+model CPU share of the wall time (%)': 100 * driverCpu / wall,
    'relay: tokens/s through the gateway': gatewayTps,
    'relay: tokens/s straight from the model (in-run baseline)': directTps,
    'relay: turn latency p50 (ms)': pct(latencies, 50),
    'relay: turn latency p99 (ms)': pct(latencies, 99),
    'relay: first token p50 (ms)': pct(firstToken, 50),
    setup: `relay: ${sessions} sessions × ${turns} turns × ${tokens} tokens`,
  };
}

async function actionBench(base) {
  const sessions = Number(process.env.BENCH_ACTION_SESSIONS) || Math.max(2, Math.round(8 * SCALE));
  const actions = Math.max(3, Math.round(15 * SCALE));
  const clients = await Promise.all(Array.from({ length: sessions }, () => openSession(base)));
  const roundTrips = [];
  const firstActions = [];
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    for (let i = 0; i < actions; i++) {
      const r = await c.turn('action');
      const action = r.events.find((e) => e.type === 'action');
      const obs = r.events.find((e) => e.type === 'observation');
      if (!obs || obs.text !== '2') throw new Error(`unexpected observation ${JSON.stringify(obs)}`);
      (i === 0 ? firstActions : roundTrips).push(obs.at - action.at);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  clients.forEach((c) => c.ws.close());
  return {
    'action: round trip p50, warm kernel (ms)': pct(roundTrips, 50),
    'action: round trip p99, warm kernel (ms)': pct(roundTrips, 99),
    'action: first action of a session p50 (ms)': pct(firstActions, 50),
    'action: turns with one action per second': sessions * actions / seconds,
    setup: `action: ${sessions} sessions × ${actions} turns (action → observation → answer)`,
  };
}

let appPid = 0;
function jvmCpuMs() {
  const fields = fs.readFileSync(`/proc/${appPid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1000 / 100; // utime + stime, in clock ticks of 10 ms
}

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function idleBench(base, pid) {
  const n = Math.round(2000 * SCALE);
  global.gc?.();
  const before = rssMb(pid);
  const t0 = performance.now();
  const clients = [];
  for (let i = 0; i < n; i += 100) {
    clients.push(...await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => openSession(base))));
  }
  const openMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssMb(pid);
  clients.forEach((c) => c.ws.close());
  return {
    'idle sessions: open, per session (ms)': openMs / n,
    'idle sessions: gateway memory per session (KiB)': (after - before) * 1024 / n,
    setup: `idle: ${n} WebSocket sessions open at once`,
  };
}

function machine() {
  const cpu = os.cpus()[0]?.model || 'unknown cpu';
  let java = 'java ?';
  try { java = execSync('java -version 2>&1').toString().split('\n')[0]; } catch (e) { /* no java */ }
  let commit = 'unknown';
  try { commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(); } catch (e) { /* not a checkout */ }
  return { cpus: os.cpus().length, cpu, memory_gib: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), java, commit,
    date: new Date().toISOString() };
}

function fail(error) {
  console.error(`bin/bench: ${error.message}`);
  cleanup();
  process.exit(1);
}

async function main() {
  setTimeout(() => fail(new Error('no result within 10 minutes')), 600_000).unref();
  const jar = path.join(root, 'target/quarkus-app/quarkus-run.jar');
  if (!fs.existsSync(jar)) throw new Error('build first: mvn package -DskipTests (bin/bench does)');
  const redisPort = await freePort();
  start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', runDir], 'redis.log');
  const modelPort = await freePort();
  await new Promise((r) => model.listen(modelPort, '127.0.0.1', r));
  const httpPort = await freePort();
  const extra = (process.env.BENCH_JAVA_OPTS || '').split(' ').filter(Boolean);
  const app = start('java', [...extra, '-Xmx512m', `-Dquarkus.http.port=${httpPort}`, `-Dquarkus.redis.hosts=redis://127.0.0.1:${redisPort}`,
    `-Dcodeact.llm.base-url=http://127.0.0.1:${modelPort}/v1`, `-Dcodeact.worker.run-dir=${runDir}/worker`,
    '-Dcodeact.worker.warm-pool=4', '-Dquarkus.log.level=WARN',
    // One principal ("local") drives all the load: lift the per-principal limits.
    '-Dcodeact.limits.sessions-per-principal=1000000', '-Dcodeact.limits.turns-per-principal=1000000',
    '-jar', jar], 'app.log');
  appPid = app.pid;
  const base = `ws://127.0.0.1:${httpPort}`;
  await waitFor(async () => fetch(`http://127.0.0.1:${httpPort}/q/health/ready`).then((r) => r.ok).catch(() => false), 60000, 'the gateway');
  await new Promise((r) => setTimeout(r, 2000)); // let the warm pool fill

  const results = {};
  const setup = [];
  for (const part of [await relayBench(base, modelPort), await actionBench(base), await idleBench(base, app.pid)]) {
    const { setup: what, ...measures } = part;
    setup.push(what);
    Object.assign(results, measures);
  }
  const run = { machine: machine(), command: `bin/bench ${process.argv.slice(2).join(' ')}`.trim(), setup, results };

  const baselineFile = path.join(root, 'bench/baseline.json');
  const baseline = fs.existsSync(baselineFile) ? JSON.parse(fs.readFileSync(baselineFile, 'utf8')) : null;
  const fmt = (v) => (typeof v === 'number' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v ?? '—'));
  const rows = Object.entries(results).map(([k, v]) => {
    const b = baseline?.results?.[k];
    const ratio = typeof v === 'number' && typeof b === 'number' && b !== 0 ? (v / b).toFixed(2) + '×' : '';
    return [k, fmt(v), fmt(b), ratio];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['measure', 'this run', 'baseline', 'ratio'][i].length));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  console.log(line(['measure', 'this run', 'baseline', 'ratio']));
  console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  rows.forEach((r) => console.log(line(r)));
  const m = run.machine;
  console.log(`\nthis run: ${m.cpus} × ${m.cpu}, ${m.memory_gib} GiB, Linux ${m.kernel}, ${m.java}, commit ${m.commit}, ${m.date}`);
  console.log(`setup:    ${setup.join('; ')}`);
  console.log(`command:  ${run.command}`);
  if (baseline) {
    const bm = baseline.machine;
    console.log(`baseline: ${bm.cpus} × ${bm.cpu}, ${bm.memory_gib} GiB, Linux ${bm.kernel}, ${bm.java}, commit ${bm.commit}, ${bm.date}`);
    console.log(`          setup: ${(baseline.setup || []).join('; ')}`);
    console.log(`          command: ${baseline.command}`);
    if (JSON.stringify(baseline.setup) !== JSON.stringify(setup)) {
      console.log('          (the setups differ: compare runs of the same command)');
    }
  } else {
    console.log('baseline: none yet (bin/bench --save-baseline)');
  }
  fs.writeFileSync(path.join(root, 'target/bench-last.json'), JSON.stringify(run, null, 2));
  if (saveBaseline) {
    fs.writeFileSync(baselineFile, JSON.stringify(run, null, 2) + '\n');
    console.log(`saved as the baseline: ${path.relative(root, baselineFile)}`);
  }
  model.close();
}

main().then(() => { cleanup(); process.exit(0); }, (e) => { console.error(e); cleanup(); process.exit(1); });
