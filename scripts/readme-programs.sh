#!/usr/bin/env bash
# Builds every program the READMEs print and runs it against the simulator, so that a README
# cannot show a program that no longer compiles or no longer does what its text says.
#
#   scripts/readme-programs.sh [FILE.md...]    (default: README.md and bindings/*/README.md)
#
# How a README marks a program. A fenced code block is a complete program when the line right
# before its opening fence is an HTML comment (which GitHub does not show):
#
#   <!-- program: LANG SCENARIO=EXIT SCENARIO=EXIT ... -->
#   ```c
#   ...
#   ```
#
# LANG is c, python, pascal or csharp, and the fence must say the same language (c, python,
# pascal or delphi, csharp or cs). Every other block is a fragment, and must not look like a
# program: an unmarked C block with `main(`, Pascal block starting with `program`, C# block
# with a `static ... Main(` or Python block that imports mppoint and calls sys.exit fails the
# run.
#
# What a marked program must do. Every one is a sale, run as `PROGRAM AMOUNT TICKET` (AMOUNT
# in minor units, 1500 = 15.00) with MP_ACCESS_TOKEN and MP_BASE_URL set by scripts/with-sim.sh
# and MP_DEVICE_ID unset (it sells on the account's first terminal). Each SCENARIO runs it once
# against a fresh simulator and requires the exit status EXIT, and that the simulator made
# exactly one sale (for busy: only the other one):
#
#   approved      15.00: FINISHED, approved (required, and must be 0: hand over the goods)
#   rejected      12.00: FINISHED, rejected
#   reversed      11.00: FINISHED, refunded
#   error         13.00: ERROR, no payment
#   confirmation  18.00: CONFIRMATION_REQUIRED
#   abandoned     19.00: ABANDONED
#   canceled      15.00 on a --manual simulator: the terminal's cancel button is pressed while
#                 the program waits (CANCELED)
#   lost-answer   15.00 with the answer to the create lost three times, once more than the
#                 library retries: the program must send the same create again with the same
#                 key (OUTCOME_UNKNOWN) and sell; the simulator must have made exactly one sale
#   busy          15.00 while the terminal holds another sale (DEVICE_BUSY): nothing new may
#                 be made
#
# Each program also needs at least one scenario with a non-zero EXIT (no goods). C is built
# with gcc (-std=c99 -pedantic -Wall -Wextra -Werror) against target/debug/libmppoint.so,
# Python runs with PYTHONPATH=bindings/python, Pascal is built with fpc in Delphi mode against
# bindings/delphi/MpPoint.pas, C# with Mono's mcs against bindings/dotnet/*.cs. Everything is
# written under build/readme/. Needs `cargo build --workspace` first, gcc, python3 and curl;
# fpc and mcs/mono only for a README with such a program (scripts/ensure-fpc.sh,
# scripts/ensure-mono.sh install them as root). Exits non-zero if any block fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
self=scripts/readme-programs.sh
libdir=$root/target/debug
out=build/readme
device=PAX_A910__SMARTPOS1495357742
ticket=T-1001
say() { echo "readme-programs: $*" >&2; }

# ---- inside a simulator (scripts/with-sim.sh runs this script again with --in-sim) ---------

sim_get() { curl -sf "$MP_BASE_URL$1"; }
sim_post() { curl -sf -X POST -H 'Content-Type: application/json' -d "$2" "$MP_BASE_URL$1" >/dev/null; }
# json_check JSON PYTHON_EXPRESSION: the expression, over `d` (the parsed JSON), is true.
json_check() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# in_sim SCENARIO EXPECTED CMD...: prepares the scenario, runs CMD AMOUNT TICKET, checks its
# exit status and what the simulator holds afterwards.
in_sim() {
    local scenario=$1 expected=$2 amount=1500 code=0 pid keys
    shift 2
    case $scenario in
    rejected) amount=1200 ;;
    reversed) amount=1100 ;;
    error) amount=1300 ;;
    confirmation) amount=1800 ;;
    abandoned) amount=1900 ;;
    lost-answer)
        sim_post /_sim/faults "{\"method\":\"POST\",\"path\":\"/point/integration-api/devices/$device/payment-intents\",\"count\":3,\"kind\":\"drop_after_read\"}"
        ;;
    busy)
        curl -sf -X POST -H "Authorization: Bearer $MP_ACCESS_TOKEN" -H 'X-Idempotency-Key: the-other-sale' \
            -d '{"amount":2500}' "$MP_BASE_URL/point/integration-api/devices/$device/payment-intents" >/dev/null
        ;;
    esac
    if [ "$scenario" = canceled ]; then
        "$@" "$amount" "$ticket" &
        pid=$!
        for _ in $(seq 1 100); do
            json_check "$(sim_get /_sim/state)" \
                "any(x['id'] == '$device' and (x['intent'] or {}).get('state') == 'OPEN' for x in d['devices'])" && break
            sleep 0.1
        done
        sim_post "/_sim/devices/$device/cancel" "{}" || say "$scenario: no sale to cancel on the terminal"
        wait "$pid" || code=$?
    else
        "$@" "$amount" "$ticket" || code=$?
    fi
    if [ "$code" -ne "$expected" ]; then
        say "FAIL $scenario: exited $code, expected $expected"
        return 1
    fi
    keys=$(sim_get /_sim/idempotency)
    case $scenario in
    lost-answer)
        # Three lost answers and the program's resend: four requests, one key, one sale.
        if ! json_check "$keys" "len(d['keys']) == 1 and d['keys'][0]['intents_created'] == 1 and d['keys'][0]['requests'] >= 4"; then
            say "FAIL $scenario: not one sale made by one resent create: $keys"
            return 1
        fi
        ;;
    busy)
        if ! json_check "$keys" "sum(k['intents_created'] for k in d['keys']) == 1"; then
            say "FAIL $scenario: a sale was made on a busy terminal: $keys"
            return 1
        fi
        ;;
    *)
        if ! json_check "$keys" "sum(k['intents_created'] for k in d['keys']) == 1"; then
            say "FAIL $scenario: not exactly one sale made: $keys"
            return 1
        fi
        ;;
    esac
}

if [ "${1:-}" = --in-sim ]; then
    shift
    in_sim "$@"
    exit
fi

# ---- extraction ------------------------------------------------------------------------

if [ "$#" -eq 0 ]; then
    set -- README.md bindings/*/README.md
fi
for tool in gcc python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || { say "$tool not found (scripts/ensure-tools.sh)"; exit 2; }
done
if [ ! -f "$libdir/libmppoint.so" ] || [ ! -x "$libdir/point-sim" ]; then
    say "target/debug/libmppoint.so or point-sim not found; build them with: cargo build --workspace"
    exit 2
fi
rm -rf "$out"
mkdir -p "$out"

status=0
programs=0
fail() {
    say "FAIL $*"
    status=1
}

# language_of FENCE_INFO: the language a fence's info string names, or "" for another.
language_of() {
    case ${1%% *} in
    c | C) echo c ;;
    python | py) echo python ;;
    pascal | delphi) echo pascal ;;
    csharp | cs | 'c#') echo csharp ;;
    *) echo "" ;;
    esac
}

# Each README's blocks, written to $out/NAME-N.LANG with a .spec file for the marked ones.
extract() {
    local file=$1 slug n=0 line marker="" in_block=0 body="" lang="" info=""
    slug=$(echo "${file%.md}" | tr '/' '-')
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "$in_block" -eq 1 ]; then
            if [[ "$line" =~ ^[[:space:]]*\`\`\`[[:space:]]*$ ]]; then
                in_block=0
                n=$((n + 1))
                check_block "$file" "$slug-$n" "$lang" "$marker" "$body"
                marker=""
            else
                body+="$line"$'\n'
            fi
            continue
        fi
        if [[ "$line" =~ ^[[:space:]]*\`\`\`(.*)$ ]]; then
            info=${BASH_REMATCH[1]}
            in_block=1
            body=""
            lang=$(language_of "$info")
            if [ -n "$marker" ] && [ "$lang" != "${marker%% *}" ]; then
                fail "$file: a block marked '${marker%% *}' has the fence '\`\`\`$info'"
                marker=""
            fi
            continue
        fi
        if [[ "$line" =~ ^\<!--\ program:\ (.*[^ ])\ *--\>$ ]]; then
            marker=${BASH_REMATCH[1]}
        else
            marker=""
        fi
    done <"$file"
    [ "$in_block" -eq 0 ] || fail "$file: a code block is not closed"
}

# check_block FILE NAME LANG MARKER BODY: a marked block is written out for build_and_run; an
# unmarked one must not look like a program.
check_block() {
    local file=$1 name=$2 lang=$3 marker=$4 body=$5 looks=0 ext
    case $lang in
    c) grep -Eq '^[a-z].*[[:space:]]main[[:space:]]*\(' <<<"$body" && looks=1 ;;
    pascal) grep -Eqi '^[[:space:]]*program[[:space:]]' <<<"$body" && looks=1 ;;
    csharp) grep -Eq 'static[^(]*[[:space:]]Main[[:space:]]*\(' <<<"$body" && looks=1 ;;
    python) grep -Eq '^(import|from) mppoint' <<<"$body" && grep -Eq 'sys\.exit|__main__' <<<"$body" && looks=1 ;;
    esac
    if [ -z "$marker" ]; then
        [ "$looks" -eq 0 ] || fail "$file: block $name is a complete $lang program without a '<!-- program: $lang ... -->' line before it"
        return 0
    fi
    case $lang in c) ext=c ;; python) ext=py ;; pascal) ext=dpr ;; csharp) ext=cs ;; esac
    printf '%s' "$body" >"$out/$name.$ext"
    printf '%s\n%s\n' "$file" "$marker" >"$out/$name.spec"
}

# ---- building and running ----------------------------------------------------------------

mono_lib=""
build() {
    local lang=$1 src=$2 exe=$3
    case $lang in
    c)
        gcc -std=c99 -pedantic -Wall -Wextra -Werror -Iinclude -o "$exe" "$src" \
            -L"$libdir" -lmppoint -Wl,-rpath,"$libdir"
        ;;
    python)
        python3 -m py_compile "$src"
        printf '#!/bin/sh\nPYTHONPATH="%s" MPPOINT_LIBRARY="%s" exec python3 "%s" "$@"\n' \
            "$root/bindings/python" "$libdir/libmppoint.so" "$root/$src" >"$exe"
        chmod +x "$exe"
        ;;
    pascal)
        scripts/ensure-fpc.sh
        mkdir -p "$out/units"
        fpc -Mdelphi -Sew -vw -l- -Fubindings/delphi -Fibindings/delphi -Fl"$libdir" \
            -k-rpath="$libdir" -FE"$out" -FU"$out/units" -o"$exe" "$src" >"$exe.fpc.log" 2>&1 ||
            { cat "$exe.fpc.log" >&2; return 1; }
        ;;
    csharp)
        scripts/ensure-mono.sh
        if [ -z "$mono_lib" ]; then
            mono_lib=$out/MpPoint.dll
            mcs -langversion:7.2 -warn:4 -warnaserror -target:library -out:"$mono_lib" \
                bindings/dotnet/MpPoint.cs bindings/dotnet/MpPoint.Native.cs
        fi
        mcs -langversion:7.2 -warn:4 -warnaserror -target:exe -r:"$mono_lib" -out:"$exe.exe" "$src"
        printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec mono --debug "%s" "$@"\n' \
            "$libdir" "$root/$exe.exe" >"$exe"
        chmod +x "$exe"
        ;;
    esac
}

# run_program NAME: every scenario of its marker, each against a fresh simulator.
run_program() {
    local name=$1 file marker lang src exe scenario expected step
    { read -r file; read -r marker; } <"$out/$name.spec"
    lang=${marker%% *}
    for src in "$out/$name".{c,py,dpr,cs}; do [ -f "$src" ] && break; done
    exe=$out/$name
    programs=$((programs + 1))
    say "$file: $lang program $name"
    if ! build "$lang" "$src" "$exe"; then
        fail "$file: $name does not build ($src)"
        return
    fi
    local -a pairs
    read -ra pairs <<<"${marker#* }"
    if [ "${pairs[0]}" = "$lang" ] || ! [[ " ${pairs[*]} " == *" approved=0 "* ]] ||
        ! grep -Eq '=[1-9]' <<<"${pairs[*]}"; then
        fail "$file: $name's marker needs approved=0 and a scenario with a non-zero exit: '$marker'"
        return
    fi
    for pair in "${pairs[@]}"; do
        scenario=${pair%%=*}
        expected=${pair#*=}
        case $scenario in
        approved | rejected | reversed | error | confirmation | abandoned | canceled | lost-answer) step=100 ;;
        busy) step=5000 ;; # the other sale stays OPEN meanwhile
        *)
            fail "$file: $name: unknown scenario '$scenario'"
            continue
            ;;
        esac
        local log=$out/$name.$scenario.log sim=()
        [ "$scenario" = canceled ] && sim=(env POINT_SIM="$out/point-sim-manual")
        if "${sim[@]}" scripts/with-sim.sh "$step" "$self" --in-sim "$scenario" "$expected" "$exe" >"$log" 2>&1; then
            say "  $scenario: exit $expected, as documented"
        else
            sed 's/^/    /' "$log" >&2
            fail "$file: $name, scenario $scenario"
        fi
    done
}

printf '#!/bin/sh\nexec "%s" --manual "$@"\n' "$libdir/point-sim" >"$out/point-sim-manual"
chmod +x "$out/point-sim-manual"

for file in "$@"; do
    extract "$file"
done
for spec in "$out"/*.spec; do
    [ -e "$spec" ] || continue
    name=$(basename "$spec" .spec)
    run_program "$name"
done
if [ "$programs" -eq 0 ]; then
    fail "no program marked in $*"
fi
if [ "$status" -eq 0 ]; then
    say "$programs programs built and run as their READMEs say"
fi
exit "$status"
