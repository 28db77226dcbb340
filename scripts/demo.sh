#!/usr/bin/env bash
# The main job: build, start 3 node processes on 127.0.0.1 sharing a SQLite file, drive deposits from an embedded
# client node, kill -9 one node mid-run, stop and restart the whole cluster, read every account back.
# Options: --accounts N (default 300) --seconds S (load duration, default 30) --workdir DIR
# Last line: demo: acknowledged=N recovered=N lost=0 duplicated=0   (exit status non-zero if anything was lost)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Demo/AkkaRpc.Demo.csproj -c Release --nologo -v quiet
exec dotnet src/AkkaRpc.Demo/bin/Release/net10.0/AkkaRpc.Demo.dll "$@"
