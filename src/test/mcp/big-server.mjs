// A small Streamable-HTTP MCP server for ToolsTest whose one tool answers with as many bytes as it
// is asked for: a result far over codeact.tools.max-result-bytes, to check that it fails that call
// alone. Prints "listening PORT" once it accepts connections, on a free loopback port.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const sessions = new Map();

function newServer() {
  const server = new McpServer({ name: 'big', version: '1.0.0' });
  server.tool('make', 'Text of the given length.', { size: z.number().int() },
    async ({ size }) => ({ content: [{ type: 'text', text: 'x'.repeat(size) }] }));
  return server;
}

async function handle(req, res) {
  const id = req.headers['mcp-session-id'];
  let transport = id && sessions.get(id);
  if (!transport) {
    if (id || req.method !== 'POST') {
      res.writeHead(400, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => sessions.set(sid, transport),
    });
    transport.onclose = () => { if (transport.sessionId) sessions.delete(transport.sessionId); };
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res);
}

const listener = http.createServer((req, res) => {
  handle(req, res).catch((e) => {
    console.error(e);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
listener.listen(0, '127.0.0.1', () => console.log(`listening ${listener.address().port}`));
