#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (cargo-fuzz: libFuzzer with AddressSanitizer) for a bounded
# time each, after installing what they need: nightly Rust (scripts/ensure-nightly.sh) and
# cargo-fuzz (cargo install, pinned). Safe to run repeatedly.
#
#   scripts/fuzz.sh SECONDS [TARGET...]    every target (or the ones named), SECONDS each
#
# A target starts from its checked-in seeds (fuzz/seeds/TARGET) and what earlier runs on this
# machine found (fuzz/corpus/TARGET, not checked in). An input that fails a target is written
# to fuzz/artifacts/TARGET/, and the script prints the failure and how to replay it. Every
# target runs even if one fails; the exit status is non-zero if any did.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
# Longest one input may take before libFuzzer reports it as a hang.
INPUT_TIMEOUT_S=10

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "fuzz: $*" >&2; }
die() {
    say "ERROR: $*"
    exit 1
}

if [ "$#" -lt 1 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift

nightly=$("$root/scripts/ensure-nightly.sh")
if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install; about a minute)"
    cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" ||
        die "cargo install cargo-fuzz failed (cargo's error is above); the fuzz targets need it"
fi

cd "$root/fuzz"
# The workspace's lock, so the targets build against the dependency versions the library
# ships with; cargo adds the fuzz-only packages to this copy.
if [ ! -f Cargo.lock ] || [ ../Cargo.lock -nt Cargo.lock ]; then
    cp ../Cargo.lock Cargo.lock
fi
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo "+$nightly" fuzz list)
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
say "building the fuzz targets (a few minutes the first time)"
if ! cargo "+$nightly" fuzz build >"$log" 2>&1; then
    cat "$log" >&2
    die "the fuzz targets did not build (the compiler's error is above)"
fi

failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    if cargo "+$nightly" fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout="$INPUT_TIMEOUT_S" >"$log" 2>&1; then
        say "$target: $(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1) (corpus $(find "corpus/$target" -type f | wc -l) inputs)"
    else
        failed+=("$target")
        say "$target FAILED; libFuzzer's report:"
        sed -n '/panicked at\|ERROR: \|SUMMARY: /,$p' "$log" | grep -v '^\s*[0-9]*: \|^\s*at ' | head -n 60 >&2
        artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | cut -d' ' -f5)
        [ -n "$artifact" ] && say "replay it with: (cd fuzz && cargo +$nightly fuzz run $target ${artifact#"$root/fuzz/"})"
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    say "FAILED: ${failed[*]}"
    exit 1
fi
say "all ${#targets[@]} targets ran ${seconds} s each without a failure"
