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
