#!/usr/bin/env bash
# Cold-restart benchmark (issue 6's recovery targets): a generated journal of 1,000,000 events over 10,000 accounts
# (rows made by the real entity code and serializer, see src/AkkaRpc.Demo/SyntheticJournal.cs) is loaded with
# `akkarpc import` and backed up with `akkarpc backup`; then
#   (a) 3 node processes cold-start on it and every account is read through the gateways until each answered with
#       its expected balance (all_served_s, from process start);
#   (b) RTO: `akkarpc restore` of the backup into an EMPTY database + the same cold start (rto_s).
# Before (a), one untimed cold start of the same kind warms up the reader (this benchmark's process stands in for the
# callers, which keep running while a cluster restarts); its all-served time is reported as cold_reader_all_served_s.
# --cold-reader skips it.
# Options (passed through): --provider Sqlite|PostgreSql (default Sqlite; PostgreSql uses scripts/postgres.sh's
#   server) --entities N (10000) --commands N (100 rows per account) --snapshot-every N (100, the node default;
#   0 = a journal without snapshots, every row replayed) --readers N (64 concurrent reads) --workdir DIR --cold-reader
# Each cold start also prints, per node, its CPU time and the runtime's JIT time, GC pauses and collections up to the
# moment every account was served (the nodes' System.Runtime metrics).
# The generated export is kept in .cold-restart/data-* and reused. The timed part runs under the shared bench lock.
# Last line: cold-restart: provider=... events=... replayed_rows=... ready_s=... all_served_s=... replay_rows_per_s=...
#            events_per_s=... restore_s=... rto_s=... cold_reader_all_served_s=... mismatches=0
#            (exit 0 only with no wrong balance)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Cli/AkkaRpc.Cli.csproj -c Release --nologo -v quiet
dotnet build src/AkkaRpc.Node/AkkaRpc.Node.csproj -c Release --nologo -v quiet
dotnet build src/AkkaRpc.Demo/AkkaRpc.Demo.csproj -c Release --nologo -v quiet
# The nodes start from the ReadyToRun publish (scripts/publish-node.sh), as the Docker image runs them, unless
# AKKARPC_NODE_DLL names another build (e.g. src/AkkaRpc.Node/bin/Release/net10.0/AkkaRpc.Node.dll, JIT only).
export AKKARPC_NODE_DLL="${AKKARPC_NODE_DLL:-$(bash scripts/publish-node.sh | tail -n 1)}"
demo=(dotnet src/AkkaRpc.Demo/bin/Release/net10.0/AkkaRpc.Demo.dll cold-restart)
extra=()
if [[ " $* " == *" --provider PostgreSql "* || " $* " == *" --provider postgres "* ]]; then
  extra=(--postgres "$(bash scripts/postgres.sh | tail -n 1)")
fi
# Generating the data is not timed: do it outside the lock so other engineers' measurements wait less.
"${demo[@]}" "$@" "${extra[@]}" --generate-only
exec flock /tmp/akkarpc-bench.lock "${demo[@]}" "$@" "${extra[@]}"
