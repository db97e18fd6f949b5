#!/usr/bin/env bash
# Adds every new public symbol of the given src projects (default: all) to their PublicAPI.Unshipped.txt,
# using the PublicApiAnalyzers' own code fix (RS0016/RS0017) through `dotnet format`.
# Review the diff of PublicAPI.*.txt before committing: it is the package's public surface.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  mapfile -t projects < <(ls src/*/*.csproj | grep -v Generators)
fi
for p in "${projects[@]}"; do
  echo "public API: $p" >&2
  dotnet format analyzers "$p" --diagnostics RS0016 RS0017 RS0037 --severity warn -v q || true
done
