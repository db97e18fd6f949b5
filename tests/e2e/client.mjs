#!/usr/bin/env node
// End-to-end check of an MCP server over Streamable HTTP with the official TypeScript SDK client.
// Connects, lists the tools, optionally calls one tool, and checks what it is told to expect.
// Exit code: 0 = every expectation held, 1 = an expectation failed, 2 = bad usage, 3 = overall timeout.
//
//   node client.mjs --url http://127.0.0.1:5199/mcp [--token T | --token-env VAR]
//       [--expect-tools a,b] [--expect-absent c,d] [--expect-annotations] [--expect-readonly-prefix get_]
//       [--call NAME '{"json":"args"}'] [--expect-structured] [--expect-content] [--expect-call-error TEXT]
//       [--expect-connect-error STATUS] [--protocol-version 2025-06-18] [--timeout-ms 30000] [--quiet]
//
// --token-env VAR reads the bearer token from an environment variable (keeps it out of `ps`).
// --expect-call-error TEXT: the call must fail as a JSON-RPC error (the SDK's callTool throws) whose message
//   contains TEXT (case-insensitive); a result with isError: true does not count.
// --expect-connect-error STATUS: connecting must fail with that HTTP status (e.g. 401 without a token).
// --protocol-version V: negotiate revision V and check that the server agreed to it. SDK 1.x always offers its latest
//   revision (2025-11-25) in initialize and has no option for another, so the transport's fetch rewrites that one field
//   of the initialize request; the SDK then runs on the revision the server answers with (it must be one it supports).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const USAGE = 'usage: node client.mjs --url URL [--token T|--token-env VAR] [--expect-tools a,b] [--expect-absent c] '
  + '[--expect-annotations] [--expect-readonly-prefix P] [--call NAME JSON] [--expect-structured] [--expect-content] '
  + '[--expect-call-error TEXT] [--expect-connect-error STATUS] [--protocol-version V] [--timeout-ms N] [--quiet]';

function usage(message) {
  console.error(`client.mjs: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    url: undefined, token: undefined, expectTools: [], expectAbsent: [], expectAnnotations: false,
    readonlyPrefix: undefined, call: undefined, callArgs: {}, expectStructured: false, expectContent: false,
    expectCallError: undefined, expectConnectError: undefined, protocolVersion: undefined, timeoutMs: 30000, quiet: false,
  };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--url': o.url = next(); break;
      case '--token': o.token = next(); break;
      case '--token-env': {
        const name = next();
        o.token = process.env[name];
        if (!o.token) usage(`environment variable ${name} is empty`);
        break;
      }
      case '--expect-tools': o.expectTools.push(...list(next())); break;
      case '--expect-absent': o.expectAbsent.push(...list(next())); break;
      case '--expect-annotations': o.expectAnnotations = true; break;
      case '--expect-readonly-prefix': o.readonlyPrefix = next(); break;
      case '--call': {
        o.call = next();
        const raw = i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : '{}';
        try { o.callArgs = JSON.parse(raw); } catch (e) { usage(`--call ${o.call}: arguments are not JSON (${e.message})`); }
        if (o.callArgs === null || typeof o.callArgs !== 'object' || Array.isArray(o.callArgs)) {
          usage(`--call ${o.call}: arguments must be a JSON object`);
        }
        break;
      }
      case '--expect-structured': o.expectStructured = true; break;
      case '--expect-content': o.expectContent = true; break;
      case '--expect-call-error': o.expectCallError = next(); break;
      case '--expect-connect-error': o.expectConnectError = Number(next()); break;
      case '--protocol-version': o.protocolVersion = next(); break;
      case '--timeout-ms': o.timeoutMs = Number(next()); break;
      case '--quiet': o.quiet = true; break;
      case '-h': case '--help': console.log(USAGE); process.exit(0); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!o.url) usage('--url is required');
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0) usage('--timeout-ms must be a positive number');
  if ((o.expectStructured || o.expectContent || o.expectCallError !== undefined) && !o.call) {
    usage('--expect-structured/--expect-content/--expect-call-error need --call');
  }
  if (o.expectCallError !== undefined && (o.expectStructured || o.expectContent)) {
    usage('--expect-call-error cannot be combined with --expect-structured/--expect-content');
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const failures = [];
let checks = 0;
const info = (msg) => { if (!opts.quiet) console.log(msg); };
function check(ok, what, detail) {
  checks++;
  if (ok) info(`ok   ${what}`);
  else { failures.push(what); console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`); }
  return ok;
}
const short = (v, n = 600) => { const s = JSON.stringify(v) ?? String(v); return s.length > n ? `${s.slice(0, n)}...` : s; };
function describeError(e) {
  if (e instanceof McpError) return `JSON-RPC error (${e.message})`;
  if (e instanceof StreamableHTTPError) return `HTTP ${e.code}: ${e.message}`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`;
}

// Hard deadline for the whole run, whatever hangs.
const deadline = setTimeout(() => {
  console.log(`FAIL overall timeout after ${opts.timeoutMs} ms (${opts.url})`);
  process.exit(3);
}, opts.timeoutMs);
deadline.unref();

async function main() {
  const headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  const fetchForRevision = async (url, init) => {
    if (opts.protocolVersion && typeof init?.body === 'string' && init.body.includes('"method":"initialize"')) {
      const body = JSON.parse(init.body);
      if (body.method === 'initialize') body.params.protocolVersion = opts.protocolVersion;
      init = { ...init, body: JSON.stringify(body) };
    }
    return fetch(url, init);
  };
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers }, fetch: fetchForRevision });
  const client = new Client({ name: 'msil-mcp-e2e', version: '1.0.0' });
  const requestOptions = { timeout: opts.timeoutMs };

  try {
    await client.connect(transport, requestOptions);
  } catch (e) {
    if (opts.expectConnectError !== undefined) {
      const status = e instanceof StreamableHTTPError ? e.code : undefined;
      const ok = status === opts.expectConnectError || (status === undefined && String(e?.message).includes(String(opts.expectConnectError)));
      check(ok, `connect fails with HTTP ${opts.expectConnectError}`, describeError(e));
      if (ok) info(`     (${describeError(e)})`);
      return;
    }
    check(false, `connect to ${opts.url}`, describeError(e));
    return;
  }
  if (opts.expectConnectError !== undefined) {
    check(false, `connect fails with HTTP ${opts.expectConnectError}`, 'connected successfully');
    await client.close().catch(() => {});
    return;
  }

  check(true, `connect to ${opts.url}`);
  try {
    const server = client.getServerVersion();
    info(`connected to ${server?.name ?? '?'} ${server?.version ?? ''} (session: ${transport.sessionId ?? 'none'}, protocol ${transport.protocolVersion ?? '?'})`);
    if (opts.protocolVersion) {
      check(transport.protocolVersion === opts.protocolVersion, `negotiated protocol revision ${opts.protocolVersion}`, `server answered ${transport.protocolVersion}`);
    }

    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, requestOptions);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const names = tools.map((t) => t.name);
    info(`tools (${names.length}): ${names.join(', ')}`);

    for (const name of opts.expectTools) check(names.includes(name), `tools/list contains ${name}`);
    for (const name of opts.expectAbsent) check(!names.includes(name), `tools/list does not contain ${name}`);
    if (opts.expectAnnotations) {
      const missing = tools.filter((t) => !t.annotations || typeof t.annotations !== 'object').map((t) => t.name);
      check(tools.length > 0 && missing.length === 0, 'every tool has annotations',
        tools.length === 0 ? 'no tools listed' : `missing on ${missing.join(', ')}`);
    }
    if (opts.readonlyPrefix !== undefined) {
      const matching = tools.filter((t) => t.name.startsWith(opts.readonlyPrefix));
      const wrong = matching.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name);
      check(matching.length > 0 && wrong.length === 0, `readOnlyHint is true on every ${opts.readonlyPrefix}* tool`,
        matching.length === 0 ? `no tool starts with ${opts.readonlyPrefix}` : `not read-only: ${wrong.join(', ')}`);
    }

    if (opts.call) {
      const label = `tools/call ${opts.call} ${short(opts.callArgs, 200)}`;
      let result; let error;
      try {
        result = await client.callTool({ name: opts.call, arguments: opts.callArgs }, undefined, requestOptions);
      } catch (e) {
        error = e;
      }
      if (opts.expectCallError !== undefined) {
        if (error) {
          const isRpc = error instanceof McpError;
          const matches = String(error.message).toLowerCase().includes(opts.expectCallError.toLowerCase());
          check(isRpc && matches, `${label} fails with a JSON-RPC error containing "${opts.expectCallError}"`, describeError(error));
          if (isRpc && matches) info(`     (${describeError(error)})`);
        } else {
          check(false, `${label} fails with a JSON-RPC error containing "${opts.expectCallError}"`,
            `it succeeded${result?.isError ? ' with isError: true' : ''}: ${short(result)}`);
        }
      } else if (error) {
        check(false, `${label} succeeds`, describeError(error));
      } else {
        info(`     result: ${short(result)}`);
        check(result.isError !== true, `${label} has no isError`, short(result.content));
        if (opts.expectStructured) {
          const sc = result.structuredContent;
          check(sc !== null && typeof sc === 'object' && !Array.isArray(sc), `${label} returns structuredContent as an object`,
            `structuredContent = ${short(sc)}`);
        }
        if (opts.expectContent) {
          check(Array.isArray(result.content) && result.content.length > 0, `${label} returns content`, short(result));
        }
      }
    }
  } catch (e) {
    check(false, `talking to ${opts.url}`, describeError(e));
  } finally {
    await client.close().catch(() => {});
  }
}

await main();
clearTimeout(deadline);
if (failures.length > 0) {
  console.log(`e2e client: FAILED ${failures.length} of ${checks} checks`);
  process.exit(1);
}
console.log(`e2e client: passed ${checks} checks`);
process.exit(0);
