// tests/e2e/revision-proxy.mjs - a loopback reverse proxy that makes a client offer an older protocol revision.
// Some clients always offer their latest 2025 revision in `initialize` (the MCP Inspector CLI has no option for
// 2025-06-18). This proxy rewrites that one field of the initialize request to <revision>; the server answers with it,
// and a client that supports it runs the session on it. Everything else is forwarded untouched.
// It writes what it saw to stderr, one line each, so the caller can check that the client really used the revision:
//   "offered <client's> -> <revision>"   for the rewritten initialize request
//   "answered <revision>"                the server's protocolVersion in the initialize result
//   "header <value>"                     each MCP-Protocol-Version header sent by the client after initialize
//
//   node revision-proxy.mjs <target base URL> <revision>     # prints the proxy's base URL, then serves
import http from "node:http";

const target = new URL(process.argv[2] ?? "");
const revision = process.argv[3] ?? "";
if (target.hostname !== "127.0.0.1" || !/^\d{4}-\d{2}-\d{2}$/.test(revision)) {
  console.error("usage: node revision-proxy.mjs http://127.0.0.1:PORT YYYY-MM-DD");
  process.exit(2);
}

const MAX_BODY = 1024 * 1024;

function rewrite(body) {
  let message;
  try { message = JSON.parse(body.toString("utf8")); } catch { return body; }
  if (message?.method !== "initialize" || typeof message.params?.protocolVersion !== "string") return body;
  console.error(`offered ${message.params.protocolVersion} -> ${revision}`);
  message.params.protocolVersion = revision;
  return Buffer.from(JSON.stringify(message), "utf8");
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > MAX_BODY) { res.writeHead(413); res.end("proxy: body too large"); req.destroy(); return; }
    chunks.push(c);
  });
  req.on("end", () => {
    if (res.headersSent) return;
    let body = Buffer.concat(chunks);
    const initialize = req.method === "POST" && body.includes('"initialize"');
    if (req.method === "POST") body = rewrite(body);
    const version = req.headers["mcp-protocol-version"];
    if (version && !initialize) console.error(`header ${version}`);
    const headers = { ...req.headers, "content-length": String(body.length) };
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, setHost: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (initialize) {
          // The answer may be JSON or one SSE event: find its protocolVersion in the text as it passes.
          let text = "";
          up.on("data", (c) => { if (text.length < MAX_BODY) text += c.toString("utf8"); });
          up.on("end", () => {
            const m = /"protocolVersion"\s*:\s*"([^"]+)"/.exec(text);
            console.error(`answered ${m ? m[1] : "(none)"}`);
          });
        }
        up.pipe(res);
      });
    upstream.on("error", (e) => { if (!res.headersSent) res.writeHead(502); res.end(`proxy: ${e.message}`); });
    upstream.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
