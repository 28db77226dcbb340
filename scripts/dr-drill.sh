#!/usr/bin/env bash
# Disaster-recovery drill (issue 6): 3 node processes on one SQLite file, deposits through the gateways, online
# backups under load (the cluster's scheduled backups, or one on-demand `akkarpc backup`), more load, kill -9 of every
# node, the database file deleted, `akkarpc restore` of the newest complete backup and `akkarpc verify`, a cold start,
# and a read-back of every account.
# Options: --accounts N (default 200) --before S --after S (seconds of load before / after the on-demand backup;
#          scheduled: the load lasts both, default 10 + 10) --backup scheduled|on-demand (default scheduled)
#          --interval S (scheduled backup interval, default 5) --workdir DIR (new or empty; default .drill/run-PID)
# Last line: dr: backup_acknowledged=N restored=N lost_before_backup=0 rpo_s=X rto_s=Y
#   rpo_s: span of acknowledged writes lost (those after the backup point); rto_s: restore start -> every key served.
# Exit status non-zero if a write acknowledged before the backup point was lost or a write was applied twice.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Cli/AkkaRpc.Cli.csproj -c Release --nologo -v quiet
dotnet build src/AkkaRpc.Demo/AkkaRpc.Demo.csproj -c Release --nologo -v quiet
# The nodes start from the ReadyToRun publish (scripts/publish-node.sh), as the Docker image runs them, unless
# AKKARPC_NODE_DLL names another build (e.g. src/AkkaRpc.Node/bin/Release/net10.0/AkkaRpc.Node.dll, JIT only).
export AKKARPC_NODE_DLL="${AKKARPC_NODE_DLL:-$(bash scripts/publish-node.sh | tail -n 1)}"
exec dotnet src/AkkaRpc.Demo/bin/Release/net10.0/AkkaRpc.Demo.dll drill "$@"
