#!/bin/bash
# Container health probe: GET /healthz over bash's /dev/tcp (slim images have no curl).
# Exit 0 when the answer is 200 with {"ok":true}; 1 otherwise. Honors PORT (default 4000)
# and SPARKHOUSE_HEALTH_HOST (default 127.0.0.1).
set -uo pipefail
host="${SPARKHOUSE_HEALTH_HOST:-127.0.0.1}"
port="${PORT:-4000}"
# SC2016: the inner script expands its own $0/$1 (host, port), passed as arguments.
# shellcheck disable=SC2016
answer="$(
    timeout 4 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$0" >&3
        cat <&3
    ' "$host" "$port" 2>/dev/null
)" || { echo "unhealthy: no answer from http://$host:$port/healthz"; exit 1; }
case "$answer" in
    "HTTP/1.1 200"*'"ok":true'*) exit 0 ;;
    *) echo "unhealthy: /healthz answered ${answer%%$'\r'*}"; exit 1 ;;
esac
