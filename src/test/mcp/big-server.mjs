// A small Streamable-HTTP MCP server for ToolsTest whose one tool answers with as many bytes as it
// is asked for: a result far over codeact.tools.max-result-bytes, to check that it fails that call
// alone.
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { serve } from './serve-http.mjs';

serve(() => {
  const server = new McpServer({ name: 'big', version: '1.0.0' });
  server.tool('make', 'Text of the given length.', { size: z.number().int() },
    async ({ size }) => ({ content: [{ type: 'text', text: 'x'.repeat(size) }] }));
  return { server, cleanup: () => {} };
});
