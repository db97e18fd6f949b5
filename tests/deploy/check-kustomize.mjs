// Checks what the Kustomize overlays promise, on the manifests build/check-deploy.sh rendered into <dir>
// (<dir>/development.yaml, <dir>/production.yaml). Prints "pass <check>" or "fail <check>: <why>" per check.
//   node check-kustomize.mjs <dir>
import { readFileSync, existsSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2];
let failed = 0;
const check = (name, fn) => {
  try {
    const why = fn();
    if (why) { console.log(`fail ${name}: ${why}`); failed++; } else console.log(`pass ${name}`);
  } catch (e) { console.log(`fail ${name}: ${e.message}`); failed++; }
};
const load = overlay => {
  const file = `${dir}/${overlay}.yaml`;
  return existsSync(file) ? parseAllDocuments(readFileSync(file, "utf8")).map(d => d.toJS()).filter(Boolean) : null;
};
const find = (objs, kind, name) => objs.find(o => o.kind === kind && (!name || o.metadata.name === name));
const container = (dep, name) => dep.spec.template.spec.containers.find(c => c.name === name);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const config = objs => find(objs, "ConfigMap", "msil-mcp-server-config").data;
const env = c => Object.fromEntries((c.env ?? []).map(e => [e.name, e]));

for (const overlay of ["development", "production"]) {
  const objs = load(overlay);
  if (!objs) continue;
  const server = find(objs, "Deployment", "msil-mcp-server");
  const main = container(server, "mcp-server");

  check(`${overlay}-ui-deployments-match-the-server`, () => {
    for (const [name, path] of [["msil-mcp-admin-ui", "/admin"], ["msil-mcp-chat-ui", "/chat"]]) {
      const ui = find(objs, "Deployment", name);
      if (!ui) return `no Deployment ${name}`;
      const c = ui.spec.template.spec.containers[0];
      for (const key of ["image", "env", "envFrom", "ports", "volumeMounts", "securityContext", "readinessProbe", "livenessProbe"]) {
        if (!same(c[key], main[key])) return `${name}: container ${key} differs from the server's`;
      }
      if (!same(container(ui, "opa"), container(server, "opa"))) return `${name}: OPA sidecar differs`;
      if (!same(ui.spec.template.spec.volumes, server.spec.template.spec.volumes)) return `${name}: volumes differ`;
      if (ui.spec.template.spec.serviceAccountName !== server.spec.template.spec.serviceAccountName) return `${name}: service account differs`;
      const ingress = find(objs, "Ingress");
      const route = ingress.spec.rules[0].http.paths.find(p => p.path === path);
      if (route?.backend.service.name !== name) return `the Ingress does not send ${path} to ${name}`;
      const svc = find(objs, "Service", name);
      if (!svc || !Object.entries(svc.spec.selector).every(([k, v]) => ui.spec.template.metadata.labels[k] === v)) return `Service ${name} does not select its pods`;
    }
    const mcp = find(objs, "Ingress").spec.rules[0].http.paths.find(p => p.path === "/mcp");
    return mcp?.backend.service.name === "msil-mcp-server" ? null : "the Ingress does not send /mcp to the server";
  });

  check(`${overlay}-every-pod-has-probes-requests-and-spread`, () => {
    for (const dep of objs.filter(o => o.kind === "Deployment")) {
      const spec = dep.spec.template.spec;
      if (!spec.topologySpreadConstraints?.length) return `${dep.metadata.name}: no topology spread`;
      for (const c of spec.containers) {
        if (!c.readinessProbe || !c.livenessProbe) return `${dep.metadata.name}/${c.name}: probes missing`;
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) return `${dep.metadata.name}/${c.name}: requests missing`;
      }
    }
    return null;
  });

  check(`${overlay}-network-policies-deny-by-default`, () => {
    const deny = find(objs, "NetworkPolicy", "msil-mcp-default-deny");
    if (!deny || !same(deny.spec.policyTypes, ["Ingress", "Egress"]) || deny.spec.ingress || deny.spec.egress) return "no default-deny policy";
    const egress = find(objs, "NetworkPolicy", "msil-mcp-egress").spec.egress;
    const ports = egress.flatMap(r => r.ports.map(p => p.port)).sort((a, b) => a - b);
    if (!same(ports, [53, 53, 443, 4317, 5432, 6379, 6380])) return `egress ports ${ports}`;
    const https = egress.find(r => r.ports.some(p => p.port === 443));
    return https.to[0].ipBlock.except?.includes("169.254.169.254/32") ? null : "HTTPS egress may reach the instance metadata service";
  });
}

const dev = load("development");
if (dev) {
  check("development-single-replica-without-autoscaler", () => {
    if (find(dev, "HorizontalPodAutoscaler")) return "an autoscaler is rendered";
    if (dev.filter(o => o.kind === "Deployment").some(d => d.spec.replicas !== 1)) return "a Deployment has more than one replica";
    if (dev.filter(o => o.kind === "PodDisruptionBudget").some(p => p.spec.minAvailable !== undefined)) return "a PodDisruptionBudget would block drains";
    return config(dev).ASPNETCORE_ENVIRONMENT === "Development" ? null : "not the Development environment";
  });
}

const prod = load("production");
if (prod) {
  check("production-irsa-without-access-keys", () => {
    const sa = find(prod, "ServiceAccount", "msil-mcp-server");
    const arn = sa.metadata.annotations?.["eks.amazonaws.com/role-arn"] ?? "";
    if (!/^arn:aws:iam::\d{12}:role\//.test(arn) || arn.includes("000000000000")) return `role ARN '${arn}'`;
    for (const dep of prod.filter(o => o.kind === "Deployment")) {
      if (dep.spec.template.spec.serviceAccountName !== "msil-mcp-server") return `${dep.metadata.name} does not run as the IRSA account`;
      const names = Object.keys(env(dep.spec.template.spec.containers[0]));
      if (names.some(n => /S3__(AccessKey|SecretKey)$/.test(n))) return `${dep.metadata.name} sets S3 access keys`;
    }
    const data = config(prod);
    return Object.keys(data).some(k => /AccessKey|SecretKey/.test(k)) ? "the ConfigMap sets S3 access keys" : null;
  });

  check("production-secure-defaults", () => {
    const data = config(prod);
    if (data.ASPNETCORE_ENVIRONMENT !== "Production") return "not the Production environment";
    if (data.Msil__Mcp__Audit__S3__ServerSideEncryption !== "Kms" || !/^arn:aws:kms:/.test(data.Msil__Mcp__Audit__S3__KmsKeyId ?? "")) return "the audit archive is not SSE-KMS with a key ARN";
    if (data.Msil__Mcp__Audit__S3__ObjectLockMode !== "Compliance") return "Object Lock is not Compliance";
    for (const key of ["Msil__Mcp__Audit__PostgreSql__SslMode", "Msil__Mcp__Registry__SslMode"]) {
      if (data[key] !== "VerifyFull") return `${key} is ${data[key]}`;
    }
    if (Object.keys(data).some(k => /AllowInsecure/.test(k))) return "an AllowInsecure setting is on";
    if (!data.Msil__Mcp__Apim__GatewayUrl?.startsWith("https://")) return "the gateway is not https";
    const ingress = find(prod, "Ingress");
    if (!/TLS13|TLS-1-2/.test(ingress.metadata.annotations?.["alb.ingress.kubernetes.io/ssl-policy"] ?? "")) return "the load balancer's TLS policy";
    return null;
  });

  check("production-spread-over-zones-and-autoscaled", () => {
    for (const dep of prod.filter(o => o.kind === "Deployment")) {
      if (!dep.spec.template.spec.topologySpreadConstraints.some(t => t.topologyKey === "topology.kubernetes.io/zone" && t.whenUnsatisfiable === "DoNotSchedule")) return `${dep.metadata.name} is not spread over zones`;
    }
    const hpa = find(prod, "HorizontalPodAutoscaler", "msil-mcp-server");
    const pdb = find(prod, "PodDisruptionBudget", "msil-mcp-server");
    return hpa && pdb && pdb.spec.minAvailable < hpa.spec.minReplicas ? null : "autoscaler or disruption budget missing or blocking";
  });
}
process.exit(failed === 0 ? 0 : 1);
