#!/bin/bash
# Build and start the real image without a Docker engine or registry: buildah (Debian's
# package, daemonless, vfs storage, chroot isolation) builds packaging/Dockerfile's runtime
# target from a base image made of a debootstrap'ed Debian 12 root slimmed like
# debian:bookworm-slim, with dist/sparkhouse standing in for the builder stage (its images
# cannot be pulled here). Then it starts `sparkhouse serve` in a container of the image as
# the image's user, probes it with the image's HEALTHCHECK command, plays one arena run
# (packaging/arena-check.py: it passes, or the 503 says why no code runs in this image), stops
# it with SIGTERM and prints the image's size.
#
#   sudo packaging/buildah-check.sh    (needs root, buildah, debootstrap, python3, dist/sparkhouse)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=packaging/check-lib.sh
source packaging/check-lib.sh
ROOT_DIR="${ROOT_DIR:-build/slim-root}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PORT="${PORT:-4798}"
BINARY=dist/sparkhouse
IMAGE=localhost/sparkhouse:check
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

require "buildah with chroot isolation" buildah debootstrap python3

# The base image, under the name the Dockerfile pulls.
debian_slim_root "$ROOT_DIR" "$MIRROR"
containers=()
images=(docker.io/library/debian:bookworm-slim localhost/sparkhouse-binary:check "$IMAGE")
cleanup() {
    [ -n "${server:-}" ] && kill -KILL "$server" 2>/dev/null || true
    for container in "${containers[@]}"; do buildah rm "$container" >/dev/null 2>&1 || true; done
    # vfs storage keeps a full copy per layer: leave nothing behind
    for image in "${images[@]}"; do buildah rmi -f "$image" >/dev/null 2>&1 || true; done
    buildah rmi --prune >/dev/null 2>&1 || true
}
trap cleanup EXIT
base=$(buildah from scratch)
containers+=("$base")
cp -a "$ROOT_DIR"/. "$(buildah mount "$base")"/
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash "$base"
buildah commit --quiet "$base" docker.io/library/debian:bookworm-slim >/dev/null

# dist/sparkhouse as the builder stage's output.
binary=$(buildah from scratch)
containers+=("$binary")
buildah copy --quiet "$binary" "$BINARY" /out/sparkhouse >/dev/null
buildah commit --quiet "$binary" localhost/sparkhouse-binary:check >/dev/null

buildah bud --pull=never --format docker --layers=false --target runtime \
    --build-arg BINARY_FROM=localhost/sparkhouse-binary:check \
    -f packaging/Dockerfile -t "$IMAGE" . > build/buildah-build.log 2>&1 \
    || { tail -40 build/buildah-build.log; echo "the image did not build" >&2; exit 1; }
size=$(buildah images --format '{{.Size}}' "$IMAGE")
user=$(buildah inspect --format '{{.Docker.Config.User}}' "$IMAGE")
health=$(buildah inspect --format '{{.Docker.Config.Healthcheck.Test}}' "$IMAGE")

# Start it as the image would: its user, its environment, its entrypoint + command.
container=$(buildah from "$IMAGE")
containers+=("$container")
started=$(date +%s.%N)
buildah run --env PORT="$PORT" "$container" -- /usr/local/bin/sparkhouse serve \
    > build/buildah-server.log 2>&1 &
server=$!
healthy=$(seconds_until_healthy "$started" build/buildah-server.log \
    buildah run --env PORT="$PORT" "$container" -- /usr/local/bin/sparkhouse-healthcheck)
# chroot isolation shares the host's network: the host's python3 reaches the server.
arena=$(python3 packaging/arena-check.py "http://127.0.0.1:$PORT") \
    || { tail -20 build/buildah-server.log; echo "the arena check failed" >&2; exit 1; }
sleep 1
# the oldest match is the onefile bootloader, which forwards the signal to the server
pkill -TERM -o -f "^/usr/local/bin/sparkhouse serve" || true
code=0
wait "$server" || code=$?
server=""
owner=$(buildah run "$container" -- stat -c %u /data/sparkhouse.db)
echo "image $IMAGE: $size, user $user, healthcheck $health"
echo "started: healthy after ${healthy} s, data owned by uid $owner; SIGTERM exit code $code"
echo "$arena"
[ "$code" = 0 ]
