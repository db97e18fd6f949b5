// Asks a running OPA server (opa run --server on the shipped policies) every case of the shared decision table
// (cases.json) that uses the shipped data.json, over the HTTP API the Msil.Mcp.Policy.Opa client uses:
//   node opa-cases.mjs <opa base url> <cases.json>
// Prints "ok <case>" or "fail <case>: <answer>" per case; exits 1 when one differs or the server does not answer.
import { readFileSync } from "node:fs";

const [base, casesFile] = process.argv.slice(2);
const { cases } = JSON.parse(readFileSync(casesFile, "utf8"));

// Wait (bounded) for the server to load the policies.
let ready = false;
for (let i = 0; i < 50 && !ready; i++) {
  try { ready = (await fetch(`${base}/health?bundles`)).ok; } catch { /* not listening yet */ }
  if (!ready) await new Promise(r => setTimeout(r, 200));
}
if (!ready) { console.log(`fail: no OPA server answered at ${base}/health`); process.exit(1); }

let failed = 0, asked = 0;
for (const c of cases) {
  if (c.data) continue; // cases with their own data are run by `opa test` (authz_test.rego), which can replace data
  asked++;
  const response = await fetch(`${base}/v1/data/msil/authz`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: c.input }),
    signal: AbortSignal.timeout(5000),
  });
  const result = (await response.json()).result ?? {};
  if (result.allow === c.expected.allow && result.reason === c.expected.reason) {
    console.log(`ok ${c.name}`);
  } else {
    console.log(`fail ${c.name}: got ${JSON.stringify({ allow: result.allow, reason: result.reason })}`);
    failed++;
  }
}
if (asked === 0) { console.log("fail: cases.json holds no case for the shipped data"); failed++; }
process.exit(failed === 0 ? 0 : 1);
