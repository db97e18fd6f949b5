// Validates rendered Kubernetes manifests (multi-document YAML, e.g. `kubectl kustomize <overlay>`) against the
// Kubernetes JSON schemas that the kubernetes-models package compiles from the official OpenAPI document.
//
//   node validate-manifests.mjs <rendered.yaml>...
//
// Prints one line per object ("ok <file> <kind>/<name>" or "error <file> <kind>/<name>: <problems>") and exits 1 when
// an object fails, has no schema (an unknown apiVersion/kind) or a file holds no object.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let failed = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  let objects = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      console.log(`error ${file}: YAML: ${doc.errors.map(e => e.message).join("; ")}`);
      failed++;
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    objects++;
    const id = `${obj.kind}/${obj.metadata?.name ?? "?"}`;
    const group = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
    let Model;
    try {
      Model = (await import(`kubernetes-models/${group}`))[obj.kind];
    } catch {
      Model = undefined;
    }
    if (typeof Model !== "function") {
      console.log(`error ${file} ${id}: no schema for apiVersion '${group}' kind '${obj.kind}'`);
      failed++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`ok ${file} ${id}`);
    } catch (e) {
      const details = (e.errors ?? []).map(x => `${x.instancePath || "/"} ${x.message}`).join("; ");
      console.log(`error ${file} ${id}: ${details || e.message}`);
      failed++;
    }
  }
  if (objects === 0) {
    console.log(`error ${file}: no Kubernetes object`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
