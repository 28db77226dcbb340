#!/usr/bin/env bash
# Builds the solution and runs every test (unit, TestKit, in-process cluster, multi-process failover).
# Last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# The persistence and recovery tests run against SQLite AND PostgreSQL. Without a server they FAIL with a message
# saying how to get one; they never skip. scripts/postgres.sh is idempotent and takes well under a second when the
# server is already up.
if [ -z "${AKKARPC_POSTGRES:-}" ]; then
  if pg="$(bash scripts/postgres.sh | tail -n 1)" && [ -n "$pg" ]; then
    export AKKARPC_POSTGRES="$pg"
  else
    echo "WARNING: scripts/postgres.sh could not provide PostgreSQL; the PostgreSQL tests will fail" >&2
  fi
fi

results="$(pwd)/tests/TestResults"
rm -rf "$results"

if ! dotnet build AkkaRpc.sln -c Release --nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test tests/AkkaRpc.Tests/AkkaRpc.Tests.csproj -c Release --no-build --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" --blame-hang-timeout 10m
status=$?

trx="$results/results.trx"
if [ -f "$trx" ]; then
  passed=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  failed=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
else
  passed=0
  failed=1
fi
# The failures again, at the end: in a long run they scroll out of sight of anyone who reads only the tail.
if [ -f "$trx" ] && [ "${failed:-0}" -ne 0 ]; then
  perl scripts/failed-tests.pl "$trx" || echo "(could not list the failed tests from $trx)"
fi
# A crashed or hung run can leave the counters at zero failures: the exit status still counts.
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
[ "${failed:-0}" -eq 0 ] && [ "$status" -eq 0 ]
