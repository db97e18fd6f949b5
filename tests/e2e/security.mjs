#!/usr/bin/env node
// Black-box security checks of a running reference server: what a caller with a valid low-privilege token (or none)
// can and cannot do, over plain HTTP as an attacker would send it. No MCP SDK: raw JSON-RPC over Streamable HTTP, so
// that malformed and hostile requests can be sent exactly. Run by build/run-e2e.sh (each check is one result line);
// run it alone against a server you started:
//
//   node tests/e2e/security.mjs --url http://127.0.0.1:5199 [--results FILE] [--only NAME[,NAME]] [--list]
//
// Every request goes to the loopback URL given (a non-loopback URL is refused), each with a 15 s timeout; loops are
// bounded in count. The server must run in Development with the reference server's defaults (development issuer with
// alice/bob/carol, development PIM page, sample backend). Checks that change server state (overrides) undo it.
// Output: one line per check, `PASS|FAIL|SKIP security:<name>[: why]`; with --results, the same as
// `pass|fail|skip security:<name>` lines appended to FILE. Exit code 0 when nothing failed, 1 otherwise, 2 on bad usage.
// The threat model and the control behind each check: docs/security.md.
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const USAGE = 'usage: node security.mjs --url http://127.0.0.1:PORT [--results FILE] [--only NAME[,NAME]] [--list]';
const args = process.argv.slice(2);
let base; let resultsFile; let only = null; let listOnly = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const next = () => { if (i + 1 >= args.length) { console.error(USAGE); process.exit(2); } return args[++i]; };
  if (a === '--url') base = next().replace(/\/$/, '');
  else if (a === '--results') resultsFile = next();
  else if (a === '--only') only = new Set(next().split(',').map((s) => s.trim()).filter(Boolean));
  else if (a === '--list') listOnly = true;
  else { console.error(`security.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
if (!base && !listOnly) { console.error(USAGE); process.exit(2); }
if (base && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(base)) {
  console.error(`security.mjs: --url must be a loopback http URL with a port, got '${base}'`);
  process.exit(2);
}
const url = new URL(base ?? 'http://127.0.0.1:1');
const PORT = url.port;

// ---- HTTP and JSON-RPC helpers ------------------------------------------------------------------------------
const TIMEOUT_MS = 15000;
async function http(path, { method = 'GET', headers = {}, body, token } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: tryJson(text) };
}
function tryJson(text) { try { return JSON.parse(text); } catch { return undefined; } }

let rpcId = 0;
/** One JSON-RPC request to /mcp (stateless); returns { status, message } where message is the JSON-RPC answer. */
async function rpc(token, method, params, { headers = {}, protocol = '2025-11-25' } = {}) {
  const res = await http('/mcp', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': protocol, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  let message = res.json;
  if (message === undefined) { // an SSE answer: the last data: line that parses as JSON-RPC with our id
    for (const line of res.text.split('\n')) {
      if (line.startsWith('data:')) { const m = tryJson(line.slice(5).trim()); if (m && m.id !== undefined) message = m; }
    }
  }
  return { status: res.status, headers: res.headers, message, text: res.text };
}
const call = (token, name, args, opts) => rpc(token, 'tools/call', { name, arguments: args }, opts);
const listTools = async (token) => (await rpc(token, 'tools/list', {})).message?.result?.tools ?? [];

const tokens = {};
async function tokenFor(user, extra = {}) {
  const body = new URLSearchParams({ username: user, ...extra });
  const res = await http('/dev/oidc/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  return { status: res.status, token: res.json?.access_token, json: res.json };
}
const b64url = (s) => Buffer.from(s).toString('base64url');
const decodeJwtPart = (t, i) => JSON.parse(Buffer.from(t.split('.')[i], 'base64url').toString());
const errorText = (m) => `${m?.error?.code ?? ''} ${m?.error?.message ?? ''} ${JSON.stringify(m?.error?.data ?? '')}`;
const resultText = (m) => (m?.result?.content ?? []).map((c) => c.text ?? '').join('\n');
/** A customer id the sample backend accepts (C000-C999), other than `not`. */
const customerId = (not) => { for (;;) { const id = `C${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`; if (id !== not) return id; } };
const isRefused = (m) => m?.error !== undefined || m?.result?.isError === true;

// ---- the checks ----------------------------------------------------------------------------------------------
const checks = [];
const check = (name, fn) => checks.push({ name, fn });
class Skip extends Error {}
const skip = (why) => { throw new Skip(why); };
function expect(cond, why) { if (!cond) throw new Error(why); }

// Identity: the token's signature, algorithm and audience are checked.
check('forged-token-alg-none', async () => {
  const payload = decodeJwtPart(tokens.alice, 1);
  payload.roles = ['admin'];
  const forged = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
  const r = await rpc(forged, 'tools/list', {});
  expect(r.status === 401, `an unsigned token got HTTP ${r.status}, want 401`);
});
check('forged-token-changed-claims', async () => {
  const [h, , s] = tokens.alice.split('.');
  const payload = decodeJwtPart(tokens.alice, 1);
  payload.roles = ['admin'];
  payload.preferred_username = 'carol';
  const r = await rpc(`${h}.${b64url(JSON.stringify(payload))}.${s}`, 'tools/list', {});
  expect(r.status === 401, `a token with changed claims and the old signature got HTTP ${r.status}, want 401`);
});
check('no-token-401-with-resource-metadata', async () => {
  const r = await rpc(undefined, 'tools/list', {});
  expect(r.status === 401, `no token got HTTP ${r.status}, want 401`);
  expect(/resource_metadata=/.test(r.headers.get('www-authenticate') ?? ''), 'the 401 has no WWW-Authenticate resource_metadata');
});

// Policy before anything about the arguments: a caller who may not call a tool learns nothing about it.
check('denied-tool-reveals-no-schema', async () => {
  const r = await call(tokens.alice, 'create_booking', {});
  expect(isRefused(r.message), 'alice could call create_booking');
  const text = errorText(r.message) + resultText(r.message);
  for (const field of ['customer_id', 'vehicle_id', 'dealer_id', 'required']) {
    expect(!text.includes(field), `alice's refusal of create_booking mentions '${field}': ${text.slice(0, 300)}`);
  }
});
check('not-listable-tool-answers-like-unknown', async () => {
  const unknownName = `no_such_tool_${randomBytes(4).toString('hex')}`;
  const a = await call(tokens.alice, 'delete_customer_data', { id: 'C001' });
  const b = await call(tokens.alice, unknownName, { id: 'C001' });
  expect(a.message?.error && b.message?.error, `want JSON-RPC errors for both, got ${JSON.stringify(a.message).slice(0, 200)} / ${JSON.stringify(b.message).slice(0, 200)}`);
  expect(a.message.error.code === b.message.error.code, `codes differ: ${a.message.error.code} vs ${b.message.error.code}`);
  const shape = (m, name) => m.error.message.split(name).join('<tool>');
  expect(shape(a.message, 'delete_customer_data') === shape(b.message, unknownName),
    `messages differ: '${a.message.error.message}' vs '${b.message.error.message}'`);
});

// Early failures are bounded: names are capped in what the server answers, audits and exports.
check('huge-tool-name-bounded', async () => {
  const name = `x${'A'.repeat(200 * 1024)}`;
  const r = await call(tokens.bob, name, {});
  expect(r.status < 500, `HTTP ${r.status}`);
  expect(r.text.length < 8 * 1024, `the answer to a 200 KB tool name is ${r.text.length} bytes: the name is echoed unbounded`);
});
check('metrics-not-anonymous', async () => {
  const r = await http('/metrics');
  expect(r.status === 401 || r.status === 403 || r.status === 404, `anonymous GET /metrics got HTTP ${r.status}`);
});
check('metrics-no-caller-input-labels', async () => {
  const marker = `probe_${randomBytes(6).toString('hex')}`;
  await call(tokens.bob, marker, {});
  const r = await http('/metrics', { token: tokens.carol });
  if (r.status === 404) skip('no /metrics endpoint');
  expect(r.status === 200, `carol's GET /metrics got HTTP ${r.status}`);
  expect(!r.text.includes(marker), 'an unknown tool name became a metric label');
});
check('health-ready-anonymous-status-only', async () => {
  const r = await http('/health/ready');
  expect(r.status === 200 || r.status === 503, `HTTP ${r.status}`);
  expect(!/issuer|jwks|postgres|redis|http:\/\//i.test(r.text), `anonymous readiness shows details: ${r.text.slice(0, 200)}`);
});
// Arguments: validated before they reach a backend.
check('path-traversal-refused', async () => {
  const r = await call(tokens.bob, 'get_dealer_enquiries', { id: '../../customers/C001/data' });
  expect(isRefused(r.message), `a path argument with '../' was accepted: ${JSON.stringify(r.message).slice(0, 300)}`);
});
check('huge-arguments-refused', async () => {
  const r = await call(tokens.bob, 'get_vehicle_inventory', { model: 'x'.repeat(2 * 1024 * 1024) });
  expect(r.status === 413 || isRefused(r.message), `2 MB of arguments got HTTP ${r.status} ${JSON.stringify(r.message ?? '').slice(0, 200)}`);
});
check('deeply-nested-arguments-refused', async () => {
  let nested = '1';
  for (let i = 0; i < 5000; i++) nested = `[${nested}]`;
  const res = await http('/mcp', {
    method: 'POST', token: tokens.bob,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_vehicle_inventory","arguments":{"model":${nested}}}}`,
  });
  expect(res.status < 500, `HTTP ${res.status}`);
  const after = await call(tokens.bob, 'get_vehicle_inventory', {});
  expect(after.message?.result && !after.message.result.isError, 'the server no longer serves after a deeply nested request');
});
check('control-characters-in-arguments-not-forwarded', async () => {
  const r = await call(tokens.bob, 'get_vehicle_inventory', { model: 'Swift\r\nX-Injected: 1' });
  if (isRefused(r.message)) return; // refused: fine
  expect(!/X-Injected/i.test(JSON.stringify(r.message?.result?.structuredContent ?? '')), 'a CR/LF argument was forwarded as a header');
});

// Elevation: grants are bound to the caller, the tool and the arguments.
async function approveElevation(message) {
  const elicit = message?.error?.data?.elicitations?.[0];
  const approvalUrl = elicit?.url ?? (errorText(message).match(/https?:\/\/[^\s"']+/) ?? [])[0];
  if (!approvalUrl) throw new Error(`no approval URL in ${JSON.stringify(message).slice(0, 300)}`);
  const u = new URL(approvalUrl);
  expect(['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname), `approval URL is not on loopback: ${u.origin}`);
  const page = await http(u.pathname + u.search);
  expect(page.status === 200, `approval page HTTP ${page.status}`);
  const form = page.text.match(/<form([^>]*)>([\s\S]*?)<\/form>/i);
  expect(form, 'the approval page has no form');
  form[1] = (form[1].match(/action="([^"]*)"/i) ?? [])[1] ?? '';
  const fields = new URLSearchParams();
  for (const m of form[2].matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) fields.append(m[1], m[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  const action = new URL(form[1].replace(/&amp;/g, '&') || u.pathname, approvalUrl);
  const posted = await http(action.pathname + action.search, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
  expect(posted.status < 400, `approving got HTTP ${posted.status}: ${posted.text.slice(0, 200)}`);
  return approvalUrl;
}
check('correlation-id-not-client-chosen-reference', async () => {
  const chosen = `attacker-${randomBytes(4).toString('hex')}`;
  // Run before grant-bound-to-caller approves carol's scope (a reusable grant would skip the elevation answer).
  const r = await call(tokens.carol, 'delete_customer_data', { id: customerId() }, { headers: { 'x-correlation-id': chosen } });
  if (r.message?.result) skip('carol already holds a grant on this server (an earlier run approved it)');
  expect(r.message?.error?.code === -32042, `want -32042, got ${JSON.stringify(r.message).slice(0, 200)}`);
  const elicitUrl = r.message.error.data?.elicitations?.[0]?.url ?? '';
  expect(!elicitUrl.includes(chosen), `the client's correlation id became the elevation reference: ${elicitUrl}`);
});

check('grant-bound-to-caller', async () => {
  const id = customerId();
  const first = await call(tokens.carol, 'delete_customer_data', { id });
  // -32042 on a fresh server; a result when an earlier run on this server already holds carol's reusable grant.
  if (first.message?.error) {
    expect(first.message.error.code === -32042, `carol's first privileged call: ${JSON.stringify(first.message).slice(0, 200)}, want -32042`);
    await approveElevation(first.message);
  }
  const bob = await call(tokens.bob, 'delete_customer_data', { id });
  expect(isRefused(bob.message), 'bob used carol\'s grant');
  const ok = await call(tokens.carol, 'delete_customer_data', { id });
  // Through every stage to the backend (which may answer 404 for a customer id it does not know: that is the backend's answer).
  expect(ok.message?.result && (!ok.message.result.isError || /backend answered HTTP 404/.test(resultText(ok.message))),
    `carol's approved call did not reach the backend: ${JSON.stringify(ok.message).slice(0, 300)}`);
});
// Hosts and origins: DNS rebinding.
for (const path of ['/mcp', '/dev/oidc/token', '/dev/pim/approve', '/api/mcp/tools']) {
  check(`foreign-host-refused${path.replace(/\//g, '-')}`, async () => {
    // fetch() will not send a forged Host header, so this one goes over a raw socket.
    const net = await import('node:net');
    const status = await new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname.replace(/[[\]]/g, ''), port: Number(PORT) }, () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: rebind.attacker.example:${PORT}\r\nOrigin: http://rebind.attacker.example:${PORT}\r\n`
          + 'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 14\r\nConnection: close\r\n\r\nusername=alice');
      });
      let data = '';
      socket.setTimeout(TIMEOUT_MS, () => { socket.destroy(); reject(new Error('timeout')); });
      socket.on('data', (d) => { data += d; });
      socket.on('end', () => resolve(Number((data.match(/^HTTP\/1\.1 (\d{3})/) ?? [])[1])));
      socket.on('error', reject);
    });
    expect(status === 400 || status === 403 || status === 421, `a request for Host rebind.attacker.example to ${path} got HTTP ${status}`);
  });
}
check('foreign-origin-refused', async () => {
  const r = await rpc(tokens.bob, 'tools/list', {}, { headers: { origin: 'http://evil.example' } });
  expect(r.status === 403, `a foreign Origin got HTTP ${r.status}`);
});

// The development issuer: only its audience, and no exchange without client authentication.
check('dev-issuer-only-configured-audience', async () => {
  const r = await tokenFor('alice', { audience: 'api://some-other-api' });
  if (r.status === 200 && r.token) {
    const aud = decodeJwtPart(r.token, 1).aud;
    expect(!(Array.isArray(aud) ? aud : [aud]).includes('api://some-other-api'), 'the development issuer minted a token for a foreign audience');
  }
});
check('dev-issuer-exchange-needs-client-auth', async () => {
  const body = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: tokens.alice,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: 'api://sample-backend',
  });
  const r = await http('/dev/oidc/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  expect(r.status === 400 || r.status === 401, `a token exchange without client authentication got HTTP ${r.status}`);
});

// Administration: non-admins are refused; privileged changes need elevation; imports cannot reach other hosts.
check('admin-api-refuses-non-admin', async () => {
  const r = await http('/api/mcp/tools/get_vehicle_inventory/override', {
    method: 'PUT', token: tokens.bob, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description: 'x' }),
  });
  expect(r.status === 403, `bob's override got HTTP ${r.status}`);
});
check('risk-lowering-needs-elevation', async () => {
  const r = await http('/api/mcp/tools/delete_customer_data/override', {
    method: 'PUT', token: tokens.carol, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ risk_level: 'write' }),
  });
  try {
    expect(r.status === 403 || r.status === 428, `an unelevated override lowering delete_customer_data to write got HTTP ${r.status}`);
    const tools = await listTools(tokens.bob);
    expect(!tools.some((t) => t.name === 'delete_customer_data'), 'bob can now list delete_customer_data');
  } finally {
    if (r.status < 300) await http('/api/mcp/tools/delete_customer_data/override', { method: 'DELETE', token: tokens.carol });
  }
});
check('import-url-not-on-allow-list-not-fetched', async () => {
  const r = await http('/api/mcp/tools/import?dryRun=true', {
    method: 'POST', token: tokens.carol, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.2:9/openapi.json' }),
  });
  expect(r.status >= 400 && r.status < 500, `an import from a host not on the allow-list got HTTP ${r.status}`);
});
check('import-yaml-bomb-refused', async () => {
  const bomb = ['openapi: 3.0.0', 'info: {title: t, version: "1"}', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  bomb.push('paths: {}');
  const r = await http('/api/mcp/tools/import?dryRun=true', { method: 'POST', token: tokens.carol, headers: { 'content-type': 'application/yaml' }, body: bomb.join('\n') });
  expect(r.status >= 400 && r.status < 500, `a YAML alias bomb got HTTP ${r.status}`);
  const alive = await http('/health/live');
  expect(alive.status === 200, 'the server is not live after the YAML bomb');
});
check('discovery-hides-override-internals', async () => {
  const put = await http('/api/mcp/tools/get_vehicle_inventory/override', {
    method: 'PUT', token: tokens.carol, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hidden_parameters: ['dealer_id'], fixed_parameters: { dealer_id: 'DL-SECRET-7' } }),
  });
  if (put.status === 400) skip(`the override shape was refused: ${put.text.slice(0, 200)}`);
  try {
    expect(put.status < 300, `carol's override got HTTP ${put.status}: ${put.text.slice(0, 200)}`);
    const r = await http('/api/mcp/tools/get_vehicle_inventory', { token: tokens.alice });
    expect(r.status === 200, `alice's discovery GET got HTTP ${r.status}`);
    expect(!r.text.includes('DL-SECRET-7'), 'the discovery API shows an override\'s fixed value to a viewer');
    // dealer_id is also a field of the answer (output schema, examples): only the input side must not name it.
    const input = r.json?.input_schema ?? r.json?.inputSchema ?? {};
    expect(!Object.hasOwn(input.properties ?? {}, 'dealer_id'), 'the discovery API shows a hidden parameter in the input schema to a viewer');
    expect(!(r.json?.query_params ?? []).includes('dealer_id'), 'the discovery API names a hidden parameter in query_params');
    expect(!/hidden_parameters|fixed_parameters/.test(r.text), 'the discovery API shows the override to a viewer');
  } finally {
    await http('/api/mcp/tools/get_vehicle_inventory/override', { method: 'DELETE', token: tokens.carol });
  }
});

// Early failures are rate-limited like any call (spends alice's budget: keep it last).
check('unknown-names-rate-limited', async () => {
  // Last of all: it spends alice's per-user budget (the development issuer knows only its demo users).
  const t = tokens.alice;
  let limited = false;
  for (let i = 0; i < 400 && !limited; i += 20) {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, j) => call(t, `nope_${i + j}`, {})));
    limited = answers.some((a) => a.status === 429 || /rate|retry/i.test(errorText(a.message)));
  }
  expect(limited, '400 calls to unknown tool names in a burst were never rate-limited');
});

// ---- run -------------------------------------------------------------------------------------------------------
if (listOnly) { for (const c of checks) console.log(`security:${c.name}`); process.exit(0); }
for (const user of ['alice', 'bob', 'carol']) {
  const r = await tokenFor(user).catch((e) => ({ status: 0, error: e }));
  if (!r.token) { console.error(`security.mjs: no token for ${user} from ${base}/dev/oidc/token (HTTP ${r.status})`); process.exit(1); }
  tokens[user] = r.token;
}
let failed = 0;
const record = (verdict, name, why) => {
  console.log(`${verdict.toUpperCase().padEnd(4)} security:${name}${why ? `: ${why}` : ''}`);
  if (resultsFile) appendFileSync(resultsFile, `${verdict} security:${name}\n`);
};
for (const c of checks) {
  if (only && !only.has(c.name)) continue;
  try {
    await c.fn();
    record('pass', c.name);
  } catch (e) {
    if (e instanceof Skip) record('skip', c.name, e.message);
    else { failed++; record('fail', c.name, e.message); }
  }
}
process.exit(failed ? 1 : 0);
