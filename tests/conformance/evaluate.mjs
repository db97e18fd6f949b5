// tests/conformance/evaluate.mjs - reads every checks.json of one conformance-suite run and judges each scenario
// against the expected-failures file. Called by build/conformance.sh; plain Node, no dependencies.
//
//   node evaluate.mjs <run id> <output dir> <expected-failures.yml> <results file> <summary json file>
//
// A scenario passes only when every check is SUCCESS/INFO/SKIPPED, none is WARNING (a warning-only pass counts as a
// failure until its warnings are gone), and no SUCCESS check carries an error text in its details (the suite can mark
// a check passed on a JSON-RPC error or an "Unknown tool" text). A failing scenario listed for this run in the
// expected-failures file is an expected failure ("skip" in the results file); a listed scenario that passes is stale
// and fails the run, so the file cannot rot. Appends "pass|fail|skip conformance:<run>:<scenario> ..." lines.
import fs from "node:fs";
import path from "node:path";

const [runId, outDir, expectedFile, resultsFile, summaryFile] = process.argv.slice(2);
if (!summaryFile) { console.error("usage: evaluate.mjs <run id> <output dir> <expected-failures.yml> <results file> <summary json>"); process.exit(2); }

// The expected-failures file: "<run id>:" sections, each with "  <scenario>: <one-line reason>" entries.
function readExpected(file) {
  const all = new Map(); let section = null;
  for (const [i, raw] of fs.readFileSync(file, "utf8").split("\n").entries()) {
    const line = raw.replace(/\s+#.*$/, "").replace(/^#.*$/, "");
    if (!line.trim()) continue;
    let m;
    if ((m = /^(\S.*):\s*$/.exec(line))) { section = m[1].replace(/^"|"$/g, ""); all.set(section, all.get(section) ?? new Map()); continue; }
    if ((m = /^\s+([A-Za-z0-9._-]+):\s*(.+)$/.exec(line)) && section) {
      const reason = m[2].trim().replace(/^"(.*)"$/, "$1");
      if (reason.length < 10) throw new Error(`${file}:${i + 1}: the reason for ${m[1]} is missing or too short`);
      all.get(section).set(m[1], reason); continue;
    }
    throw new Error(`${file}:${i + 1}: cannot read '${raw}'`);
  }
  return all;
}

// Error texts a SUCCESS check must not carry. Checks of a rejection (ids naming reject/invalid/error/missing/...) pass
// *because* of a JSON-RPC error, so only a tool error (isError, "Unknown tool") counts against those; tools-call-error
// is about an error result, so isError is its point.
const NEGATIVE = /reject|invalid|error|missing|unsupported|tamper|not-found|mismatch|validate|undeclared|400|40\d|non-declaring/;
function suspectText(check) {
  const d = JSON.stringify(check.details ?? {});
  const negative = NEGATIVE.test(check.id ?? "");
  const hits = [];
  if (!negative && /"error":\{"code"|\\"error\\":\{\\"code\\"/.test(d)) hits.push("a JSON-RPC error");
  if (check.id !== "tools-call-error" && /"isError":true/.test(d)) hits.push("an isError result");
  if (check.id !== "tools-call-error" && /Unknown tool/.test(d)) hits.push("an 'Unknown tool' text");
  if (!negative && /not supported|Method not found/i.test(d)) hits.push("an error text");
  return hits;
}

const expected = readExpected(expectedFile).get(runId) ?? new Map();
const dirs = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter(d => d.startsWith("server-")).sort() : [];
const lines = []; const summary = { run: runId, scenarios: [], checks: { passed: 0, failed: 0, warnings: 0 } };
const seen = new Set();
for (const dir of dirs) {
  const file = path.join(outDir, dir, "checks.json");
  const scenario = dir.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
  seen.add(scenario);
  let checks;
  try { checks = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { checks = [{ id: "checks.json", status: "FAILURE", errorMessage: `unreadable: ${e.message}` }]; }
  const problems = [];
  for (const c of checks) {
    if (c.status === "SUCCESS") {
      summary.checks.passed++;
      const s = suspectText(c);
      if (s.length) problems.push(`${c.id} passed on ${s.join(" and ")}`);
    } else if (c.status === "FAILURE") { summary.checks.failed++; problems.push(`${c.id}: ${(c.errorMessage ?? "failed").slice(0, 160)}`); }
    else if (c.status === "WARNING") { summary.checks.warnings++; problems.push(`${c.id} (warning): ${(c.errorMessage ?? c.details?.message ?? "").slice(0, 160)}`); }
  }
  const reason = expected.get(scenario);
  let verdict;
  if (problems.length === 0) verdict = reason ? "fail" : "pass";
  else verdict = reason ? "skip" : "fail";
  const note = problems.length === 0 ? (reason ? "passes but is listed as an expected failure: remove it from the file" : "")
    : reason ? `expected: ${reason}` : problems.join("; ");
  lines.push(`${verdict} conformance:${runId}:${scenario}${note ? " (" + note.replace(/[\r\n]+/g, " ") + ")" : ""}`);
  summary.scenarios.push({ scenario, verdict, problems, reason: reason ?? null });
}
for (const [scenario, reason] of expected) {
  if (!seen.has(scenario)) lines.push(`fail conformance:${runId}:${scenario} (listed as an expected failure but did not run: ${reason})`);
}
if (dirs.length === 0) lines.push(`fail conformance:${runId}:run (no checks.json written in ${outDir})`);
fs.appendFileSync(resultsFile, lines.join("\n") + "\n");
fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
for (const l of lines) console.log(l.replace(/^(\w+) /, (_, v) => v.toUpperCase().padEnd(5)));
