#!/usr/bin/env bash
# Runs a command against a freshly started point-sim simulator, then stops it.
#
#   scripts/with-sim.sh STEP_MS CMD [ARGS...]
#
# The simulator listens on a free loopback port. CMD sees MP_BASE_URL pointing at it and
# MP_ACCESS_TOKEN (TEST-mppoint-demo unless already set). The simulator is stopped when this
# script exits for any reason; the exit status is CMD's. POINT_SIM overrides the binary, and
# POINT_SIM_FLAGS adds flags to its command line (e.g. --manual).
set -euo pipefail

if [ "$#" -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 STEP_MS CMD [ARGS...]" >&2
    exit 2
fi
step_ms=$1
shift

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sim=${POINT_SIM:-$root/target/debug/point-sim}
if [ ! -x "$sim" ]; then
    echo "with-sim: $sim not found; build it with: cargo build -p point-sim" >&2
    exit 2
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-sim.XXXXXX")
sim_pid=""

cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2086 # POINT_SIM_FLAGS is a list of flags
"$sim" --port 0 --port-file "$workdir/port" --step-ms "$step_ms" ${POINT_SIM_FLAGS:-} >"$workdir/sim.log" 2>&1 &
sim_pid=$!

# Bounded wait (~10 s) for the simulator to write its port.
port=""
for _ in $(seq 1 100); do
    if [ -s "$workdir/port" ]; then
        port=$(tr -d '[:space:]' <"$workdir/port")
        [ -n "$port" ] && break
    fi
    if ! kill -0 "$sim_pid" 2>/dev/null; then
        echo "with-sim: point-sim exited before listening:" >&2
        cat "$workdir/sim.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done
if ! [[ "$port" =~ ^[0-9]+$ ]]; then
    echo "with-sim: point-sim wrote no port within 10 s:" >&2
    cat "$workdir/sim.log" >&2 || true
    exit 1
fi

export MP_BASE_URL="http://127.0.0.1:$port"
export MP_ACCESS_TOKEN="${MP_ACCESS_TOKEN:-TEST-mppoint-demo}"

status=0
"$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "with-sim: '$*' exited with status $status; last simulator output:" >&2
    tail -n 20 "$workdir/sim.log" >&2 || true
fi
exit "$status"
