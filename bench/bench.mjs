// Benchmark harness (bin/bench): every figure of the gateway next to its floor, measured in the
// same run on the same machine, with the ratio and the target of docs/performance.md.
//
//   bin/bench                    the whole run (≈ 10 min)
//   bin/bench --quick            a small run (bin/test runs it so the harness cannot rot unseen)
//   bin/bench --save-baseline    also store this run in bench/baseline.json
//
// It starts redis-server, the scripted model server (bench/model.mjs, in this process), the
// packaged application (gateway + worker, real runsc sandboxes) and the bare relay
// (bench/BareRelay.java, the same stack without the gateway's logic), then drives them from worker
// threads (bench/relay.mjs) and child processes (bench/idle.mjs), and prints the driver's own
// CPU share so a saturated driver shows. Node.js 20 built-ins only.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, now, tokensOf } from './model.mjs';
import { actionHops, createReceiver } from './otlp.mjs';
import { runRelay, tokenLatencies } from './relay.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const saveBaseline = process.argv.includes('--save-baseline');
// --only=relay,action,first,throughput,idle,import,tools,sandbox,cold: a part of the run, while working on one figure.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const runs = (part) => !only || only.includes(part);
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'codeact-bench-'));
const children = [];
const JAR = path.join(root, 'target/quarkus-app/quarkus-run.jar');
const LIBS = path.join(root, 'target/quarkus-app/lib/main/*');
// The Java and the JVM options the application ships with (bin/java, bin/jvm-options): what is
// measured is what runs. The archive options name the jar's folder, where the application starts.
const JAVA = path.join(execFileSync(path.join(root, 'bin/java'), ['--home']).toString().trim(), 'bin/java');
const JAVA_OPTS = execFileSync(path.join(root, 'bin/jvm-options'), [path.dirname(JAR)]).toString().trim().split(/\s+/);
const NO_ARCHIVE = JAVA_OPTS.filter((o) => !/^-XX:(AOTCache|SharedArchiveFile)=/.test(o));
const cpus = os.cpus().length;

const SIZES = quick
  ? { relayScales: [1, 20], fullTokens: { 1: 600, 20: 300 }, pacedTokens: 30, actionRounds: 10, actionScales: [1, 5], idle: [300],
    firstActions: 2, throughputSessions: 4, throughputActions: 5, toolCalls: 20 }
  : { relayScales: [1, 100, 1000], fullTokens: { 1: 2000, 100: 1000, 1000: 200 }, pacedTokens: 90, actionRounds: 50, actionScales: [1, 50],
    idle: [5000, 10000, 18000], firstActions: 6, throughputSessions: 32, throughputActions: 20, toolCalls: 200 };

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(cmd, args, log, cwd = root) {
  const out = fs.openSync(path.join(runDir, log), 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], cwd });
  children.push(child);
  return child;
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch (e) { /* gone */ } } });
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

/** user + system CPU time of a process, in ms (from /proc, clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const driverCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function rssMiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

/**
 * Heap in use after a full GC, in MiB: the "used" of each generation (or G1's whole heap) in the
 * JVM's own jcmd GC.heap_info, whose unindented lines name them ("def new generation", "DefNew",
 * "Tenured", "garbage-first heap", by Java version); not Metaspace.
 */
function heapAfterGcMiB(pid) {
  const jcmd = path.join(path.dirname(JAVA), 'jcmd');
  execFileSync(jcmd, [String(pid), 'GC.run']);
  const info = execFileSync(jcmd, [String(pid), 'GC.heap_info']).toString();
  return info.split('\n').filter((l) => /^\S.*total \d+K, used \d+K/.test(l) && !/Metaspace|class space/.test(l))
    .reduce((sum, l) => sum + Number(/used (\d+)K/.exec(l)[1]), 0) / 1024;
}

const pct = (xs, p) => { const s = Float64Array.from(xs).sort(); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]; };

/** Starts the packaged application; resolves once /q/health/ready says UP, with the time it took. */
async function startApp(name, redisPort, modelPort, extra = [], jvm = JAVA_OPTS) {
  const port = await freePort();
  const t0 = now();
  const child = start(JAVA, [...jvm, `-Dquarkus.http.port=${port}`, `-Dquarkus.redis.hosts=redis://127.0.0.1:${redisPort}`,
    `-Dcodeact.llm.base-url=http://127.0.0.1:${modelPort}/v1`, `-Dcodeact.worker.run-dir=${runDir}/${name}`,
    '-Dquarkus.log.level=WARN',
    // One principal ("local") drives all the load: lift the per-principal limits.
    '-Dcodeact.limits.sessions-per-principal=1000000', '-Dcodeact.limits.turns-per-principal=1000000',
    '-Dcodeact.limits.frames-per-second=1000000', '-Dcodeact.limits.runs-per-minute=100000000',
    '-Dcodeact.limits.stored-sessions-per-principal=1000000', '-Dcodeact.limits.kernels-per-principal=1000000', '-Dcodeact.agent.max-actions=1000',
    // The measures leave many sessions' kernels behind (they go when their sessions idle out).
    '-Dcodeact.worker.max-kernels=256', '-Dcodeact.limits.max-sessions=100000',
    // Kernels import nothing ahead (the default preloads data-science libraries: the import part measures that),
    // so the other figures are the gateway's and the sandbox's, not a background import's.
    '-Dcodeact.worker.preload=none', ...extra, '-jar', 'quarkus-run.jar'],
  `${name}.log`, path.dirname(JAR));
  await waitFor(() => fetch(`http://127.0.0.1:${port}/q/health/ready`).then((r) => r.ok, () => false), 120_000, name);
  return { child, port, readyMs: now() - t0, ws: `ws://127.0.0.1:${port}/v1/sessions` };
}

// --- one WebSocket session of the gateway, for the action measures.
function openSession(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const waiters = [];
    ws.onmessage = (m) => {
      const e = JSON.parse(m.data);
      e.at = now();
      // The client tool of the tools part answers at once, with its argument.
      if (e.type === 'tool_call' && e.source === 'client') ws.send(JSON.stringify({ type: 'tool_result', call_id: e.call_id, value: e.arguments.message }));
      if (e.type === 'error' && !e.turn) { reject(new Error(`refused: ${e.code}: ${e.message}`)); return; }
      for (const w of waiters.splice(0)) w(e);
      if (e.type === 'session') resolve(session);
    };
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    const session = {
      ws,
      turn(text, tools) {
        const events = [];
        return new Promise((res, rej) => {
          const collect = (e) => {
            events.push(e);
            if (e.type === 'turn_end') res(events);
            else if (e.type === 'error') rej(new Error(`${e.code}: ${e.message}`));
            else waiters.push(collect);
          };
          waiters.push(collect);
          ws.send(JSON.stringify({ type: 'user_message', text, ...(tools ? { tools } : {}) }));
        });
      },
    };
  });
}

/** action → observation times of each action of a turn (observations must say 1). */
function actionTimes(events) {
  const out = [];
  let action = null;
  for (const e of events) {
    if (e.type === 'action') action = e;
    if (e.type === 'observation') {
      if (e.text !== '1') throw new Error(`unexpected observation ${JSON.stringify(e)}`);
      out.push(e.at - action.at);
    }
  }
  return out;
}

const rows = [];
/**
 * One line of the report: the gateway's figure, its floor measured in this run (ratio = figure /
 * floor unless `ratio` is false), and the target.
 */
function row(section, figure, value, unit, floor = null, floorName = '', target = '', ratio = true) {
  rows.push({ section, figure, value, unit, floor, floorName, target, ratio });
}

async function relaySection(model, gateway, bare, modelPort) {
  const sseUrl = `http://127.0.0.1:${modelPort}/v1/chat/completions`;
  const paths = [['model, read directly', 'sse', sseUrl, null], ['bare relay (Vert.x → WebSocket)', 'ws', bare.url, bare.child.pid],
    ['gateway', 'ws', gateway.ws, gateway.child.pid]];
  for (const pace of [0, 30]) {
    for (const sessions of SIZES.relayScales) {
      const tokens = pace ? SIZES.pacedTokens : SIZES.fullTokens[sessions];
      const measured = {};
      for (const [name, mode, url, pid] of paths) {
        const cpu0 = pid ? cpuMs(pid) : 0;
        const driver0 = driverCpuMs();
        const t0 = now();
        const tagPrefix = `${name[0]}${pace}x${sessions}`;
        const arrivals = await runRelay({ mode, url, sessions, turns: 1, tokens, pace, threads: Math.min(cpus, sessions), tagPrefix });
        const wall = now() - t0;
        const total = sessions * tokens;
        const latencies = tokenLatencies(model.writeTimes, arrivals, tokensOf);
        measured[name] = { tps: total / (wall / 1000), cpuUsPerToken: pid ? (cpuMs(pid) - cpu0) * 1000 / total : null,
          p50: pct(latencies, 50), p99: pct(latencies, 99), driver: 100 * (driverCpuMs() - driver0) / wall };
        for (const key of Object.keys(arrivals)) model.writeTimes.delete(key);
      }
      const g = measured.gateway;
      const b = measured['bare relay (Vert.x → WebSocket)'];
      const d = measured['model, read directly'];
      const how = `${sessions} session${sessions > 1 ? 's' : ''} × ${tokens} tokens, ${pace ? `${pace} tok/s each` : 'full speed'}`;
      row('relay', `${how}: JVM CPU per token`, g.cpuUsPerToken, 'µs', b.cpuUsPerToken, 'µs bare relay', '≤ 1.5× bare relay');
      row('relay', `${how}: tokens/s`, g.tps, 'tok/s', b.tps, 'tok/s bare relay');
      row('relay', `${how}: token latency p50`, g.p50, 'ms', d.p50, 'ms model read directly', '', false);
      row('relay', `${how}: token latency p99`, g.p99, 'ms', d.p99, 'ms model read directly', '', false);
      row('relay', `${how}: latency added by the gateway, p99`, g.p99 - d.p99, 'ms', b.p99 - d.p99, 'ms added by the bare relay',
        pace ? '≤ 20 ms' : '', false);
      row('relay', `${how}: driver CPU while reading the gateway`, g.driver, '% of a core', d.driver, '% reading directly',
        `< ${100 * cpus}%: not the bottleneck`, false);
    }
  }
}

async function actionSection(gateway) {
  const kernels = JSON.parse(execFileSync('/usr/bin/python3', [path.join(root, 'bench/kernels.py'), ...(quick ? ['--no-jupyter'] : []),
    path.join(root, 'src/main/resources/kernel/codeact_kernel.py'), String(SIZES.actionRounds), ...SIZES.actionScales.map(String)],
  { stdio: ['ignore', 'pipe', fs.openSync(path.join(runDir, 'kernels.log'), 'w')] }).toString());
  for (const sessions of SIZES.actionScales) {
    const clients = await Promise.all(Array.from({ length: sessions }, () => openSession(gateway.ws)));
    await Promise.all(clients.map((c) => c.turn('warm up')));
    const times = [];
    await Promise.all(clients.map(async (c) => {
      const events = await c.turn(`actions:${SIZES.actionRounds}`);
      times.push(...actionTimes(events));
    }));
    clients.forEach((c) => c.ws.close());
    const k = (what) => kernels[`${what}@${sessions}`];
    const jupyter = k('jupyter');
    const where = `${sessions} session${sessions > 1 ? 's' : ''} at once`;
    for (const p of ['p50', 'p99']) {
      row('action', `print(1), warm kernel, ${where}: round trip ${p}`, pct(times, Number(p.slice(1))), 'ms',
        jupyter.skipped ? null : jupyter[p], jupyter.skipped ? `(ipykernel: ${jupyter.skipped})` : 'ms ipykernel, unsandboxed',
        p === 'p50' ? '≤ 3 ms, below ipykernel' : '≤ 10 ms, below ipykernel');
      row('action', `  floors, ${where}, ${p}: our kernel alone, unsandboxed`, k('kernel')[p], 'ms', k('runsc')[p],
        'ms bare pipe into runsc', '', false);
    }
  }
}

async function firstActions(gateway, label, target) {
  const times = [];
  for (let i = 0; i < SIZES.firstActions; i++) {
    const c = await openSession(gateway.ws);
    times.push(...actionTimes(await c.turn('one action')).slice(0, 1));
    c.ws.close();
    await sleep(1500); // the warm pool refills
  }
  row('action', `first action of a new session, ${label}: p50`, pct(times, 50), 'ms', null, '', target);
}

/**
 * A new session's first action importing numpy, pandas and matplotlib, with warm sandboxes that
 * preloaded them (codeact.worker.preload, the default) and with sandboxes that did not.
 */
async function importSection(redisPort, modelPort) {
  const modules = 'numpy,pandas,matplotlib.pyplot';
  const measured = {};
  for (const [label, preload] of [['preloaded', modules], ['not preloaded', 'none']]) {
    const app = await startApp(`app-import-${preload === 'none' ? 'none' : 'preload'}`, redisPort, modelPort,
      ['-Dcodeact.worker.warm-pool=2', `-Dcodeact.worker.preload=${preload}`]);
    const times = [];
    await sleep(8000); // the warm pool fills, and its sandboxes finish their imports
    for (let i = 0; i < SIZES.firstActions; i++) {
      const c = await openSession(app.ws);
      times.push(...actionTimes(await c.turn(`import:${modules}`)).slice(0, 1));
      c.ws.close();
      await sleep(8000);
    }
    await stop(app.child);
    measured[label] = pct(times, 50);
  }
  row('action', `first action of a new session importing numpy, pandas and matplotlib: p50`, measured.preloaded, 'ms',
    measured['not preloaded'], 'ms without the preload', 'the first action stays fast');
}

/** CPU time (ms) of a process and of all its descendants alive now (a worker's sandboxes). */
function treeCpuMs(pid) {
  const parent = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try { parent.set(Number(entry), Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1])); } catch (e) { /* gone */ }
  }
  const inTree = (p) => { for (let q = p; q > 1; q = parent.get(q)) if (q === pid) return true; return false; };
  let total = 0;
  for (const p of parent.keys()) if (inTree(p)) { try { total += cpuMs(p); } catch (e) { /* gone */ } }
  return total;
}

/**
 * The sandbox platform: the runsc on PATH (Debian 12's 2022 release, ptrace) against Debian 13's
 * (2024; bin/newer-runsc fetches it) on systrap and on ptrace, each under the same application in
 * turn (codeact.worker.runsc-platform): a syscall
 * inside the sandbox, a bare pipe round trip, the warm action's round trip, a cold sandbox (the
 * first action of a new session without warm pool), the CPU one action costs the sandbox and the
 * CPU an idle sandbox burns (thousands of sessions keep their kernels between actions).
 */
async function sandboxSection(redisPort, modelPort) {
  let newer;
  try {
    newer = execFileSync(path.join(root, 'bin/newer-runsc'), { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch (e) {
    row('sandbox', `Debian 13's runsc: skipped (bin/newer-runsc: ${String(e.stderr || e.message).trim().split('\n').pop()})`, null, '');
    return;
  }
  const measured = [];
  // The first two keep their rows' names of earlier runs (each release on its default platform).
  for (const [label, runsc, platform] of [['PATH', 'runsc', 'ptrace'], ['Debian 13', newer, 'systrap'],
    ['Debian 13 on ptrace', newer, 'ptrace']]) {
    const version = execFileSync(runsc, ['--version']).toString().split('\n')[0].replace('runsc version ', '');
    const floors = JSON.parse(execFileSync('/usr/bin/python3', [path.join(root, 'bench/kernels.py'), '--no-jupyter', '--kernel-in-runsc',
      path.join(root, 'src/main/resources/kernel/codeact_kernel.py'), String(SIZES.actionRounds), '1'],
    // From an empty folder: `runsc do` runs in it, and the kernel lists its files after each cell.
    { env: { ...process.env, RUNSC: runsc, RUNSC_PLATFORM: platform, CODEACT_PRELOAD: '' }, cwd: fs.mkdtempSync(path.join(runDir, 'floor-')),
      stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    const app = await startApp(`app-runsc-${measured.length}`, redisPort, modelPort, ['-Dcodeact.worker.warm-pool=0',
      `-Dcodeact.worker.runsc-path=${runsc}`, `-Dcodeact.worker.runsc-platform=${platform}`]);
    // One session's sandbox alone first: the CPU figures count every sandbox of the application.
    const sandboxCpu = () => treeCpuMs(app.child.pid) - cpuMs(app.child.pid);
    const c = await openSession(app.ws);
    await c.turn('warm up');
    const syscall = ['import os, time, json', 't = time.perf_counter()', 'for _ in range(2000):', '    os.stat("/")',
      'print(json.dumps({"us": (time.perf_counter() - t) / 2000 * 1e6}))'].join('\n');
    const statEvents = await c.turn(`code:${Buffer.from(syscall).toString('base64')}`);
    const statUs = JSON.parse(statEvents.find((e) => e.type === 'observation').result.output).us;
    const busy0 = sandboxCpu();
    const times = actionTimes(await c.turn(`actions:${SIZES.actionRounds}`));
    const sandboxMs = (sandboxCpu() - busy0) / times.length;
    const idle0 = sandboxCpu();
    const idleFor = 5000;
    await sleep(idleFor);
    const idleShare = 100 * (sandboxCpu() - idle0) / idleFor;
    c.ws.close();
    const cold = [];
    for (let i = 0; i < SIZES.firstActions; i++) {
      const fresh = await openSession(app.ws);
      cold.push(...actionTimes(await fresh.turn('one action')).slice(0, 1));
      fresh.ws.close();
    }
    await stop(app.child);
    measured.push({ label, version, floors, statUs, cold: pct(cold, 50), p50: pct(times, 50), p99: pct(times, 99), sandboxMs, idleShare });
  }
  // The same path with no sandbox at all: what the gateway, Redis and the worker cost an action.
  const bare = await startApp('app-no-sandbox', redisPort, modelPort, ['-Dcodeact.worker.warm-pool=0', '-Dcodeact.worker.sandbox=none']);
  const b = await openSession(bare.ws);
  await b.turn('warm up');
  const bareTimes = actionTimes(await b.turn(`actions:${SIZES.actionRounds}`));
  b.ws.close();
  await stop(bare.child);
  const [old, ...others] = measured;
  const name = (m) => `${m.label} runsc ${m.version}`;
  for (const next of others) {
    const both = (figure, key, unit, target = '') => row('sandbox', `${name(next)}: ${figure}`, next[key], unit, old[key],
      `${unit} ${name(old)}`, target);
    both('os.stat inside the sandbox', 'statUs', 'µs');
    row('sandbox', `${name(next)}: bare pipe round trip into a sandbox, p50`, next.floors['runsc@1'].p50, 'ms',
      old.floors['runsc@1'].p50, `ms ${name(old)}`);
    row('sandbox', `${name(next)}: print(1) on our kernel alone in \`runsc do\`, p50`, next.floors['kernel-runsc@1'].p50, 'ms',
      old.floors['kernel-runsc@1'].p50, `ms ${name(old)}`);
    both('print(1), warm kernel, 1 session: round trip p50', 'p50', 'ms');
    both('print(1), warm kernel, 1 session: round trip p99', 'p99', 'ms');
    both('first action of a new session, no warm pool (a cold sandbox): p50', 'cold', 'ms');
    both('sandbox CPU per print(1) action (runsc and the kernel)', 'sandboxMs', 'ms');
    both('CPU of one idle sandbox (a kernel between actions)', 'idleShare', '% of a core');
  }
  for (const p of [50, 99]) {
    row('sandbox', `print(1), warm kernel, 1 session, no sandbox (codeact.worker.sandbox=none): round trip p${p}`, pct(bareTimes, p), 'ms',
      old[`p${p}`], `ms ${name(old)}`);
  }
}

const EVERYTHING = path.join(root, 'src/test/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js');

/** The mean time of one JSON-RPC tools/call of server-everything's echo, called directly over stdio from here. */
async function directMcpMs(n) {
  const server = spawn(process.execPath, [EVERYTHING, 'stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(server);
  const pending = new Map();
  let buffered = '';
  server.stdout.on('data', (d) => {
    buffered += d;
    let i;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const m = JSON.parse(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
      if (m.id !== undefined && pending.has(m.id)) pending.get(m.id)(m);
    }
  });
  let id = 0;
  const call = (method, params) => new Promise((r) => {
    pending.set(++id, r);
    server.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
  });
  await call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  server.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  const echo = () => call('tools/call', { name: 'echo', arguments: { message: 'x' } });
  await echo();
  const t0 = now();
  for (let i = 0; i < n; i++) await echo();
  const ms = (now() - t0) / n;
  await stop(server);
  return ms;
}

/**
 * A tool call as the agent's code sees it (kernel → worker → Redis → gateway → tool → back): an
 * MCP tool (server-everything's echo, over stdio) against the same call made directly, and a
 * client tool answered at once by the WebSocket client against a ping's round trip on it.
 */
async function toolsSection(redisPort, modelPort) {
  if (!fs.existsSync(EVERYTHING)) {
    row('tools', 'tool calls: skipped (npm ci in src/test/mcp installs the MCP server)', null, '');
    return;
  }
  const app = await startApp('app-tools', redisPort, modelPort, ['-Dcodeact.worker.warm-pool=1', '-Dcodeact.tools.max-calls-per-action=10000',
    `-Dcodeact.tools.mcp.everything.command=${process.execPath},${EVERYTHING},stdio`]);
  await waitFor(() => fetch(`http://127.0.0.1:${app.port}/v1/tools`).then((r) => r.json())
    .then((tools) => tools.some((t) => t.name === 'everything_echo'), () => false), 60_000, 'the MCP server\'s tools');
  const n = SIZES.toolCalls;
  const code = ['import json, time', 'def timed(call):', '    call()', '    t = time.perf_counter()',
    `    for _ in range(${n}):`, '        call()', `    return (time.perf_counter() - t) / ${n} * 1000`,
    'print(json.dumps({"mcp": timed(lambda: everything_echo(message="x")), "client": timed(lambda: bench_echo(message="x"))}))'].join('\n');
  const c = await openSession(app.ws);
  const events = await c.turn(`code:${Buffer.from(code).toString('base64')}`,
    [{ name: 'bench_echo', description: 'Echoes.', parameters: { type: 'object', properties: { message: { type: 'string' } } } }]);
  const observation = events.find((e) => e.type === 'observation');
  if (observation.result.error) throw new Error(`tools part: ${observation.result.error.traceback}`);
  const measured = JSON.parse(observation.result.output);
  const pings = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await new Promise((r) => {
      const prev = c.ws.onmessage;
      c.ws.onmessage = (m) => { if (JSON.parse(m.data).type === 'pong') { c.ws.onmessage = prev; r(); } else prev(m); };
      c.ws.send(JSON.stringify({ type: 'ping', id: `b${i}` }));
    });
    pings.push(now() - t0);
  }
  c.ws.close();
  await stop(app.child);
  row('tools', `MCP tool call from the code (everything's echo over stdio), mean of ${n}`, measured.mcp, 'ms',
    await directMcpMs(n), 'ms the same call made directly over stdio');
  row('tools', `client tool call from the code, answered by a WebSocket client, mean of ${n}`, measured.client, 'ms',
    pings.reduce((a, b) => a + b, 0) / n, 'ms a ping\'s round trip on that WebSocket');
}

/**
 * Short actions through a gateway-only and a worker-only JVM: actions per second, and the CPU each
 * action costs the worker (its JVM and its sandboxes) and the gateway (model turns included).
 */
async function throughput(redisPort, modelPort) {
  const gateway = await startApp('tp-gateway', redisPort, modelPort, ['-Dcodeact.roles=gateway']);
  const worker = await startApp('tp-worker', redisPort, modelPort, ['-Dcodeact.roles=worker', '-Dcodeact.worker.warm-pool=4']);
  const clients = await Promise.all(Array.from({ length: SIZES.throughputSessions }, () => openSession(gateway.ws)));
  // Fresh JVMs: their JIT compilers work through the first few hundred actions.
  await Promise.all(clients.map((c) => c.turn(`actions:${SIZES.throughputActions}`)));
  // The warm pool refills after the last new session took from it: its sandboxes start now, and
  // their start is not what an action costs.
  await settled(worker.child.pid);
  const cpu0 = { worker: treeCpuMs(worker.child.pid), workerJvm: cpuMs(worker.child.pid), gateway: cpuMs(gateway.child.pid),
    driver: driverCpuMs() };
  const t0 = now();
  // Each turn's count is added once it is known (`actions += await …` would add to a stale total).
  const counts = await Promise.all(clients.map(async (c) => actionTimes(await c.turn(`actions:${SIZES.throughputActions}`)).length));
  const wall = now() - t0;
  const actions = counts.reduce((a, b) => a + b, 0);
  const workerMs = (treeCpuMs(worker.child.pid) - cpu0.worker) / actions;
  const workerJvmMs = (cpuMs(worker.child.pid) - cpu0.workerJvm) / actions;
  const gatewayMs = (cpuMs(gateway.child.pid) - cpu0.gateway) / actions;
  clients.forEach((c) => c.ws.close());
  const how = `${SIZES.throughputSessions} sessions, model turns included`;
  row('action', `short actions per second, one worker JVM and one gateway JVM (${how})`, actions / (wall / 1000), '/s');
  row('action', '  worker CPU per action (its JVM and its sandboxes)', workerMs, 'ms');
  row('action', '    of which the worker JVM', workerJvmMs, 'ms');
  row('action', '    of which the sandboxes (runsc and the kernel)', workerMs - workerJvmMs, 'ms');
  row('action', '  short actions per worker core (1 s ÷ worker CPU per action)', 1000 / workerMs, '/s', null, '', '≥ 300 per worker core');
  row('action', '  gateway CPU per action (model turn included)', gatewayMs, 'ms');
  row('action', '  driver CPU (model server and clients)', 100 * (driverCpuMs() - cpu0.driver) / wall, '% of a core', null, '',
    `< ${100 * cpus}%: not the bottleneck`);
  await stop(gateway.child);
  await stop(worker.child);
}

/** Waits (at most a minute) until the processes under `pid` have stayed the same for two seconds: no sandbox is starting. */
async function settled(pid) {
  const children = () => fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try { return Number(fs.readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid; } catch (err) { return false; }
  }).sort().join(',');
  let last = children();
  let since = now();
  for (const end = now() + 60_000; now() < end && now() - since < 2000;) {
    await sleep(200);
    const current = children();
    if (current !== last) { last = current; since = now(); }
  }
}

/** Opens `count` idle sessions from child processes (each ≤ 9000 sockets, its own source address). */
async function idleSection(gateway) {
  const holders = [];
  let opened = 0;
  // Sessions of the earlier measures stay in memory until they idle out: count from here.
  const rss0 = rssMiB(gateway.child.pid);
  const heap0 = heapAfterGcMiB(gateway.child.pid);
  for (const total of SIZES.idle) {
    while (opened < total) {
      const n = Math.min(9000, total - opened);
      const address = `127.0.0.${2 + holders.length}`;
      const holder = spawn(process.execPath, [path.join(root, 'bench/idle.mjs'), String(gateway.port), address, String(n)],
        { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(holder);
      holders.push(holder);
      await new Promise((resolve, reject) => {
        let out = '';
        holder.stdout.on('data', (d) => { out += d; if (out.includes('\n')) (out.startsWith('opened') ? resolve() : reject(new Error(out))); });
        holder.once('exit', (code) => reject(new Error(`idle session holder exited (${code}): ${out}`)));
      });
      opened += n;
    }
    await sleep(1000);
    // What a container's memory limit sees: the RSS as it is, before the heap figure's forced GC.
    const rss = rssMiB(gateway.child.pid);
    const heap = heapAfterGcMiB(gateway.child.pid);
    row('idle', `${total} idle sessions: gateway RSS`, rss, 'MiB', (rss - rss0) * 1024 / total, 'KiB more per session',
      '≤ 10 KiB per session', false);
    row('idle', `${total} idle sessions: heap after GC`, heap, 'MiB', (heap - heap0) * 1024 / total, 'KiB more per session',
      '', false);
  }
  for (const h of holders) { h.stdin.end(); await new Promise((r) => { if (h.exitCode !== null) r(); else h.once('exit', r); }); }
}

/** One session's actions on a warm kernel, traced: where the round trip goes, hop by hop (p50). */
async function traceHops(gateway, receiver) {
  const c = await openSession(gateway.ws);
  await c.turn('warm up');
  await c.turn(`actions:${SIZES.actionRounds}`);
  c.ws.close();
  await sleep(1500); // the last spans are exported
  const hops = actionHops(receiver.spans).filter((h) => !h.fresh);
  if (!hops.length) throw new Error('no traced action arrived at the OTLP receiver');
  for (const hop of ['submit', 'queue wait', 'pick-up', 'kernel', 'publish', 'emit', 'total']) {
    row('hops', `action round trip, one session, tracing on: ${hop} p50`, pct(hops.map((h) => h[hop]), 50), 'ms',
      null, hop === 'total' ? `(${hops.length} actions)` : '');
  }
}

function machine() {
  let java = 'java ?';
  try { java = `${spawnSync(JAVA, ['-version']).stderr.toString().split('\n')[0]}; shipped options: ${JAVA_OPTS.join(' ')}`; } catch (e) { /* none */ }
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim(); } catch (e) { /* not a checkout */ }
  return { cpus, cpu: os.cpus()[0]?.model || 'unknown cpu', memory_gib: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(),
    java, commit, date: new Date().toISOString(), load: os.loadavg().map((l) => l.toFixed(2)).join(' ') };
}

const fmt = (v) => (v === null || v === undefined ? '' : typeof v !== 'number' ? String(v)
  : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function report(run, baseline) {
  const table = rows.map((r) => {
    const ratio = r.ratio && typeof r.value === 'number' && typeof r.floor === 'number' && r.floor > 0
      ? `${(r.value / r.floor).toFixed(2)}×` : '';
    const before = baseline?.rows?.find((b) => b.figure === r.figure)?.value;
    return [r.figure, `${fmt(r.value)} ${r.unit}`, r.floor === null ? r.floorName : `${fmt(r.floor)} ${r.floorName}`, ratio,
      r.target, before === undefined ? '' : fmt(before)];
  });
  const head = ['figure', 'gateway', 'floor in this run', 'ratio', 'target', 'saved baseline'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  let section = '';
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r, i) => {
    if (r.section !== section) { section = r.section; console.log(`[${section}]`); }
    console.log(line(table[i]));
  });
  const m = run.machine;
  console.log(`\nmachine:  ${m.cpus} × ${m.cpu}, ${m.memory_gib} GiB, Linux ${m.kernel}, ${m.java}; load average at the end ${m.load}`);
  console.log(`commit:   ${m.commit}, ${m.date}; JVM options ${JAVA_OPTS.join(' ')}`);
  console.log(`command:  ${run.command}`);
  console.log('The driver (model server and clients) runs on the same cores: its CPU share is printed above.');
  if (baseline) console.log(`saved baseline: commit ${baseline.machine.commit}, ${baseline.machine.date}, ${baseline.command}`);
}

async function main() {
  setTimeout(() => { console.error('bin/bench: no result within 30 minutes'); process.exit(1); }, 1_800_000).unref();
  if (!fs.existsSync(JAR)) throw new Error('build first: mvn package -DskipTests (bin/bench does)');
  if (only && saveBaseline) throw new Error('--save-baseline needs the whole run, not --only');
  const redisPort = await freePort();
  const redis = start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', runDir], 'redis.log');
  const model = createModel();
  process.on('exit', () => {
    if (model.dropped.length) console.error(`bin/bench: the model server dropped ${model.dropped.length} connection(s): ${[...new Set(model.dropped)].join(', ')}`);
  });
  const modelPort = await freePort();
  await new Promise((r) => model.server.listen(modelPort, '127.0.0.1', 4096, r));
  await waitFor(() => new Promise((r) => net.connect(redisPort, '127.0.0.1').on('connect', function () { this.end(); r(true); })
    .on('error', () => r(false))), 10_000, 'redis-server');

  // The floor: the same application started as a plain `java -jar`, no option, no archive.
  const plain = await startApp('app-plain', redisPort, modelPort, ['-Dcodeact.worker.warm-pool=4'], []);
  await stop(plain.child);
  const gateway = await startApp('app', redisPort, modelPort, ['-Dcodeact.worker.warm-pool=4']);
  row('start', 'JVM start to ready (gateway + worker, warm pool of 4)', gateway.readyMs, 'ms', plain.readyMs,
    'plain `java -jar`, no options', '≤ 1000 ms, ≤ 0.4×');
  // As after a scale from zero: the first client's turn, the moment the instance is ready.
  const first = await openSession(gateway.ws);
  const sent = now();
  const coldTurn = await first.turn('one action');
  first.ws.close();
  row('start', 'cold start: the model\'s first words reach the client (its action), right after ready',
    coldTurn.find((e) => e.type === 'token' || e.type === 'action').at - sent, 'ms');
  row('start', 'cold start: first observation of the first turn, right after ready', coldTurn.find((e) => e.type === 'observation').at - sent, 'ms');
  const barePort = await freePort();
  const bareChild = start(JAVA, [...NO_ARCHIVE, '-cp', LIBS, path.join(root, 'bench/BareRelay.java'), String(barePort),
    `http://127.0.0.1:${modelPort}/v1/chat/completions`], 'bare-relay.log');
  await waitFor(() => fs.readFileSync(path.join(runDir, 'bare-relay.log'), 'utf8').includes('listening'), 60_000, 'the bare relay');
  const bare = { child: bareChild, url: `ws://127.0.0.1:${barePort}/` };
  await sleep(2000); // the warm pool fills

  const redisCpu0 = cpuMs(redis.pid);
  if (runs('relay')) await relaySection(model, gateway, bare, modelPort);
  await stop(bareChild);
  if (runs('action')) await actionSection(gateway);
  if (runs('first')) await firstActions(gateway, 'warm pool of 4', '≤ 30 ms');
  if (runs('idle')) await idleSection(gateway);
  await stop(gateway.child);
  if (runs('throughput')) await throughput(redisPort, modelPort);
  if (runs('import')) await importSection(redisPort, modelPort);
  if (runs('tools')) await toolsSection(redisPort, modelPort);
  if (runs('sandbox')) await sandboxSection(redisPort, modelPort);
  row('start', 'Redis CPU during the whole run', cpuMs(redis.pid) - redisCpu0, 'ms');
  if (!runs('cold')) return finish(model, redis, rows);

  // The second instance has no warm pool, and tracing on: the action's hops are read off its spans.
  const receiver = createReceiver();
  const otlpPort = await freePort();
  await new Promise((r) => receiver.server.listen(otlpPort, '127.0.0.1', r));
  const cold = await startApp('app-no-pool', redisPort, modelPort, ['-Dcodeact.worker.warm-pool=0',
    '-Dquarkus.otel.sdk.disabled=false', '-Dquarkus.otel.traces.sampler=always_on', '-Dquarkus.otel.bsp.schedule.delay=100ms',
    '-Dquarkus.otel.exporter.otlp.traces.protocol=http/protobuf', `-Dquarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:${otlpPort}`]);
  row('start', 'JVM start to ready, no warm pool, tracing on', cold.readyMs, 'ms', null, '', '≤ 1000 ms');
  await firstActions(cold, 'no warm pool (a cold sandbox)', '');
  await traceHops(cold, receiver);
  await stop(cold.child);
  receiver.server.close();
  await finish(model, redis, rows);
}

async function finish(model, redis, rows) {
  const run = { machine: machine(), command: `bin/bench ${process.argv.slice(2).join(' ')}`.trim(), rows };
  const baselineFile = path.join(root, 'bench/baseline.json');
  const baseline = fs.existsSync(baselineFile) ? JSON.parse(fs.readFileSync(baselineFile, 'utf8')) : null;
  report(run, baseline?.rows ? baseline : null);
  fs.mkdirSync(path.join(root, 'target'), { recursive: true });
  fs.writeFileSync(path.join(root, 'target/bench-last.json'), JSON.stringify(run, null, 2));
  if (saveBaseline) {
    fs.writeFileSync(baselineFile, JSON.stringify(run, null, 2) + '\n');
    console.log(`saved as the baseline: ${path.relative(root, baselineFile)}`);
  }
  model.server.close();
  await stop(redis);
}

main().then(() => process.exit(0), (e) => { console.error(`bin/bench: ${e.stack || e}`); process.exit(1); });
