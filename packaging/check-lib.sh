# shellcheck shell=bash
# Shared by the image checks (rootfs-check.sh, buildah-check.sh): source it.

# seconds_until_healthy STARTED LOG PROBE...: run PROBE every 0.1 s (30 s at most) until it
# succeeds and print the seconds since STARTED (`date +%s.%N`); else show the server's LOG
# and fail.
seconds_until_healthy() {
    local started=$1 log=$2
    shift 2
    for _ in $(seq 1 300); do
        if "$@" >/dev/null 2>&1; then
            awk -v now="$(date +%s.%N)" -v t0="$started" 'BEGIN { printf "%.2f", now - t0 }'
            return 0
        fi
        sleep 0.1
    done
    cat "$log" >&2
    echo "not healthy" >&2
    return 1
}

# require WHY TOOL...: stop (exit 2) unless this runs as root (WHY says for what), every
# TOOL is installed and dist/sparkhouse is built.
require() {
    local why=$1 tool
    shift
    [ "$(id -u)" = 0 ] || { echo "run as root ($why)" >&2; exit 2; }
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "apt-get install $tool" >&2; exit 2; }
    done
    [ -x dist/sparkhouse ] || { echo "dist/sparkhouse is missing: make binary" >&2; exit 2; }
}

# debian_slim_root DIR MIRROR [DEBOOTSTRAP_OPTION...]: a Debian 12 minbase root in DIR (made
# once, kept across runs), slimmed as debian:bookworm-slim is (debuerreotype --slimify: docs,
# man pages, locales) and without apt's lists, as the Dockerfile leaves them.
debian_slim_root() {
    local root=$1 mirror=$2
    shift 2
    mkdir -p build  # the checks' logs go there
    [ -x "$root/bin/bash" ] && return 0
    debootstrap --variant=minbase "$@" bookworm "$root" "$mirror" > build/debootstrap.log
    rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/lintian "$root"/var/cache/apt/*.bin \
        "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
        -exec rm -rf {} +
}
