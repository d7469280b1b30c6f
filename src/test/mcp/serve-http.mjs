// The Streamable-HTTP side of the test MCP servers: one MCP server per session, made by
// newSession() ({ server, cleanup }), on a free loopback port. Prints "listening PORT" once it
// accepts connections (McpHttpServer reads it).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export function serve(newSession) {
  const sessions = new Map();

  async function handle(req, res) {
    if (new URL(req.url, 'http://localhost').pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = id && sessions.get(id);
    if (!transport) {
      if (id || req.method !== 'POST') {
        res.writeHead(400, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no such session' }, id: null }));
        return;
      }
      const { server, cleanup } = newSession();
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => sessions.set(sid, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
        cleanup(transport.sessionId);
      };
      await server.connect(transport);
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
}
