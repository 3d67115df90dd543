#!/usr/bin/env bash
# `make bench`: mppoint's status read against a hand-written libcurl client and a raw socket,
# in one run, against one nginx with fixed answers; then the costs around it (threads and
# connections per call, mp_init, the wait loop, memory, sizes); then the journal's costs
# (scripts/bench-journal.sh: start-up and recovery against the journal's size, the retention
# purge, fsyncs per sale). Run by hand, never by make test.
#
#   scripts/bench.sh            (BENCH_CALLS, BENCH_ROUNDS, BENCH_WARMUP, BENCH_TRACE_CALLS,
#                                BENCH_WAIT_S change the counts; see the README's "Performance";
#                                BENCH_JOURNAL_*: see scripts/bench-journal.sh)
#   BENCH_ONLY=journal scripts/bench.sh    the journal's part alone (make bench-journal)
#
# Absolute times on shared machines move by 20-30 % between runs, so what the table is for is
# the ratios: every client runs in the same run, against the same server, interleaved round by
# round, each round after its own warm-up.
set -euo pipefail

calls=${BENCH_CALLS:-20000}
rounds=${BENCH_ROUNDS:-3}
warmup=${BENCH_WARMUP:-1000}
trace_calls=${BENCH_TRACE_CALLS:-2000}
wait_s=${BENCH_WAIT_S:-10}
# The server and every timed client run on one core: on a machine of few cores, rounds whose
# two processes the scheduler puts on different cores run at another speed than those it
# puts on one, and the ratios flip from run to run.
bench_cpu=${BENCH_CPU:-0}
only=${BENCH_ONLY:-}
case $only in
    "" | journal) ;;
    *) echo "bench: BENCH_ONLY must be empty or journal (got '$only')" >&2; exit 2 ;;
esac
for n in "$calls" "$rounds" "$warmup" "$trace_calls" "$wait_s"; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] ||
        { echo "bench: BENCH_* counts must be numbers above 0 (got '$n')" >&2; exit 2; }
done
[[ "$bench_cpu" =~ ^[0-9]+$ ]] || { echo "bench: BENCH_CPU must be a CPU number (got '$bench_cpu')" >&2; exit 2; }
pin=(taskset -c "$bench_cpu")

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=build/bench
mkdir -p "$out/lib"

# What the journal's part needs, then the rest. Only what dpkg lacks goes to apt-install.sh
# (which, not as root, names the command to run and fails), so that a user who is not root
# runs the bench once the packages are there.
packages=(strace gcc libc6-dev sqlite3)
[ "$only" = journal ] || packages+=(nginx libcurl4-openssl-dev libcjson-dev valgrind)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] || "$root/scripts/apt-install.sh" bench "${missing[@]}"

# The library as it ships for Linux: the release profile, built as a cdylib alone so that its
# LTO applies (cargo drops LTO when the crate types include rlib).
echo "bench: building the release library and the clients" >&2
cargo rustc --quiet --release --lib --crate-type cdylib
cp target/release/libmppoint.so "$out/lib/"
cargo build --quiet -p point-sim
sim=target/debug/point-sim

cflags=(-O2 -Wall -Wextra -Werror -std=c99 -Ibench -Iinclude)
mplink=(-L"$out/lib" -lmppoint -Wl,-rpath,"$root/$out/lib")
gcc "${cflags[@]}" -o "$out/journal" bench/journal.c "${mplink[@]}"
gcc "${cflags[@]}" -o "$out/sale" examples/c/sale.c "${mplink[@]}"
if [ "$only" = journal ]; then
    exec "$root/scripts/bench-journal.sh" "$out" "$sim"
fi
# The same library with the Windows DLLs' size-optimised profile, to show what it costs.
mkdir -p "$out/lib-size"
cargo rustc --quiet --profile dist --lib --crate-type cdylib
cp target/dist/libmppoint.so "$out/lib-size/"
gcc "${cflags[@]}" -o "$out/raw" bench/raw.c
gcc "${cflags[@]}" -o "$out/curl" bench/curl.c -lcurl -lcjson
gcc "${cflags[@]}" -o "$out/mppoint" bench/mppoint.c "${mplink[@]}"
gcc "${cflags[@]}" -o "$out/peak_rss" bench/peak_rss.c

work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-bench.XXXXXX")
nginx_started=""
sim_pid=""
cleanup() {
    if [ -n "$nginx_started" ] && [ -s "$work/nginx.pid" ]; then
        kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    fi
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nginx on a free loopback port: try random ports until one binds. (Debian puts nginx in
# /usr/sbin, which is not on every user's PATH.)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$work/tmp"
port=""
for _ in $(seq 1 30); do
    try=$((20000 + RANDOM % 40000))
    sed -e "s|@DIR@|$work|g" -e "s|@PORT@|$try|g" bench/nginx.conf.in >"$work/nginx.conf"
    if "${pin[@]}" "$nginx" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" 2>>"$work/start.log"; then
        port=$try
        nginx_started=1
        break
    fi
done
if [ -z "$port" ]; then
    echo "bench: nginx did not start:" >&2
    cat "$work/start.log" "$work/error.log" >&2 2>/dev/null || true
    exit 1
fi
base="http://127.0.0.1:$port"
intent=7d8c70b6-2ac8-4c57-a441-c319088ca3ca
path="/point/integration-api/payment-intents/$intent"

# One client's command line: WARMUP untimed calls, then CALLS timed ones writing their
# samples to $2. Sets the array `cmd`.
client_cmd() {
    local client=$1 samples=$2 warm=$3 n=$4
    case $client in
        raw) cmd=("$out/raw" "$port" "$path" "$warm" "$n" "$samples") ;;
        libcurl) cmd=("$out/curl" "$base$path" "$warm" "$n" "$samples") ;;
        mppoint) cmd=("$out/mppoint" status "$base" "$intent" "$warm" "$n" "$samples") ;;
        mppoint-s) cmd=(env LD_LIBRARY_PATH="$root/$out/lib-size" "$out/mppoint" status "$base" "$intent" "$warm" "$n" "$samples") ;;
    esac
}

clients=(raw libcurl mppoint mppoint-s)
declare -A cpu_sum connections
for c in "${clients[@]}"; do
    cpu_sum[$c]=0
    connections[$c]=0
    : >"$work/samples.$c"
done

echo "bench: $rounds rounds of $calls calls per client (after $warmup warm-up calls each)" >&2
for r in $(seq 1 "$rounds"); do
    # Rotate the order so that no client always runs first (or right after another).
    shift_by=$(((r - 1) % ${#clients[@]}))
    order=("${clients[@]:$shift_by}" "${clients[@]:0:$shift_by}")
    for c in "${order[@]}"; do
        : >"$work/access.log"
        client_cmd "$c" "$work/round" "$warmup" "$calls"
        line=$("${pin[@]}" "${cmd[@]}")
        cat "$work/round" >>"$work/samples.$c"
        cpu_sum[$c]=$((cpu_sum[$c] + ${line#cpu_ns_per_call=}))
        # Connections this run used, as nginx numbered them.
        used=$(awk '{print $1}' "$work/access.log" | sort -u | wc -l)
        [ "$used" -gt "${connections[$c]}" ] && connections[$c]=$used
    done
done

# The n-th smallest of a samples file (1-based).
nth() { sort -n "$1" | sed -n "${2}p"; }
declare -A median p99 cpu
for c in "${clients[@]}"; do
    total=$(wc -l <"$work/samples.$c")
    median[$c]=$(nth "$work/samples.$c" $(((total + 1) / 2)))
    p99[$c]=$(nth "$work/samples.$c" $(((total * 99 + 99) / 100)))
    cpu[$c]=$((cpu_sum[$c] / rounds))
done

# Threads created and syscalls made per call, counted by strace over trace_calls calls minus
# a run of one call (what starting the client costs). Separate runs: strace slows a process.
declare -A threads syscalls
strace_count() { # FILE SYSCALL...  -> the calls of those syscalls in strace -c output
    local file=$1
    shift
    awk -v names=" $* " 'index(names, " " $NF " ") && $4 ~ /^[0-9]+$/ { n += $4 } END { print n + 0 }' "$file"
}
for c in "${clients[@]}"; do
    client_cmd "$c" "$work/trace" 0 1
    strace -f -qq -c -o "$work/strace.one" "${cmd[@]}" >/dev/null
    client_cmd "$c" "$work/trace" 0 "$trace_calls"
    strace -f -qq -c -o "$work/strace.many" "${cmd[@]}" >/dev/null
    one=$(strace_count "$work/strace.one" clone clone3)
    many=$(strace_count "$work/strace.many" clone clone3)
    threads[$c]=$(awk -v a="$many" -v b="$one" -v n="$trace_calls" 'BEGIN { printf "%.2f", (a - b) / (n - 1) }')
    one=$(awk '$NF == "total" { print $4 }' "$work/strace.one")
    many=$(awk '$NF == "total" { print $4 }' "$work/strace.many")
    syscalls[$c]=$(awk -v a="$many" -v b="$one" -v n="$trace_calls" 'BEGIN { printf "%.1f", (a - b) / (n - 1) }')
done

# Instructions per call, counted by callgrind (exact and repeatable, unlike times): a run of
# trace_calls + 1 calls minus a run of one.
declare -A instructions
callgrind_refs() { # CMD...  (an `env VAR=VALUE` prefix is kept outside valgrind)
    local prefix=()
    if [ "$1" = env ]; then
        prefix=(env "$2")
        shift 2
    fi
    "${prefix[@]}" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -nE 's/.*I[[:space:]]+refs:[[:space:]]+([0-9,]+).*/\1/p' | tr -d ,
}
for c in "${clients[@]}"; do
    client_cmd "$c" "$work/trace" 0 1
    one=$(callgrind_refs "${cmd[@]}")
    client_cmd "$c" "$work/trace" 0 $((trace_calls + 1))
    many=$(callgrind_refs "${cmd[@]}")
    instructions[$c]=$(((many - one) / trace_calls))
done

# mp_init + mp_free.
"${pin[@]}" "$out/mppoint" init 2000 "$work/init" >/dev/null
init_us=$(awk '{ print $1 / 1000 }' <<<"$(nth "$work/init" 1000)")

# The wait loop against a simulator that leaves the sale OPEN.
"$sim" --manual --port 0 --port-file "$work/sim.port" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.port" ] && break; sleep 0.1; done
sim_url="http://127.0.0.1:$(tr -d '[:space:]' <"$work/sim.port")"
wait_line=$("$out/mppoint" wait "$sim_url" "$wait_s")
reads=$(sed -E 's/.*reads=([0-9]+).*/\1/' <<<"$wait_line")
wait_wall=$(sed -E 's/.*wall_ms=([0-9]+).*/\1/' <<<"$wait_line")
wait_cpu=$(sed -E 's/.*cpu_us=([0-9]+).*/\1/' <<<"$wait_line")

# Peak memory of the C sample's whole sale (list, create, wait, receipt, refund), against a
# simulator that moves by itself.
rss=$(MP_POLL_INTERVAL_MS=100 scripts/with-sim.sh 100 "$out/peak_rss" "$out/sale" --refund 1500 bench-rss 2>&1 >/dev/null) ||
    { echo "bench: the sample's sale failed: $rss" >&2; exit 1; }
rss_kib=$(sed -nE 's/.*peak_rss_kib=([0-9]+).*/\1/p' <<<"$rss")

size_of() { strip --strip-unneeded -o "$work/stripped" "$1" 2>/dev/null && stat -c %s "$work/stripped"; }
so_size=$(size_of "$out/lib/libmppoint.so")

us() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

echo
echo "mppoint $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1) bench, $(date -u +%Y-%m-%d), $(nproc) cores ($cpu_model), server and clients on CPU $bench_cpu"
echo "mp_intent_status vs libcurl + cJSON vs a raw socket, $rounds x $calls calls each, one nginx on loopback"
echo
printf '%-9s %9s %8s %11s %9s %6s %6s %10s %12s %11s %13s %12s\n' \
    client "median_us" "p99_us" "cpu_us/call" "median/cl" "p99/cl" "cpu/cl" "median/raw" "threads/call" connections "syscalls/call" "instr/call"
for c in "${clients[@]}"; do
    printf '%-9s %9s %8s %11s %9s %6s %6s %10s %12s %11s %13s %12s\n' "$c" \
        "$(us "${median[$c]}")" "$(us "${p99[$c]}")" "$(us "${cpu[$c]}")" \
        "$(ratio "${median[$c]}" "${median[libcurl]}")" "$(ratio "${p99[$c]}" "${p99[libcurl]}")" \
        "$(ratio "${cpu[$c]}" "${cpu[libcurl]}")" "$(ratio "${median[$c]}" "${median[raw]}")" \
        "${threads[$c]}" "${connections[$c]}" "${syscalls[$c]}" "${instructions[$c]}"
done
echo "(raw: the floor; libcurl: the anchor; mppoint: the release library; mppoint-s: the same built"
echo " with the Windows DLLs' size-optimised profile; /cl and /raw: ratios to libcurl and to raw;"
echo " instr/call: instructions per call counted by callgrind, the one figure that does not move)"
echo
echo "mp_init_with_options + mp_free: $init_us us (median of 2000)"
echo "wait loop, $wait_s s on an OPEN sale (default poll interval): $reads reads in $wait_wall ms" \
    "($(awk -v r="$reads" -v ms="$wait_wall" 'BEGIN { printf "%.2f", r * 1000 / ms }') reads/s), CPU $(awk -v u="$wait_cpu" 'BEGIN { printf "%.1f", u / 1000 }') ms"
echo "peak RSS of the C sample's sale with refund: $(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
echo "stripped size: libmppoint.so $(awk -v b="$so_size" 'BEGIN { printf "%.2f", b / 1048576 }') MiB"
for flavour in x64 x86 x86-win7; do
    dll=dist/windows/$flavour/mppoint.dll
    [ -f "$dll" ] && echo "stripped size: $dll $(awk -v b="$(size_of "$dll")" 'BEGIN { printf "%.2f", b / 1048576 }') MiB"
done
verdict() { awk -v v="$1" -v limit="$2" 'BEGIN { print (v <= limit) ? "met" : "MISSED" }'; }
m=$(ratio "${median[mppoint]}" "${median[libcurl]}")
p=$(ratio "${p99[mppoint]}" "${p99[libcurl]}")
echo
echo "targets: median <= 0.90 x libcurl: $m ($(verdict "$m" 0.90)); p99 <= libcurl's: $p ($(verdict "$p" 1.00));" \
    "0 threads per call: ${threads[mppoint]} ($(verdict "${threads[mppoint]}" 0)); 1 connection: ${connections[mppoint]} ($(verdict "${connections[mppoint]}" 1))"

# The journal's costs: start-up against its size, the purge, fsyncs per sale. nginx and the
# simulator above are stopped first, so that nothing else runs beside it.
cleanup
trap - EXIT
echo
"$root/scripts/bench-journal.sh" "$out" "$sim"
