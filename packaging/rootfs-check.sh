#!/bin/bash
# Check the image's runtime stage without a container engine (none runs on the build
# machines, and no registry image can be pulled): build a Debian 12 slim-like root with
# debootstrap, apply the runtime-root stage of packaging/Dockerfile by hand (ca-certificates,
# user 10001, /data, packaging/slim-rootfs.sh), add the binary and the health probe, run
# `sparkhouse serve` in it with chroot as that user, probe it with the image's HEALTHCHECK
# command, stop it with SIGTERM, and print the image size computed from its parts.
#
#   sudo packaging/rootfs-check.sh [ROOTFS_DIR]        (needs root, debootstrap, dist/sparkhouse)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=packaging/check-lib.sh
source packaging/check-lib.sh
ROOT_DIR="${1:-build/rootfs}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PORT="${PORT:-4799}"
BINARY=dist/sparkhouse

require "debootstrap and chroot" debootstrap
debian_slim_root "$ROOT_DIR" "$MIRROR" --include=ca-certificates

# The runtime-root stage of packaging/Dockerfile.
chroot "$ROOT_DIR" sh -c 'getent group sparkhouse >/dev/null || groupadd --gid 10001 sparkhouse
    getent passwd sparkhouse >/dev/null || useradd --uid 10001 --gid sparkhouse \
        --home-dir /data --no-create-home --shell /usr/sbin/nologin sparkhouse
    mkdir -p /data && chown sparkhouse:sparkhouse /data'
install -m 0755 packaging/slim-rootfs.sh "$ROOT_DIR/tmp/slim-rootfs.sh"
chroot "$ROOT_DIR" sh /tmp/slim-rootfs.sh > build/rootfs-slim.log 2>&1 \
    || { cat build/rootfs-slim.log; echo "slim-rootfs.sh failed" >&2; exit 1; }
rm "$ROOT_DIR/tmp/slim-rootfs.sh"
# where the binary's OpenSSL (Debian's) looks for trusted certificates
[ -s "$ROOT_DIR/usr/lib/ssl/certs/ca-certificates.crt" ] \
    || { echo "no CA bundle at /usr/lib/ssl/certs in the slimmed root" >&2; exit 1; }
# the image's base, without what an earlier run of this check added
rm -rf "$ROOT_DIR"/data/* "$ROOT_DIR"/usr/local/bin/sparkhouse "$ROOT_DIR"/usr/local/bin/sparkhouse-healthcheck
base_bytes=$(du -sb "$ROOT_DIR" | cut -f1)
install -m 0755 "$BINARY" "$ROOT_DIR/usr/local/bin/sparkhouse"
install -m 0755 packaging/healthcheck.sh "$ROOT_DIR/usr/local/bin/sparkhouse-healthcheck"

mountpoint -q "$ROOT_DIR/proc" || mount -t proc proc "$ROOT_DIR/proc"
cleanup() {
    [ -n "${server:-}" ] && kill -KILL "$server" 2>/dev/null || true
    umount "$ROOT_DIR/proc" 2>/dev/null || true
}
trap cleanup EXIT

runtime_env=(env -i SPARKHOUSE_DATA_DIR=/data HOST=0.0.0.0 PORT="$PORT" PATH=/usr/local/bin:/usr/bin:/bin)
started=$(date +%s.%N)
chroot --userspec=10001:10001 "$ROOT_DIR" "${runtime_env[@]}" /usr/local/bin/sparkhouse serve \
    > build/rootfs-server.log 2>&1 &
server=$!
healthy=$(seconds_until_healthy "$started" build/rootfs-server.log \
    chroot --userspec=10001:10001 "$ROOT_DIR" "${runtime_env[@]}" \
    /usr/local/bin/sparkhouse-healthcheck)
sleep 1
kill -TERM "$server"
code=0
wait "$server" || code=$?
server=""
owner=$(stat -c %u "$ROOT_DIR/data/sparkhouse.db")

binary_bytes=$(stat -c %s "$BINARY")
echo "runtime stage OK: healthy after ${healthy} s as uid 10001 (data owned by uid $owner);" \
    "SIGTERM exit code $code"
awk -v b="$base_bytes" -v x="$binary_bytes" 'BEGIN {
    printf "image size from its parts: slimmed bookworm root with ca-certificates %.1f MB + binary %.1f MB = %.1f MB\n",
        b / 1e6, x / 1e6, (b + x) / 1e6 }'
[ "$code" = 0 ]
