#!/usr/bin/env bash
# Runs seven sales through the C sample against a running simulator (see with-sim.sh) and
# checks that each ended the way the simulator's amount table says it should: five with the
# Point Integration API (the last one refunded), two with the Orders API (the last refunded).
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

if [ "$failures" -ne 0 ]; then
    echo "demo: $failures of 7 sales did not end as expected"
    exit 1
fi
echo "demo: all 7 sales ended as expected"
