#!/usr/bin/env bash
# Chaos with an invariant checker: 3 node processes on 127.0.0.1 sharing a SQLite journal; unique-id deposits and
# reads from an embedded client node while nodes are killed with kill -9 (the oldest first, then random ones) and
# restarted; then kill -9 of the whole cluster, a restart and a read-back of every account, checked like Jepsen's set
# checker (acknowledged / failed / ambiguous; lost, duplicated, unexpected).
# Options: --long (10 minutes of faults) | --seconds S (default 60) --accounts N (default 40) --seed N --workdir DIR
# Env CHAOS_CLIENT_LOG=Information shows the client node's log (dead-process decisions, attempts retried at once).
# Prints each kill's failover (kill -9 -> every account it last served acknowledged again by a survivor).
# Last line: chaos: acknowledged=N ambiguous=N lost=0 duplicated=0 unexpected=0 failover_p50_s=X failover_max_s=Y
# Exit status: 0 clean, 1 lost/duplicated/unexpected found, 2 the harness could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
for a in "$@"; do
  if [ "$a" = "--long" ]; then args+=(--seconds 600); else args+=("$a"); fi
done
dotnet build src/AkkaRpc.Chaos/AkkaRpc.Chaos.csproj -c Release --nologo -v quiet >&2
exec dotnet src/AkkaRpc.Chaos/bin/Release/net10.0/AkkaRpc.Chaos.dll "${args[@]}"
