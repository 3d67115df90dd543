/* mppoint through its C ABI, as a POS calls it.
 *
 *   mppoint status BASE_URL INTENT_ID WARMUP CALLS SAMPLES_FILE
 *       mp_intent_status on one client: the state and the JSON, freed each time.
 *   mppoint init COUNT SAMPLES_FILE
 *       mp_init_with_options + mp_free, COUNT times (the cost of starting a client).
 *   mppoint wait BASE_URL SECONDS
 *       against a simulator in --manual mode: one sale left OPEN, mp_wait_intent with the
 *       default options for SECONDS; prints the reads it made, their rate and the CPU time. */
#include "common.h"

#include <string.h>

#include "point.h"

static MpClient *client_for(const char *base_url)
{
    char options[512];
    snprintf(options, sizeof options,
             "{\"access_token\":\"TEST-bench-token\",\"base_url\":\"%s\"}", base_url);
    MpClient *client = NULL;
    if (mp_init_with_options(options, &client) != MP_STATUS_OK) {
        fprintf(stderr, "mp_init_with_options: %s\n", mp_last_error());
        exit(1);
    }
    return client;
}

struct status_ctx {
    MpClient *client;
    const char *intent_id;
};

static int status_call(void *ctx)
{
    struct status_ctx *s = ctx;
    MpIntentState state = MP_INTENT_STATE_UNKNOWN;
    char *json = NULL;
    MpStatus st = mp_intent_status(s->client, s->intent_id, &state, &json);
    mp_string_free(json);
    if (st != MP_STATUS_OK)
        fprintf(stderr, "mp_intent_status: %s: %s\n", mp_status_name(st), mp_last_error());
    return st == MP_STATUS_OK && state == MP_INTENT_STATE_FINISHED ? 0 : 1;
}

static int init_call(void *ctx)
{
    (void)ctx;
    MpClient *client = NULL;
    if (mp_init_with_options("{\"access_token\":\"TEST-bench-token\","
                             "\"base_url\":\"http://127.0.0.1:9\"}",
                             &client) != MP_STATUS_OK)
        return 1;
    mp_free(client);
    return 0;
}

static int32_t count_read(void *user_data, MpIntentState state, const char *json)
{
    (void)state;
    (void)json;
    ++*(long *)user_data;
    return 0;
}

static int wait_mode(const char *base_url, long seconds)
{
    MpClient *client = client_for(base_url);
    char *devices = NULL, *device = NULL, *intent_id = NULL, *json = NULL;
    MpStatus st = mp_list_devices(client, NULL, &devices);
    if (st == MP_STATUS_OK)
        st = mp_json_get(devices, "devices.0.id", &device);
    if (st == MP_STATUS_OK)
        st = mp_create_intent_simple(client, device, 1500, "bench-wait", 0, &intent_id);
    if (st != MP_STATUS_OK) {
        fprintf(stderr, "setting up the wait: %s: %s\n", mp_status_name(st), mp_last_error());
        return 1;
    }
    long reads = 0;
    MpIntentState state = MP_INTENT_STATE_UNKNOWN;
    uint64_t cpu_before = bench_cpu_ns(), started = bench_now_ns();
    st = mp_wait_intent(client, intent_id, (uint32_t)(seconds * 1000), count_read, &reads, &state,
                        &json);
    uint64_t wall = bench_now_ns() - started, cpu = bench_cpu_ns() - cpu_before;
    if (st != MP_STATUS_WAIT_TIMEOUT || state != MP_INTENT_STATE_OPEN) {
        fprintf(stderr, "the wait ended with %s (%s), state %s; expected a timeout while OPEN\n",
                mp_status_name(st), mp_last_error(), mp_intent_state_name(state));
        return 1;
    }
    mp_cancel_intent(client, device, intent_id, NULL);
    printf("reads=%ld wall_ms=%llu cpu_us=%llu\n", reads, (unsigned long long)(wall / 1000000),
           (unsigned long long)(cpu / 1000));
    mp_string_free(json);
    mp_string_free(intent_id);
    mp_string_free(device);
    mp_string_free(devices);
    mp_free(client);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "status") == 0) {
        struct status_ctx s = {client_for(argv[2]), argv[3]};
        int status = bench_run(status_call, &s, bench_arg(argv[4], "WARMUP"),
                               bench_arg(argv[5], "CALLS"), argv[6]);
        mp_free(s.client);
        return status;
    }
    if (argc == 4 && strcmp(argv[1], "init") == 0)
        return bench_run(init_call, NULL, 10, bench_arg(argv[2], "COUNT"), argv[3]);
    if (argc == 4 && strcmp(argv[1], "wait") == 0)
        return wait_mode(argv[2], bench_arg(argv[3], "SECONDS"));
    fprintf(stderr,
            "usage: %s status BASE_URL INTENT_ID WARMUP CALLS SAMPLES_FILE\n"
            "       %s init COUNT SAMPLES_FILE\n"
            "       %s wait BASE_URL SECONDS\n",
            argv[0], argv[0], argv[0]);
    return 2;
}
