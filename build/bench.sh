#!/usr/bin/env bash
# Runs the BenchmarkDotNet benchmarks (Release, out of process). Figures are reported in docs/benchmarks.md, never
# asserted in tests. On this 2-core machine expect ±20 % between runs: compare within one run.
#   build/bench.sh                      # everything
#   build/bench.sh --filter '*Policy*'  # BenchmarkDotNet arguments pass through
#   build/bench.sh --list flat          # list the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--filter '*')
dotnet run -c Release --project tests/Msil.Mcp.Benchmarks -- "${args[@]}" --artifacts artifacts/benchmarks
