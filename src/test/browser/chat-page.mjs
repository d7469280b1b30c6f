// Browser scenarios for the chat page, in Debian's headless Chromium driven by playwright-core.
// Usage: node chat-page.mjs <scenario> <gateway http url>
// ChatPageIT starts the real gateway, worker, Redis and scripted model, scripts the model's
// replies for each scenario, and runs this file; a non-zero exit fails the test.
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const [scenario, gateway] = process.argv.slice(2);
const target = new URL(gateway);

/**
 * A TCP proxy in front of the gateway, so a test can drop every connection like a network failure.
 * It listens on ::1 and the page is opened as http://localhost:PORT/, as a person would: Chromium
 * takes localhost to ::1, so IPv6 loopback is the path every scenario tests.
 */
function proxy() {
  const sockets = new Set();
  let delay = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname.replace(/^\[|\]$/g, ''));
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    // Timers of one delay fire in the order they were set, so a slow network keeps the bytes in order.
    // Back-pressure toward the page is not kept (write's result is ignored): a chat's traffic is a few
    // hundred kilobytes at most, which the proxy may hold in memory.
    upstream.on('data', (chunk) => (delay ? setTimeout(() => client.write(chunk), delay) : client.write(chunk)));
    upstream.on('end', () => setTimeout(() => client.end(), delay));
  });
  return new Promise((resolve) => server.listen(0, '::1', () => resolve({
    url: `http://localhost:${server.address().port}/`,
    /** From now on, what the gateway sends reaches the page {@code ms} later, as on a slow network. */
    slow(ms) { delay = ms; },
    cut() { for (const s of sockets) s.destroy(); },
    close() { server.close(); for (const s of sockets) s.destroy(); },
  })));
}

async function ask(page, text) {
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

async function turnEnded(page, n, timeout = 40000) {
  await page.waitForFunction((count) => document.querySelectorAll('.turn-end').length >= count, n, { timeout });
  return page.$$eval('.assistant', (els) => els.map((e) => e.dataset.reason));
}

const scenarios = {
  async 'live-output'(page) {
    await ask(page, 'Count slowly to three');
    await page.waitForSelector('pre.code .kw', { timeout: 20000 });
    const code = await page.textContent('pre.code');
    assert.match(code, /for i in range\(4\):/);
    // The first line is on the page while the loop still runs: the last one is not there yet.
    await page.waitForFunction(() => document.querySelector('pre.output')?.textContent.includes('line 0'), null, { timeout: 20000 });
    const early = await page.textContent('pre.output');
    assert.ok(!early.includes('line 3'), `output arrived at once instead of live: ${early}`);
    assert.equal(await page.isVisible('#stop'), true, 'Stop is offered while the turn runs');
    const reasons = await turnEnded(page, 1);
    assert.deepEqual(reasons, ['answer']);
    const out = await page.textContent('pre.output');
    assert.equal(out, 'line 0\nline 1\nline 2\nline 3\n');
    assert.match(await page.textContent('.assistant'), /The loop printed four lines\./);
    assert.equal(await page.textContent('.user .bubble'), 'Count slowly to three');
    assert.equal(await page.$$eval('pre.output .stderr', (els) => els.length), 0);
  },

  async 'feedback-at-once'(page, net) {
    await page.waitForFunction(() => window.codeact.client, null, { timeout: 20000 });
    net.slow(1500);
    // Sent and looked at in one task of the page: nothing from the gateway can arrive in between.
    const shown = await page.evaluate(() => {
      document.getElementById('input').value = 'Say hello';
      document.getElementById('composer').requestSubmit();
      return {
        pending: document.querySelectorAll('.msg.user.pending').length,
        text: document.querySelector('.msg.user .bubble')?.textContent,
        typing: document.querySelectorAll('.assistant .typing').length,
        stop: !document.getElementById('stop').hidden,
        started: window.codeact.events.some((e) => e.type === 'turn_start'),
      };
    });
    assert.deepEqual(shown, { pending: 1, text: 'Say hello', typing: 1, stop: true, started: false });
    const reasons = await turnEnded(page, 1, 60000);
    assert.deepEqual(reasons, ['answer']);
    assert.equal(await page.$$eval('.msg.user', (els) => els.length), 1, "the message shown at once is the turn's, not a second one");
    assert.equal(await page.$$eval('.msg.user.pending, .typing', (els) => els.length), 0);
    assert.match(await page.textContent('.assistant'), /Hello from a slow network/);
    assert.equal(await page.isVisible('#stop'), false);
  },

  // The current chat downloads as a Jupyter notebook and as Markdown, as the gateway exports it.
  async export(page) {
    assert.equal(await page.isVisible('#export'), false, 'a new chat has nothing to export yet');
    await ask(page, 'Square seven');
    await turnEnded(page, 1);
    await page.click('#export summary');
    const [notebook] = await Promise.all([page.waitForEvent('download'), page.click('#export button[data-format="notebook"]')]);
    assert.match(notebook.suggestedFilename(), /^codeact-.+\.ipynb$/);
    const nb = JSON.parse(await readFile(await notebook.path(), 'utf8'));
    assert.equal(nb.nbformat, 4);
    const code = nb.cells.find((c) => c.cell_type === 'code');
    assert.equal(code.source, 'print(7 * 7)');
    assert.equal(code.outputs[0].text, '49\n');
    await page.click('#export summary');
    const [markdown] = await Promise.all([page.waitForEvent('download'), page.click('#export button[data-format="markdown"]')]);
    assert.match(await readFile(await markdown.path(), 'utf8'), /## User\n\nSquare seven\n[\s\S]*```python\nprint\(7 \* 7\)\n```/);
  },

  // The system's dark scheme, or the one chosen with the toggle (kept across a reload); tables styled.
  async theme(page) {
    const isDark = (color) => color.match(/\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b) / 3 < 90;
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.ok(isDark(await background()), 'dark when the system is');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.ok(!isDark(await background()), 'light when the system is');
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    await page.click('#theme');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    assert.ok(isDark(await background()), 'dark when chosen, over a light system');
    await page.reload();
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'the choice is kept');
    assert.ok(isDark(await background()));
    await ask(page, 'A table, please');
    await turnEnded(page, 1);
    const text = await page.evaluate(() => getComputedStyle(document.querySelector('.assistant .text')).color);
    assert.ok(!isDark(text), `the model's text is light on dark: ${text}`);
    const cell = await page.evaluate(() => getComputedStyle(document.querySelector('.assistant .text td')).borderTopStyle);
    assert.equal(cell, 'solid', 'a markdown table has its cells ruled');
    assert.equal(await page.getAttribute('#theme', 'aria-label'), 'Theme: dark');
  },

  async stop(page) {
    await ask(page, 'Loop for ever');
    await page.waitForSelector('pre.output', { timeout: 20000 });
    await page.waitForFunction(() => document.querySelector('pre.output')?.textContent.includes('started'), null, { timeout: 20000 });
    await page.click('#stop');
    const reasons = await turnEnded(page, 1);
    assert.deepEqual(reasons, ['cancelled']);
    assert.match(await page.textContent('pre.output'), /\[stopped\]/);
    assert.equal(await page.isVisible('#stop'), false);
    assert.equal(await page.isEnabled('#send'), true);
  },

  async resume(page, net) {
    await ask(page, 'Count while I lose my connection');
    await page.waitForFunction(() => document.querySelector('pre.output')?.textContent.includes('tick 1'), null, { timeout: 20000 });
    net.cut();
    await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: 5000 });
    await page.waitForSelector('#status[data-state="open"]', { timeout: 15000 });
    await turnEnded(page, 1);
    // A second and third turn in the same session, after the reconnect.
    await ask(page, 'Again');
    await turnEnded(page, 2);
    await ask(page, 'Once more');
    const reasons = await turnEnded(page, 3);
    assert.deepEqual(reasons, ['answer', 'answer', 'answer']);
    const seqs = await page.evaluate(() => window.codeact.events.map((e) => e.seq));
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'every event once, in order, none missing');
    assert.equal(await page.textContent('pre.output'), 'tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n');
    const text = await page.textContent('.assistant');
    assert.equal(text.split('Counting now.').length - 1, 1, 'the reply is drawn once');
    assert.equal(await page.$$eval('.user .bubble', (els) => els.length), 3);
    // A reload replays the whole session from the log and draws the same transcript.
    const before = await page.textContent('#transcript');
    await page.reload();
    await turnEnded(page, 3);
    assert.equal(await page.textContent('#transcript'), before);
    // A client attached at the newest seq is connected, though no event is left to replay.
    const attached = await page.evaluate(async () => {
      const { CodeActClient } = await import('/codeact-client.js');
      const { sessionId, lastSeq } = window.codeact.client;
      const client = new CodeActClient({ sessionId, lastSeq });
      const answer = await Promise.race([client.connect().then(() => 'connected', (e) => `refused: ${e.message}`),
        new Promise((r) => setTimeout(() => r('no answer within 5 s'), 5000))]);
      client.close();
      return answer;
    });
    assert.equal(attached, 'connected');
  },

  async 'no-model'(page) {
    await page.waitForSelector('#no-model', { state: 'visible', timeout: 10000 });
    const notice = await page.textContent('#no-model');
    assert.match(notice, /No model is configured/);
    assert.match(notice, /CODEACT_LLM_BASE_URL/);
    await ask(page, 'hello?');
    await turnEnded(page, 1);
    assert.match(await page.textContent('.error'), /no_model/);
  },

  // A gateway with API keys: the page takes its key from #access_token= (ChatPageIT's key).
  async 'api-key'(page, net) {
    await page.waitForSelector('.error', { timeout: 10000 });
    assert.match(await page.textContent('.error'), /unauthorized/, 'without the key the page is refused');
    await page.goto(`${net.url}#access_token=page-key-123`);
    await page.reload();
    await page.waitForSelector('#no-model', { state: 'visible', timeout: 10000 });
    await ask(page, 'hello with a key');
    await turnEnded(page, 1);
    assert.match(await page.textContent('.error'), /no_model/, 'the session opened with the key');
    const principal = await page.evaluate(() => window.codeact.events.find((e) => e.type === 'session').principal);
    assert.equal(principal, 'page');
  },

  // The code displays hostile HTML and a DataFrame: both show, in frames where no script runs.
  async 'rich-output'(page) {
    await ask(page, 'Show me a table');
    await turnEnded(page, 1);
    const frames = await page.$$eval('iframe.display-html', (els) => els.map((e) => e.getAttribute('sandbox')));
    assert.deepEqual(frames, ['allow-same-origin', 'allow-same-origin'], 'two HTML displays, each in a frame sandboxed without scripts');
    const inside = page.frames().filter((f) => f !== page.mainFrame());
    const texts = await Promise.all(inside.map((f) => f.evaluate(() => document.body.textContent)));
    assert.ok(texts.some((t) => t.includes('hostile')), `the hostile display shows: ${texts}`);
    assert.ok(texts.some((t) => t.includes('Oslo')), `the DataFrame's table shows: ${texts}`);
    const ran = await Promise.all(inside.map((f) => f.evaluate(() => document.body.dataset.ran || null)));
    assert.deepEqual(ran, [null, null], 'no script of the display ran');
    assert.notEqual(await page.title(), 'pwned');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.$$eval('.value', (els) => els.length), 0, 'the value shows as its table, not its text');
    const heights = await page.$$eval('iframe.display-html', (els) => els.map((e) => e.getBoundingClientRect().height));
    assert.ok(heights.every((h) => h > 20 && h < 200), `each frame as high as its content: ${heights}`);
    const policy = await page.evaluate(() => fetch('/').then((r) => r.headers.get('content-security-policy')));
    assert.match(policy, /script-src 'self'/, 'the page is served with a Content-Security-Policy');
  },

  // A prompt-injected model and hostile code point images, styles and media at another site (a
  // server of this script on LEAK_PORT, which counts what reaches it): nothing goes to any origin
  // but the page's, while the reply streams token by token or after; outside images show as links.
  // The browser reports loads its Content-Security-Policy stopped as failed requests: those never
  // left it (and the other site's count says so); any other request elsewhere fails the scenario.
  async 'no-leaks'(page) {
    const outside = new Set();
    let stopped = 0;
    page.context().on('request', (r) => {
      const u = new URL(r.url());
      if (!['data:', 'blob:', 'about:'].includes(u.protocol) && u.origin !== new URL(page.url()).origin) outside.add(r);
    });
    page.context().on('requestfailed', (r) => {
      if (outside.has(r) && ['csp', 'net::ERR_BLOCKED_BY_CSP'].includes(r.failure()?.errorText)) {
        outside.delete(r);
        stopped++;
      }
    });
    await ask(page, 'Summarise my chat');
    await turnEnded(page, 1);
    const links = await page.$$eval('a.outside-image', (els) => els.map((e) => e.getAttribute('href')));
    assert.ok(links.some((h) => h.includes('/markdown.png')) && links.some((h) => h.includes('/raw.png'))
      && links.some((h) => h.includes('/display.png')), `outside images become links: ${links}`);
    assert.equal(await page.$$eval('img', (els) => els.filter((e) => e.src && !e.src.startsWith('data:')
      && new URL(e.src).origin !== location.origin).length), 0, 'no image with an outside source is on the page');
    assert.equal(await page.$$eval('.assistant video, .assistant audio, .assistant style', (els) => els.length), 0);
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    assert.ok((await Promise.all(frames.map((f) => f.evaluate(() => document.body.textContent)))).some((t) => t.includes('report')),
      'the HTML display shows');
    await page.reload();
    await turnEnded(page, 1);
    await page.waitForTimeout(500); // loads a frame or an image would start: none may have gone out
    assert.deepEqual([...outside].map((r) => r.url()), [], 'no request to another origin');
    assert.equal(leaks.hits.length, 0, `the other site heard nothing: ${leaks.hits}`);
    console.log(`loads stopped by the Content-Security-Policy: ${stopped}`);
  },

  // Model text is markdown and untrusted: rendered with its code highlighted, <thought> and
  // <solution> shown as such, and nothing in it runs.
  async markdown(page) {
    await ask(page, 'Explain');
    await turnEnded(page, 1);
    assert.equal(await page.textContent('.assistant .text em'), 'markdown');
    assert.equal(await page.$$eval('.assistant .text li', (els) => els.length), 2);
    assert.equal(await page.textContent('.thought summary'), 'Thought');
    assert.match(await page.textContent('.thought'), /think/);
    assert.equal(await page.textContent('.solution strong'), '42');
    assert.equal(await page.$$eval('.assistant .text [onerror], .assistant .text script', (els) => els.length), 0,
      'no handler or script survives the sanitizer');
    assert.equal(await page.title(), 'CodeAct gateway');
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.textContent('.assistant .text pre code .builtin'), 'print', 'a code block is highlighted');
    await page.click('.assistant .text .block .copy');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'print(1)\n', 'the copy button copies the code');
  },

  // Each action says how it went and how long it took; long output is collapsed and can be copied.
  async actions(page) {
    await ask(page, 'Count to a hundred, then divide by zero');
    await turnEnded(page, 1);
    const status = await page.$eval('.action-status', (el) => [el.dataset.state, el.textContent]);
    assert.equal(status[0], 'error');
    assert.match(status[1], /^ZeroDivisionError · \d+\.\d s$/);
    assert.equal(await page.$$eval('pre.output.collapsed', (els) => els.length), 1, 'a long output is collapsed');
    await page.click('.expand');
    assert.equal(await page.$$eval('pre.output.collapsed', (els) => els.length), 0, 'and shown whole on request');
    await page.click('pre.output + .copy');
    assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^0\n1\n2\n[\s\S]*99\n/);
  },

  // The session list: a new chat, switching back (its log replays), deleting another.
  async sessions(page) {
    await ask(page, 'First question');
    await turnEnded(page, 1);
    const first = await page.evaluate(() => window.codeact.client.sessionId);
    await page.waitForSelector(`.session[data-id="${first}"] .open:text("First question")`, { timeout: 10000 });
    const listed = await page.$$eval('.session', (els) => els.length);
    await page.click('#new-chat');
    await page.waitForFunction(() => window.codeact.client.sessionId === null);
    assert.equal(await page.$$eval('.msg', (els) => els.length), 0, 'a new chat starts empty');
    // A new chat is made by its first message: opening one and leaving it leaves nothing behind.
    await page.click('#new-chat');
    assert.equal(await page.evaluate(() => fetch('/v1/sessions').then((r) => r.json()).then((l) => l.length)), listed);
    await ask(page, 'Second question');
    await turnEnded(page, 1);
    const second = await page.evaluate(() => window.codeact.client.sessionId);
    assert.notEqual(second, first);
    await page.waitForSelector(`.session[data-id="${second}"].current`, { timeout: 10000 });
    assert.equal(await page.textContent('.session-day'), 'Today', 'the chats are headed by their day');
    await page.fill('#search', 'FIRST');
    assert.deepEqual(await page.$$eval('.session:not([hidden])', (els) => els.map((e) => e.dataset.id)), [first],
      'the search keeps the chats whose title holds it, whatever the case');
    await page.fill('#search', 'no such chat');
    assert.equal(await page.$$eval('.session-day:not([hidden])', (els) => els.length), 0, 'and a day with none is not headed');
    await page.fill('#search', '');
    await page.click(`.session[data-id="${first}"] .open`);
    await turnEnded(page, 1);
    assert.match(await page.textContent('.assistant .text'), /First answer/, 'switching back replays that chat');
    // A rename: the name becomes a field, Enter keeps it.
    await page.click(`.session[data-id="${first}"] .rename`);
    await page.fill('.rename-field', 'Renamed chat');
    await page.press('.rename-field', 'Enter');
    await page.waitForSelector(`.session[data-id="${first}"] .open:text("Renamed chat")`, { timeout: 10000 });
    const status = (id) => page.evaluate((s) => fetch(`/v1/sessions/${s}`).then((r) => r.status), id);
    // A delete leaves the list at once and can be undone: the chat open comes back open.
    await page.click(`.session[data-id="${first}"] .delete`);
    await page.waitForSelector(`.session[data-id="${first}"]`, { state: 'detached', timeout: 10000 });
    assert.match(await page.textContent('#toast'), /Deleted “Renamed chat”/);
    assert.equal(await page.evaluate(() => window.codeact.client.sessionId), null, 'the open chat was the deleted one');
    await page.click('#toast .toast-undo');
    await page.waitForSelector(`.session[data-id="${first}"]`, { timeout: 10000 });
    await page.waitForFunction((id) => window.codeact.client.sessionId === id, first);
    assert.equal(await status(first), 200, 'an undone delete deleted nothing');
    // Deleting another chat keeps this one; the gateway deletes it once the time to undo is over.
    await page.click(`.session[data-id="${second}"] .delete`);
    await page.waitForSelector(`.session[data-id="${second}"]`, { state: 'detached', timeout: 10000 });
    assert.equal(await page.evaluate(() => window.codeact.client.sessionId), first, 'deleting another chat keeps this one');
    await page.waitForFunction((id) => fetch(`/v1/sessions/${id}`).then((r) => r.status === 404), second,
      { timeout: 30000, polling: 500 });
    await page.waitForSelector('#toast', { state: 'hidden', timeout: 10000 });
  },

  // The last turn done again: Regenerate asks for a new answer to the same message, Edit sends the
  // message changed; each replaces the turn before it, which folds away, and the page says the kernel
  // kept its state (the new answer's code still sees x).
  async redo(page) {
    await ask(page, 'Pick a number');
    await turnEnded(page, 1);
    await page.click('.msg.assistant:not(.replaced) .redo-regenerate');
    await page.waitForSelector('.replaced-note', { timeout: 10000 });
    assert.match(await page.textContent('.replaced-note'), /kernel kept its state/);
    await turnEnded(page, 2);
    assert.equal(await page.textContent('.msg.assistant:not(.replaced) pre.output'), '42\n', 'the code still sees x');
    assert.equal(await page.$$eval('.msg.replaced', (els) => els.length), 2, 'the first turn folds away');
    assert.equal(await page.$$eval('.redo-regenerate', (els) => els.length), 1, 'only the last answer can be regenerated');
    await page.click('.msg.user:not(.replaced) .redo-edit');
    assert.equal(await page.inputValue('#input'), 'Pick a number');
    assert.equal(await page.isVisible('#editing'), true, 'the page says what sending an edit does');
    await page.fill('#input', 'Pick a number, please');
    // A refused edit (a temperature past the gateway's bound) stays an edit, and its text in the box.
    await page.click('#options summary');
    await page.evaluate(() => { document.querySelector('#temperature').max = '10'; });
    await page.fill('#temperature', '9');
    await page.press('#input', 'Enter');
    await page.waitForSelector('.error[data-code="invalid_event"]', { timeout: 10000 });
    assert.equal(await page.inputValue('#input'), 'Pick a number, please');
    assert.equal(await page.isVisible('#editing'), true, 'still editing after the refusal');
    await page.fill('#temperature', '0.5');
    await page.press('#input', 'Enter');
    await turnEnded(page, 3);
    assert.equal(await page.isVisible('#editing'), false);
    assert.deepEqual(await page.$$eval('.msg.user:not(.replaced) .bubble', (els) => els.map((e) => e.textContent)),
      ['Pick a number, please']);
    assert.match(await page.textContent('.msg.assistant:not(.replaced) .text'), /Edited answer/);
    // A reload replays the log: the replaced turns stay folded.
    await page.reload();
    await turnEnded(page, 3);
    assert.equal(await page.$$eval('.msg.replaced', (els) => els.length), 4);
    assert.match(await page.textContent('.msg.assistant:not(.replaced) .text'), /Edited answer/);
  },

  // A file uploaded from the page reaches the code; what the code writes can be downloaded.
  async files(page) {
    // The first upload of a new chat makes it.
    await page.waitForFunction(() => window.codeact.client && !window.codeact.client.sessionId);
    await page.setInputFiles('#file', { name: 'data.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y\n1,2\n') });
    await page.waitForSelector('#files .file:text("data.csv")', { timeout: 10000 });
    await ask(page, 'Read it and write a copy');
    assert.deepEqual(await page.$$eval('.msg.user .upload', (els) => els.map((e) => e.textContent)), ['data.csv'],
      'the message shows the file uploaded with it at once');
    await turnEnded(page, 1);
    assert.equal(await page.textContent('pre.output'), 'x,y\n1,2\n');
    await page.waitForSelector('#files .file:text("copy.csv")', { timeout: 10000 });
    const href = await page.getAttribute('#files .file:text("copy.csv")', 'href');
    assert.equal(await page.evaluate((url) => fetch(url).then((r) => r.text()), href), 'x,y\n1,2\n');
    // A reload replays the chat: the message still names its upload (the gateway's turn_start does).
    await page.reload();
    await turnEnded(page, 1);
    assert.deepEqual(await page.$$eval('.msg.user .upload', (els) => els.map((e) => e.textContent)), ['data.csv']);
  },

  // The model and temperature picker sends the choice with the message; a refused message stays
  // in the box with a readable error.
  async options(page) {
    await page.waitForFunction(() => document.querySelectorAll('#model-picker option').length === 2);
    await page.click('#options summary');
    await page.selectOption('#model-picker', 'second-model');
    // The form keeps the temperature within the server's bound; the server is the authority, as for
    // a page loaded before the bound changed: lift the form's limit and let the server refuse.
    assert.equal(await page.getAttribute('#temperature', 'max'), '2', 'the server\'s bound');
    await page.evaluate(() => { document.querySelector('#temperature').max = '10'; });
    await page.fill('#temperature', '9');
    await ask(page, 'Too hot');
    await page.waitForSelector('.error[data-code="invalid_event"]', { timeout: 10000 });
    assert.equal(await page.inputValue('#input'), 'Too hot', 'the refused message is kept');
    assert.match(await page.textContent('.error[data-code="invalid_event"] strong'), /refused/);
    await page.fill('#temperature', '0.7');
    await page.press('#input', 'Enter');
    await turnEnded(page, 1);
    assert.equal(await page.inputValue('#input'), '');
  },

  // The page registers ask_user with its JS client: the code's question shows under its action,
  // the person's answer goes back into the code, a declined one raises ToolError there.
  async tools(page) {
    // The Tools panel lists what the code can call: here the page's own ask_user.
    await page.waitForFunction(() => window.codeact.client);
    await page.click('#tools summary');
    await page.waitForSelector('.tools-panel .tool[data-tool="ask_user"]', { timeout: 10000 });
    assert.equal(await page.textContent('.tools-panel .tool[data-tool="ask_user"] .tool-name'), 'ask_user(question)');
    assert.equal(await page.textContent('.tools-panel .tool[data-tool="ask_user"] .tool-source'), 'this page');
    await page.click('#tools summary');
    await ask(page, 'Double my favourite number');
    await page.waitForSelector('form.ask .ask-question:text("Your favourite number?")', { timeout: 30000 });
    assert.equal(await page.getAttribute('.tool-call', 'data-state'), 'waiting');
    assert.match(await page.textContent('.tool-call summary'), /ask_user\(question="Your favourite number\?"\)/);
    await page.fill('form.ask .ask-answer', '21');
    await page.click('form.ask .ask-send');
    await page.waitForSelector('form.ask .ask-question:text("And your name?")', { timeout: 30000 });
    await page.click('form.ask .ask-decline');
    await turnEnded(page, 1);
    assert.equal(await page.textContent('pre.output'), '42\ndeclined: tool_error\n');
    const states = await page.$$eval('.tool-call', (els) => els.map((e) => e.dataset.state));
    assert.deepEqual(states, ['ok', 'error']);
    const labels = await page.$$eval('.tool-call', (els) => els.map((e) => [...e.querySelectorAll('.tool-label')].map((l) => l.textContent)));
    assert.deepEqual(labels, [['Arguments', 'Value'], ['Arguments', 'Error']], 'each part of a call says what it is');
    assert.equal(await page.textContent('.tool-call .tool-value'), '21');
    assert.equal(await page.$$eval('form.ask', (els) => els.length), 0, 'no question is left open');
    // A reload replays the chat: the calls show as they ended, and no answered question comes back.
    await page.reload();
    await turnEnded(page, 1);
    assert.deepEqual(await page.$$eval('.tool-call', (els) => els.map((e) => e.dataset.state)), ['ok', 'error']);
    assert.equal(await page.$$eval('form.ask', (els) => els.length), 0, 'a replayed question that was answered stays closed');
  },

  // A figure enlarges on a click and downloads; files dropped on the chat or pasted into the box are uploaded.
  async figures(page) {
    await ask(page, 'Show a figure');
    await turnEnded(page, 1);
    const link = page.locator('.display-figure .figure-download');
    assert.match(await link.getAttribute('href'), /^data:image\/png;base64,/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'figure-1.png');
    await page.click('.display-figure img');
    assert.equal(await page.$$eval('.display-figure.enlarged', (els) => els.length), 1, 'a click enlarges it');
    await page.click('.display-figure img');
    assert.equal(await page.$$eval('.display-figure.enlarged', (els) => els.length), 0, 'and a second shrinks it back');
    await page.evaluate(() => {
      const files = new DataTransfer();
      files.items.add(new File(['dropped\n'], 'dropped.txt', { type: 'text/plain' }));
      const transcript = document.getElementById('transcript');
      transcript.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true }));
      transcript.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
      const pasted = new DataTransfer();
      pasted.items.add(new File(['pasted\n'], 'pasted.txt', { type: 'text/plain' }));
      document.getElementById('input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('#files .file:text("dropped.txt")', { timeout: 20000 });
    await page.waitForSelector('#files .file:text("pasted.txt")', { timeout: 20000 });
    assert.equal(await page.inputValue('#input'), '', 'a pasted file is not pasted as text');
  },

  async phone(page) {
    await page.setViewportSize({ width: 390, height: 844 });
    await ask(page, 'Show a figure');
    await turnEnded(page, 1);
    assert.equal(await page.$$eval('.observation-displays img', (els) => els.length), 1);
    const widths = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no sideways scrolling on a phone: ${widths}`);
    assert.equal(await page.isVisible('#send'), true);
    const box = await page.locator('#composer').boundingBox();
    assert.ok(box.y + box.height <= 844, 'the composer is on screen');
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
});
const network = await proxy();
// The other site of the no-leaks scenario: it answers every request with an image, and counts them.
const leaks = { hits: [] };
const leakServer = process.env.LEAK_PORT ? http.createServer((req, res) => {
  leaks.hits.push(req.url);
  res.writeHead(200, { 'Content-Type': 'image/gif' });
  res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
}).listen(Number(process.env.LEAK_PORT), '127.0.0.1') : null;
let failed = false;
let page = null;
try {
  page = await browser.newPage();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(network.url).origin });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // The page's own files are all there (a missing favicon was a 404 on every load); what the
  // model's markdown links to is the model's business.
  page.on('response', (r) => {
    const own = ['document', 'script', 'stylesheet', 'font', 'manifest'].includes(r.request().resourceType())
      || /\/favicon\./.test(r.url());
    if (r.status() === 404 && own) problems.push(`404: ${r.url()}`);
  });
  await page.goto(network.url);
  await run(page, network);
  assert.deepEqual(problems, [], 'no script errors on the page');
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${scenario}.png`, fullPage: true });
  console.log(`scenario ${scenario}: ok`);
} catch (e) {
  failed = true;
  console.error(`scenario ${scenario} failed:`, e);
  // What the page saw, and how it looked, for whoever reads the log.
  const seen = await page?.evaluate(() => window.codeact?.events).catch(() => null);
  console.error('events the page saw:', JSON.stringify(seen));
  if (page && process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${scenario}-failed.png` }).catch(() => {});
} finally {
  network.close();
  leakServer?.close();
  await browser.close();
}
process.exit(failed ? 1 : 0);
