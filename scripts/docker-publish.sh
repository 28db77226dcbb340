#!/usr/bin/env bash
# The build step of docker/Dockerfile without a Docker engine: the same `dotnet publish` of the node, then the
# published output started the way the image's ENTRYPOINT starts it (`./AkkaRpc.Node` in the publish folder,
# configured only by AkkaRpc__* environment variables, SQLite file in a data folder), checked for readiness and one
# call, and stopped with SIGTERM as `docker stop` would. Ports are free ones on 127.0.0.1 (the image binds 0.0.0.0).
# Options: --out DIR (publish folder; default a new temporary folder, removed at the end)
# Last line: docker-publish: published=DIR files=N ready_s=X call=ok stopped=sigterm
set -euo pipefail
cd "$(dirname "$0")/.."

out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    *) echo "docker-publish: unknown argument $1 (use --out DIR)" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d -t akkarpc-publish-XXXXXX)"
keep_out=1
if [ -z "$out" ]; then out="$work/app"; keep_out=0; fi
out="$(mkdir -p "$out" && cd "$out" && pwd)"
pid=""
cleanup() {
  # Only the node this script started, by its PID.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  if [ "$keep_out" = 0 ]; then rm -rf "$work"; else rm -rf "$work/data" "$work/node.log"; fi
}
trap cleanup EXIT

# The Dockerfile's RUN line, apart from the output folder and -v quiet.
dotnet publish src/AkkaRpc.Node/AkkaRpc.Node.csproj -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true \
  -p:PublishReadyToRunComposite=true -o "$out" --nologo -v quiet
files=$(find "$out" -type f | wc -l)
[ -x "$out/AkkaRpc.Node" ] || { echo "docker-publish: $out/AkkaRpc.Node missing after publish" >&2; exit 1; }

read -r port http grpc < <(python3 -c '
import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])
[x.close() for x in s]')
mkdir -p "$work/data"
# The image's ENV and WORKDIR, with loopback ports instead of 0.0.0.0 and the fixed image ports.
(
  cd "$out"
  exec env AkkaRpc__Persistence__ConnectionString="Data Source=$work/data/akkarpc.db" \
    AkkaRpc__Gateway__Hostname=127.0.0.1 AkkaRpc__Gateway__HttpPort="$http" AkkaRpc__Gateway__GrpcPort="$grpc" \
    AkkaRpc__Port="$port" AkkaRpc__SeedNodes__0="127.0.0.1:$port" \
    ./AkkaRpc.Node
) >"$work/node.log" 2>&1 &
pid=$!

start=$(date +%s.%N)
ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "docker-publish: the published node exited early:" >&2; tail -n 30 "$work/node.log" >&2; exit 1; fi
  if curl -fsS --max-time 2 "http://127.0.0.1:$http/health/ready" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "docker-publish: not ready within 120 s:" >&2; tail -n 30 "$work/node.log" >&2; exit 1; }
ready_s=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")

reply=$(curl -fsS --max-time 30 -X POST "http://127.0.0.1:$http/rpc/accounts/Open" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: publish-check' -d '{"accountId":"publish-check","owner":"ci"}')
case "$reply" in *'"accountId":"publish-check"'*) ;; *) echo "docker-publish: unexpected reply: $reply" >&2; exit 1 ;; esac

kill -TERM "$pid"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "docker-publish: the node did not stop within 30 s of SIGTERM" >&2; exit 1; fi
wait "$pid" || true
pid=""
shown="$out"; [ "$keep_out" = 0 ] && shown="(temporary, removed)"
echo "docker-publish: published=$shown files=$files ready_s=$ready_s call=ok stopped=sigterm"
