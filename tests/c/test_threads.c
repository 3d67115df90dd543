/*
 * test_threads.c - eight threads share one MpClient.
 *
 * Each thread makes a mix of calls (device list, status reads and waits on intents created
 * during setup, JSON reads, create attempts on one shared terminal, challenge signatures) and
 * checks after each call that its own mp_last_error() / mp_last_http_status() match the status
 * it got: those are per thread, so other threads' calls must never show through.
 *
 * Needs a running point-sim (MP_BASE_URL, MP_ACCESS_TOKEN; see scripts/with-sim.sh).
 * Ends with exactly one line "N passed, N failed"; exits non-zero if anything failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "point.h"

#define THREADS 8
#define ITERATIONS 50
#define MAX_CREATED 256

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_passed;
static int g_failed;
static const char *g_token;

static MpClient *g_client;
static char *g_devices[3];
static char *g_setup_ids[2];
static MpIntentState g_setup_states[2];
static pthread_barrier_t g_barrier;

static char *g_created[MAX_CREATED];
static int g_created_count;
static int g_busy_count;

static int g_log_lines;
static int g_log_token_hits;

static const char k_challenge_secret[] = "0230abf9-79e9-493b-b288-32d123456789";
static const char k_challenge[] = "challenge-7d8c70b6";
static const char k_challenge_hex[] = "1fe1d1402fd5ea027d9131ce119ad8bb24f3e8288fd9ff89e39ad8f9b64a88bd";

static void check_(int ok, int thread, int line, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&g_mu);
    if (ok) {
        g_passed++;
    } else {
        g_failed++;
        printf("FAIL test_threads.c:%d (thread %d): ", line, thread);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    pthread_mutex_unlock(&g_mu);
}
#define CHECKF(t, cond, ...) check_(!!(cond), (t), __LINE__, __VA_ARGS__)

static const char *last_error(void)
{
    const char *e = mp_last_error();
    return e ? e : "(null)";
}

/* The thread-local error state must agree with the status this thread just got. */
#define EXPECT_CONSISTENT(t, what, status, http_ok)                                               \
    do {                                                                                          \
        const char *e_ = last_error();                                                            \
        if ((status) == MP_STATUS_OK)                                                             \
            check_(e_[0] == '\0', (t), __LINE__, "%s succeeded but mp_last_error() is \"%s\"",    \
                   (what), e_);                                                                   \
        else                                                                                      \
            check_(e_[0] != '\0', (t), __LINE__, "%s failed (%s) but mp_last_error() is empty", \
                   (what), mp_status_name(status));                                               \
        check_(mp_last_http_status() == (http_ok), (t), __LINE__,                                 \
               "%s: mp_last_http_status() is %d, want %d", (what), mp_last_http_status(),         \
               (http_ok));                                                                        \
    } while (0)

static void log_line(void *user_data, MpLogLevel level, const char *message)
{
    (void)user_data;
    (void)level;
    pthread_mutex_lock(&g_mu);
    g_log_lines++;
    if (message != NULL && strstr(message, g_token) != NULL)
        g_log_token_hits++;
    pthread_mutex_unlock(&g_mu);
}

static char *copy_of(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c == NULL)
        abort();
    memcpy(c, s, n);
    return c;
}

static char *json_value(const char *json, const char *path)
{
    char *v = NULL;
    char *c;
    if (json == NULL || mp_json_get(json, path, &v) != MP_STATUS_OK)
        return NULL;
    c = copy_of(v);
    mp_string_free(v);
    return c;
}

static void op_list_devices(int t)
{
    char *json = NULL;
    char *id;
    MpStatus s = mp_list_devices(g_client, NULL, &json);
    CHECKF(t, s == MP_STATUS_OK, "mp_list_devices -> %s: %s", mp_status_name(s), last_error());
    EXPECT_CONSISTENT(t, "mp_list_devices", s, 200);
    if (s != MP_STATUS_OK)
        return;
    id = json_value(json, "devices.0.id");
    CHECKF(t, id && strcmp(id, g_devices[0]) == 0, "devices.0.id is %s, want %s", id ? id : "missing",
           g_devices[0]);
    free(id);
    mp_string_free(json);
}

static void op_status(int t, int i)
{
    const char *id = g_setup_ids[i % 2];
    MpIntentState st = MP_INTENT_STATE_UNKNOWN;
    char *json = NULL;
    char *got;
    MpStatus s;
    if (i % 4 < 2)
        s = mp_intent_status(g_client, id, &st, &json);
    else /* already final: returns after one poll */
        s = mp_wait_intent(g_client, id, 10000, NULL, NULL, &st, &json);
    CHECKF(t, s == MP_STATUS_OK, "status/wait of %s -> %s: %s", id, mp_status_name(s), last_error());
    EXPECT_CONSISTENT(t, "mp_intent_status/mp_wait_intent", s, 200);
    if (s != MP_STATUS_OK)
        return;
    CHECKF(t, st == g_setup_states[i % 2], "intent %s is %s, want %s", id, mp_intent_state_name(st),
           mp_intent_state_name(g_setup_states[i % 2]));
    got = json_value(json, "id");
    CHECKF(t, got && strcmp(got, id) == 0, "intent JSON id is %s, want %s", got ? got : "missing", id);
    free(got);
    mp_string_free(json);
}

static void op_json(int t, int i)
{
    char doc[128];
    char want[32];
    char *v = NULL;
    char *untouched = (char *)&g_mu;
    MpStatus s;
    snprintf(doc, sizeof doc, "{\"thread\":{\"id\":%d,\"values\":[\"t%d-i%d\"]}}", t, t, i);
    snprintf(want, sizeof want, "t%d-i%d", t, i);
    s = mp_json_get(doc, "thread.values.0", &v);
    CHECKF(t, s == MP_STATUS_OK && v && strcmp(v, want) == 0, "json_get -> %s \"%s\"", mp_status_name(s),
           (s == MP_STATUS_OK && v) ? v : "-");
    EXPECT_CONSISTENT(t, "mp_json_get", s, 0);
    if (s == MP_STATUS_OK)
        mp_string_free(v);
    s = mp_json_get(doc, "thread.values.1", &untouched);
    CHECKF(t, s == MP_STATUS_NOT_FOUND, "missing path -> %s", mp_status_name(s));
    CHECKF(t, untouched == (char *)&g_mu, "out_value written on NOT_FOUND");
    EXPECT_CONSISTENT(t, "mp_json_get (missing)", s, 0);
}

static void op_create(int t)
{
    char *id = (char *)&g_mu;
    MpStatus s = mp_create_intent_simple(g_client, g_devices[2], 1500, "threads", 0, &id);
    CHECKF(t, s == MP_STATUS_OK || s == MP_STATUS_DEVICE_BUSY, "create -> %s: %s", mp_status_name(s),
           last_error());
    if (s == MP_STATUS_OK) {
        EXPECT_CONSISTENT(t, "mp_create_intent_simple", s, 201);
        CHECKF(t, id != (char *)&g_mu && id != NULL && id[0] != '\0', "create OK without an id");
        if (id != (char *)&g_mu && id != NULL) {
            pthread_mutex_lock(&g_mu);
            if (g_created_count < MAX_CREATED)
                g_created[g_created_count++] = copy_of(id);
            pthread_mutex_unlock(&g_mu);
            mp_string_free(id);
        }
    } else if (s == MP_STATUS_DEVICE_BUSY) {
        EXPECT_CONSISTENT(t, "mp_create_intent_simple (busy)", s, 409);
        CHECKF(t, id == (char *)&g_mu, "out_intent_id written on DEVICE_BUSY");
        pthread_mutex_lock(&g_mu);
        g_busy_count++;
        pthread_mutex_unlock(&g_mu);
    }
}

static void op_sign(int t)
{
    char *hex = NULL;
    MpStatus s = mp_sign_challenge(k_challenge_secret, k_challenge, &hex);
    CHECKF(t, s == MP_STATUS_OK && hex && strcmp(hex, k_challenge_hex) == 0, "sign_challenge -> %s %s",
           mp_status_name(s), (s == MP_STATUS_OK && hex) ? hex : "-");
    EXPECT_CONSISTENT(t, "mp_sign_challenge", s, 0);
    if (s == MP_STATUS_OK)
        mp_string_free(hex);
}

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    int i;
    char saved[512];
    MpIntentState st;
    MpStatus s;

    /* Thread-local errors: odd threads fail a call (404 from the service), even threads
     * succeed with one (200); after everyone is done, each must still see its own. */
    if (t % 2) {
        s = mp_intent_status(g_client, "00000000-0000-4000-8000-00000000000f", &st, NULL);
        CHECKF(t, s == MP_STATUS_NOT_FOUND, "unknown intent -> %s", mp_status_name(s));
        snprintf(saved, sizeof saved, "%s", last_error());
    } else {
        char *json = NULL;
        s = mp_list_devices(g_client, NULL, &json);
        CHECKF(t, s == MP_STATUS_OK, "list -> %s", mp_status_name(s));
        mp_string_free(json);
    }
    pthread_barrier_wait(&g_barrier);
    /* Everybody has made the first call; the even threads now make more successful calls. */
    if (t % 2 == 0)
        op_sign(t);
    pthread_barrier_wait(&g_barrier);
    if (t % 2) {
        CHECKF(t, saved[0] != '\0' && strcmp(last_error(), saved) == 0,
               "own error changed to \"%s\" (was \"%s\")", last_error(), saved);
        CHECKF(t, mp_last_http_status() == 404, "own HTTP status is %d, want 404", mp_last_http_status());
    } else {
        CHECKF(t, last_error()[0] == '\0', "another thread's error is visible: \"%s\"", last_error());
        CHECKF(t, mp_last_http_status() == 0, "HTTP status after sign_challenge is %d", mp_last_http_status());
    }

    for (i = 0; i < ITERATIONS; i++) {
        switch ((i + t) % 5) {
        case 0:
            op_list_devices(t);
            break;
        case 1:
            op_status(t, i);
            break;
        case 2:
            op_json(t, i);
            break;
        case 3:
            op_create(t);
            break;
        default:
            op_sign(t);
            break;
        }
    }
    return NULL;
}

/* Creates an intent and waits for its final state. */
static char *setup_sale(const char *device, int64_t amount, MpIntentState *state)
{
    char *id = NULL;
    char *copy;
    MpStatus s = mp_create_intent_simple(g_client, device, amount, "threads-setup", 1, &id);
    CHECKF(-1, s == MP_STATUS_OK, "setup create on %s -> %s: %s", device, mp_status_name(s), last_error());
    if (s != MP_STATUS_OK)
        return NULL;
    s = mp_wait_intent(g_client, id, 20000, NULL, NULL, state, NULL);
    CHECKF(-1, s == MP_STATUS_OK && mp_intent_state_is_final(*state), "setup wait -> %s (%s): %s",
           mp_status_name(s), mp_intent_state_name(*state), last_error());
    copy = copy_of(id);
    mp_string_free(id);
    return copy;
}

int main(void)
{
    const char *base = getenv("MP_BASE_URL");
    pthread_t threads[THREADS];
    char options[1024];
    char *json = NULL;
    int i, j, duplicates = 0, ok_setup = 1;
    MpStatus s;

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_token = getenv("MP_ACCESS_TOKEN");
    if (g_token == NULL || g_token[0] == '\0' || base == NULL || base[0] == '\0' ||
        strpbrk(g_token, "\"\\") || strpbrk(base, "\"\\")) {
        printf("test_threads: set MP_BASE_URL (a running point-sim) and MP_ACCESS_TOKEN\n");
        printf("0 passed, 1 failed\n");
        return 2;
    }
    snprintf(options, sizeof options,
             "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"poll_interval_ms\":20,\"timeout_ms\":10000}",
             g_token, base);
    s = mp_init_with_options(options, &g_client);
    CHECKF(-1, s == MP_STATUS_OK, "mp_init_with_options -> %s: %s", mp_status_name(s), last_error());
    if (s != MP_STATUS_OK) {
        printf("%d passed, %d failed\n", g_passed, g_failed);
        return 1;
    }
    mp_set_log_callback(g_client, log_line, NULL, MP_LOG_LEVEL_DEBUG);

    s = mp_list_devices(g_client, NULL, &json);
    CHECKF(-1, s == MP_STATUS_OK, "setup list -> %s: %s", mp_status_name(s), last_error());
    for (i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "devices.%d.id", i);
        g_devices[i] = json_value(json, path);
        CHECKF(-1, g_devices[i] != NULL, "setup: no %s", path);
        if (g_devices[i] == NULL)
            ok_setup = 0;
    }
    mp_string_free(json);

    if (ok_setup) {
        g_setup_ids[0] = setup_sale(g_devices[0], 1500, &g_setup_states[0]);
        g_setup_ids[1] = setup_sale(g_devices[1], 1300, &g_setup_states[1]);
        ok_setup = g_setup_ids[0] && g_setup_ids[1];
    }

    if (ok_setup) {
        pthread_barrier_init(&g_barrier, NULL, THREADS);
        for (i = 0; i < THREADS; i++)
            if (pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) != 0) {
                fprintf(stderr, "pthread_create failed\n");
                return 2;
            }
        for (i = 0; i < THREADS; i++)
            pthread_join(threads[i], NULL);
        pthread_barrier_destroy(&g_barrier);

        /* One terminal: at least the first create succeeds, and no id is handed out twice. */
        CHECKF(-1, g_created_count >= 1, "no create succeeded (%d busy)", g_busy_count);
        CHECKF(-1, g_created_count + g_busy_count == THREADS * ITERATIONS / 5,
               "%d created + %d busy, want %d attempts", g_created_count, g_busy_count, THREADS * ITERATIONS / 5);
        for (i = 0; i < g_created_count; i++)
            for (j = i + 1; j < g_created_count; j++)
                if (strcmp(g_created[i], g_created[j]) == 0)
                    duplicates++;
        CHECKF(-1, duplicates == 0, "%d intent ids were handed out twice", duplicates);
        /* Leave the terminal idle. */
        for (i = 0; i < g_created_count; i++) {
            MpIntentState st;
            s = mp_wait_intent(g_client, g_created[i], 20000, NULL, NULL, &st, NULL);
            CHECKF(-1, s == MP_STATUS_OK, "final wait for %s -> %s", g_created[i], mp_status_name(s));
        }
        CHECKF(-1, g_log_lines > 0, "the log callback saw no lines");
        CHECKF(-1, g_log_token_hits == 0, "%d log lines contain the token", g_log_token_hits);
    }

    mp_set_log_callback(g_client, NULL, NULL, 0);
    mp_free(g_client);
    for (i = 0; i < g_created_count; i++)
        free(g_created[i]);
    for (i = 0; i < 3; i++)
        free(g_devices[i]);
    free(g_setup_ids[0]);
    free(g_setup_ids[1]);

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
