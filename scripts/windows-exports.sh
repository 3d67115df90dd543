#!/usr/bin/env bash
# Prints the functions declared in point.h, one per line, as "NAME STDCALL_ARG_BYTES": the
# byte count is what 32-bit stdcall decoration needs (NAME@BYTES).
#
#   scripts/windows-exports.sh [HEADER]     (default include/point.h)
#
# It reads the one-line prototypes cbindgen writes (`args = "horizontal"` in cbindgen.toml)
# and fails on a parameter type it does not know, so a new type cannot get a wrong size.
set -euo pipefail
header=${1:-$(dirname "${BASH_SOURCE[0]}")/../include/point.h}
awk '
function size(param,    t) {
    t = param
    sub(/^[ \t]+/, "", t)
    if (t == "void") return 0
    if (t ~ /\*/) return 4
    if (t ~ /^u?int64_t /) return 8
    if (t ~ /^(u?int32_t|MpStatus|MpIntentState|MpLogLevel|MpLogCallback|MpWaitCallback) /) return 4
    printf "windows-exports: unknown parameter type in: %s\n", param > "/dev/stderr"
    failed = 1
    return 0
}
/^[A-Za-z].*[ *]mp_[a-z0-9_]+\(.*\);$/ {
    line = $0
    name = line
    sub(/\(.*/, "", name)
    sub(/.*[ *]/, "", name)
    args = line
    sub(/^[^(]*\(/, "", args)
    sub(/\);$/, "", args)
    n = split(args, parts, ",")
    bytes = 0
    for (i = 1; i <= n; i++) bytes += size(parts[i])
    print name, bytes
    count++
}
END {
    if (count == 0) { print "windows-exports: no functions found" > "/dev/stderr"; exit 1 }
    if (failed) exit 1
}' "$header"
