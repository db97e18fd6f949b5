#!/usr/bin/env bash
# build/check-deploy.sh - checks of what ships for deployment, run by build/test.sh (phase "deploy"):
#   1. renders each Kustomize overlay of samples/Msil.Mcp.ReferenceServer/deploy/kustomize with `kubectl kustomize`
#      (Debian's kubectl) into artifacts/deploy/<overlay>.yaml;
#   2. validates every rendered object against the Kubernetes JSON schemas (tests/deploy: the kubernetes-models npm
#      package, compiled from the official OpenAPI document) and checks what the overlays promise
#      (tests/deploy/check-kustomize.mjs: UIs equal to the server, IRSA without access keys in Production, …), and
#      the AWS observability manifests (deploy/aws: ADOT Collector, Fluent Bit) against the same schemas;
#   3. runs `opa test` on the shipped Rego policies and the shared case table (src/Msil.Mcp.Policy.Opa/policies)
#      when an `opa` binary is on PATH, and starts a real OPA server on loopback that answers every case of
#      cases.json; without `opa` the step is reported as skipped.
# Each check writes one line "pass|fail|skip <name>[: detail]" to $MSIL_DEPLOY_RESULTS
# (default artifacts/deploy/results.txt), which build/test.sh counts. Exit code 1 when a check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/artifacts/deploy
RESULTS=${MSIL_DEPLOY_RESULTS:-$OUT/results.txt}
KUSTOMIZE_DIR=samples/Msil.Mcp.ReferenceServer/deploy/kustomize
POLICIES=src/Msil.Mcp.Policy.Opa/policies
mkdir -p "$OUT" "$(dirname "$RESULTS")"
: > "$RESULTS"
log() { printf '[deploy] %s\n' "$*" >&2; }
result() { echo "$*" >> "$RESULTS"; log "$*"; }

# ---- 1 + 2: Kustomize render and schema validation ------------------------------------------------------------
rendered=()
if ! command -v kubectl >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "kubectl missing: apt-get install -y kubectl (log: artifacts/deploy/kubectl-install.log)"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubectl \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubectl; }; } \
    > "$OUT/kubectl-install.log" 2>&1 < /dev/null || log "installing kubectl failed (see the log); the render is skipped"
fi
if command -v kubectl >/dev/null; then
  for overlay in development production; do
    if kubectl kustomize "$KUSTOMIZE_DIR/overlays/$overlay" > "$OUT/$overlay.yaml" 2> "$OUT/$overlay.err"; then
      result "pass kustomize-render-$overlay"; rendered+=("$overlay")
    else
      result "fail kustomize-render-$overlay: $(head -c 300 "$OUT/$overlay.err")"
    fi
  done
else
  result "skip kustomize-render: kubectl is not on PATH (apt-get install kubectl)"
fi

if [ ${#rendered[@]} -gt 0 ]; then
  if (cd tests/deploy && { [ -d node_modules/kubernetes-models ] || npm ci --no-audit --no-fund --loglevel=error >&2; }); then
    for overlay in "${rendered[@]}"; do
      if node tests/deploy/validate-manifests.mjs "$OUT/$overlay.yaml" > "$OUT/$overlay.schema.txt"; then
        result "pass kubernetes-schema-$overlay ($(grep -c '^ok ' "$OUT/$overlay.schema.txt") objects)"
      else
        result "fail kubernetes-schema-$overlay: $(grep -v '^ok ' "$OUT/$overlay.schema.txt" | head -5 | tr '\n' ' ')"
      fi
    done
    aws=(samples/Msil.Mcp.ReferenceServer/deploy/aws/*.yaml)
    if node tests/deploy/validate-manifests.mjs "${aws[@]}" > "$OUT/aws.schema.txt"; then
      result "pass kubernetes-schema-aws-observability ($(grep -c '^ok ' "$OUT/aws.schema.txt") objects)"
    else
      result "fail kubernetes-schema-aws-observability: $(grep -v '^ok ' "$OUT/aws.schema.txt" | head -5 | tr '\n' ' ')"
    fi
    node tests/deploy/check-kustomize.mjs "$OUT" >> "$RESULTS" 2> "$OUT/check-kustomize.err" \
      || grep -q '^fail ' "$RESULTS" || result "fail check-kustomize: $(head -c 300 "$OUT/check-kustomize.err")"
  else
    result "fail kubernetes-schema: npm ci in tests/deploy failed"
  fi
fi

# ---- 3: OPA -------------------------------------------------------------------------------------------------------
if command -v opa >/dev/null; then
  if opa test -v "$POLICIES" > "$OUT/opa-test.txt" 2>&1; then
    result "pass opa-test ($(grep -c ': PASS' "$OUT/opa-test.txt") Rego tests)"
  else
    result "fail opa-test: $(grep -E 'FAIL|error' "$OUT/opa-test.txt" | head -5 | tr '\n' ' ')"
  fi
  port=$(( 18181 + RANDOM % 500 ))
  opa run --server --addr "127.0.0.1:$port" --log-level=error --ignore='.*' --ignore='*_test.rego' --ignore=cases.json "$POLICIES" > "$OUT/opa-server.log" 2>&1 &
  opa_pid=$!
  if node tests/deploy/opa-cases.mjs "http://127.0.0.1:$port" "$POLICIES/cases.json" > "$OUT/opa-cases.txt" 2>&1; then
    result "pass opa-server-cases ($(grep -c '^ok ' "$OUT/opa-cases.txt") cases)"
  else
    result "fail opa-server-cases: $(grep -v '^ok ' "$OUT/opa-cases.txt" | head -5 | tr '\n' ' ')"
  fi
  kill "$opa_pid" 2>/dev/null; wait "$opa_pid" 2>/dev/null
else
  result "skip opa-test: no opa binary on PATH (the Rego policies are checked by the embedded engine's tests only)"
  result "skip opa-server-cases: no opa binary on PATH"
fi

! grep -q '^fail ' "$RESULTS"
