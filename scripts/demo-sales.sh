#!/usr/bin/env bash
# Runs eight sales through the C sample against a running simulator (see with-sim.sh) and
# checks that each ended the way the simulator's amount table says it should: five with the
# Point Integration API (the last one refunded), two with the Orders API (the last refunded),
# and one killed mid-sale and recovered from its journal by the next process.
#
#   scripts/demo-sales.sh PATH_TO_SALE_BINARY
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 PATH_TO_SALE_BINARY" >&2
    exit 2
fi
sale=$1
failures=0

# run_sale NAME EXPECTED_LINE... -- SALE_ARGS...
run_sale() {
    local name=$1
    shift
    local expected=()
    while [ "$1" != "--" ]; do
        expected+=("$1")
        shift
    done
    shift
    echo "=== $name: sale $*"
    local output status=0
    output=$("$sale" "$@" 2>&1) || status=$?
    printf '%s\n' "$output" | sed 's/^/    /'
    if [ "$status" -ne 0 ]; then
        echo "=== $name: FAILED (sample exited with status $status)"
        failures=$((failures + 1))
        return
    fi
    local line
    for line in "${expected[@]}"; do
        if ! printf '%s\n' "$output" | grep -qxF -- "$line"; then
            echo "=== $name: FAILED (expected the line '$line')"
            failures=$((failures + 1))
            return
        fi
    done
    echo "=== $name: ok"
}

run_sale approved "result: FINISHED" "payment state: approved" -- 1500 demo-approved
run_sale rejected "result: FINISHED" "payment state: rejected" -- 1200 demo-rejected
run_sale error "result: ERROR" "payment: none" -- 1300 demo-error
run_sale cancelled "cancel: accepted" "result: CANCELED" "payment: none" -- --cancel 2500 demo-cancelled
run_sale refunded "payment state: approved" "receipt amount: 30.0" "refund: FINISHED" -- --refund 3000 demo-refunded
run_sale orders-approved "result: FINISHED" "payment state: approved" -- --api orders 1500 demo-orders-approved
run_sale orders-refunded "payment state: approved" "receipt amount: 40.0" "refund: FINISHED" -- --api orders --refund 4000 demo-orders-refunded

# A POS killed in the middle of a sale, and the next process recovering it from the journal:
# the sale is still OPEN (cancelled, the POS restarting voids it) or already on the terminal
# (waited for until it ends).
crash_and_recover() {
    local journal
    journal=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-demo-journal.XXXXXX")
    echo "=== crash: sale --journal J 1500 demo-crash, killed (SIGKILL) while the sale is open"
    "$sale" --journal "$journal/j.db" 1500 demo-crash >"$journal/out" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
        grep -q "created" "$journal/out" && break
        sleep 0.02
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sed 's/^/    /' "$journal/out"
    echo "=== crash: sale --journal J --recover"
    local output status=0
    output=$("$sale" --journal "$journal/j.db" --recover 2>&1) || status=$?
    printf '%s\n' "$output" | sed 's/^/    /'
    rm -rf "$journal"
    if [ "$status" -ne 0 ] || ! printf '%s\n' "$output" | grep -qxF "recovered 1 sale" ||
        ! printf '%s\n' "$output" | grep -qE '^  resolution: (canceled|finished)$'; then
        echo "=== crash: FAILED (expected one sale, cancelled or finished)"
        failures=$((failures + 1))
        return
    fi
    echo "=== crash: ok"
}
crash_and_recover

if [ "$failures" -ne 0 ]; then
    echo "demo: $failures of 8 sales did not end as expected"
    exit 1
fi
echo "demo: all 8 sales ended as expected"
