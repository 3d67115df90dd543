#!/usr/bin/env bash
# 0.3 compatibility (make compat-test): a POS built against 0.3 keeps working, unchanged, with
# the library of this checkout. tests/compat/0.3/ holds what such a POS was built from (its
# README.md says where each file came from). Every check runs, even after one fails:
#
#   - the 0.3 sample builds against the 0.3 header and links against target/debug/libmppoint.so;
#     its source also builds against today's header;
#   - every 0.3 prototype, callback type and enum value, declared again after today's header,
#     is accepted by the C compiler (a changed type or number is a compile error);
#   - against a fresh simulator, the 0.3 binary's own version check (exactly its major.minor)
#     stops cleanly on a newer library, and today's sample accepts a newer minor and refuses an
#     older one or another major; the 0.3 binary sells (approved, rejected, error, cancelled, refunded, both APIs);
#     journals a sale and a sale killed mid-way and recovers them; recovers a journal the 0.3
#     library wrote; and recovery reports only the resolutions 0.3 documents.
#
# The manifest comparison (functions, enums, callbacks, types) is abi/tests/compat.rs.
#
#   scripts/compat-test.sh [STEP_MS]        (needs cargo build --workspace: make compat-test)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old=$root/tests/compat/0.3
out=$root/build/compat-0.3
lib=$root/target/debug
cc=${CC:-cc}
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "=== $1: ok"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "=== $1: FAILED ($2)"; }

# ---- against the simulator (this script again, under scripts/with-sim.sh) --------------------
if [ "${1:-}" = "--sales" ]; then
    sale=$out/sale
    export MP_POLL_INTERVAL_MS=${MP_POLL_INTERVAL_MS:-50}
    work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-compat.XXXXXX")
    trap 'rm -rf "$work"' EXIT

    # The library's major.minor, and the next minor (what a 0.4 release reports).
    version=$(sed -n 's/.*"version": "\([0-9.]*\)".*/\1/p' "$root/include/point.abi.json" | head -1)
    major=${version%%.*}
    minor=${version#*.}
    minor=${minor%%.*}
    next="$major.$((minor + 1)).0"
    # A library that reports another version, for the 0.3 binary (its mp_version call goes to
    # the first definition the dynamic linker finds).
    shim() {
        printf 'const char *mp_version(void);\nconst char *mp_version(void) { return "%s"; }\n' "$1" >"$work/v.c"
        "$cc" -shared -fPIC -o "$work/version-$1.so" "$work/v.c"
        echo "$work/version-$1.so"
    }
    # The 0.3 binary refuses any other major.minor at start-up (see the version checks below);
    # once the library reports one, the other checks run it as if it were 0.3.0, so they still
    # say whether the ABI works.
    preload=""
    if [ "$major.$minor" != "0.3" ]; then
        preload=$(shim 0.3.0)
        echo "(the library is $version: the sales below run with mp_version() reporting 0.3.0)"
    fi
    run() { # run NAME EXPECTED_LINE... -- SALE_ARGS...: exit 0 and every line, exactly
        local name=$1 expected=() output status=0 line
        shift
        while [ "$1" != "--" ]; do expected+=("$1"); shift; done
        shift
        output=$(LD_PRELOAD=$preload "$sale" "$@" 2>&1) || status=$?
        printf '%s\n' "$output" | sed 's/^/    /' >"$work/last"
        if [ "$status" -ne 0 ]; then
            cat "$work/last"
            fail "$name" "the 0.3 sample exited with status $status"
            return
        fi
        for line in "${expected[@]}"; do
            if ! printf '%s\n' "$output" | grep -qxF -- "$line"; then
                cat "$work/last"
                fail "$name" "no line '$line'"
                return
            fi
        done
        pass "$name"
    }
    # The resolutions of a recovery the 0.3 sample printed, one per line.
    resolutions() { sed -n 's/^  resolution: //p' "$1"; }

    # The version check of the 0.3 sample wants exactly its own major.minor: its own policy,
    # which a newer library cannot change without lying about its version. With this library
    # it must stop cleanly, before any call, saying why (the CHANGELOG tells a 0.3 POS to relax
    # it); the rest runs it as if the library said 0.3.0, which tests the ABI.
    status=0
    "$sale" 1500 compat-version >"$work/v1" 2>&1 || status=$?
    if [ "$major.$minor" = "0.3" ] && [ "$status" -eq 0 ]; then
        pass "version: the 0.3 sample starts with mppoint $version"
    elif [ "$status" -eq 2 ] && grep -qF "built for mppoint 0.3.0 but loaded $version" "$work/v1"; then
        pass "version: the 0.3 sample's own check stops cleanly on $version, saying why"
    else
        sed 's/^/    /' "$work/v1"
        fail "version: the 0.3 sample's own check" "exit $status, without its version message"
    fi
    # Today's sample (its check is the rule point.h gives from 0.4 on): a newer minor of the
    # same major is accepted, an older minor and another major are not.
    now=$root/build/sale
    for other in "$next:0" "$major.$((minor - 1)).0:2" "$((major + 1)).0.0:2"; do
        v=${other%%:*} want=${other##*:} status=0
        LD_PRELOAD=$(shim "$v") "$now" --journal "$work/today.db" --recover >"$work/v2" 2>&1 || status=$?
        if [ "$want" -eq 0 ] && [ "$status" -eq 0 ] && grep -qx "recovered 0 sales" "$work/v2"; then
            pass "version: today's sample accepts $v"
        elif [ "$want" -ne 0 ] && [ "$status" -eq "$want" ] && grep -qF "but loaded $v" "$work/v2"; then
            pass "version: today's sample refuses $v"
        else
            sed 's/^/    /' "$work/v2"
            fail "version: today's sample with $v" "exit $status"
        fi
    done

    run approved "result: FINISHED" "payment state: approved" -- 1500 compat-approved
    run rejected "result: FINISHED" "payment state: rejected" -- 1200 compat-rejected
    run error "result: ERROR" "payment: none" -- 1300 compat-error
    run cancelled "cancel: accepted" "result: CANCELED" "payment: none" -- --cancel 2500 compat-cancelled
    run refunded "payment state: approved" "receipt amount: 30.0" "refund: FINISHED" -- --refund 3000 compat-refunded
    run orders-approved "result: FINISHED" "payment state: approved" -- --api orders 1500 compat-orders
    run orders-refunded "payment state: approved" "refund: FINISHED" -- --api orders --refund 4000 compat-orders-refunded

    # --journal: a sale journaled to the end, then recovered (reported, finished) by the next
    # process; and one killed mid-sale.
    run journaled "result: FINISHED" "payment state: approved" -- --journal "$work/a.db" 1500 compat-journaled
    run "journaled, recovered" "recovered 1 sale" "  external_reference: compat-journaled" \
        "  resolution: finished" -- --journal "$work/a.db" --recover
    LD_PRELOAD=$preload "$sale" --journal "$work/b.db" 1500 compat-crash >"$work/crash" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do
        grep -q "created" "$work/crash" && break
        sleep 0.01
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    status=0
    LD_PRELOAD=$preload "$sale" --journal "$work/b.db" --recover >"$work/crash-recovered" 2>&1 || status=$?
    if [ "$status" -eq 0 ] && grep -qxF "recovered 1 sale" "$work/crash-recovered" &&
        resolutions "$work/crash-recovered" | grep -qxE 'canceled|finished'; then
        pass "killed mid-sale, recovered"
    else
        sed 's/^/    /' "$work/crash" "$work/crash-recovered"
        fail "killed mid-sale, recovered" "exit $status; want one sale, canceled or finished"
    fi

    # A journal the 0.3 library wrote (schema 1): a sale left OPEN by a killed process, one
    # whose every answer was lost (no id), one finished. The simulator has none of them: the
    # first is never_created, the second is sent again with its key and cancelled at once
    # (never_created); the finished one is reported for 24 hours after it was made.
    cp "$old/journal-0.3.db" "$work/old.db"
    status=0
    LD_PRELOAD=$preload "$sale" --journal "$work/old.db" --recover >"$work/old" 2>&1 || status=$?
    got=$(awk '/^  external_reference: /{ref=$2} /^  resolution: /{print ref, $2}' "$work/old" | sort | tr '\n' ';')
    case "$got" in
    "compat-0.3-finished finished;compat-0.3-lost never_created;compat-0.3-open never_created;" | \
        "compat-0.3-lost never_created;compat-0.3-open never_created;")
        pass "a journal of the 0.3 library, recovered"
        ;;
    *)
        sed 's/^/    /' "$work/old"
        fail "a journal of the 0.3 library, recovered" "exit $status; got: $got"
        ;;
    esac
    status=0
    LD_PRELOAD=$preload "$sale" --journal "$work/old.db" --recover >"$work/old-again" 2>&1 || status=$?
    if [ "$status" -eq 0 ] && diff -q <(grep -v '^mppoint ' "$work/old") <(grep -v '^mppoint ' "$work/old-again") >/dev/null; then
        pass "a journal of the 0.3 library, recovered twice: the same answer"
    else
        diff <(grep -v '^mppoint ' "$work/old") <(grep -v '^mppoint ' "$work/old-again") | sed 's/^/    /' || true
        fail "a journal of the 0.3 library, recovered twice: the same answer" "exit $status"
    fi

    # A create the service refused (the terminal busy with another sale), journaled, then
    # recovered: 0.3 documents four resolutions (finished, canceled, never_created, pending;
    # a refused create was never_created), so a 0.3 POS knows no other.
    busy_device=GERTEC_MP35P__8701012051267097
    LD_PRELOAD=$preload "$sale" --device "$busy_device" 1500 compat-holds-the-terminal >"$work/holder" 2>&1 &
    holder=$!
    for _ in $(seq 1 200); do
        grep -q "created" "$work/holder" && break
        sleep 0.01
    done
    status=0
    LD_PRELOAD=$preload "$sale" --journal "$work/c.db" --device "$busy_device" 1600 compat-busy >"$work/busy" 2>&1 || status=$?
    wait "$holder" || true
    LD_PRELOAD=$preload "$sale" --journal "$work/c.db" --recover >"$work/busy-recovered" 2>&1 || true
    unknown=$(resolutions "$work/busy-recovered" | grep -vxE 'finished|canceled|never_created|pending' || true)
    if [ "$status" -ne 1 ] || ! grep -q DEVICE_BUSY "$work/busy"; then
        sed 's/^/    /' "$work/busy"
        fail "a refused create, recovered with 0.3's resolutions" "the create was not refused (exit $status)"
    elif [ -n "$unknown" ] || ! grep -qxF "recovered 1 sale" "$work/busy-recovered"; then
        sed 's/^/    /' "$work/busy-recovered"
        fail "a refused create, recovered with 0.3's resolutions" \
            "resolution '$unknown' is not one 0.3 documents: a 0.3 POS expects never_created"
    else
        pass "a refused create, recovered with 0.3's resolutions"
    fi

    echo "compat-test (simulator): $checks checks, $failures failed"
    [ "$failures" -eq 0 ]
    exit
fi

# ---- builds ---------------------------------------------------------------------------------
step_ms=${1:-250}
mkdir -p "$out"
cd "$root"

# The POS of 0.3: its source and header, today's library.
if "$cc" -g -std=c99 -Wall -Wextra -Werror -I"$old" -o "$out/sale" "$old/sale.c" \
    -L"$lib" -lmppoint -Wl,-rpath,"$lib"; then
    pass "the 0.3 sample builds against the 0.3 header and links against today's library"
else
    fail "the 0.3 sample builds against the 0.3 header and links against today's library" "$cc failed"
fi

# Its source, unchanged, against today's header.
if "$cc" -std=c99 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$old/sale.c"; then
    pass "the 0.3 sample's source builds against today's header"
else
    fail "the 0.3 sample's source builds against today's header" "$cc failed"
fi

# 0.3's declarations after today's header: C accepts a function or typedef declared twice only
# with the same type (C11), and the arrays below only when each value kept its number.
{
    echo '#include "point.h"'
    grep -E '^typedef .*\(\*Mp[A-Za-z]+\)\(.*\);$' "$old/point.h"
    grep -E '^typedef struct Mp[A-Za-z]+ Mp[A-Za-z]+;$' "$old/point.h"
    grep -E '^[A-Za-z].*[ *]mp_[a-z_]+\(.*\);$' "$old/point.h"
    sed -n 's/^    \(MP_[A-Z_]*\) = \([0-9]*\),$/typedef char same_\1[(\1 == \2) ? 1 : -1];/p' "$old/point.h"
} >"$out/declarations-0.3.c"
functions=$(grep -cE '^[A-Za-z].*[ *]mp_[a-z_]+\(.*\);$' "$old/point.h")
values=$(grep -c '^typedef char same_' "$out/declarations-0.3.c")
if [ "$functions" -gt 30 ] && [ "$values" -gt 30 ] &&
    "$cc" -std=c11 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$out/declarations-0.3.c"; then
    pass "0.3's $functions prototypes, its callback types and $values enum values agree with today's header"
else
    fail "0.3's prototypes, callback types and enum values agree with today's header" \
        "$functions prototypes, $values values; see $out/declarations-0.3.c"
fi

status=0
if [ -x "$out/sale" ]; then
    scripts/with-sim.sh "$step_ms" "$0" --sales || status=$?
else
    status=1
fi
echo "compat-test (builds): $checks checks, $failures failed"
if [ "$failures" -ne 0 ] || [ "$status" -ne 0 ]; then
    echo "compat-test: FAILED (see the checks above)"
    exit 1
fi
echo "compat-test: a POS built against 0.3 works with this library"
