#!/usr/bin/env bash
# Builds the Delphi binding's sample and tests with Free Pascal and runs them against the
# point-sim simulator. Needs the library and simulator already built (cargo build --workspace
# gives target/debug/libmppoint.so and target/debug/point-sim) and fpc
# (scripts/ensure-fpc.sh installs it).
#
#   bindings/delphi/test.sh
#
# Outputs go to build/delphi/ (objects in build/delphi/units/), never into the sources.
# Environment: LIBDIR (default target/debug), BUILDDIR (default build/delphi),
# STEP_MS (simulator step, default 250), VALGRIND (default valgrind; set it empty to leave
# out the leak check, which otherwise needs valgrind: scripts/ensure-tools.sh installs it). Exits non-zero if anything fails; the test
# program's closing line is "N passed, N failed".
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

libdir=${LIBDIR:-target/debug}
builddir=${BUILDDIR:-build/delphi}
step_ms=${STEP_MS:-250}
valgrind=${VALGRIND-valgrind}
src=bindings/delphi

case "$libdir" in /*) ;; *) libdir=$root/$libdir ;; esac
case "$builddir" in /*) ;; *) builddir=$root/$builddir ;; esac

if ! command -v fpc >/dev/null 2>&1; then
    echo "delphi-test: fpc not found; run scripts/ensure-fpc.sh (as root) first" >&2
    exit 2
fi
if [ -n "$valgrind" ] && ! command -v "$valgrind" >/dev/null 2>&1; then
    echo "delphi-test: $valgrind not found; run scripts/ensure-tools.sh, or set VALGRIND= to skip the leak check" >&2
    exit 2
fi
if [ ! -f "$libdir/libmppoint.so" ]; then
    echo "delphi-test: $libdir/libmppoint.so not found; build it with: cargo build --workspace" >&2
    exit 2
fi

mkdir -p "$builddir/units"

# -Mdelphi: Delphi mode; -Sew: warnings are errors; -Fl/-k-rpath: find libmppoint.so at
# link and run time; -FE/-FU: executables and compiled units outside the source tree.
compile() {
    echo "delphi-test: compiling $1" >&2
    fpc -Mdelphi -Sew -vw -l- -Fl"$libdir" -k-rpath="$libdir" \
        -FE"$builddir" -FU"$builddir/units" "$src/$1"
}
compile sale.dpr
compile test_mppoint.dpr

# MPPOINT_STDCALL binds the generated declarations to the stdcall `_std` twins, which only the
# 32-bit Windows DLLs export: here the unit and the tests are compiled that way without linking,
# which checks the declarations and the trampolines' calling conventions.
echo "delphi-test: compiling test_mppoint.dpr with MPPOINT_STDCALL (no link)" >&2
mkdir -p "$builddir/stdcall/units"
fpc -Mdelphi -Sew -vw -l- -dMPPOINT_STDCALL -Cn -FE"$builddir/stdcall" -FU"$builddir/stdcall/units" \
    "$src/test_mppoint.dpr"

status=0

# The sample: an approved sale with a non-ASCII reference and its receipt, a cancelled one,
# and an approved one refunded on the terminal.
run_sample() {
    echo "delphi-test: sale $*" >&2
    MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh "$step_ms" "$builddir/sale" "$@"
}
# expect_lines LOG LINE... : each LINE appears as a whole line of LOG.
expect_lines() {
    local log=$1 line
    shift
    for line in "$@"; do
        if ! grep -qxF -- "$line" "$log"; then
            echo "delphi-test: FAIL: the sample printed no line '$line'" >&2
            status=1
        fi
    done
}
run_sample 1500 "Pedido ñandú 42" | tee "$builddir/sale-approved.log" || status=1
expect_lines "$builddir/sale-approved.log" "payment state: approved" "receipt amount: 15.0"
run_sample --cancel 2500 "delphi-cancel" || status=1
run_sample --refund 3000 "delphi-refund" | tee "$builddir/sale-refund.log" || status=1
expect_lines "$builddir/sale-refund.log" "payment state: approved" "refund: FINISHED"

# The version guard against stand-in libraries (scripts/version-stand-in.sh), each put first
# on LD_LIBRARY_PATH (the programs' -k-rpath is a RUNPATH, which it overrides). The next minor
# version, on top of the real library, must be accepted and sell as the real one does. The
# previous minor and the next major (minor 0, and a newer minor), exporting mp_version alone,
# must be refused with EMpPointVersionError (the sample prints its message and exits 2) before
# the unit calls anything else (a call would end the process: the function is missing).
major=$(sed -n 's/^  MP_VERSION_MAJOR = \([0-9]*\);$/\1/p' "$src/MpPointApi.inc")
minor=$(sed -n 's/^  MP_VERSION_MINOR = \([0-9]*\);$/\1/p' "$src/MpPointApi.inc")
if [ -z "$major" ] || [ -z "$minor" ]; then
    echo "delphi-test: FAIL: no MP_VERSION_MAJOR/MINOR in $src/MpPointApi.inc" >&2
    status=1
else
    stand_ins=$builddir/stand-in
    rm -rf "$stand_ins"
    next=$major.$((minor + 1)).0
    scripts/version-stand-in.sh "$next" "$stand_ins/$next" "$libdir/libmppoint.so"
    echo "delphi-test: sale with a stand-in library of version $next (accepted)" >&2
    LD_LIBRARY_PATH=$stand_ins/$next${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
        run_sample 1500 "delphi-next-minor" | tee "$builddir/sale-next-minor.log" || status=1
    expect_lines "$builddir/sale-next-minor.log" "mppoint $next" "payment state: approved"
    refused=("$((major + 1)).0.0" "$((major + 1)).$((minor + 1)).0")
    if [ "$minor" -gt 0 ]; then
        refused+=("$major.$((minor - 1)).0")
    fi
    for version in "${refused[@]}"; do
        scripts/version-stand-in.sh "$version" "$stand_ins/$version"
        echo "delphi-test: sale with a stand-in library of version $version (refused)" >&2
        log=$builddir/sale-refused-$version.log
        rc=0
        # An unreachable service: nothing may be sent even if the guard let the sale through.
        LD_LIBRARY_PATH=$stand_ins/$version${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
            MP_ACCESS_TOKEN=TEST-delphi MP_BASE_URL=https://127.0.0.1:9 \
            "$builddir/sale" 1500 "delphi-refused" >"$log" 2>&1 || rc=$?
        sed 's/^/    /' "$log" >&2
        if [ "$rc" -ne 2 ] || ! grep -qF "needs it or a later $major.x, but the loaded libmppoint.so is version $version:" "$log"; then
            echo "delphi-test: FAIL: a library of version $version must be refused with EMpPointVersionError (exit $rc, expected 2)" >&2
            status=1
        fi
    done
fi

# Ctrl-C while waiting: the progress method stops the wait, the sample cancels the intent
# (still OPEN: the simulator's step is 3 s here) and exits with 3.
# The sample is started in the background of a non-interactive shell, so with SIGINT ignored
# (as it would be from nohup too): it installs its own handler. Its stdout is kept apart from
# its stderr, where MP_DEBUG (if the caller set it) would cut its lines.
echo "delphi-test: sale interrupted by SIGINT while the intent is OPEN" >&2
interrupt_log=$builddir/sale-interrupt.log
rc=0
MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 3000 bash -c '
    "$1" 1500 interrupted >"$2" 2>"$2.stderr" &
    pid=$!
    for _ in $(seq 1 200); do
        grep -q "state: OPEN" "$2" && break
        sleep 0.05
    done
    kill -INT "$pid"
    wait "$pid"' _ "$builddir/sale" "$interrupt_log" || rc=$?
cat "$interrupt_log" "$interrupt_log.stderr" >&2
if [ "$rc" -ne 3 ] || ! grep -q "^stopped waiting while the intent was OPEN" "$interrupt_log" ||
    ! grep -q "^the intent was cancelled" "$interrupt_log"; then
    echo "delphi-test: FAIL: an interrupted sale must exit 3 after cancelling its intent (exit $rc)" >&2
    status=1
fi

# with_sims CMD...: CMD against two fresh simulators: MP_BASE_URL, whose intents move by
# themselves every $step_ms, and MP_MANUAL_BASE_URL (--manual), where an intent stays OPEN until
# its terminal's keys are pressed: the journal tests need to know exactly what holds a terminal.
with_sims() {
    POINT_SIM_FLAGS=--manual scripts/with-sim.sh "$step_ms" \
        bash -c 'export MP_MANUAL_BASE_URL=$MP_BASE_URL; unset POINT_SIM_FLAGS; exec "$@"' _ \
        scripts/with-sim.sh "$step_ms" "$@"
}

# In a UTF-8 locale whatever the caller's, then in the C locale.
echo "delphi-test: test_mppoint" >&2
LC_ALL=C.UTF-8 with_sims "$builddir/test_mppoint" || status=1

# Again in the C locale, where the locale's code page cannot hold "ñ": strings from the
# library must still come back whole.
echo "delphi-test: test_mppoint with LC_ALL=C" >&2
LC_ALL=C LANG=C with_sims "$builddir/test_mppoint" || status=1

# Every string the library returns must be freed with mp_string_free, and every client with
# mp_free. FPC's heap is not malloc, so valgrind sees only the library's (Rust) allocations:
# exactly the ones the binding must release.
if [ -n "$valgrind" ]; then
    echo "delphi-test: test_mppoint under valgrind" >&2
    with_sims "$valgrind" --quiet --leak-check=full \
        --errors-for-leak-kinds=definite,possible --error-exitcode=99 \
        --suppressions=tests/valgrind.supp "$builddir/test_mppoint" || status=1
fi

# MpPoint.pas has separate string code for Delphi 7-2007 (AnsiString) and Delphi 2009+
# (UnicodeString). No Delphi here: as a stand-in, compile the tests once more with FPC's own
# symbol undefined (-uFPC), in Delphi mode (string = AnsiString) and in DelphiUnicode mode
# (string = UnicodeString, UNICODE defined), and run them. This exercises those branches'
# code, not the Delphi compiler. Not -Sew: FPC's ANSI run-time library makes the Unicode
# build warn about its own IntToStr and Exception.Create. Run in a UTF-8 locale, whatever the
# caller's: the AnsiString build converts through the locale's code page, which must hold "ñ"
# as a Spanish-language Windows code page (1252) does; the C locale's cannot.
for mode in delphi delphiunicode; do
    outdir=$builddir/as-$mode
    mkdir -p "$outdir/units"
    echo "delphi-test: test_mppoint built with -M$mode -uFPC (the non-FPC branches)" >&2
    fpc -M"$mode" -uFPC -FcUTF8 -Facwstring -l- -Fl"$libdir" -k-rpath="$libdir" \
        -FE"$outdir" -FU"$outdir/units" "$src/test_mppoint.dpr" >"$outdir/compile.log" 2>&1 || {
        cat "$outdir/compile.log" >&2
        status=1
        continue
    }
    LC_ALL=C.UTF-8 with_sims "$outdir/test_mppoint" || status=1
done

if [ "$status" -ne 0 ]; then
    echo "delphi-test: FAILED" >&2
fi
exit "$status"
