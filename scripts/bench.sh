#!/usr/bin/env bash
# Quick benchmark: 3 node processes + a separate client node, 64 closed loops of Deposit over 10,000 accounts.
# Runs the in-memory and the SQLite journal variants; one "bench:" line each. Extra options pass through
# (e.g. --nodes 1 --seconds 20). Not part of the test suite: numbers, not assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Bench/AkkaRpc.Bench.csproj -c Release --nologo -v quiet
for journal in inmem sqlite; do
  dotnet src/AkkaRpc.Bench/bin/Release/net10.0/AkkaRpc.Bench.dll --journal "$journal" "$@" | grep -E '^(setup|bench):'
done
