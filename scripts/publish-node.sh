#!/usr/bin/env bash
# Publishes the node (src/AkkaRpc.Node) for linux-x64 into .node-publish/ and prints the path of AkkaRpc.Node.dll as
# its last line: self-contained, ReadyToRun-compiled as ONE composite image of the .NET and ASP.NET Core runtimes,
# Akka and AkkaRpc (the Dockerfile publishes the same way). The cold-restart benchmark and the DR drill start their
# nodes from it (AKKARPC_NODE_DLL), with `dotnet AkkaRpc.Node.dll` as before. Measured on the 1M-event cold start
# (docs/disaster-recovery.md, item 10): nodes ready ~1 s sooner and all accounts served ~2 s sooner than with one
# ReadyToRun image per assembly (the hot code is still recompiled at Tier1 either way, so steady-state throughput is
# unchanged). Incremental: a second run with nothing changed takes seconds; the first takes ~2.5 min on 2 cores and
# ~3 GB of memory, and the folder holds ~200 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/.node-publish"
# A framework-dependent publish of an earlier version in the same folder would leave its runtimeconfig behind.
if [ -f "$out/AkkaRpc.Node.runtimeconfig.json" ] && ! grep -q includedFrameworks "$out/AkkaRpc.Node.runtimeconfig.json"; then
  rm -rf "$out"
fi
dotnet publish src/AkkaRpc.Node/AkkaRpc.Node.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$out" --nologo -v quiet >&2
[ -f "$out/AkkaRpc.Node.dll" ] || { echo "publish-node: $out/AkkaRpc.Node.dll missing after publish" >&2; exit 1; }
echo "$out/AkkaRpc.Node.dll"
