// The scripted OpenAI-style SSE model of bin/bench. It stands in for the model server only: what
// it answers depends on the last user (or observation) message:
//   "tokens:N pace:P tag:T"  N tokens of 1–4 characters, P per second (0: as fast as it can write);
//                            the time each token was written is kept under T (see writeTimes)
//   "actions:K"              a code action `print(1)`, again after each observation, K in all, then
//                            an answer (the observations since that message are counted)
//   "import:M1,M2"            one action importing those modules and printing 1, then an answer
//   "code:B64"               one action running that code (base64), then an answer
//   anything else            one action `print(1)`, then (after its observation) an answer
import http from 'node:http';

export const now = () => Number(process.hrtime.bigint()) / 1e6;

// Token texts: lowercase words cut into pieces of 1–4 characters, never '<' (the gateway holds a
// '<' back until it knows whether <execute> begins).
const PIECES = ['the', ' re', 'sult', ' is', ' a', ' list', ' of', ' num', 'bers', ' and', ' we', ' can', ' sum',
  ' th', 'em', '.', ' so', ' x', ' =', ' 42'];

/** Token lengths and texts of a tag, the same on every side (a tiny seeded generator). */
export function tokensOf(tag, n) {
  let h = 2166136261;
  for (const c of tag) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    out[i] = PIECES[h % PIECES.length];
  }
  return out;
}

const event = (content) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;
const END = 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,'
  + '"completion_tokens":1}}\n\ndata: [DONE]\n\n';

export function createModel() {
  const writeTimes = new Map(); // tag → Float64Array of write times (ms), one per token
  const paced = new Set();
  let ticker = null;

  function stream(res, tag, pieces, pace) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    const times = new Float64Array(pieces.length);
    writeTimes.set(tag, times);
    if (!pace) {
      // As fast as it can: the events of 32 tokens leave in one write (a fast server's reads
      // carry many), so a thousand streams do not cost a syscall per token here.
      for (let i = 0; i < pieces.length; i += 32) {
        const upTo = Math.min(pieces.length, i + 32);
        res.write(pieces.slice(i, upTo).map(event).join(''));
        times.fill(now(), i, upTo);
      }
      res.end(END);
      return;
    }
    // One ticker for every paced stream: thousands of streams must not mean thousands of timers.
    paced.add({ res, pieces, times, next: 0, start: now(), every: 1000 / pace });
    ticker ??= setInterval(() => {
      const t = now();
      for (const s of paced) {
        while (s.next < s.pieces.length && s.start + s.next * s.every <= t) {
          s.res.write(event(s.pieces[s.next]));
          s.times[s.next++] = now();
        }
        if (s.next === s.pieces.length) {
          s.res.end(END);
          paced.delete(s);
        }
      }
      if (paced.size === 0) {
        clearInterval(ticker);
        ticker = null;
      }
    }, 4);
  }

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const messages = JSON.parse(body).messages;
      const last = messages[messages.length - 1].content;
      const tokens = /tokens:(\d+) pace:(\d+) tag:(\S+)/.exec(last);
      if (tokens) {
        stream(res, tokens[3], tokensOf(tokens[3], Number(tokens[1])), Number(tokens[2]));
        return;
      }
      // The turn began at the last user message that is not an observation.
      let begin = messages.length - 1;
      while (begin > 0 && (messages[begin].role !== 'user' || messages[begin].content.startsWith('Execution Output:'))) begin--;
      const wanted = /actions:(\d+)/.exec(messages[begin].content);
      const seen = messages.slice(begin).filter((m) => m.content.startsWith('Execution Output:')).length;
      const imports = /import:(\S+)/.exec(messages[begin].content);
      const given = /code:(\S+)/.exec(messages[begin].content);
      if (wanted ? seen < Number(wanted[1]) : !last.startsWith('Execution Output:')) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const code = given ? Buffer.from(given[1], 'base64').toString()
          : imports ? `import ${imports[1].split(',').join(', ')}\nprint(1)` : 'print(1)';
        res.end(event('<execute>') + event(code) + event('\n') + END);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end(event('done') + END);
      }
    });
  });
  // Connections the server had to drop (a saturated driver shows here, not as a gateway error).
  const dropped = [];
  server.on('clientError', (e, socket) => { dropped.push(String(e.code || e.message)); socket.destroy(); });
  return { server, writeTimes, dropped };
}
