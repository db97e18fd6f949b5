// tests/conformance/token-proxy.mjs - a loopback reverse proxy that adds a bearer token to every request, so the
// conformance suite (which cannot send one) can run a scenario against a server that requires authentication.
// Everything else is forwarded untouched - the Host and Origin headers above all, so the server's own DNS-rebinding
// protection is what the scenario sees. Used by build/conformance.sh --reference.
//
//   MSIL_PROXY_TOKEN=<token> node token-proxy.mjs <target base URL>     # prints the proxy's base URL, then serves
import http from "node:http";

const target = new URL(process.argv[2] ?? "");
const token = process.env.MSIL_PROXY_TOKEN;
if (!token || target.hostname !== "127.0.0.1") {
  console.error("usage: MSIL_PROXY_TOKEN=<token> node token-proxy.mjs http://127.0.0.1:PORT");
  process.exit(2);
}

const server = http.createServer((req, res) => {
  const headers = { ...req.headers, authorization: `Bearer ${token}` };
  const upstream = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, setHost: false },
    (up) => { res.writeHead(up.statusCode ?? 502, up.headers); up.pipe(res); });
  upstream.on("error", (e) => { if (!res.headersSent) res.writeHead(502); res.end(`proxy: ${e.message}`); });
  req.pipe(upstream);
});
server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
