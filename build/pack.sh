#!/usr/bin/env bash
# Packs every package under src/ into artifacts/package: one .nupkg (README, XML docs) and one .snupkg each.
#   build/pack.sh [extra dotnet pack arguments]     e.g. build/pack.sh -p:EnableSourceLink=true for a release
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/package
rm -rf "$out"
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release -o "$out" -nologo "$@"
done
ls -1 "$out"
