// A Streamable-HTTP MCP server for ToolsTest: server-everything's own server behind the MCP SDK's
// Streamable-HTTP transport, on a free loopback port (its own launcher listens on every interface).
import { createServer } from '@modelcontextprotocol/server-everything/dist/server/index.js';
import { serve } from './serve-http.mjs';

serve(() => createServer());
