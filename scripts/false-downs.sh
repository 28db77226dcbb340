#!/usr/bin/env bash
# False downs under full CPU load (issue 5): 3 node processes on 127.0.0.1 sharing a SQLite journal, one call loop per
# account at full speed from an embedded client node plus CPU burner threads (both cores saturated), and no fault at
# all; every member downed is a false down. Counts the "Member unreachable" / "Member downed" events in the node logs
# and prints each node's akkarpc_cluster_* counters from /metrics.
# Options: --seconds S (default 600) --accounts N (default 64) --burners N (default one per core) --workdir DIR
# Last line: false-downs: duration_s=S members_downed=N unreachable_events=N calls=N errors=N
# Exit status: 0 no member downed and all nodes Up at the end, 1 otherwise, 2 the run could not run.
# It saturates the machine: on a shared one, run it under the benchmark lock:
#   flock /tmp/akkarpc-bench.lock bash scripts/false-downs.sh --seconds 60
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Chaos/AkkaRpc.Chaos.csproj -c Release --nologo -v quiet >&2
exec dotnet src/AkkaRpc.Chaos/bin/Release/net10.0/AkkaRpc.Chaos.dll --false-downs "$@"
