/* The journal's costs through the C ABI, as a POS meets them.
 *
 *   journal startup JOURNAL BASE_URL ROUNDS RECENT RETENTION_DAYS|default
 *       ROUNDS start-ups of a POS on an existing journal: mp_init_with_options with
 *       `journal_path` (and `journal_retention_days`, unless `default`), mp_recover with a
 *       timeout of 0, mp_free. BASE_URL should be a port nothing listens on: recovering
 *       entries that are already final sends nothing. Each round's recovery must report
 *       exactly RECENT sales, each with an external_reference "bench-recent-…", resolution
 *       "finished" and an approved payment (the generator's recent entries); anything else
 *       stops the run with status 1. Prints one line per round (`round=N init_us=…
 *       recover_us=… free_us=… cpu_us=…`: wall times, and the CPU time of the three), then
 *       the medians and the process's peak RSS (`median_init_us=… median_recover_us=…
 *       median_free_us=… median_cpu_us=… peak_rss_kib=… base_rss_kib=…`; base: the peak
 *       before the first mp_init).
 *   journal sales BASE_URL JOURNAL|- COUNT integration|orders
 *       against a simulator that moves by itself: one client of that API (with the journal
 *       JOURNAL, or none for -), the terminals listed, then COUNT sales of 15.00, each
 *       created and waited on until final (approved, or the run fails; read every 50 ms),
 *       then mp_free. Run under strace with two counts to count what one sale costs. */
#include "common.h"

#include <string.h>

#include "point.h"

/* The options JSON is built with snprintf: refuse what would need escaping. */
static const char *json_safe(const char *text, const char *what)
{
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
            fprintf(stderr, "journal: %s must not hold a quote, backslash or control character: %s\n",
                    what, text);
            exit(2);
        }
    }
    return text;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The median of n samples (sorts them). */
static uint64_t median(uint64_t *samples, long n)
{
    qsort(samples, (size_t)n, sizeof *samples, by_value);
    return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

/* 1 when `path` of `json` is the string `want` (or starts with it, if `prefix`). */
static int json_is(const char *json, const char *path, const char *want, int prefix)
{
    char *value = NULL;
    if (mp_json_get(json, path, &value) != MP_STATUS_OK)
        return 0;
    int same = prefix ? strncmp(value, want, strlen(want)) == 0 : strcmp(value, want) == 0;
    mp_string_free(value);
    return same;
}

/* Stops the run unless `json` (mp_recover's) reports exactly `expect` sales, all of them the
 * generator's recent, finished and approved entries. */
static void check_recovered(const char *json, long expect, long round)
{
    char path[64];
    const char *wrong = NULL;
    long i;
    for (i = 0; i < expect && wrong == NULL; i++) {
        snprintf(path, sizeof path, "sales.%ld.external_reference", i);
        if (!json_is(json, path, "bench-recent-", 1)) {
            wrong = "external_reference is not bench-recent-… (or the sale is missing)";
            break;
        }
        snprintf(path, sizeof path, "sales.%ld.resolution", i);
        if (!json_is(json, path, "finished", 0)) {
            wrong = "resolution is not finished";
            break;
        }
        snprintf(path, sizeof path, "sales.%ld.payment.state", i);
        if (!json_is(json, path, "approved", 0)) {
            wrong = "payment.state is not approved";
            break;
        }
    }
    char *extra = NULL;
    snprintf(path, sizeof path, "sales.%ld", expect);
    if (wrong == NULL && mp_json_get(json, path, &extra) != MP_STATUS_NOT_FOUND)
        wrong = "it reports more sales than the recent ones";
    mp_string_free(extra);
    if (wrong != NULL) {
        fprintf(stderr,
                "journal: round %ld: mp_recover did not report the %ld recent sales: sale %ld: %s\n"
                "  its answer begins: %.400s\n",
                round, expect, i, wrong, json);
        exit(1);
    }
}

static int startup_mode(const char *journal, const char *base_url, long rounds, long recent,
                        const char *retention)
{
    char options[2048], retention_option[64] = "";
    if (strcmp(retention, "default") != 0)
        snprintf(retention_option, sizeof retention_option, ",\"journal_retention_days\":%ld",
                 bench_arg(retention, "RETENTION_DAYS"));
    int n = snprintf(options, sizeof options,
                     "{\"access_token\":\"TEST-bench-token\",\"base_url\":\"%s\","
                     "\"journal_path\":\"%s\"%s}",
                     json_safe(base_url, "BASE_URL"), json_safe(journal, "JOURNAL"),
                     retention_option);
    if (n < 0 || (size_t)n >= sizeof options) {
        fprintf(stderr, "journal: the journal path is too long\n");
        return 2;
    }
    if (rounds < 1) {
        fprintf(stderr, "journal: ROUNDS must be at least 1\n");
        return 2;
    }
    uint64_t *init = calloc((size_t)rounds, sizeof *init);
    uint64_t *recover = calloc((size_t)rounds, sizeof *recover);
    uint64_t *release = calloc((size_t)rounds, sizeof *release);
    uint64_t *cpu = calloc((size_t)rounds, sizeof *cpu);
    if (init == NULL || recover == NULL || release == NULL || cpu == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    long base_rss = peak_rss_kib();
    for (long r = 0; r < rounds; r++) {
        MpClient *client = NULL;
        char *json = NULL;
        uint64_t cpu0 = bench_cpu_ns(), t0 = bench_now_ns();
        MpStatus st = mp_init_with_options(options, &client);
        uint64_t t1 = bench_now_ns();
        if (st != MP_STATUS_OK) {
            fprintf(stderr, "journal: round %ld: mp_init_with_options: %s: %s\n", r + 1,
                    mp_status_name(st), mp_last_error());
            return 1;
        }
        st = mp_recover(client, 0, &json);
        uint64_t t2 = bench_now_ns(), cpu2 = bench_cpu_ns();
        if (st != MP_STATUS_OK) {
            fprintf(stderr, "journal: round %ld: mp_recover: %s: %s\n", r + 1, mp_status_name(st),
                    mp_last_error());
            return 1;
        }
        check_recovered(json, recent, r + 1);
        mp_string_free(json);
        uint64_t cpu3 = bench_cpu_ns(), t3 = bench_now_ns();
        mp_free(client);
        uint64_t t4 = bench_now_ns(), cpu4 = bench_cpu_ns();
        init[r] = (t1 - t0) / 1000;
        recover[r] = (t2 - t1) / 1000;
        release[r] = (t4 - t3) / 1000;
        /* Not the check of the answer between recover and free. */
        cpu[r] = (cpu2 - cpu0 + cpu4 - cpu3) / 1000;
        printf("round=%ld init_us=%llu recover_us=%llu free_us=%llu cpu_us=%llu\n", r + 1,
               (unsigned long long)init[r], (unsigned long long)recover[r],
               (unsigned long long)release[r], (unsigned long long)cpu[r]);
        fflush(stdout);
    }
    printf("median_init_us=%llu median_recover_us=%llu median_free_us=%llu median_cpu_us=%llu "
           "peak_rss_kib=%ld base_rss_kib=%ld\n",
           (unsigned long long)median(init, rounds), (unsigned long long)median(recover, rounds),
           (unsigned long long)median(release, rounds), (unsigned long long)median(cpu, rounds),
           peak_rss_kib(), base_rss);
    free(cpu);
    free(init);
    free(recover);
    free(release);
    return 0;
}

static int sales_mode(const char *base_url, const char *journal, long count, const char *api)
{
    char options[2048], journal_option[1100] = "";
    if (strcmp(journal, "-") != 0) {
        if (strlen(journal) >= sizeof journal_option - 20) {
            fprintf(stderr, "journal: the journal path is too long\n");
            return 2;
        }
        snprintf(journal_option, sizeof journal_option, ",\"journal_path\":\"%s\"",
                 json_safe(journal, "JOURNAL"));
    }
    snprintf(options, sizeof options,
             "{\"access_token\":\"TEST-bench-token\",\"base_url\":\"%s\","
             "\"api\":\"%s\",\"poll_interval_ms\":50%s}",
             json_safe(base_url, "BASE_URL"), json_safe(api, "API"), journal_option);
    MpClient *client = NULL;
    char *devices = NULL, *device = NULL;
    MpStatus st = mp_init_with_options(options, &client);
    if (st == MP_STATUS_OK)
        st = mp_list_devices(client, NULL, &devices);
    if (st == MP_STATUS_OK)
        st = mp_json_get(devices, "devices.0.id", &device);
    if (st != MP_STATUS_OK) {
        fprintf(stderr, "journal: setting up the sales: %s: %s\n", mp_status_name(st),
                mp_last_error());
        return 1;
    }
    for (long i = 0; i < count; i++) {
        char reference[64], *intent_id = NULL, *json = NULL;
        MpIntentState state = MP_INTENT_STATE_UNKNOWN;
        snprintf(reference, sizeof reference, "bench-fsync-%ld", i + 1);
        st = mp_create_intent_simple(client, device, 1500, reference, 0, &intent_id);
        if (st == MP_STATUS_OK)
            st = mp_wait_intent(client, intent_id, 60000, NULL, NULL, &state, &json);
        if (st != MP_STATUS_OK || state != MP_INTENT_STATE_FINISHED ||
            !json_is(json, "payment.state", "approved", 0)) {
            fprintf(stderr, "journal: sale %ld did not end approved: %s (%s), state %s\n", i + 1,
                    mp_status_name(st), mp_last_error(), mp_intent_state_name(state));
            return 1;
        }
        mp_string_free(json);
        mp_string_free(intent_id);
    }
    mp_string_free(device);
    mp_string_free(devices);
    mp_free(client);
    printf("sales=%ld\n", count);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "startup") == 0)
        return startup_mode(argv[2], argv[3], bench_arg(argv[4], "ROUNDS"),
                            bench_arg(argv[5], "RECENT"), argv[6]);
    if (argc == 6 && strcmp(argv[1], "sales") == 0)
        return sales_mode(argv[2], argv[3], bench_arg(argv[4], "COUNT"), argv[5]);
    fprintf(stderr,
            "usage: %s startup JOURNAL BASE_URL ROUNDS RECENT RETENTION_DAYS|default\n"
            "       %s sales BASE_URL JOURNAL|- COUNT integration|orders\n",
            argv[0], argv[0]);
    return 2;
}
