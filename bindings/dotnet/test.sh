#!/usr/bin/env bash
# Builds the .NET binding, its sample and its tests with Mono's mcs into build/dotnet/, then runs
# the sample and the tests against the point-sim simulator. Exits non-zero on any failure.
#
#   bindings/dotnet/test.sh            (from anywhere; needs `cargo build` done first)
#
# Needs target/debug/libmppoint.so and target/debug/point-sim (cargo build), a C compiler for
# the version-guard stand-in libraries (scripts/ensure-tools.sh), and Mono (scripts/ensure-mono.sh,
# run here: it installs mono-mcs and mono-runtime when run as root).
# MPPOINT_LIBDIR overrides the folder of libmppoint.so (default target/debug).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

src=bindings/dotnet
out=build/dotnet
libdir=${MPPOINT_LIBDIR:-target/debug}
libdir=$(cd "$libdir" 2>/dev/null && pwd || echo "$libdir")
CC=${CC:-cc}
# Simulator step for the tests: long enough that an intent is reliably still OPEN right after
# it is created (the cancel test needs that), short enough that a sale takes about a second.
TEST_STEP_MS=${TEST_STEP_MS:-200}

scripts/ensure-mono.sh

if [ ! -f "$libdir/libmppoint.so" ]; then
    echo "dotnet test: $libdir/libmppoint.so not found; build it first with: cargo build" >&2
    exit 1
fi
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "dotnet test: no C compiler ($CC) for the version-guard test; run scripts/ensure-tools.sh" >&2
    exit 1
fi

# The version guard's stand-ins (scripts/version-stand-in.sh), one folder per version of
# VersionCases in tests/Tests.cs, around the real version (from the header): the next minor,
# which the binding must accept, on top of the real library; the next major (minor 0, and a
# newer minor), a malformed version and the previous minor, which it must refuse, exporting
# mp_version alone.
major=$(sed -n 's/^#define MP_VERSION_MAJOR \([0-9]*\)$/\1/p' "$root/include/point.h")
minor=$(sed -n 's/^#define MP_VERSION_MINOR \([0-9]*\)$/\1/p' "$root/include/point.h")
stand_ins=$out/stand-in
refused=("$((major + 1)).0.0" "$((major + 1)).$((minor + 1)).0" "$major.x.0")
if [ "$minor" -gt 0 ]; then
    refused+=("$major.$((minor - 1)).0")
fi
mkdir -p "$out"
# mcs accepts up to C# 7.2, within the 7.3 that .NET Framework projects compile.
MCS_FLAGS=(-langversion:7.2 -warn:4 -warnaserror -debug)
echo "dotnet test: compiling into $out/"
mcs "${MCS_FLAGS[@]}" -target:library -out:"$out/MpPoint.dll" "$src/MpPoint.cs" "$src/MpPoint.Native.cs"
mcs "${MCS_FLAGS[@]}" -target:exe -r:"$out/MpPoint.dll" -out:"$out/Sale.exe" "$src/samples/Sale.cs"
mcs "${MCS_FLAGS[@]}" -target:exe -r:"$out/MpPoint.dll" -out:"$out/MpPointTests.exe" "$src/tests/Tests.cs"
rm -rf "$stand_ins"
CC=$CC scripts/version-stand-in.sh "$major.$((minor + 1)).0" "$stand_ins/$major.$((minor + 1)).0" "$libdir/libmppoint.so"
for version in "${refused[@]}"; do
    CC=$CC scripts/version-stand-in.sh "$version" "$stand_ins/$version"
done

# Mono looks for libmppoint.so next to the .exe first, then on LD_LIBRARY_PATH. It is not
# copied next to the .exe, so the version-guard test can put a stand-in first.
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

status=0

# run_sample NAME EXPECTED_EXIT ARGS... : runs the sample against a fresh simulator and checks
# its exit status; its stdout and stderr are kept in $out/NAME.log and NAME.stderr for the
# checks that follow (apart, so that log lines, e.g. with MP_DEBUG set, cannot cut its lines).
run_sample() {
    local name=$1 expected=$2 code=0
    shift 2
    echo "dotnet test: sample $name: Sale.exe $*"
    MP_POLL_INTERVAL_MS=50 scripts/with-sim.sh 50 mono --debug "$out/Sale.exe" "$@" \
        >"$out/$name.log" 2>"$out/$name.stderr" || code=$?
    cat "$out/$name.log" "$out/$name.stderr" | sed 's/^/    /'
    if [ "$code" -ne "$expected" ]; then
        echo "dotnet test: FAIL sample $name exited $code, expected $expected" >&2
        status=1
        return 1
    fi
}

# expect_line NAME REGEX : the sample's stdout or stderr has a line matching REGEX.
expect_line() {
    if ! grep -Eqh "$2" "$out/$1.log" "$out/$1.stderr"; then
        echo "dotnet test: FAIL sample $1 printed no line matching: $2" >&2
        status=1
    fi
}

if run_sample approved 0 1500 "Pedido ñandú 42"; then
    expect_line approved '^  state: OPEN$'
    expect_line approved '^result: FINISHED$'
    expect_line approved '^payment state: approved$'
    # The receipt from the Payments API, its decimal amount printed as sent.
    expect_line approved '^receipt amount: 15\.0$'
    expect_line approved '^receipt last four digits: [0-9]{4}$'
fi
if run_sample rejected 0 1200; then
    expect_line rejected '^payment state: rejected$'
    expect_line rejected '^-> not paid'
fi
if run_sample unknown-device 1 --device NO_SUCH_DEVICE 1500; then
    expect_line unknown-device 'MP_STATUS_NOT_FOUND \(HTTP 404\)'
fi
run_sample usage 2 15.00 || true

# The tests get two simulators: MP_BASE_URL, whose intents move by themselves, and
# MP_MANUAL_BASE_URL (--manual), where an intent stays OPEN until a test presses the terminal's
# keys through /_sim: the journal tests need to know exactly what holds a terminal.
echo "dotnet test: tests"
POINT_SIM_FLAGS=--manual scripts/with-sim.sh "$TEST_STEP_MS" \
    bash -c 'export MP_MANUAL_BASE_URL=$MP_BASE_URL; unset POINT_SIM_FLAGS; exec "$@"' _ \
    scripts/with-sim.sh "$TEST_STEP_MS" env MPPOINT_STAND_INS="$root/$out/stand-in" MPPOINT_HEADER="$root/include/point.h" \
    mono --debug "$out/MpPointTests.exe" || status=1

if [ "$status" -ne 0 ]; then
    echo "dotnet test: FAILED" >&2
fi
exit "$status"
