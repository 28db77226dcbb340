#!/usr/bin/env bash
# Runs one cluster node in the foreground. Any AkkaRpc setting can follow, e.g.
#   scripts/node.sh --AkkaRpc:Port=4053 --AkkaRpc:SeedNodes:0=127.0.0.1:4053
#   scripts/node.sh --AkkaRpc:Port=4054 --AkkaRpc:SeedNodes:0=127.0.0.1:4053 \
#                   --AkkaRpc:Gateway:HttpPort=5153 --AkkaRpc:Gateway:GrpcPort=5154
# The gateway listens on 127.0.0.1:5053 (HTTP) and :5054 (gRPC) by default: a second node on one machine needs others.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/AkkaRpc.Node/AkkaRpc.Node.csproj -c Release --nologo -v quiet
exec dotnet src/AkkaRpc.Node/bin/Release/net10.0/AkkaRpc.Node.dll "$@"
