#!/usr/bin/env bash
# Benchmark of issue #8's workload (docs/performance.md): 3 node processes on 127.0.0.1, a separate caller process
# that joins without hosting shards, 64 closed call loops over 10,000 counters at random, 20 s warm-up, 10 s measured.
# Variants in one run, baseline first: raw-akka (plain shard-region Ask + MessagePack), AkkaRpc with the in-memory,
# SQLite and PostgreSQL journals, and in-memory with the caller inside a node. One "setup:" and one "bench:" line each.
#
#   bash scripts/bench.sh                                   # the full set (starts PostgreSQL via scripts/postgres.sh)
#   bash scripts/bench.sh --variants raw-akka,akkarpc-inmem --warmup 10 --seconds 10
#   bash scripts/bench.sh --nodes 1 --variants akkarpc-sqlite --set Persistence:SqliteSynchronous=Normal
#
# Options after the script name go to the bench program (later ones win). Timing runs share 2 cores with everything
# else on the machine: run it under `flock /tmp/akkarpc-bench.lock` when others measure too. Not part of the test
# suite: numbers, not assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Bench/AkkaRpc.Bench.csproj -c Release --nologo -v quiet >&2
if [[ -z "${AKKARPC_POSTGRES:-}" && " $* " != *" --variants "* ]]; then
  AKKARPC_POSTGRES="$(bash scripts/postgres.sh | tail -n 1)"
  export AKKARPC_POSTGRES
fi
# The caller process gets the same gen0 budget the node processes get from their launcher (docs/performance.md).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x4000000}"
dotnet src/AkkaRpc.Bench/bin/Release/net10.0/AkkaRpc.Bench.dll --warmup 20 --seconds 10 "$@" | grep -E '^(setup|bench):'
