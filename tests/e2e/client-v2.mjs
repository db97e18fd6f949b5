#!/usr/bin/env node
// End-to-end check of an MCP server with the TypeScript SDK v2 client (@modelcontextprotocol/client), which speaks
// the 2026-07-28 revision (no initialize: server/discover and per-request _meta) as well as the 2025 ones.
// Pins one protocol revision, lists the tools, calls one, and checks the revision the session really used.
// Exit code: 0 = every expectation held, 1 = an expectation failed, 2 = bad usage, 3 = overall timeout.
//
//   node client-v2.mjs --url http://127.0.0.1:5199/mcp --token-env VAR --protocol-version 2026-07-28
//       [--expect-tools a,b] [--call NAME '{"json":"args"}'] [--expect-structured] [--timeout-ms 30000]
//
// --protocol-version V: 2026-07-28 and later are pinned (`versionNegotiation: { mode: { pin: V } }`); a 2025 revision
//   uses the legacy initialize handshake (`mode: 'legacy'`), which offers the client's latest 2025 revision (2025-11-25)
//   and cannot be pinned to an older one. The check fails unless the session negotiated V.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const USAGE = 'usage: node client-v2.mjs --url URL --token-env VAR --protocol-version V [--expect-tools a,b] '
  + '[--call NAME JSON] [--expect-structured] [--timeout-ms N]';

function usage(message) {
  console.error(`client-v2.mjs: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { url: undefined, token: undefined, version: undefined, expectTools: [], call: undefined, callArgs: {}, expectStructured: false, timeoutMs: 30000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--url': o.url = next(); break;
      case '--token-env': {
        const name = next();
        o.token = process.env[name];
        if (!o.token) usage(`environment variable ${name} is empty`);
        break;
      }
      case '--protocol-version': o.version = next(); break;
      case '--expect-tools': o.expectTools.push(...next().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--call': {
        o.call = next();
        const raw = i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : '{}';
        try { o.callArgs = JSON.parse(raw); } catch (e) { usage(`--call ${o.call}: arguments are not JSON (${e.message})`); }
        break;
      }
      case '--expect-structured': o.expectStructured = true; break;
      case '--timeout-ms': o.timeoutMs = Number(next()); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!o.url) usage('--url is required');
  if (!o.token) usage('--token-env is required');
  if (!o.version) usage('--protocol-version is required');
  if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1000) usage('--timeout-ms must be an integer >= 1000');
  return o;
}

const o = parseArgs(process.argv.slice(2));
const failures = [];
const expect = (ok, what) => { if (!ok) failures.push(what); };
const timer = setTimeout(() => { console.error(`client-v2.mjs: no answer within ${o.timeoutMs} ms`); process.exit(3); }, o.timeoutMs);

const mode = o.version < '2026' ? 'legacy' : { pin: o.version };
const client = new Client({ name: 'msil-e2e-client-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
const transport = new StreamableHTTPClientTransport(new URL(o.url), { requestInit: { headers: { Authorization: `Bearer ${o.token}` } } });
try {
  await client.connect(transport);
  const negotiated = client.getNegotiatedProtocolVersion();
  console.log(`connected: protocol ${negotiated}, server ${client.getServerVersion()?.name ?? '(unnamed)'}`);
  expect(negotiated === o.version, `negotiated protocol ${negotiated}, expected ${o.version}`);

  const { tools } = await client.listTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);
  for (const name of o.expectTools) expect(tools.some((t) => t.name === name), `tool ${name} is not listed`);

  if (o.call) {
    const result = await client.callTool({ name: o.call, arguments: o.callArgs });
    const text = (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
    console.log(`call ${o.call}: isError=${result.isError === true}, ${text.length} characters of text`);
    expect(result.isError !== true, `call ${o.call} returned a tool error: ${text.slice(0, 300)}`);
    expect(Array.isArray(result.content) && result.content.length > 0, `call ${o.call} returned no content`);
    if (o.expectStructured) {
      expect(result.structuredContent !== null && typeof result.structuredContent === 'object', `call ${o.call} returned no structuredContent`);
    }
  }
} catch (e) {
  failures.push(`${e?.constructor?.name ?? 'Error'}: ${e?.message ?? e}`);
} finally {
  clearTimeout(timer);
  await client.close().catch(() => {});
}

if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log('ok');
