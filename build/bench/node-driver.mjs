// A load driver for MCP servers that wrk cannot drive (a server that answers POSTs on its SSE GET stream): the
// TypeScript SDK's client over Streamable HTTP, CLIENTS sessions in this process, each calling one tool in a loop for
// SECONDS, paced so the process makes at most RATE calls per second in all (0: as fast as it can). Used by
// build/bench-http.sh's node row with NODE_DRIVER=ts, which runs several of these processes at once and reads each
// server's CPU from /proc (the default driver is tests/Msil.Mcp.Benchmarks drive-mcp). Each client numbers its requests
// from 0, so the sessions' ids repeat; the Node peer routes a reply by id across all its sessions, so a repeated id
// sends a reply to another session or to all of them (drive-mcp keeps ids unique).
// Usage: node node-driver.mjs <url> <tool-substring> <clients> <seconds> <rate> [bearer-token]
// Prints one line: "calls=N errors=E".
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, toolMatch, clientsArg, secondsArg, rateArg, token] = process.argv.slice(2);
const clients = Number(clientsArg), seconds = Number(secondsArg), rate = Number(rateArg);
const headers = token ? { Authorization: `Bearer ${token}` } : {};
let calls = 0, errors = 0;

async function connect() {
  const client = new Client({ name: 'msil-bench-driver', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  const { tools } = await client.listTools();
  const tool = tools.find(t => t.name.toLowerCase().includes(toolMatch.toLowerCase()) && !t.name.toLowerCase().includes('post'));
  if (!tool) throw new Error(`no tool matching '${toolMatch}' among: ${tools.map(t => t.name).join(', ')}`);
  return { client, tool: tool.name };
}

const sessions = await Promise.all(Array.from({ length: clients }, connect));
const end = Date.now() + seconds * 1000;
const interval = rate > 0 ? (1000 * clients) / rate : 0; // per session, in ms
await Promise.all(sessions.map(async ({ client, tool }, i) => {
  let next = Date.now() + (interval * i) / clients;
  while (Date.now() < end) {
    if (interval > 0) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
      next += interval;
      if (Date.now() >= end) break;
    }
    try {
      const result = await client.callTool({ name: tool, arguments: {} });
      if (result.isError) errors++; else calls++;
    } catch {
      errors++;
    }
  }
}));
console.log(`calls=${calls} errors=${errors}`);
await Promise.all(sessions.map(s => s.client.close().catch(() => {})));
process.exit(0);
