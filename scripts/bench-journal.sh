#!/usr/bin/env bash
# The journal's part of `make bench` (run by scripts/bench.sh, which builds what it needs; alone:
# `make bench-journal`, or BENCH_ONLY=journal scripts/bench.sh):
#
# - a POS's start-up against the journal's size: mp_init_with_options (journal_path,
#   journal_retention_days 400) + mp_recover(timeout 0) + mp_free on journals of
#   BENCH_JOURNAL_SIZES entries (1000 50000 365000: a day, two months and a year of a busy
#   counter, ~1 000 sales a day), each also holding the same 20 final sales of the last hour,
#   which recovery must report (the run fails if it reports anything else). Only the journal's
#   size changes from one to the next, so the ratio to the first size is what the journal's
#   size costs;
# - the retention purge: a year's journal opened with the default retention (30 days), which
#   ~92 % of its entries are past: the first start-up (today's mp_init purges), the next one,
#   the entries left and the file's size and free pages after;
# - fsyncs per sale, counted by strace against the simulator: 1 + BENCH_JOURNAL_SALES sales
#   with a journal minus 1, with each API; what a client pays once; none without a journal.
#
#   scripts/bench-journal.sh BENCH_OUT_DIR POINT_SIM
#
# BENCH_OUT_DIR holds bench.sh's builds (journal, sale, lib/libmppoint.so); BENCH_CPU (0) is the
# core the timed runs are pinned to; BENCH_JOURNAL_ROUNDS (7) the start-ups per size, whose
# medians the table shows (and the first's total beside them: a migration of the file to a
# newer schema, say, falls in the first); BENCH_JOURNAL_PURGE_SIZE (365000) the purge's journal;
# BENCH_JOURNAL_SALES (5) the sales counted for fsyncs.
#
# The journals are made the way a POS's grows: the library creates the file and its schema (a
# client opening it), then sqlite3 inserts the rows, in the columns of the schema's first
# version only (a later schema adds nullable columns). The rows of each day belong to one
# process (owner token) that has ended: it has no lock file in <journal>.owners/. Times are
# with the file in the page cache (it was just written), as at a POS's second start of the day.
set -euo pipefail

if [ "$#" -ne 2 ]; then
    echo "usage: $0 BENCH_OUT_DIR POINT_SIM" >&2
    exit 2
fi
out=$(cd "$1" && pwd)
sim=$2
bin=$out/journal
sale=$out/sale
sizes=${BENCH_JOURNAL_SIZES:-1000 50000 365000}
rounds=${BENCH_JOURNAL_ROUNDS:-7}
sales=${BENCH_JOURNAL_SALES:-5}
purge_size=${BENCH_JOURNAL_PURGE_SIZE:-365000}
bench_cpu=${BENCH_CPU:-0}
recent=20
for n in $sizes "$rounds" "$sales" "$purge_size"; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] ||
        { echo "bench-journal: BENCH_JOURNAL_* counts must be numbers above 0 (got '$n')" >&2; exit 2; }
done
[[ "$bench_cpu" =~ ^[0-9]+$ ]] || { echo "bench-journal: BENCH_CPU must be a CPU number (got '$bench_cpu')" >&2; exit 2; }
pin=(taskset -c "$bench_cpu")
for tool in sqlite3 strace taskset; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "bench-journal: $tool is missing (scripts/bench.sh installs it as root)" >&2; exit 1; }
done
for file in "$bin" "$sale" "$sim"; do
    [ -x "$file" ] || { echo "bench-journal: $file not found: run scripts/bench.sh (BENCH_ONLY=journal)" >&2; exit 1; }
done

# Recovering entries that are already final sends nothing: the client's base_url is a
# loopback port nothing listens on, so that a request, if one were made, would fail at once
# rather than reach anything.
dead_url=http://127.0.0.1:9
if (exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; then
    echo "bench-journal: something listens on 127.0.0.1:9; the start-ups need a port nobody answers" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-bench-journal.XXXXXX")
sim_pid=""
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_journal PATH ENTRIES: a journal of ENTRIES final sales over the last ENTRIES/1000 days
# (ending two days ago, outside the 24 hours recovery reports), one ended process a day, plus
# the $recent final sales of the last hour (of another ended process) that recovery reports.
# Every 20th sale was cancelled (no payment), every 10th rejected, every 1000th settled by an
# earlier recovery.
make_journal() {
    local path=$1 entries=$2 days now
    "$bin" startup "$path" "$dead_url" 1 0 400 >/dev/null # the library creates the schema
    days=$(((entries + 999) / 1000))
    now=$(date +%s%3N)
    sqlite3 "$path" <<SQL
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $entries),
sale(i, at, day, amount, took) AS (
    SELECT i, $now - ($days + 2) * 86400000 + i * ($days * 86400000 / $entries),
           i * $days / $entries, 100 + (i * 7919) % 50000, 20000 + (i * 13) % 40000 FROM n)
INSERT INTO sales (idempotency_key, kind, api, device_id, amount, external_reference, request,
                   owner, object_id, state, payment, resolution, created_at, updated_at, final_at)
SELECT printf('%08x-%04x-4%03x-%04x-%012x', (i * 2654435761) % 4294967296, (i * 40503) % 65536,
              i % 4096, 32768 + i % 16384, i),
       'sale', 'integration', 'PAX_A910__SMARTPOS1495357742', amount, printf('ticket-%07d', i),
       printf('{"amount":%d,"external_reference":"ticket-%07d","print_on_terminal":true,'
              || '"ticket_number":null,"description":null,"payment":null,"expiration_ms":null}',
              amount, i),
       printf('%016x%016x', day + 1, (day + 1) * 2654435761),
       printf('%08x-%04x-4%03x-%04x-%012x', (i * 2246822519) % 4294967296, (i * 9973) % 65536,
              (i / 3) % 4096, 40960 + i % 4096, 100000000000 + i),
       CASE WHEN i % 20 = 19 THEN 'CANCELED' ELSE 'FINISHED' END,
       CASE WHEN i % 20 = 19 THEN NULL
            ELSE printf('{"id":"%d","installments":1,"installments_cost":"seller","state":"%s",'
                        || '"type":"credit_card"}',
                        20000000001 + i, CASE WHEN i % 10 = 3 THEN 'rejected' ELSE 'approved' END)
       END,
       CASE WHEN i % 1000 = 999 THEN 'finished' END,
       at, at + took, at + took
FROM sale;
WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j + 1 < $recent)
INSERT INTO sales (idempotency_key, kind, api, device_id, amount, external_reference, request,
                   owner, object_id, state, payment, resolution, created_at, updated_at, final_at)
SELECT printf('%08x-%04x-4%03x-%04x-%012x', j * 16777619, j, j, 49152 + j, 900000000000 + j),
       'sale', 'integration', 'PAX_A910__SMARTPOS1495357742', 1500 + j,
       printf('bench-recent-%02d', j),
       printf('{"amount":%d,"external_reference":"bench-recent-%02d","print_on_terminal":true,'
              || '"ticket_number":null,"description":null,"payment":null,"expiration_ms":null}',
              1500 + j, j),
       '7265636e74000000000000000000dead',
       printf('%08x-%04x-4%03x-%04x-%012x', j * 2246822519, j, j, 53248 + j, 990000000000 + j),
       'FINISHED',
       printf('{"id":"%d","installments":1,"installments_cost":"seller","state":"approved",'
              || '"type":"credit_card"}', 29000000001 + j),
       NULL, $now - 3600000 + j * 150000, $now - 3600000 + j * 150000 + 30000,
       $now - 3600000 + j * 150000 + 30000
FROM n;
COMMIT;
SQL
    local rows
    rows=$(sqlite3 "$path" 'SELECT count(*) FROM sales')
    if [ "$rows" -ne $((entries + recent)) ]; then
        echo "bench-journal: $path holds $rows entries, not $((entries + recent))" >&2
        exit 1
    fi
}

field() { sed -nE "s/.*(^| )$1=([0-9]+).*/\2/p" <<<"$2" | tail -n 1; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Start-up against the journal's size.
declare -A init recover release total cpu first_total rss file_size
for n in $sizes; do
    echo "bench-journal: a journal of $n entries (+ $recent recent), $rounds start-ups" >&2
    make_journal "$work/j$n.db" "$n"
    file_size[$n]=$(stat -c %s "$work/j$n.db")
    "${pin[@]}" "$bin" startup "$work/j$n.db" "$dead_url" "$rounds" "$recent" 400 >"$work/startup.out"
    line=$(sed -n 1p "$work/startup.out")
    first_total[$n]=$(($(field init_us "$line") + $(field recover_us "$line") + $(field free_us "$line")))
    line=$(tail -n 1 "$work/startup.out")
    init[$n]=$(field median_init_us "$line")
    recover[$n]=$(field median_recover_us "$line")
    release[$n]=$(field median_free_us "$line")
    total[$n]=$((init[$n] + recover[$n] + release[$n]))
    cpu[$n]=$(field median_cpu_us "$line")
    rss[$n]=$(field peak_rss_kib "$line")
    base_rss=$(field base_rss_kib "$line")
    rm -f "$work/j$n.db"
    rm -rf "$work/j$n.db.owners"
done

# The purge: a year's journal, opened with the default retention.
echo "bench-journal: the retention purge of a journal of $purge_size entries" >&2
make_journal "$work/purge.db" "$purge_size"
purge_before=$(stat -c %s "$work/purge.db")
cutoff=$(($(date +%s%3N) - 30 * 86400000))
purge_old=$(sqlite3 "$work/purge.db" "SELECT count(*) FROM sales WHERE final_at < $cutoff")
"${pin[@]}" "$bin" startup "$work/purge.db" "$dead_url" 2 "$recent" default >"$work/purge.out"
purge1=$(sed -n 1p "$work/purge.out")
purge2=$(sed -n 2p "$work/purge.out")
purge_rss=$(field peak_rss_kib "$(tail -n 1 "$work/purge.out")")
purge_left=$(sqlite3 "$work/purge.db" 'SELECT count(*) FROM sales')
purge_after=$(stat -c %s "$work/purge.db")
purge_free=$(sqlite3 "$work/purge.db" 'PRAGMA freelist_count')
purge_pages=$(sqlite3 "$work/purge.db" 'PRAGMA page_count')

# fsyncs per sale, against a simulator that moves by itself (a step every 100 ms, read every
# 50 ms: each state is read more than once). Each strace run is its own client opening a
# journal that already exists, as a POS does. A run of 1 + N sales minus a run of 1 is what
# a sale costs; what a run of one costs beyond that is paid once per client that writes.
echo "bench-journal: fsyncs per sale, 1 + $sales sales against the simulator" >&2
"$sim" --port 0 --port-file "$work/sim.port" --step-ms 100 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sim.port" ] && break; sleep 0.1; done
[ -s "$work/sim.port" ] || { echo "bench-journal: the simulator did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }
sim_url="http://127.0.0.1:$(tr -d '[:space:]' <"$work/sim.port")"
syncs=(fsync fdatasync sync_file_range msync)
sync_filter=$(IFS=,; echo "trace=${syncs[*]}")
traced() { # OUTPUT CMD...: CMD under strace, its sync calls (with their files: -y) in OUTPUT
    local output=$1
    shift
    strace -f -qq -y -e "$sync_filter" -o "$output" "$@" >/dev/null
}
# count_syncs OUTPUT [wal|db|dir|other]: sync calls in OUTPUT (on files of that kind: the
# journal's WAL, the journal, the journal's folder or its owners' folder, anything else).
count_syncs() {
    awk -v kind="${2:-}" -v names="${syncs[*]}" -v folder="$work" '
        BEGIN { split(names, list, " "); for (i in list) want[list[i]] = 1 }
        {
            call = $2; sub(/\(.*/, "", call)
            if (!(call in want)) next
            path = $2; sub(/^[^<]*</, "", path); sub(/>.*/, "", path)
            k = path ~ /-wal$/ ? "wal" : path ~ /\.db$/ ? "db" : path == folder || path ~ /\.owners$/ ? "dir" : "other"
            if (kind == "" || kind == k) n++
        }
        END { print n + 0 }' "$1"
}
# by_file per|once MANY ONE N: "total (WAL w, journal j, folders d[, other files o])" of
# (MANY - ONE) / N (per: what one sale costs), or of ONE - (MANY - ONE) / N (once: what a run of
# one sale costs beyond its sale). ONE may be - for none.
by_file() {
    local mode=$1 many=$2 one=$3 n=$4 kind line="" value
    for kind in "" wal db dir other; do
        value=$(awk -v mode="$mode" -v a="$(count_syncs "$many" "$kind")" \
            -v b="$(if [ "$one" = - ]; then echo 0; else count_syncs "$one" "$kind"; fi)" -v n="$n" \
            'BEGIN { v = (a - b) / n; if (mode == "once") v = b - v; printf (v == int(v)) ? "%d" : "%.1f", v }')
        case $kind in
            "") line=$value ;;
            wal) line+=" (WAL $value" ;;
            db) line+=", journal $value" ;;
            dir) line+=", folders $value" ;;
            other) [ "$value" = 0 ] || line+=", other files $value" ;;
        esac
    done
    echo "$line)"
}
for api in integration orders; do
    "$bin" sales "$sim_url" "$work/fsync-$api.db" 1 "$api" >/dev/null # the journal exists
    traced "$work/fsync-$api.idle" "$bin" sales "$sim_url" "$work/fsync-$api.db" 0 "$api"
    traced "$work/fsync-$api.one" "$bin" sales "$sim_url" "$work/fsync-$api.db" 1 "$api"
    traced "$work/fsync-$api.many" "$bin" sales "$sim_url" "$work/fsync-$api.db" $((sales + 1)) "$api"
    traced "$work/fsync-$api.nojournal" "$bin" sales "$sim_url" - "$sales" "$api"
done
# The C sample's whole sale (list, create, wait, receipt), one process, with and without.
sample_env=(env MP_BASE_URL="$sim_url" MP_ACCESS_TOKEN=TEST-bench-token MP_POLL_INTERVAL_MS=50)
traced "$work/fsync.sample" "${sample_env[@]}" "$sale" --journal "$work/fsync-integration.db" 1500 bench-fsync-sample
traced "$work/fsync.sample-nojournal" "${sample_env[@]}" "$sale" 1500 bench-fsync-sample
nojournal=$(($(count_syncs "$work/fsync-integration.nojournal") + $(count_syncs "$work/fsync-orders.nojournal") +
    $(count_syncs "$work/fsync.sample-nojournal")))

first=${sizes%% *}
last=${sizes##* }
echo
echo "journal: a POS's start-up against the journal's size (mp_init_with_options with journal_path," \
    "mp_recover with timeout 0, mp_free), median of $rounds, on CPU $bench_cpu; every journal also holds" \
    "the $recent final sales of the last hour that recovery reports"
printf '%9s %8s %8s %11s %8s %9s %7s %9s %8s %7s %10s %8s %6s %6s\n' entries file_MiB init_ms recover_ms \
    free_ms total_ms cpu_ms first_ms peak_MiB "init/1" "recover/1" "total/1" "cpu/1" "rss/1"
for n in $sizes; do
    printf '%9s %8s %8s %11s %8s %9s %7s %9s %8s %7s %10s %8s %6s %6s\n' "$n" "$(mib "${file_size[$n]}")" \
        "$(ms "${init[$n]}")" "$(ms "${recover[$n]}")" "$(ms "${release[$n]}")" "$(ms "${total[$n]}")" \
        "$(ms "${cpu[$n]}")" "$(ms "${first_total[$n]}")" \
        "$(awk -v k="${rss[$n]}" 'BEGIN { printf "%.1f", k / 1024 }')" \
        "$(ratio "${init[$n]}" "${init[$first]}")" "$(ratio "${recover[$n]}" "${recover[$first]}")" \
        "$(ratio "${total[$n]}" "${total[$first]}")" "$(ratio "${cpu[$n]}" "${cpu[$first]}")" \
        "$(ratio "${rss[$n]}" "${rss[$first]}")"
done
echo "(total: init + recover + free, wall time; cpu: their CPU time (user + system), which moves less on a busy"
echo " machine; first: the first start-up's total; /1: ratio to the $first-entry journal;"
echo " peak: the process's peak RSS over its $rounds start-ups, $(awk -v k="$base_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB before the first mp_init)"
echo "purge: $purge_size entries, $purge_old of them older than 30 days, opened with the default retention:" \
    "first start-up: mp_init $(ms "$(field init_us "$purge1")") ms, mp_recover $(ms "$(field recover_us "$purge1")") ms," \
    "mp_free $(ms "$(field free_us "$purge1")") ms, CPU of the three $(ms "$(field cpu_us "$purge1")") ms;" \
    "the next: mp_init $(ms "$(field init_us "$purge2")") ms, mp_recover $(ms "$(field recover_us "$purge2")") ms," \
    "mp_free $(ms "$(field free_us "$purge2")") ms, CPU of the three $(ms "$(field cpu_us "$purge2")") ms"
echo "purge: $purge_left entries left; file $(mib "$purge_before") MiB before, $(mib "$purge_after") MiB after," \
    "$purge_free of its $purge_pages pages free; peak RSS $(awk -v k="$purge_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
echo "fsyncs per sale (create + wait until final; strace -f: ${syncs[*]}; $((sales + 1)) sales minus 1):" \
    "Point Integration API $(by_file per "$work/fsync-integration.many" "$work/fsync-integration.one" "$sales")," \
    "Orders API $(by_file per "$work/fsync-orders.many" "$work/fsync-orders.one" "$sales")"
echo "fsyncs once per client that writes (a client's one sale minus the above):" \
    "$(by_file once "$work/fsync-integration.many" "$work/fsync-integration.one" "$sales");" \
    "a client opening and closing the journal without a sale: $(by_file per "$work/fsync-integration.idle" - 1)"
echo "fsyncs of the C sample's whole sale (list, create, wait, receipt) as one process:" \
    "$(by_file per "$work/fsync.sample" - 1) with a journal; without a journal: $nojournal in $((2 * sales + 1)) sales"
verdict() { awk -v v="$1" -v limit="$2" 'BEGIN { print (v <= limit) ? "met" : "MISSED" }'; }
t=$(ratio "${total[$last]}" "${total[$first]}")
c=$(ratio "${cpu[$last]}" "${cpu[$first]}")
r=$(ratio "${rss[$last]}" "${rss[$first]}")
echo "targets: start-up at $last entries <= 2 x at $first: $t ($(verdict "$t" 2)), its CPU time $c ($(verdict "$c" 2));" \
    "peak RSS <= 2 x: $r ($(verdict "$r" 2)); no journal, no fsync: $nojournal ($(verdict "$nojournal" 0))"
