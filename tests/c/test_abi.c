/*
 * test_abi.c - exercises every export of libmppoint through its C header.
 *
 * Needs a running point-sim (scripts/with-sim.sh sets MP_BASE_URL and MP_ACCESS_TOKEN; a step
 * of 100-500 ms suits it). Transport behaviour the simulator cannot show (timeouts, 5xx,
 * retries, request headers, TLS failures) is checked against small in-process fake servers.
 *
 * Ends with exactly one line "N passed, N failed"; exits non-zero if anything failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "point.h"

/* ------------------------------------------------------------------------------------------ */
/* Assertions                                                                                  */

static int g_passed;
static int g_failed;
static const char *g_token;
static const char *g_sim_url;

static void check_(int ok, int line, const char *fmt, ...)
{
    va_list ap;
    if (ok) {
        g_passed++;
        return;
    }
    g_failed++;
    printf("FAIL test_abi.c:%d: ", line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* mp_last_error() must never return NULL; a NULL is recorded as a failure, not a crash. */
static const char *err_(int line)
{
    const char *e = mp_last_error();
    if (e == NULL) {
        check_(0, line, "mp_last_error() returned NULL");
        return "(null)";
    }
    return e;
}
#define ERR() err_(__LINE__)

#define CHECK(cond) check_(!!(cond), __LINE__, "%s", #cond)
#define CHECKF(cond, ...) check_(!!(cond), __LINE__, __VA_ARGS__)

#define EXPECT_STATUS(expr, want)                                                                 \
    do {                                                                                          \
        MpStatus got_ = (expr);                                                                   \
        MpStatus want_ = (want);                                                                  \
        check_(got_ == want_, __LINE__, "%s returned %s, want %s (last error: %s, http %d)",      \
               #expr, mp_status_name(got_), mp_status_name(want_), ERR(), mp_last_http_status()); \
    } while (0)

#define EXPECT_OK(expr) EXPECT_STATUS(expr, MP_STATUS_OK)

/* A failure must leave a message, and (for a call that never reached the network) no HTTP
 * status. */
#define EXPECT_INVALID(expr)                                                                    \
    do {                                                                                        \
        MpStatus got_ = (expr);                                                                 \
        check_(got_ == MP_STATUS_INVALID_ARGUMENT, __LINE__,                                    \
               "%s returned %s, want MP_STATUS_INVALID_ARGUMENT", #expr, mp_status_name(got_)); \
        check_(ERR()[0] != '\0', __LINE__, "%s: mp_last_error() is empty", #expr);              \
        check_(mp_last_http_status() == 0, __LINE__, "%s: mp_last_http_status() is %d, want 0", \
               #expr, mp_last_http_status());                                                   \
    } while (0)

#define STR_EQ(a, b) str_eq_(__LINE__, #a, (a), (b))
static void str_eq_(int line, const char *expr, const char *got, const char *want)
{
    check_(got != NULL && want != NULL && strcmp(got, want) == 0, line, "%s is \"%s\", want \"%s\"",
           expr, got ? got : "(null)", want ? want : "(null)");
}

/* Out-parameters must stay untouched when a call fails: they are preset to these. */
static char g_sentinel_byte;
#define SENT ((char *)&g_sentinel_byte)
#define SENT_CLIENT ((MpClient *)(void *)&g_sentinel_byte)
#define SENT_STATE ((MpIntentState)0xA5A5A5A5u)

static void section(const char *name)
{
    printf("# %s\n", name);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(copy, s, n);
    return copy;
}

/* A copy of s without whitespace, so JSON can be matched regardless of formatting. */
static char *squeeze(const char *s)
{
    char *out = dup_str(s ? s : "");
    char *w = out;
    const char *r;
    for (r = out; *r; r++)
        if (*r != ' ' && *r != '\n' && *r != '\r' && *r != '\t')
            *w++ = *r;
    *w = '\0';
    return out;
}

static int contains_squeezed(const char *json, const char *needle)
{
    char *s = squeeze(json);
    int found = strstr(s, needle) != NULL;
    free(s);
    return found;
}

/* The value at path, as a malloc'd copy (NULL when mp_json_get fails). */
static char *jget(const char *json, const char *path)
{
    char *value = NULL;
    char *copy;
    if (json == NULL || mp_json_get(json, path, &value) != MP_STATUS_OK)
        return NULL;
    copy = dup_str(value ? value : "(null)");
    mp_string_free(value);
    return copy;
}

#define EXPECT_JSON(json, path, want) expect_json_(__LINE__, (json), (path), (want))
static void expect_json_(int line, const char *json, const char *path, const char *want)
{
    char *value = SENT;
    MpStatus st;
    if (json == NULL) {
        check_(0, line, "no JSON to read \"%s\" from", path);
        return;
    }
    st = mp_json_get(json, path, &value);
    check_(st == MP_STATUS_OK && value != SENT && value != NULL && strcmp(value, want) == 0, line,
           "mp_json_get(\"%s\") -> %s \"%s\", want \"%s\" (%s)", path, mp_status_name(st),
           (st == MP_STATUS_OK && value != SENT && value) ? value : "-", want, ERR());
    if (st == MP_STATUS_OK && value != SENT)
        mp_string_free(value);
}

#define EXPECT_JSON_MISSING(json, path) expect_json_missing_(__LINE__, (json), (path))
static void expect_json_missing_(int line, const char *json, const char *path)
{
    char *value = SENT;
    MpStatus st = mp_json_get(json, path, &value);
    check_(st == MP_STATUS_NOT_FOUND, line, "mp_json_get(\"%s\") -> %s, want MP_STATUS_NOT_FOUND",
           path, mp_status_name(st));
    check_(value == SENT, line, "mp_json_get(\"%s\") touched out_value on failure", path);
    check_(ERR()[0] != '\0', line, "mp_json_get(\"%s\"): empty mp_last_error()", path);
    if (st == MP_STATUS_OK && value != SENT)
        mp_string_free(value);
}

static void utc_date(int days_from_today, char out[11])
{
    time_t t = time(NULL) + (time_t)days_from_today * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Opens a client on base_url with the test token plus extra option members (",\"k\":v"). */
static MpClient *open_client(const char *base_url, const char *extra)
{
    char options[2048];
    MpClient *client = NULL;
    MpStatus st;
    snprintf(options, sizeof options, "{\"access_token\":\"%s\",\"base_url\":\"%s\"%s}", g_token,
             base_url, extra ? extra : "");
    st = mp_init_with_options(options, &client);
    CHECKF(st == MP_STATUS_OK && client != NULL, "mp_init_with_options(%s) -> %s: %s", options,
           mp_status_name(st), ERR());
    return st == MP_STATUS_OK ? client : NULL;
}

/* Records what mp_wait_intent's callback saw. */
typedef struct {
    int calls;
    int null_json;
    int abort_after; /* stop after this many calls; 0 = never */
    int non_monotonic;
    MpIntentState first;
    MpIntentState last;
    char *last_json;
    void *expected_user_data;
    int wrong_user_data;
} WaitRecord;

static int32_t record_wait(void *user_data, MpIntentState state, const char *intent_json)
{
    WaitRecord *r = user_data;
    if (r->expected_user_data != user_data)
        r->wrong_user_data++;
    if (r->calls == 0)
        r->first = state;
    else if (state < r->last)
        r->non_monotonic++;
    r->calls++;
    r->last = state;
    if (intent_json == NULL) {
        r->null_json++;
    } else {
        free(r->last_json);
        r->last_json = dup_str(intent_json);
    }
    return (r->abort_after > 0 && r->calls >= r->abort_after) ? 1 : 0;
}

static void wait_record_init(WaitRecord *r, int abort_after)
{
    memset(r, 0, sizeof *r);
    r->abort_after = abort_after;
    r->expected_user_data = r;
    r->first = r->last = SENT_STATE;
}

/* Log lines seen by the log callback (it may run on any thread). */
typedef struct {
    pthread_mutex_t mu;
    int count;
    int token_hits;
    int bad_level;
    int empty;
    MpLogLevel max_level;
} LogRecord;

static void record_log(void *user_data, MpLogLevel level, const char *message)
{
    LogRecord *r = user_data;
    pthread_mutex_lock(&r->mu);
    r->count++;
    if (level < MP_LOG_LEVEL_ERROR || level > MP_LOG_LEVEL_DEBUG)
        r->bad_level++;
    if (level > r->max_level)
        r->max_level = level;
    if (message == NULL || message[0] == '\0')
        r->empty++;
    else if (strstr(message, g_token) != NULL)
        r->token_hits++;
    pthread_mutex_unlock(&r->mu);
}

static void log_record_reset(LogRecord *r)
{
    pthread_mutex_lock(&r->mu);
    r->count = r->token_hits = r->bad_level = r->empty = 0;
    r->max_level = 0;
    pthread_mutex_unlock(&r->mu);
}

/* Creates an intent through the simulator; returns a malloc'd id or NULL. */
static char *create_sale(MpClient *c, const char *device, int64_t amount, const char *reference)
{
    char *id = SENT;
    MpStatus st = mp_create_intent_simple(c, device, amount, reference, 1, &id);
    CHECKF(st == MP_STATUS_OK && id != SENT && id != NULL && id[0] != '\0',
           "create %lld on %s -> %s: %s", (long long)amount, device, mp_status_name(st), ERR());
    if (st != MP_STATUS_OK || id == SENT || id == NULL)
        return NULL;
    {
        char *copy = dup_str(id);
        mp_string_free(id);
        return copy;
    }
}

/* Waits (bounded) for a final state; returns the intent JSON (malloc'd) or NULL. */
static char *wait_final(MpClient *c, const char *id, MpIntentState *state)
{
    char *json = NULL;
    char *copy = NULL;
    MpStatus st;
    *state = MP_INTENT_STATE_UNKNOWN;
    if (id == NULL)
        return NULL;
    st = mp_wait_intent(c, id, 20000, NULL, NULL, state, &json);
    CHECKF(st == MP_STATUS_OK && json != NULL, "wait for %s -> %s: %s", id, mp_status_name(st), ERR());
    CHECKF(mp_intent_state_is_final(*state), "wait for %s ended in non-final %s", id,
           mp_intent_state_name(*state));
    if (json != NULL) {
        copy = dup_str(json);
        mp_string_free(json);
    }
    return copy;
}

/* ------------------------------------------------------------------------------------------ */
/* A tiny HTTP server on a thread: answers every request with a canned response (or as a     */
/* webhook that answers the integrator challenge), and records the requests it saw.          */

enum { FAKE_CANNED, FAKE_WEBHOOK_GOOD, FAKE_WEBHOOK_BAD };

typedef struct {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    int mode;
    int status;
    int echo_auth;
    char body[2048];
    char headers[256];
    char secret[256];
    int requests;
    char first[8192];
    char last[8192];
} Fake;

static size_t header_end(const char *req)
{
    const char *end = strstr(req, "\r\n\r\n");
    return end ? (size_t)(end - req) + 4 : 0;
}

/* Copies the value of a request header (case-insensitive name) into out; 0 when absent. */
static int header_value(const char *req, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);
    const char *line = strstr(req, "\r\n");
    size_t head = header_end(req);
    while (line != NULL && (size_t)(line - req) + 2 < head) {
        line += 2;
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            const char *e = strstr(v, "\r\n");
            size_t n;
            while (*v == ' ')
                v++;
            n = e ? (size_t)(e - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        line = strstr(line, "\r\n");
    }
    out[0] = '\0';
    return 0;
}

static size_t read_request(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    while (n + 1 < cap) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        size_t head;
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if ((unsigned char)buf[0] == 0x16) /* a TLS ClientHello: answer it with plain HTTP */
            break;
        head = header_end(buf);
        if (head != 0) {
            char length[32];
            size_t body = header_value(buf, "content-length", length, sizeof length) ? strtoul(length, NULL, 10) : 0;
            if (n >= head + body)
                break;
        }
    }
    buf[n] = '\0';
    return n;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        data += w;
        len -= (size_t)w;
    }
}

static void *fake_main(void *arg)
{
    Fake *f = arg;
    for (;;) {
        char req[8192];
        char body[4096];
        char response[8192];
        char auth[512];
        int status;
        int n;
        struct timeval tv = {2, 0};
        int cfd = accept(f->fd, NULL, NULL);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            break; /* shut down */
        }
        setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        read_request(cfd, req, sizeof req);

        pthread_mutex_lock(&f->mu);
        if (f->requests == 0)
            snprintf(f->first, sizeof f->first, "%s", req);
        snprintf(f->last, sizeof f->last, "%s", req);
        f->requests++;
        status = f->status;
        snprintf(body, sizeof body, "%s", f->body);
        if (f->echo_auth) {
            header_value(req, "authorization", auth, sizeof auth);
            snprintf(body, sizeof body, "{\"message\":\"token '%s' is not valid\",\"error\":\"unauthorized\",\"status\":%d,\"cause\":[]}",
                     auth, status);
        }
        if (f->mode != FAKE_CANNED) {
            const char *code = strstr(req, "challengeCode=");
            if (code != NULL && code < strstr(req, "\r\n")) {
                char challenge[256];
                size_t len = strcspn(code + 14, " &\r\n");
                char *hex = NULL;
                if (len >= sizeof challenge)
                    len = sizeof challenge - 1;
                memcpy(challenge, code + 14, len);
                challenge[len] = '\0';
                status = 200;
                if (f->mode == FAKE_WEBHOOK_GOOD && mp_sign_challenge(f->secret, challenge, &hex) == MP_STATUS_OK) {
                    snprintf(body, sizeof body, "{\"encrypted_challenge\":\"%s\"}", hex);
                    mp_string_free(hex);
                } else {
                    snprintf(body, sizeof body, "{\"encrypted_challenge\":\"%064d\"}", 0);
                }
            }
        }
        n = snprintf(response, sizeof response,
                     "HTTP/1.1 %d Fake\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
                     status, strlen(body), f->headers, body);
        pthread_mutex_unlock(&f->mu);

        if (n > 0)
            send_all(cfd, response, (size_t)n < sizeof response ? (size_t)n : sizeof response - 1);
        shutdown(cfd, SHUT_WR);
        close(cfd);
    }
    return NULL;
}

static int listen_loopback(int *port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

static int fake_start(Fake *f, int mode)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->mode = mode;
    f->status = 200;
    snprintf(f->body, sizeof f->body, "{}");
    f->fd = listen_loopback(&f->port);
    if (f->fd < 0 || pthread_create(&f->thread, NULL, fake_main, f) != 0) {
        CHECKF(0, "could not start a fake server: %s", strerror(errno));
        return 0;
    }
    return 1;
}

static void fake_set(Fake *f, int status, const char *body, const char *headers)
{
    pthread_mutex_lock(&f->mu);
    f->status = status;
    f->echo_auth = 0;
    snprintf(f->body, sizeof f->body, "%s", body);
    snprintf(f->headers, sizeof f->headers, "%s", headers ? headers : "");
    f->requests = 0;
    f->first[0] = f->last[0] = '\0';
    pthread_mutex_unlock(&f->mu);
}

static int fake_requests(Fake *f)
{
    int n;
    pthread_mutex_lock(&f->mu);
    n = f->requests;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* Copies the last request seen (the library call has returned, so it is complete). */
static void fake_last(Fake *f, char *out, size_t cap)
{
    pthread_mutex_lock(&f->mu);
    snprintf(out, cap, "%s", f->last);
    pthread_mutex_unlock(&f->mu);
}

static void fake_stop(Fake *f)
{
    shutdown(f->fd, SHUT_RDWR);
    pthread_join(f->thread, NULL);
    close(f->fd);
    pthread_mutex_destroy(&f->mu);
}

static const char *request_body(const char *req)
{
    size_t head = header_end(req);
    return head ? req + head : "";
}

#define EXPECT_REQUEST_LINE(req, prefix)                                                     \
    check_(strncmp((req), (prefix), strlen(prefix)) == 0, __LINE__,                          \
           "request line is \"%.*s\", want it to start with \"%s\"",                         \
           (int)strcspn((req), "\r\n"), (req), (prefix))

#define EXPECT_HEADER(req, name, want)                                                       \
    do {                                                                                     \
        char hv_[512];                                                                       \
        int has_ = header_value((req), (name), hv_, sizeof hv_);                             \
        check_(has_ && strcmp(hv_, (want)) == 0, __LINE__, "header %s is \"%s\", want \"%s\"", \
               (name), has_ ? hv_ : "(absent)", (want));                                     \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Static functions: version, names, finality                                                 */

static void test_version_and_names(void)
{
    static const char *const status_names[] = {
        "MP_STATUS_OK", "MP_STATUS_INVALID_ARGUMENT", "MP_STATUS_NETWORK", "MP_STATUS_TIMEOUT",
        "MP_STATUS_TLS", "MP_STATUS_UNAUTHORIZED", "MP_STATUS_NOT_FOUND", "MP_STATUS_DEVICE_BUSY",
        "MP_STATUS_INTENT_LOCKED", "MP_STATUS_RATE_LIMITED", "MP_STATUS_API", "MP_STATUS_SERVER",
        "MP_STATUS_BAD_RESPONSE", "MP_STATUS_WAIT_TIMEOUT", "MP_STATUS_ABORTED", "MP_STATUS_INTERNAL",
        "MP_STATUS_OUTCOME_UNKNOWN", "MP_STATUS_UNSUPPORTED", "MP_STATUS_JOURNAL"};
    static const uint32_t status_values[] = {
        MP_STATUS_OK, MP_STATUS_INVALID_ARGUMENT, MP_STATUS_NETWORK, MP_STATUS_TIMEOUT,
        MP_STATUS_TLS, MP_STATUS_UNAUTHORIZED, MP_STATUS_NOT_FOUND, MP_STATUS_DEVICE_BUSY,
        MP_STATUS_INTENT_LOCKED, MP_STATUS_RATE_LIMITED, MP_STATUS_API, MP_STATUS_SERVER,
        MP_STATUS_BAD_RESPONSE, MP_STATUS_WAIT_TIMEOUT, MP_STATUS_ABORTED, MP_STATUS_INTERNAL,
        MP_STATUS_OUTCOME_UNKNOWN, MP_STATUS_UNSUPPORTED, MP_STATUS_JOURNAL};
    static const char *const state_names[] = {
        "UNKNOWN", "OPEN", "ON_TERMINAL", "PROCESSING", "PROCESSED", "FINISHED",
        "CANCELED", "ERROR", "ABANDONED", "CONFIRMATION_REQUIRED"};
    static const uint32_t state_values[] = {
        MP_INTENT_STATE_UNKNOWN, MP_INTENT_STATE_OPEN, MP_INTENT_STATE_ON_TERMINAL,
        MP_INTENT_STATE_PROCESSING, MP_INTENT_STATE_PROCESSED, MP_INTENT_STATE_FINISHED,
        MP_INTENT_STATE_CANCELED, MP_INTENT_STATE_ERROR, MP_INTENT_STATE_ABANDONED,
        MP_INTENT_STATE_CONFIRMATION_REQUIRED};
    static const uint32_t out_of_range[] = {19, 20, 100, 0x7fffffffu, UINT32_MAX};
    char version[32];
    uint32_t i;

    section("version and names");
    snprintf(version, sizeof version, "%d.%d.%d", MP_VERSION_MAJOR, MP_VERSION_MINOR, MP_VERSION_PATCH);
    CHECK(mp_version() != NULL);
    STR_EQ(mp_version(), version);
    CHECK(mp_version() == mp_version()); /* static storage, never freed by the caller */

    for (i = 0; i < sizeof status_values / sizeof status_values[0]; i++) {
        CHECKF(status_values[i] == i, "%s is %u, want %u", status_names[i], status_values[i], i);
        STR_EQ(mp_status_name(i), status_names[i]);
    }
    for (i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++)
        STR_EQ(mp_status_name(out_of_range[i]), "MP_STATUS_UNKNOWN");

    for (i = 0; i < 10; i++) {
        CHECKF(state_values[i] == i, "state %s is %u, want %u", state_names[i], state_values[i], i);
        STR_EQ(mp_intent_state_name(i), state_names[i]);
        if (i >= MP_INTENT_STATE_FINISHED)
            CHECKF(mp_intent_state_is_final(i) == 1, "is_final(%s) = %d, want 1", state_names[i],
                   (int)mp_intent_state_is_final(i));
        else
            CHECKF(mp_intent_state_is_final(i) == 0, "is_final(%s) = %d, want 0", state_names[i],
                   (int)mp_intent_state_is_final(i));
    }
    STR_EQ(mp_intent_state_name(10), "UNKNOWN");
    STR_EQ(mp_intent_state_name(UINT32_MAX), "UNKNOWN");
    CHECK(mp_intent_state_is_final(10) == 0);
    CHECK(mp_intent_state_is_final(11) == 0);
    CHECK(mp_intent_state_is_final(0x80000005u) == 0);
    CHECK(mp_intent_state_is_final(UINT32_MAX) == 0);

    CHECK(MP_LOG_LEVEL_ERROR == 1);
    CHECK(MP_LOG_LEVEL_WARN == 2);
    CHECK(MP_LOG_LEVEL_INFO == 3);
    CHECK(MP_LOG_LEVEL_DEBUG == 4);
}

/* ------------------------------------------------------------------------------------------ */
/* mp_last_error / mp_last_http_status semantics                                              */

static void test_last_error_semantics(void)
{
    char *out = SENT;
    char *saved;

    section("last error semantics");
    /* Nothing has failed on this thread yet. */
    STR_EQ(ERR(), "");
    CHECK(mp_last_http_status() == 0);
    STR_EQ(mp_last_idempotency_key(), "");

    EXPECT_STATUS(mp_json_get("{\"a\":1}", "b", &out), MP_STATUS_NOT_FOUND);
    CHECK(out == SENT);
    saved = dup_str(ERR());
    CHECK(saved[0] != '\0');

    /* These must leave the error alone. */
    (void)mp_version();
    (void)mp_status_name(MP_STATUS_API);
    (void)mp_status_name(999);
    (void)mp_intent_state_name(MP_INTENT_STATE_OPEN);
    (void)mp_intent_state_is_final(MP_INTENT_STATE_FINISHED);
    (void)mp_last_http_status();
    (void)mp_last_error();
    (void)mp_last_idempotency_key();
    mp_string_free(NULL);
    mp_free(NULL);
    STR_EQ(ERR(), saved);
    STR_EQ(ERR(), saved); /* reading it twice changes nothing */

    /* Any other call resets it: success clears it ... */
    out = NULL;
    EXPECT_OK(mp_json_get("{\"a\":1}", "a", &out));
    STR_EQ(ERR(), "");
    mp_string_free(out);

    /* ... and a different failure replaces it. */
    EXPECT_INVALID(mp_sign_challenge(NULL, "x", &out));
    CHECK(ERR()[0] != '\0');
    out = NULL;
    EXPECT_OK(mp_sign_challenge("k", "x", &out));
    STR_EQ(ERR(), "");
    mp_string_free(out);

    /* An error stays readable after a call that leaves it alone, even a free. */
    EXPECT_STATUS(mp_json_get("[]", "0", &out), MP_STATUS_NOT_FOUND);
    CHECK(ERR()[0] != '\0');
    mp_string_free(NULL);
    CHECK(ERR()[0] != '\0');
    free(saved);
}

/* ------------------------------------------------------------------------------------------ */
/* NULL required arguments: INVALID_ARGUMENT, a message, out-params untouched, no crash       */

static void test_null_arguments(MpClient *c)
{
    const char *dev = "PAX_A910__SMARTPOS1495357742";
    const char *id = "00000000-0000-4000-8000-000000000000";
    MpClient *client = SENT_CLIENT;
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    char options[1024];

    section("NULL arguments");
    snprintf(options, sizeof options, "{\"access_token\":\"%s\",\"base_url\":\"%s\"}", g_token, g_sim_url);

    EXPECT_INVALID(mp_init(NULL, &client));
    CHECK(client == SENT_CLIENT);
    EXPECT_INVALID(mp_init(g_token, NULL));
    EXPECT_INVALID(mp_init_with_options(NULL, &client));
    CHECK(client == SENT_CLIENT);
    EXPECT_INVALID(mp_init_with_options(options, NULL));

    EXPECT_INVALID(mp_list_devices(NULL, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_list_devices(NULL, "{\"limit\":1}", &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_list_devices(c, NULL, NULL));

    EXPECT_INVALID(mp_set_operating_mode(NULL, dev, "PDV", &o));
    EXPECT_INVALID(mp_set_operating_mode(c, NULL, "PDV", &o));
    EXPECT_INVALID(mp_set_operating_mode(c, dev, NULL, &o));
    CHECK(o == SENT);

    EXPECT_INVALID(mp_create_intent(NULL, dev, "{\"amount\":1500}", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, NULL, "{\"amount\":1500}", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, dev, NULL, NULL, &o));
    CHECK(o == SENT);
    /* Must fail before anything is sent: the device must not get an intent from this. */
    EXPECT_INVALID(mp_create_intent(c, dev, "{\"amount\":1500}", NULL, NULL));

    EXPECT_INVALID(mp_create_intent_simple(NULL, dev, 1500, NULL, 1, &o));
    EXPECT_INVALID(mp_create_intent_simple(c, NULL, 1500, NULL, 1, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_create_intent_simple(c, dev, 1500, "ref", 1, NULL));

    EXPECT_INVALID(mp_intent_status(NULL, id, &st, &o));
    EXPECT_INVALID(mp_intent_status(c, NULL, &st, &o));
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    EXPECT_INVALID(mp_cancel_intent(NULL, dev, id, &o));
    EXPECT_INVALID(mp_cancel_intent(c, NULL, id, &o));
    EXPECT_INVALID(mp_cancel_intent(c, dev, NULL, &o));
    CHECK(o == SENT);

    EXPECT_INVALID(mp_wait_intent(NULL, id, 1000, NULL, NULL, &st, &o));
    EXPECT_INVALID(mp_wait_intent(c, NULL, 1000, NULL, NULL, &st, &o));
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    EXPECT_INVALID(mp_intent_last_event(NULL, id, &o));
    EXPECT_INVALID(mp_intent_last_event(c, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_intent_last_event(c, id, NULL));

    EXPECT_INVALID(mp_list_intent_events(NULL, "2024-01-01", "2024-01-02", &o));
    EXPECT_INVALID(mp_list_intent_events(c, NULL, "2024-01-02", &o));
    EXPECT_INVALID(mp_list_intent_events(c, "2024-01-01", NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_list_intent_events(c, "2024-01-01", "2024-01-02", NULL));

    EXPECT_INVALID(mp_create_refund(NULL, dev, "20000000001", NULL, NULL, &o));
    EXPECT_INVALID(mp_create_refund(c, NULL, "20000000001", NULL, NULL, &o));
    EXPECT_INVALID(mp_create_refund(c, dev, NULL, NULL, NULL, &o));
    CHECK(o == SENT);
    /* Must fail before anything is sent: no refund intent may come of it. */
    EXPECT_INVALID(mp_create_refund(c, dev, "20000000001", NULL, NULL, NULL));

    EXPECT_INVALID(mp_refund_status(NULL, id, &st, &o));
    EXPECT_INVALID(mp_refund_status(c, NULL, &st, &o));
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    EXPECT_INVALID(mp_wait_refund(NULL, id, 1000, NULL, NULL, &st, &o));
    EXPECT_INVALID(mp_wait_refund(c, NULL, 1000, NULL, NULL, &st, &o));
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    EXPECT_INVALID(mp_cancel_refund(NULL, dev, id, &o));
    EXPECT_INVALID(mp_cancel_refund(c, NULL, id, &o));
    EXPECT_INVALID(mp_cancel_refund(c, dev, NULL, &o));
    CHECK(o == SENT);

    EXPECT_INVALID(mp_get_payment(NULL, "20000000001", &o));
    EXPECT_INVALID(mp_get_payment(c, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_get_payment(c, "20000000001", NULL));

    EXPECT_INVALID(mp_create_test_user(NULL, "MLA", &o));
    EXPECT_INVALID(mp_create_test_user(c, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_create_test_user(c, "MLA", NULL));

    EXPECT_INVALID(mp_verify_signature(NULL, "ts=1,v1=00", "r", "1", 0, 0));
    EXPECT_INVALID(mp_verify_signature("secret", NULL, "r", "1", 0, 0));

    EXPECT_INVALID(mp_get_integrator(NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_get_integrator(c, NULL));

    EXPECT_INVALID(mp_set_webhook(NULL, "https://example.com/hook"));
    EXPECT_INVALID(mp_set_webhook(c, NULL));
    EXPECT_INVALID(mp_check_webhook(NULL));

    EXPECT_INVALID(mp_sign_challenge(NULL, "challenge", &o));
    EXPECT_INVALID(mp_sign_challenge("secret", NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_sign_challenge("secret", "challenge", NULL));

    EXPECT_INVALID(mp_parse_notification(NULL, &st, &o));
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    EXPECT_INVALID(mp_json_get(NULL, "a", &o));
    EXPECT_INVALID(mp_json_get("{\"a\":1}", NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_json_get("{\"a\":1}", "a", NULL));

    /* 0.4: the keyed creates, mp_json_quote and the journal's calls. */
    EXPECT_INVALID(mp_create_intent_keyed(NULL, dev, 1500, NULL, 1, "abi-null-1", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, NULL, 1500, NULL, 1, "abi-null-1", &o));
    CHECK(o == SENT);
    /* Must fail before anything is sent: the device must not get an intent from this. */
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, "ref", 1, "abi-null-1", NULL));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, "ref", 1, NULL, NULL));

    EXPECT_INVALID(mp_create_refund_keyed(NULL, dev, "20000000001", 0, "abi-null-2", &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, NULL, "20000000001", 0, "abi-null-2", &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, NULL, 0, "abi-null-2", &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", 0, "abi-null-2", NULL));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", 0, NULL, NULL));

    EXPECT_INVALID(mp_json_quote(NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_json_quote("text", NULL));

    EXPECT_INVALID(mp_recover(NULL, 0, &o));
    EXPECT_INVALID(mp_recover(c, 0, NULL));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_recover_with_progress(NULL, 0, NULL, NULL, &o));
    EXPECT_INVALID(mp_recover_with_progress(NULL, 0, record_wait, NULL, &o));
    EXPECT_INVALID(mp_recover_with_progress(c, 0, NULL, NULL, NULL));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_acknowledge(NULL, "abi-null-3"));
    EXPECT_INVALID(mp_acknowledge(c, NULL));
    EXPECT_INVALID(mp_acknowledge_report(NULL, "{\"sales\":[],\"tickets\":[]}"));
    EXPECT_INVALID(mp_acknowledge_report(c, NULL));
    EXPECT_INVALID(mp_device_holds(NULL, dev, &o));
    EXPECT_INVALID(mp_device_holds(c, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_device_holds(c, dev, NULL));
    EXPECT_INVALID(mp_device_clear(NULL, dev, &o));
    EXPECT_INVALID(mp_device_clear(c, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_device_clear(c, dev, NULL));

    /* The journal's calls on a client without a journal: refused, nothing sent. */
    EXPECT_INVALID(mp_recover(c, 0, &o));
    EXPECT_INVALID(mp_recover_with_progress(c, 0, NULL, NULL, &o));
    EXPECT_INVALID(mp_recover_with_progress(c, 1000, record_wait, NULL, &o));
    CHECK(o == SENT);
    EXPECT_INVALID(mp_acknowledge(c, "abi-null-3"));
    EXPECT_INVALID(mp_acknowledge_report(c, "{\"sales\":[],\"tickets\":[]}"));
    EXPECT_INVALID(mp_device_holds(c, dev, &o));
    EXPECT_INVALID(mp_device_clear(c, dev, &o));
    CHECK(o == SENT);

    /* void functions: must simply not crash. */
    mp_set_log_callback(NULL, record_log, NULL, MP_LOG_LEVEL_DEBUG);
    mp_set_log_callback(NULL, NULL, NULL, 0);
    mp_free(NULL);
    mp_string_free(NULL);
    CHECK(1);
}

/* ------------------------------------------------------------------------------------------ */
/* Bad UTF-8 and bad JSON                                                                      */

static void test_bad_input(MpClient *c, const char *dev)
{
    static const char bad_utf8[] = "\xff\xfe" "abc";
    static const char bad_utf8_json[] = "{\"a\":\"" "\xc3\x28" "\"}";
    MpClient *client = SENT_CLIENT;
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    char options[1024];

    section("bad UTF-8 and bad JSON");
    EXPECT_INVALID(mp_init(bad_utf8, &client));
    CHECK(client == SENT_CLIENT);
    snprintf(options, sizeof options, "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"user_agent\":\"" "\xff" "\"}",
             g_token, g_sim_url);
    EXPECT_INVALID(mp_init_with_options(options, &client));
    CHECK(client == SENT_CLIENT);

    EXPECT_INVALID(mp_intent_status(c, bad_utf8, &st, &o));
    EXPECT_INVALID(mp_set_operating_mode(c, bad_utf8, "PDV", &o));
    EXPECT_INVALID(mp_set_operating_mode(c, dev, bad_utf8, &o));
    EXPECT_INVALID(mp_cancel_intent(c, dev, bad_utf8, &o));
    EXPECT_INVALID(mp_wait_intent(c, bad_utf8, 100, NULL, NULL, &st, &o));
    EXPECT_INVALID(mp_intent_last_event(c, bad_utf8, &o));
    EXPECT_INVALID(mp_list_intent_events(c, bad_utf8, "2024-01-01", &o));
    EXPECT_INVALID(mp_set_webhook(c, bad_utf8));
    EXPECT_INVALID(mp_list_devices(c, bad_utf8, &o));
    EXPECT_INVALID(mp_list_devices(c, bad_utf8_json, &o));
    /* Neither must reach the device (it stays free for the sales below). */
    EXPECT_INVALID(mp_create_intent_simple(c, dev, 1500, bad_utf8, 1, &o));
    EXPECT_INVALID(mp_create_intent(c, dev, bad_utf8_json, NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, dev, "{\"amount\":1500}", bad_utf8, &o));
    EXPECT_INVALID(mp_sign_challenge(bad_utf8, "challenge", &o));
    EXPECT_INVALID(mp_sign_challenge("secret", bad_utf8, &o));
    EXPECT_INVALID(mp_parse_notification(bad_utf8, &st, &o));
    EXPECT_INVALID(mp_parse_notification(bad_utf8_json, &st, &o));
    EXPECT_INVALID(mp_json_get(bad_utf8_json, "a", &o));
    EXPECT_INVALID(mp_json_get("{\"a\":1}", bad_utf8, &o));
    EXPECT_INVALID(mp_create_refund(c, dev, bad_utf8, NULL, NULL, &o));
    EXPECT_INVALID(mp_create_refund(c, dev, "20000000001", bad_utf8_json, NULL, &o));
    EXPECT_INVALID(mp_create_refund(c, dev, "20000000001", "{", NULL, &o));
    EXPECT_INVALID(mp_create_refund(c, dev, "20000000001", "[]", NULL, &o));
    /* A payment id is a number: an intent id passed by mistake never leaves the library. */
    EXPECT_INVALID(mp_create_refund(c, dev, "0aa0519d-d985-4e83", NULL, NULL, &o));
    EXPECT_INVALID(mp_get_payment(c, "0aa0519d-d985-4e83", &o));
    EXPECT_INVALID(mp_get_payment(c, "../users/me", &o));
    EXPECT_INVALID(mp_refund_status(c, bad_utf8, &st, &o));
    EXPECT_INVALID(mp_wait_refund(c, bad_utf8, 100, NULL, NULL, &st, &o));
    EXPECT_INVALID(mp_wait_refund(c, "../x", 100, NULL, NULL, &st, &o));
    EXPECT_INVALID(mp_cancel_refund(c, dev, "a/b", &o));
    EXPECT_INVALID(mp_create_test_user(c, "mla", &o));
    EXPECT_INVALID(mp_create_test_user(c, "ML", &o));
    EXPECT_INVALID(mp_verify_signature(bad_utf8, "ts=1,v1=00", NULL, NULL, 0, 0));
    EXPECT_INVALID(mp_verify_signature("secret", "ts=1,v1=00", bad_utf8, NULL, 0, 0));
    /* 0.4's exports: none of these may reach the device either. */
    EXPECT_INVALID(mp_create_intent_keyed(c, bad_utf8, 1500, NULL, 1, "abi-bad-1", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, bad_utf8, 1, "abi-bad-1", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, NULL, 1, bad_utf8, &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, NULL, 1, "", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, NULL, 1, "a key", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 1500, NULL, 1, "abi-\x7f", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, 0, NULL, 1, "abi-bad-1", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, dev, -1500, NULL, 1, "abi-bad-1", &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, bad_utf8, "20000000001", 0, NULL, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, bad_utf8, 0, NULL, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "0aa0519d-d985-4e83", 0, NULL, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", 0, bad_utf8, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", 0, "", &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", -1, NULL, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, "20000000001", INT64_MIN, NULL, &o));
    EXPECT_INVALID(mp_json_quote(bad_utf8, &o));
    EXPECT_INVALID(mp_json_quote("\xed\xa0\x80", &o)); /* a surrogate: not UTF-8 */
    EXPECT_INVALID(mp_acknowledge(c, bad_utf8));
    EXPECT_INVALID(mp_acknowledge_report(c, bad_utf8_json));
    EXPECT_INVALID(mp_device_holds(c, bad_utf8, &o));
    EXPECT_INVALID(mp_device_clear(c, bad_utf8, &o));
    CHECK(client == SENT_CLIENT);
    CHECK(o == SENT);
    CHECK(st == SENT_STATE);

    EXPECT_INVALID(mp_create_intent(c, dev, "{\"amount\":15", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, dev, "not json", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, dev, "", NULL, &o));
    EXPECT_INVALID(mp_list_devices(c, "{", &o));
    EXPECT_INVALID(mp_list_devices(c, "[1]", &o));
    EXPECT_INVALID(mp_json_get("{", "a", &o));
    EXPECT_INVALID(mp_json_get("", "a", &o));
    EXPECT_INVALID(mp_json_get("{\"a\":1} trailing", "a", &o));
    EXPECT_INVALID(mp_parse_notification("{", &st, &o));
    EXPECT_INVALID(mp_parse_notification("", &st, &o));
    EXPECT_INVALID(mp_parse_notification("[]", &st, &o));
    CHECK(o == SENT);
    CHECK(st == SENT_STATE);

    /* An identifier that would change the URL path must never reach the server as such. */
    {
        MpStatus s = mp_intent_status(c, "../../integrators", &st, &o);
        CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_NOT_FOUND,
               "intent id \"../../integrators\" -> %s", mp_status_name(s));
        CHECK(o == SENT);
        s = mp_intent_status(c, "a/b?c#d", &st, &o);
        CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_NOT_FOUND, "intent id \"a/b?c#d\" -> %s",
               mp_status_name(s));
        CHECK(o == SENT);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* mp_init / mp_init_with_options                                                              */

static void expect_options_invalid(int line, const char *options, const char *mention)
{
    MpClient *client = SENT_CLIENT;
    MpStatus st = mp_init_with_options(options, &client);
    const char *e = err_(line);
    check_(st == MP_STATUS_INVALID_ARGUMENT, line, "options %s -> %s, want MP_STATUS_INVALID_ARGUMENT",
           options, mp_status_name(st));
    check_(client == SENT_CLIENT, line, "options %s: out_client written on failure", options);
    check_(e[0] != '\0', line, "options %s: empty mp_last_error()", options);
    check_(strstr(e, g_token) == NULL, line, "options %s: mp_last_error() contains the token: %s", options, e);
    if (mention != NULL)
        check_(strstr(e, mention) != NULL, line, "options %s: mp_last_error() \"%s\" does not name \"%s\"",
               options, e, mention);
    if (st == MP_STATUS_OK && client != SENT_CLIENT)
        mp_free(client);
}

static void expect_options_ok(int line, const char *options)
{
    MpClient *client = NULL;
    MpStatus st = mp_init_with_options(options, &client);
    check_(st == MP_STATUS_OK && client != NULL, line, "options %s -> %s: %s", options,
           mp_status_name(st), err_(line));
    if (st == MP_STATUS_OK)
        check_(err_(line)[0] == '\0', line, "options %s: mp_last_error() not reset", options);
    mp_free(client);
}

static void test_options(void)
{
    char o[1024];
    MpClient *client = NULL;
    const char *t = g_token;

    section("init and options");
    EXPECT_OK(mp_init(g_token, &client));
    CHECK(client != NULL);
    STR_EQ(ERR(), "");
    mp_free(client);
    client = SENT_CLIENT;
    EXPECT_INVALID(mp_init("", &client));
    CHECK(client == SENT_CLIENT);

    expect_options_invalid(__LINE__, "{", NULL);
    expect_options_invalid(__LINE__, "", NULL);
    expect_options_invalid(__LINE__, "[]", NULL);
    expect_options_invalid(__LINE__, "null", NULL);
    expect_options_invalid(__LINE__, "\"TEST-token\"", NULL);
    expect_options_invalid(__LINE__, "{\"base_url\":\"http://127.0.0.1:1\"}", "access_token");

    expect_options_invalid(__LINE__, "{\"access_token\":\"\"}", NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"max_retries\":11}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"ca_file\":\"/nonexistent/mppoint-ca.pem\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    {
        /* A CA file that holds no certificate is refused at once, not at the first call. */
        char path[] = "/tmp/mppoint-abi-ca-XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            static const char junk[] = "this is not a certificate\n";
            CHECK(write(fd, junk, sizeof junk - 1) == (ssize_t)(sizeof junk - 1));
            close(fd);
            snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"ca_file\":\"%s\"}", t, path);
            expect_options_invalid(__LINE__, o, NULL);
            unlink(path);
        }
    }
    /* A ca_file that is not a regular file is refused at once: /dev/zero used to be read
     * until memory ran out, a FIFO to block init forever (the alarm turns a hang into a
     * failure). */
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"ca_file\":\"/dev/zero\"}", t);
    expect_options_invalid(__LINE__, o, "not a regular file");
    {
        char fifo[64];
        snprintf(fifo, sizeof fifo, "/tmp/mppoint-abi-ca-%ld.fifo", (long)getpid());
        unlink(fifo);
        if (mkfifo(fifo, 0600) == 0) {
            alarm(30);
            snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"ca_file\":\"%s\"}", t, fifo);
            expect_options_invalid(__LINE__, o, "not a regular file");
            alarm(0);
            unlink(fifo);
        } else {
            CHECKF(0, "mkfifo(%s): %s", fifo, strerror(errno));
        }
    }
    /* Header values must be printable ASCII: bytes above 127 made every call fail. */
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"user_agent\":\"Caixa S\xc3\xa3o Paulo\"}", t);
    expect_options_invalid(__LINE__, o, "user_agent");
    expect_options_invalid(__LINE__, o, "printable ASCII");
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"test_scope\":\"sandbox\xe2\x9c\x93\"}", t);
    expect_options_invalid(__LINE__, o, "test_scope");
    /* Only HTTP CONNECT proxies: a SOCKS proxy used to be accepted and then ignored. */
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"proxy\":\"socks5://127.0.0.1:1\"}", t);
    expect_options_invalid(__LINE__, o, "SOCKS");
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"proxy\":\"http://127.0.0.1:99999\"}", t);
    expect_options_invalid(__LINE__, o, "port");
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"proxy\":\"socks5://pos:Pr0xyPassw0rd@127.0.0.1:1080\"}", t);
    expect_options_invalid(__LINE__, o, "SOCKS");
    CHECKF(strstr(ERR(), "Pr0xyPassw0rd") == NULL, "the proxy password in mp_last_error(): %s", ERR());
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"bogus_option\":1}", t);
    expect_options_invalid(__LINE__, o, "bogus_option");
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"Base_URL\":\"http://127.0.0.1:1\"}", t);
    expect_options_invalid(__LINE__, o, "Base_URL");
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"poll_interval_ms\":5}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"poll_interval_ms\":9}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"timeout_ms\":\"soon\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"max_retries\":-1}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"site\":\"MLX\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"http://example.com\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"http://api.mercadopago.com\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"ftp://127.0.0.1\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"not a url\"}", t);
    expect_options_invalid(__LINE__, o, NULL);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"access_token\":\"%s\"}", t, t);
    {
        /* A duplicate key is either rejected or harmless; it must not crash. */
        MpClient *dup = NULL;
        if (mp_init_with_options(o, &dup) == MP_STATUS_OK)
            mp_free(dup);
        CHECK(1);
    }

    snprintf(o, sizeof o, "{\"access_token\":\"%s\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"poll_interval_ms\":10}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"http://127.0.0.1:1\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"http://localhost:8080\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"base_url\":\"https://api.mercadopago.com\",\"site\":\"MLB\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"site\":\"MLM\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"max_retries\":10,\"proxy\":\"http://127.0.0.1:3128\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o, "{\"access_token\":\"%s\",\"proxy\":\"http://pos:pw@127.0.0.1:3128\"}", t);
    expect_options_ok(__LINE__, o);
    snprintf(o, sizeof o,
             "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"site\":\"MLA\",\"timeout_ms\":5000,"
             "\"connect_timeout_ms\":2000,\"max_retries\":1,\"poll_interval_ms\":50,"
             "\"test_scope\":\"sandbox\",\"user_agent\":\"abi-test/1.0\"}",
             t, g_sim_url);
    expect_options_ok(__LINE__, o);
}

/* ------------------------------------------------------------------------------------------ */
/* mp_json_get                                                                                 */

static void test_json_get(void)
{
    static const char doc[] =
        "{\"s\":\"text\",\"n\":42,\"neg\":-7,\"f\":1.5,\"t\":true,\"fa\":false,\"nu\":null,"
        "\"empty\":\"\",\"o\":{\"a\":1,\"b\":[1,2]},\"arr\":[10,\"x\",{\"k\":\"v\"}],"
        "\"esc\":\"a\\\"b\\\\c\\u00e9\\n\",\"utf8\":\"\xc3\xb1" "and\xc3\xba\","
        "\"payment\":{\"id\":18308029193,\"state\":\"approved\"},"
        "\"devices\":[{\"id\":\"PAX_A910__SMARTPOS1495357742\"},{\"id\":\"GERTEC\"}],"
        "\"big\":12345678901234567890}";
    char *o = NULL;

    section("json_get");
    EXPECT_JSON(doc, "s", "text");
    EXPECT_JSON(doc, "n", "42");
    EXPECT_JSON(doc, "neg", "-7");
    EXPECT_JSON(doc, "f", "1.5");
    EXPECT_JSON(doc, "t", "true");
    EXPECT_JSON(doc, "fa", "false");
    EXPECT_JSON(doc, "nu", "null");
    EXPECT_JSON(doc, "empty", "");
    EXPECT_JSON(doc, "arr.0", "10");
    EXPECT_JSON(doc, "arr.1", "x");
    EXPECT_JSON(doc, "arr.2.k", "v");
    EXPECT_JSON(doc, "esc", "a\"b\\c\xc3\xa9\n");
    EXPECT_JSON(doc, "utf8", "\xc3\xb1" "and\xc3\xba");
    EXPECT_JSON(doc, "payment.id", "18308029193");
    EXPECT_JSON(doc, "payment.state", "approved");
    EXPECT_JSON(doc, "devices.0.id", "PAX_A910__SMARTPOS1495357742");
    EXPECT_JSON(doc, "devices.1.id", "GERTEC");
    EXPECT_JSON(doc, "big", "12345678901234567890");
    EXPECT_JSON("[1,[2,3]]", "1.0", "2");
    /* Numbers keep their digits (no float round trip); "" is the whole document, compact. */
    EXPECT_JSON("{\"p\":1.50}", "p", "1.50");
    EXPECT_JSON("{\"id\":123456789012345678901234567890}", "id", "123456789012345678901234567890");
    EXPECT_JSON("{ \"a\" : [ 1, 2 ] }", "", "{\"a\":[1,2]}");
    EXPECT_JSON("\"just text\"", "", "just text");
    STR_EQ(ERR(), "");
    CHECK(mp_last_http_status() == 0);

    /* Objects and arrays come back as JSON text. */
    o = NULL;
    EXPECT_OK(mp_json_get(doc, "o", &o));
    STR_EQ(o, "{\"a\":1,\"b\":[1,2]}");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_json_get(doc, "o.b", &o));
    CHECKF(o && contains_squeezed(o, "[1,2]"), "array value is %s", o ? o : "(null)");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_json_get(doc, "arr.2", &o));
    CHECKF(o && contains_squeezed(o, "{\"k\":\"v\"}"), "array element is %s", o ? o : "(null)");
    mp_string_free(o);

    EXPECT_JSON_MISSING(doc, "missing");
    EXPECT_JSON_MISSING(doc, "o.c");
    EXPECT_JSON_MISSING(doc, "o.a.deeper");
    EXPECT_JSON_MISSING(doc, "arr.3");
    EXPECT_JSON_MISSING(doc, "arr.x");
    EXPECT_JSON_MISSING(doc, "arr.-1");
    EXPECT_JSON_MISSING(doc, "s.x");
    EXPECT_JSON_MISSING(doc, "n.0");
    EXPECT_JSON_MISSING(doc, "devices.2.id");
    EXPECT_JSON_MISSING(doc, "payment.id.x");
    EXPECT_JSON_MISSING("[]", "0");
    EXPECT_JSON_MISSING("{}", "a");
    CHECK(mp_last_http_status() == 0);
}

/* mp_json_quote: text the program does not control, made safe to put into JSON it writes. */
#define EXPECT_QUOTE(text, want) expect_quote_(__LINE__, (text), (want))
static void expect_quote_(int line, const char *text, const char *want)
{
    char *quoted = SENT;
    char *back = SENT;
    const unsigned char *p;
    MpStatus st = mp_json_quote(text, &quoted);
    check_(st == MP_STATUS_OK && quoted != SENT && quoted != NULL, line, "mp_json_quote -> %s (%s)",
           mp_status_name(st), ERR());
    if (st != MP_STATUS_OK || quoted == SENT || quoted == NULL)
        return;
    if (want != NULL)
        check_(strcmp(quoted, want) == 0, line, "mp_json_quote gave %s, want %s", quoted, want);
    check_(quoted[0] == '"' && strlen(quoted) >= 2 && quoted[strlen(quoted) - 1] == '"', line,
           "mp_json_quote gave %s: not a JSON string", quoted);
    for (p = (const unsigned char *)quoted; *p; p++)
        if (*p < 0x20)
            break;
    check_(*p == '\0', line, "mp_json_quote left control character 0x%02x raw in %s", *p, quoted);
    /* Read back with the library's own parser: the very text that went in. */
    st = mp_json_get(quoted, "", &back);
    check_(st == MP_STATUS_OK && back != SENT && back != NULL && strcmp(back, text) == 0, line,
           "mp_json_get(%s, \"\") -> %s \"%s\", want the original text", quoted, mp_status_name(st),
           (st == MP_STATUS_OK && back != SENT && back) ? back : "-");
    if (st == MP_STATUS_OK && back != SENT)
        mp_string_free(back);
    mp_string_free(quoted);
}

static void test_json_quote(void)
{
    /* A Windows path with backslashes, quotes, a space and accents; control characters; text
     * from several scripts and an emoji (four UTF-8 bytes); what would end a <script>. */
    static const char windows_path[] = "C:\\Program Files\\POS \"Caja 1\"\\\xc3\xb1" "and\xc3\xba\\journal.db";
    static const char controls[] = "tab\there\nnew line\r\x01\x02\x1f\x7f end";
    static const char scripts[] = "\xe6\x97\xa5\xe6\x9c\xac \xd0\xba\xd0\xb0\xd1\x81\xd1\x81\xd0\xb0 "
                                  "\xf0\x9f\x98\x80 \xe2\x80\xa8 </script> \\u0041";
    char options[1024];
    char *quoted = NULL;
    char *o = SENT;

    section("json_quote");
    EXPECT_QUOTE("C:\\POS\\j.db", "\"C:\\\\POS\\\\j.db\""); /* the header's example */
    EXPECT_QUOTE("", "\"\"");
    EXPECT_QUOTE("plain", "\"plain\"");
    EXPECT_QUOTE("a\"b", "\"a\\\"b\"");
    EXPECT_QUOTE("\\\\server\\share\\", "\"\\\\\\\\server\\\\share\\\\\"");
    EXPECT_QUOTE("\n\t", NULL);
    EXPECT_QUOTE(windows_path, NULL);
    EXPECT_QUOTE(controls, NULL);
    EXPECT_QUOTE(scripts, NULL);
    STR_EQ(ERR(), "");
    CHECK(mp_last_http_status() == 0);

    /* What it is for: an option object built with snprintf and the quoted value, read back
     * member for member. */
    EXPECT_OK(mp_json_quote(windows_path, &quoted));
    if (quoted != NULL) {
        snprintf(options, sizeof options, "{\"access_token\":\"x\",\"journal_path\":%s,\"site\":\"MLA\"}", quoted);
        EXPECT_JSON(options, "journal_path", windows_path);
        EXPECT_JSON(options, "site", "MLA");
        mp_string_free(quoted);
    }

    EXPECT_INVALID(mp_json_quote("\xff", &o));
    EXPECT_INVALID(mp_json_quote("ok\xc3", &o));
    CHECK(o == SENT);
}

/* ------------------------------------------------------------------------------------------ */
/* mp_sign_challenge                                                                           */

static void expect_signature(int line, const char *secret, const char *challenge, const char *want)
{
    char *hex = SENT;
    MpStatus st = mp_sign_challenge(secret, challenge, &hex);
    check_(st == MP_STATUS_OK && hex != SENT && hex != NULL && strcmp(hex, want) == 0, line,
           "mp_sign_challenge(\"%s\", \"%s\") -> %s \"%s\", want \"%s\"", secret, challenge,
           mp_status_name(st), (st == MP_STATUS_OK && hex && hex != SENT) ? hex : "-", want);
    if (st == MP_STATUS_OK && hex != SENT) {
        size_t i;
        int lower_hex = strlen(hex) == 64;
        for (i = 0; hex[i]; i++)
            if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
                lower_hex = 0;
        check_(lower_hex, line, "signature \"%s\" is not 64 lower-case hex digits", hex);
        check_(err_(line)[0] == '\0', line, "mp_last_error() not reset after a signature");
        mp_string_free(hex);
    }
}

static void test_sign_challenge(void)
{
    section("sign_challenge");
    /* RFC 4231, test case 2. */
    expect_signature(__LINE__, "Jefe", "what do ya want for nothing?",
                     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* printf %s challenge-7d8c70b6 | openssl dgst -sha256 -hmac 0230abf9-79e9-493b-b288-32d123456789 */
    expect_signature(__LINE__, "0230abf9-79e9-493b-b288-32d123456789", "challenge-7d8c70b6",
                     "1fe1d1402fd5ea027d9131ce119ad8bb24f3e8288fd9ff89e39ad8f9b64a88bd");
    /* UTF-8 bytes are signed as they are: printf %s 'ñandú' | openssl dgst -sha256 -hmac 'clave-ñ' */
    expect_signature(__LINE__, "clave-\xc3\xb1", "\xc3\xb1" "and\xc3\xba",
                     "dc51fa9dc94f91e73551636ba95db7dd61b917816cf7bcb60d7135837073c985");
}

/* ------------------------------------------------------------------------------------------ */
/* mp_verify_signature                                                                         */

/* Signs `message` as the service does (hex HMAC-SHA256 keyed by the secret): the same
 * primitive mp_sign_challenge exposes. */
static char *sign_text(const char *secret, const char *message)
{
    char *hex = NULL;
    if (mp_sign_challenge(secret, message, &hex) != MP_STATUS_OK)
        return NULL;
    return hex;
}

static void expect_rejected_(int line, MpStatus s, const char *mention)
{
    check_(s == MP_STATUS_INVALID_ARGUMENT, line, "verify returned %s, want MP_STATUS_INVALID_ARGUMENT",
           mp_status_name(s));
    check_(strstr(mp_last_error(), mention) != NULL, line, "last error \"%s\" does not mention \"%s\"",
           mp_last_error(), mention);
    check_(strstr(mp_last_error(), "s3cr3t") == NULL, line, "last error shows the secret");
}
#define EXPECT_REJECTED(expr, mention) expect_rejected_(__LINE__, (expr), (mention))

static void test_verify_signature(void)
{
    const char *secret = "s3cr3t-webhook";
    char header[512];
    char *v1 = sign_text(secret, "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;");
    char *other = sign_text("an-old-secret", "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;");
    char *seconds = sign_text(secret, "id:123456;ts:1742505638;");
    const char *rid = "bb56a2f1-6aae-46ac-982e-9dcd3581d08e";
    const int64_t now = 1742505638 + 60;

    section("verify_signature");
    if (v1 == NULL || other == NULL || seconds == NULL) {
        CHECKF(0, "mp_sign_challenge failed: %s", ERR());
        return;
    }
    snprintf(header, sizeof header, "ts=1742505638683,v1=%s", v1);
    EXPECT_OK(mp_verify_signature(secret, header, rid, "123456", 300, now));
    CHECK(ERR()[0] == '\0');
    EXPECT_OK(mp_verify_signature(secret, header, rid, "123456", 0, 0)); /* no time check */
    /* Rotation: either of two v1 values may match. */
    snprintf(header, sizeof header, "ts=1742505638683,v1=%s,v1=%s", other, v1);
    EXPECT_OK(mp_verify_signature(secret, header, rid, "123456", 300, now));
    EXPECT_OK(mp_verify_signature("an-old-secret", header, rid, "123456", 300, now));
    /* Seconds, and a missing request id left out of the signed text. */
    snprintf(header, sizeof header, "ts=1742505638,v1=%s", seconds);
    EXPECT_OK(mp_verify_signature(secret, header, NULL, "123456", 300, now));
    EXPECT_OK(mp_verify_signature(secret, header, "", "123456", 300, now));

    snprintf(header, sizeof header, "ts=1742505638683,v1=%s", v1);
    EXPECT_REJECTED(mp_verify_signature("wrong-secret", header, rid, "123456", 300, now), "does not match");
    EXPECT_REJECTED(mp_verify_signature(secret, header, rid, "123457", 300, now), "does not match");
    EXPECT_REJECTED(mp_verify_signature(secret, header, "another-request", "123456", 300, now), "does not match");
    EXPECT_REJECTED(mp_verify_signature(secret, header, rid, "123456", 300, now + 600), "stale");
    EXPECT_REJECTED(mp_verify_signature(secret, "v1=abc", rid, "123456", 0, 0), "malformed");
    EXPECT_REJECTED(mp_verify_signature(secret, "", rid, "123456", 0, 0), "malformed");
    EXPECT_REJECTED(mp_verify_signature(secret, "ts=1742505638683,v1=xyz", rid, "123456", 0, 0), "malformed");
    EXPECT_INVALID(mp_verify_signature(secret, header, rid, "123456", -5, now));
    EXPECT_INVALID(mp_verify_signature("", header, rid, "123456", 0, 0));
    mp_string_free(v1);
    mp_string_free(other);
    mp_string_free(seconds);
}

/* ------------------------------------------------------------------------------------------ */
/* mp_parse_notification                                                                       */

static void test_parse_notification(void)
{
    /* The guide's example notification. */
    static const char guide_body[] =
        "{\n"
        "   \"id\": \"7d8c70b6-2ac8-4c57-a441-c319088ca3ca\",\n"
        "   \"created_at\": \"2021-08-22 19:24:14\",\n"
        "   \"amount\": 1400,\n"
        "   \"payment\": {\n"
        "      \"id\": 18308029193,\n"
        "      \"type\": \"credit_card\",\n"
        "      \"state\": \"approved\"\n"
        "   } ,\n"
        "   \"additional_info\": {\n"
        "      \"external_reference\": \"3cc6b09c-eb77-4812-899e-4ff003cd21ed\"\n"
        "   },\n"
        "   \"state\": \"FINISHED\"\n"
        "  }";
    static const char canceled_body[] =
        "{\"id\":\"c1\",\"created_at\":\"2021-08-22 19:30:00\",\"amount\":2500,\"additional_info\":{},\"state\":\"CANCELED\"}";
    static const char string_payment_id[] =
        "{\"id\":\"s1\",\"amount\":1500,\"payment\":{\"id\":\"18308029194\",\"type\":\"debit_card\",\"state\":\"rejected\"},\"state\":\"FINISHED\"}";
    static const char unknown_state[] = "{\"id\":\"u1\",\"amount\":1500,\"state\":\"SOMETHING_NEW\"}";
    MpIntentState st = SENT_STATE;
    char *json = NULL;

    section("parse_notification");
    EXPECT_OK(mp_parse_notification(guide_body, &st, &json));
    CHECKF(st == MP_INTENT_STATE_FINISHED, "state %u", st);
    STR_EQ(ERR(), "");
    CHECK(mp_last_http_status() == 0);
    EXPECT_JSON(json, "intent_id", "7d8c70b6-2ac8-4c57-a441-c319088ca3ca");
    EXPECT_JSON(json, "state", "FINISHED");
    EXPECT_JSON(json, "amount", "1400");
    EXPECT_JSON(json, "payment_id", "18308029193");
    /* payment_id is a string, whatever the body had: 64-bit ids lose digits as JS numbers. */
    CHECKF(json && contains_squeezed(json, "\"payment_id\":\"18308029193\""), "payment_id not a string: %s",
           json ? json : "(null)");
    EXPECT_JSON(json, "payment_type", "credit_card");
    EXPECT_JSON(json, "payment_state", "approved");
    EXPECT_JSON(json, "external_reference", "3cc6b09c-eb77-4812-899e-4ff003cd21ed");
    EXPECT_JSON(json, "created_at", "2021-08-22 19:24:14");
    mp_string_free(json);

    /* Both out-params are optional. */
    EXPECT_OK(mp_parse_notification(guide_body, NULL, NULL));
    st = SENT_STATE;
    EXPECT_OK(mp_parse_notification(guide_body, &st, NULL));
    CHECK(st == MP_INTENT_STATE_FINISHED);
    json = NULL;
    EXPECT_OK(mp_parse_notification(guide_body, NULL, &json));
    CHECK(json != NULL);
    mp_string_free(json);

    /* Canceled and failed intents carry no payment: null fields, still every key. */
    json = NULL;
    EXPECT_OK(mp_parse_notification(canceled_body, &st, &json));
    CHECK(st == MP_INTENT_STATE_CANCELED);
    EXPECT_JSON(json, "intent_id", "c1");
    EXPECT_JSON(json, "payment_id", "null");
    EXPECT_JSON(json, "payment_type", "null");
    EXPECT_JSON(json, "payment_state", "null");
    EXPECT_JSON(json, "external_reference", "null");
    EXPECT_JSON(json, "amount", "2500");
    mp_string_free(json);

    json = NULL;
    EXPECT_OK(mp_parse_notification(string_payment_id, &st, &json));
    EXPECT_JSON(json, "payment_id", "18308029194");
    EXPECT_JSON(json, "payment_state", "rejected");
    EXPECT_JSON(json, "created_at", "null");
    mp_string_free(json);

    /* Not a notification: no id or no state. */
    st = SENT_STATE;
    json = SENT;
    EXPECT_INVALID(mp_parse_notification("{}", &st, &json));
    EXPECT_INVALID(mp_parse_notification("{\"id\":\"x1\",\"amount\":1500}", &st, &json));
    EXPECT_INVALID(mp_parse_notification("{\"state\":\"FINISHED\",\"amount\":1500}", &st, &json));
    CHECK(st == SENT_STATE);
    CHECK(json == SENT);

    /* A state this version does not know is UNKNOWN (never final), not an error. */
    json = NULL;
    st = SENT_STATE;
    EXPECT_OK(mp_parse_notification(unknown_state, &st, &json));
    CHECKF(st == MP_INTENT_STATE_UNKNOWN, "unknown state parsed as %u", st);
    mp_string_free(json);

    /* Today's format: caller and client ids; no payment on ERROR; an empty payment state on
     * CONFIRMATION_REQUIRED. */
    json = NULL;
    EXPECT_OK(mp_parse_notification("{\"id\":\"t1\",\"state\":\"ERROR\",\"amount\":1300,"
                                    "\"caller_id\":1234567890,\"client_id\":5555}",
                                    &st, &json));
    CHECK(st == MP_INTENT_STATE_ERROR);
    EXPECT_JSON(json, "kind", "payment_intent");
    EXPECT_JSON(json, "caller_id", "1234567890");
    EXPECT_JSON(json, "client_id", "5555");
    EXPECT_JSON(json, "payment_id", "null");
    mp_string_free(json);
    json = NULL;
    EXPECT_OK(mp_parse_notification("{\"id\":\"t2\",\"state\":\"CONFIRMATION_REQUIRED\",\"amount\":1600,"
                                    "\"payment\":{\"id\":20000000009,\"type\":\"credit_card\",\"state\":\"\"}}",
                                    &st, &json));
    CHECK(st == MP_INTENT_STATE_CONFIRMATION_REQUIRED);
    EXPECT_JSON(json, "payment_id", "20000000009");
    EXPECT_JSON(json, "payment_state", "null");
    EXPECT_JSON(json, "additional_info", "{}");
    mp_string_free(json);

    /* The notification's additional_info comes back whole, to match it to its ticket. */
    json = NULL;
    EXPECT_OK(mp_parse_notification("{\"id\":\"t3\",\"state\":\"FINISHED\",\"amount\":1500,"
                                    "\"additional_info\":{\"external_reference\":\"T-7\","
                                    "\"ticket_number\":\"F-0042\",\"print_on_terminal\":true}}",
                                    &st, &json));
    EXPECT_JSON(json, "additional_info.ticket_number", "F-0042");
    EXPECT_JSON(json, "additional_info.print_on_terminal", "true");
    EXPECT_JSON(json, "external_reference", "T-7");
    mp_string_free(json);

    /* A refund notification: its id is the refund's, payment_id the refunded payment. */
    json = NULL;
    EXPECT_OK(mp_parse_notification("{\"id\":\"r1\",\"state\":\"FINISHED\",\"payment_id\":20000000001,"
                                    "\"device_id\":\"PAX_A910__SMARTPOS1495357742\"}",
                                    &st, &json));
    CHECK(st == MP_INTENT_STATE_FINISHED);
    EXPECT_JSON(json, "kind", "refund");
    EXPECT_JSON(json, "intent_id", "r1");
    EXPECT_JSON(json, "payment_id", "20000000001");
    mp_string_free(json);
}

/* ------------------------------------------------------------------------------------------ */
/* Fake servers: transport errors, statuses, retries, what goes on the wire                   */

static void test_transport_failures(void)
{
    char base[128];
    char extra[256];
    char *o = SENT;
    MpClient *c;
    int port = 0;
    int fd;
    long long started;

    section("network, timeout and TLS failures");
    /* Nothing listens on a port we just released. */
    fd = listen_loopback(&port);
    close(fd);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":3000,\"connect_timeout_ms\":1000");
    if (c) {
        EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_NETWORK);
        CHECK(o == SENT);
        CHECK(ERR()[0] != '\0');
        CHECK(mp_last_http_status() == 0);
        mp_free(c);
    }

    /* A server that accepts the connection but never answers. */
    fd = listen_loopback(&port);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":400,\"connect_timeout_ms\":400");
    if (c) {
        started = now_ms();
        EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_TIMEOUT);
        CHECKF(now_ms() - started < 5000, "timeout_ms 400 took %lld ms", now_ms() - started);
        CHECK(o == SENT);
        CHECK(mp_last_http_status() == 0);
        mp_free(c);
    }
    close(fd);

    /* https:// to a server that speaks plain HTTP. */
    {
        Fake f;
        if (fake_start(&f, FAKE_CANNED)) {
            fake_set(&f, 400, "not tls", NULL);
            snprintf(base, sizeof base, "https://127.0.0.1:%d", f.port);
            snprintf(extra, sizeof extra, ",\"max_retries\":0,\"timeout_ms\":3000");
            c = open_client(base, extra);
            if (c) {
                EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_TLS);
                CHECK(o == SENT);
                CHECK(ERR()[0] != '\0');
                mp_free(c);
            }
            fake_stop(&f);
        }
    }
}

static void test_http_statuses(void)
{
    Fake f;
    char base[128];
    char req[8192];
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    MpClient *c;
    LogRecord logs;

    section("HTTP statuses");
    if (!fake_start(&f, FAKE_CANNED))
        return;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":3000");
    if (c == NULL) {
        fake_stop(&f);
        return;
    }
    memset(&logs, 0, sizeof logs);
    pthread_mutex_init(&logs.mu, NULL);
    mp_set_log_callback(c, record_log, &logs, MP_LOG_LEVEL_DEBUG);

    /* A server that echoes the token in its error must not leak it into errors or logs. */
    fake_set(&f, 401, "", NULL);
    pthread_mutex_lock(&f.mu);
    f.echo_auth = 1;
    pthread_mutex_unlock(&f.mu);
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_UNAUTHORIZED);
    CHECK(mp_last_http_status() == 401);
    CHECK(o == SENT);
    CHECK(ERR()[0] != '\0');
    CHECKF(strstr(ERR(), g_token) == NULL, "mp_last_error() leaks the token: %s", ERR());
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/devices");

    fake_set(&f, 403, "{\"message\":\"Forbidden Error checking device owner\",\"error\":\"104\",\"status\":403,\"cause\":[]}", NULL);
    EXPECT_STATUS(mp_cancel_intent(c, "DEV-1", "intent-1", &o), MP_STATUS_UNAUTHORIZED);
    CHECK(mp_last_http_status() == 403);
    CHECKF(strstr(ERR(), "Forbidden Error checking device owner") != NULL,
           "mp_last_error() lacks the server's message: %s", ERR());
    CHECK(o == SENT);

    fake_set(&f, 404, "{\"message\":\"payment intent not found\",\"error\":\"not_found\",\"status\":404}", NULL);
    EXPECT_STATUS(mp_intent_status(c, "intent-1", &st, &o), MP_STATUS_NOT_FOUND);
    CHECK(mp_last_http_status() == 404);
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    fake_set(&f, 400, "{\"message\":\"amount is invalid\",\"error\":\"bad_request\",\"status\":400,\"cause\":[]}", NULL);
    EXPECT_STATUS(mp_create_intent_simple(c, "DEV-1", 1500, NULL, 1, &o), MP_STATUS_API);
    CHECK(mp_last_http_status() == 400);
    CHECKF(strstr(ERR(), "amount is invalid") != NULL, "mp_last_error() lacks the server's message: %s", ERR());
    CHECK(o == SENT);
    CHECK(fake_requests(&f) == 1);

    fake_set(&f, 400, "{\"errorKey\":\"device_not_found\"}", NULL);
    EXPECT_STATUS(mp_set_operating_mode(c, "DEV-1", "PDV", &o), MP_STATUS_API);
    CHECK(ERR()[0] != '\0');

    fake_set(&f, 422, "plain text problem", NULL);
    EXPECT_STATUS(mp_get_integrator(c, &o), MP_STATUS_API);
    CHECK(mp_last_http_status() == 422);
    CHECK(ERR()[0] != '\0');

    fake_set(&f, 409, "{\"message\":\"device has a queued payment intent\",\"status\":409}", NULL);
    EXPECT_STATUS(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", NULL, &o), MP_STATUS_DEVICE_BUSY);
    CHECK(mp_last_http_status() == 409);
    EXPECT_STATUS(mp_cancel_intent(c, "DEV-1", "intent-1", &o), MP_STATUS_INTENT_LOCKED);
    CHECK(mp_last_http_status() == 409);
    CHECK(o == SENT);

    fake_set(&f, 429, "{\"message\":\"too many requests\"}", NULL);
    EXPECT_STATUS(mp_intent_status(c, "intent-1", &st, &o), MP_STATUS_RATE_LIMITED);
    CHECK(mp_last_http_status() == 429);

    fake_set(&f, 500, "{\"message\":\"internal error\"}", NULL);
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_SERVER);
    CHECK(mp_last_http_status() == 500);
    CHECKF(fake_requests(&f) == 1, "max_retries 0 made %d requests", fake_requests(&f));

    fake_set(&f, 502, "Bad Gateway", NULL);
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_SERVER);
    CHECK(mp_last_http_status() == 502);
    CHECK(ERR()[0] != '\0');

    /* Success statuses with bodies that are not what the API documents. */
    fake_set(&f, 200, "this is not json", NULL);
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_BAD_RESPONSE);
    CHECK(mp_last_http_status() == 200);
    CHECK(o == SENT);
    /* A create answered with success but no id: the intent probably exists, unreadably. */
    fake_set(&f, 201, "{\"unexpected\":true}", NULL);
    EXPECT_STATUS(mp_create_intent_simple(c, "DEV-1", 1500, NULL, 1, &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(mp_last_http_status() == 201);
    CHECK(o == SENT);
    fake_set(&f, 200, "<html>maintenance</html>", NULL);
    EXPECT_STATUS(mp_intent_status(c, "intent-1", &st, &o), MP_STATUS_BAD_RESPONSE);
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);

    pthread_mutex_lock(&logs.mu);
    CHECKF(logs.token_hits == 0, "%d log lines contain the access token", logs.token_hits);
    CHECK(logs.bad_level == 0);
    CHECK(logs.empty == 0);
    pthread_mutex_unlock(&logs.mu);

    mp_set_log_callback(c, NULL, NULL, 0);
    mp_free(c);
    fake_stop(&f);
    pthread_mutex_destroy(&logs.mu);
}

static void test_retries(void)
{
    Fake f;
    char base[128];
    char key_first[128];
    char key_last[128];
    char *o = SENT;
    MpClient *c;

    section("retries");
    if (!fake_start(&f, FAKE_CANNED))
        return;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
    c = open_client(base, ",\"max_retries\":2,\"timeout_ms\":20000");
    if (c == NULL) {
        fake_stop(&f);
        return;
    }
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_SERVER);
    CHECKF(fake_requests(&f) == 3, "max_retries 2 on 503 made %d requests, want 3", fake_requests(&f));
    CHECK(mp_last_http_status() == 503);

    fake_set(&f, 429, "{\"message\":\"slow down\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_RATE_LIMITED);
    CHECKF(fake_requests(&f) == 3, "max_retries 2 on 429 made %d requests, want 3", fake_requests(&f));

    /* A client error is final: retrying cannot help. */
    fake_set(&f, 400, "{\"message\":\"bad\"}", NULL);
    EXPECT_STATUS(mp_list_devices(c, NULL, &o), MP_STATUS_API);
    CHECKF(fake_requests(&f) == 1, "a 400 was retried: %d requests", fake_requests(&f));

    /* If a create is retried, every attempt carries the same idempotency key, so the service
     * can never create two intents for one sale. A 5xx may come after the service acted: the
     * outcome is unknown, and the key to resolve it is mp_last_idempotency_key(). */
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", NULL, &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    CHECK(mp_last_http_status() == 503);
    pthread_mutex_lock(&f.mu);
    header_value(f.first, "x-idempotency-key", key_first, sizeof key_first);
    header_value(f.last, "x-idempotency-key", key_last, sizeof key_last);
    CHECKF(key_first[0] != '\0' && strcmp(key_first, key_last) == 0,
           "idempotency keys across %d attempts: \"%s\" then \"%s\"", f.requests, key_first, key_last);
    pthread_mutex_unlock(&f.mu);
    STR_EQ(mp_last_idempotency_key(), key_first);
    CHECKF(strstr(ERR(), key_first) != NULL, "the message names the key: %s", ERR());

    /* mp_create_intent_simple has no key parameter: its key is there all the same, and the
     * same create sent through mp_create_intent with that key is the same request. */
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_create_intent_simple(c, "DEV-1", 1500, "r", 1, &o), MP_STATUS_OUTCOME_UNKNOWN);
    pthread_mutex_lock(&f.mu);
    header_value(f.first, "x-idempotency-key", key_first, sizeof key_first);
    header_value(f.last, "x-idempotency-key", key_last, sizeof key_last);
    CHECKF(key_first[0] != '\0' && strcmp(key_first, key_last) == 0,
           "idempotency keys across %d attempts: \"%s\" then \"%s\"", f.requests, key_first, key_last);
    {
        char first_body[1024];
        char resent[1024];
        char key[128];
        snprintf(first_body, sizeof first_body, "%s", request_body(f.first));
        pthread_mutex_unlock(&f.mu);
        STR_EQ(mp_last_idempotency_key(), key_first);
        snprintf(key, sizeof key, "%s", mp_last_idempotency_key());
        fake_set(&f, 201, "{\"id\":\"I-7\",\"device_id\":\"DEV-1\",\"amount\":1500}", NULL);
        o = NULL;
        EXPECT_OK(mp_create_intent(c, "DEV-1",
                                   "{\"amount\":1500,\"additional_info\":{\"external_reference\":\"r\","
                                   "\"print_on_terminal\":true}}",
                                   key, &o));
        STR_EQ(mp_last_idempotency_key(), key);
        EXPECT_JSON(o, "id", "I-7");
        mp_string_free(o);
        o = SENT;
        fake_last(&f, resent, sizeof resent);
        header_value(resent, "x-idempotency-key", key_last, sizeof key_last);
        STR_EQ(key_last, key);
        STR_EQ(request_body(resent), first_body);
    }
    /* A call that sends no key clears it. */
    fake_set(&f, 200, "{\"devices\":[]}", NULL);
    o = NULL;
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    mp_string_free(o);
    o = SENT;
    STR_EQ(mp_last_idempotency_key(), "");

    mp_free(c);
    fake_stop(&f);
}

/* The keyed creates after a lost answer, on the wire: every attempt and the resend carry the
 * caller's key, and the resend is the same request. */
static void test_keyed_retries(void)
{
    Fake f;
    char base[128];
    char key_first[160];
    char key_last[160];
    char first_body[1024];
    char req[8192];
    char long_key[130];
    char *o = SENT;
    MpClient *c;

    section("keyed creates after a lost answer (fake server)");
    if (!fake_start(&f, FAKE_CANNED))
        return;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
    c = open_client(base, ",\"max_retries\":2,\"timeout_ms\":20000");
    if (c == NULL) {
        fake_stop(&f);
        return;
    }

    /* A sale: three attempts with the caller's key, the outcome unknown, nothing written. */
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_create_intent_keyed(c, "DEV-1", 1500, "T-1001", 1, "T-1001-1", &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    CHECKF(fake_requests(&f) == 3, "max_retries 2 made %d requests, want 3", fake_requests(&f));
    pthread_mutex_lock(&f.mu);
    header_value(f.first, "x-idempotency-key", key_first, sizeof key_first);
    header_value(f.last, "x-idempotency-key", key_last, sizeof key_last);
    snprintf(first_body, sizeof first_body, "%s", request_body(f.first));
    pthread_mutex_unlock(&f.mu);
    STR_EQ(key_first, "T-1001-1");
    STR_EQ(key_last, "T-1001-1");
    STR_EQ(mp_last_idempotency_key(), "T-1001-1");
    CHECKF(strstr(ERR(), "T-1001-1") != NULL, "the message names the key: %s", ERR());
    CHECKF(contains_squeezed(first_body, "\"amount\":1500") && contains_squeezed(first_body, "\"T-1001\""),
           "the body is %s", first_body);

    /* The resend is the same call: the same request, and the intent the service has. */
    fake_set(&f, 201, "{\"id\":\"I-9\",\"device_id\":\"DEV-1\",\"amount\":1500,\"state\":\"OPEN\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_intent_keyed(c, "DEV-1", 1500, "T-1001", 1, "T-1001-1", &o));
    STR_EQ(o, "I-9");
    mp_string_free(o);
    o = SENT;
    STR_EQ(mp_last_idempotency_key(), "T-1001-1");
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/devices/DEV-1/payment-intents");
    EXPECT_HEADER(req, "x-idempotency-key", "T-1001-1");
    STR_EQ(request_body(req), first_body);

    /* mp_create_intent_simple's own key, given back to mp_create_intent_keyed: the same request
     * again (what the header promises after OUTCOME_UNKNOWN). */
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_create_intent_simple(c, "DEV-1", 2500, "T-1002", 0, &o), MP_STATUS_OUTCOME_UNKNOWN);
    pthread_mutex_lock(&f.mu);
    header_value(f.first, "x-idempotency-key", key_first, sizeof key_first);
    snprintf(first_body, sizeof first_body, "%s", request_body(f.first));
    pthread_mutex_unlock(&f.mu);
    STR_EQ(mp_last_idempotency_key(), key_first);
    snprintf(key_last, sizeof key_last, "%s", mp_last_idempotency_key());
    fake_set(&f, 201, "{\"id\":\"I-10\",\"device_id\":\"DEV-1\",\"amount\":2500,\"state\":\"OPEN\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_intent_keyed(c, "DEV-1", 2500, "T-1002", 0, key_last, &o));
    STR_EQ(o, "I-10");
    mp_string_free(o);
    o = SENT;
    fake_last(&f, req, sizeof req);
    EXPECT_HEADER(req, "x-idempotency-key", key_first);
    STR_EQ(request_body(req), first_body);

    /* A NULL key: a new UUID v4 for the call, as mp_create_intent_simple makes. */
    fake_set(&f, 201, "{\"id\":\"I-11\",\"device_id\":\"DEV-1\",\"amount\":1500,\"state\":\"OPEN\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_intent_keyed(c, "DEV-1", 1500, NULL, 1, NULL, &o));
    mp_string_free(o);
    o = SENT;
    {
        const char *k = mp_last_idempotency_key();
        CHECKF(strlen(k) == 36 && k[8] == '-' && k[13] == '-' && k[14] == '4' && k[18] == '-' && k[23] == '-',
               "the key made for a NULL key is \"%s\", want a UUID v4", k);
    }

    /* A refund: the same, with the caller's key. */
    fake_set(&f, 503, "{\"message\":\"unavailable\"}", "Retry-After: 0\r\n");
    EXPECT_STATUS(mp_create_refund_keyed(c, "DEV-1", "20000000001", 0, "R-1001-1", &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    CHECKF(fake_requests(&f) == 3, "a keyed refund made %d requests, want 3", fake_requests(&f));
    pthread_mutex_lock(&f.mu);
    header_value(f.first, "x-idempotency-key", key_first, sizeof key_first);
    header_value(f.last, "x-idempotency-key", key_last, sizeof key_last);
    snprintf(first_body, sizeof first_body, "%s", request_body(f.first));
    pthread_mutex_unlock(&f.mu);
    STR_EQ(key_first, "R-1001-1");
    STR_EQ(key_last, "R-1001-1");
    STR_EQ(mp_last_idempotency_key(), "R-1001-1");
    CHECKF(contains_squeezed(first_body, "\"payment_id\":") && strstr(first_body, "20000000001") != NULL,
           "the refund body is %s", first_body);
    fake_set(&f, 201,
             "{\"id\":\"R-9\",\"device_id\":\"DEV-1\",\"payment_id\":\"20000000001\",\"state\":\"OPEN\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_refund_keyed(c, "DEV-1", "20000000001", 0, "R-1001-1", &o));
    STR_EQ(o, "R-9");
    mp_string_free(o);
    o = SENT;
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/devices/DEV-1/refund");
    EXPECT_HEADER(req, "x-idempotency-key", "R-1001-1");
    STR_EQ(request_body(req), first_body);

    /* Refused before anything is sent. */
    fake_set(&f, 201, "{\"id\":\"R-10\"}", NULL);
    EXPECT_STATUS(mp_create_refund_keyed(c, "DEV-1", "20000000001", 500, "R-1001-2", &o), MP_STATUS_UNSUPPORTED);
    CHECK(ERR()[0] != '\0');
    CHECK(mp_last_http_status() == 0);
    EXPECT_INVALID(mp_create_refund_keyed(c, "DEV-1", "20000000001", -1, "R-1001-2", &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, "DEV-1", "20000000001", INT64_MIN, "R-1001-2", &o));
    EXPECT_INVALID(mp_create_intent_keyed(c, "DEV-1", 0, NULL, 1, "T-1003-1", &o));
    memset(long_key, 'k', 129);
    long_key[129] = '\0';
    EXPECT_INVALID(mp_create_intent_keyed(c, "DEV-1", 1500, NULL, 1, long_key, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, "DEV-1", "20000000001", 0, long_key, &o));
    CHECK(o == SENT);
    CHECKF(fake_requests(&f) == 0, "refused creates sent %d requests", fake_requests(&f));
    /* 128 characters is a key. */
    long_key[128] = '\0';
    fake_set(&f, 201, "{\"id\":\"I-12\",\"device_id\":\"DEV-1\",\"amount\":1500,\"state\":\"OPEN\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_intent_keyed(c, "DEV-1", 1500, NULL, 1, long_key, &o));
    mp_string_free(o);
    o = SENT;
    STR_EQ(mp_last_idempotency_key(), long_key);

    mp_free(c);
    fake_stop(&f);
}

static void test_wire_format(void)
{
    Fake f;
    char base[128];
    char req[8192];
    char auth[600];
    char first_key[128] = "";
    char key[128];
    char *o = NULL;
    MpIntentState st = SENT_STATE;
    MpClient *c;

    section("requests on the wire");
    if (!fake_start(&f, FAKE_CANNED))
        return;
    snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":3000,\"test_scope\":\"sandbox\",\"user_agent\":\"abi-test/1.0\"");
    if (c == NULL) {
        fake_stop(&f);
        return;
    }
    snprintf(auth, sizeof auth, "Bearer %s", g_token);

    fake_set(&f, 201, "{\"id\":\"fake-intent-1\",\"device_id\":\"DEV-1\",\"amount\":1500,\"additional_info\":{}}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_intent(c, "DEV-1", "{\"amount\":1500,\"additional_info\":{\"external_reference\":\"r-1\"}}",
                               "idem-key-123", &o));
    CHECK(mp_last_http_status() == 201);
    EXPECT_JSON(o, "id", "fake-intent-1");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/devices/DEV-1/payment-intents HTTP/1.1");
    EXPECT_HEADER(req, "authorization", auth);
    EXPECT_HEADER(req, "x-idempotency-key", "idem-key-123");
    EXPECT_HEADER(req, "x-test-scope", "sandbox");
    EXPECT_HEADER(req, "user-agent", "abi-test/1.0");
    CHECKF(contains_squeezed(request_body(req), "\"amount\":1500") &&
               contains_squeezed(request_body(req), "\"external_reference\":\"r-1\""),
           "create body: %s", request_body(req));

    /* Without a key, each call gets a fresh one. */
    o = NULL;
    EXPECT_OK(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", NULL, &o));
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    header_value(req, "x-idempotency-key", first_key, sizeof first_key);
    CHECKF(strlen(first_key) >= 16, "generated idempotency key \"%s\"", first_key);
    o = NULL;
    EXPECT_OK(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", NULL, &o));
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    header_value(req, "x-idempotency-key", key, sizeof key);
    CHECKF(key[0] != '\0' && strcmp(key, first_key) != 0, "idempotency keys \"%s\" and \"%s\"", first_key, key);

    o = NULL;
    EXPECT_OK(mp_create_intent_simple(c, "DEV-1", 2500, "ref-simple", 1, &o));
    STR_EQ(o, "fake-intent-1");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/devices/DEV-1/payment-intents HTTP/1.1");
    CHECKF(contains_squeezed(request_body(req), "\"amount\":2500") &&
               contains_squeezed(request_body(req), "\"external_reference\":\"ref-simple\"") &&
               contains_squeezed(request_body(req), "\"print_on_terminal\":true"),
           "simple create body: %s", request_body(req));
    header_value(req, "x-idempotency-key", key, sizeof key);
    CHECKF(key[0] != '\0', "simple create sent no idempotency key");

    fake_set(&f, 200, "{\"devices\":[{\"id\":\"OLD-1\",\"operating_mode\":\"PDV\"}]}", NULL);
    o = NULL;
    EXPECT_OK(mp_list_devices(c, "{\"store_id\":\"S1\",\"pos_id\":7,\"limit\":5,\"offset\":10}", &o));
    EXPECT_JSON(o, "devices.0.id", "OLD-1"); /* older answers: no paging, no store fields */
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/devices?");
    {
        size_t line_len = strcspn(req, "\r\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)line_len, req);
        CHECKF(strstr(line, "store_id=S1") && strstr(line, "pos_id=7") && strstr(line, "limit=5") &&
                   strstr(line, "offset=10"),
               "device filters not in the query: %s", line);
    }

    fake_set(&f, 200, "{\"operating_mode\":\"STANDALONE\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_set_operating_mode(c, "DEV-1", "STANDALONE", &o));
    EXPECT_JSON(o, "operating_mode", "STANDALONE");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "PATCH /point/integration-api/devices/DEV-1 HTTP/1.1");
    CHECKF(contains_squeezed(request_body(req), "\"operating_mode\":\"STANDALONE\""), "mode body: %s",
           request_body(req));

    fake_set(&f, 201, "{\"id\":\"refund-1\",\"payment_id\":\"20000000001\",\"device_id\":\"DEV-1\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_refund(c, "DEV-1", "20000000001", "{\"print_on_terminal\":[\"BUYER_TICKET\"]}",
                               "refund-key-1", &o));
    EXPECT_JSON(o, "id", "refund-1");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/devices/DEV-1/refund HTTP/1.1");
    EXPECT_HEADER(req, "x-idempotency-key", "refund-key-1");
    CHECKF(contains_squeezed(request_body(req), "\"payment_id\":\"20000000001\"") &&
               contains_squeezed(request_body(req), "\"additional_info\":{\"print_on_terminal\":[\"BUYER_TICKET\"]}"),
           "refund body: %s", request_body(req));
    /* Without refund_json: no additional_info; without a key: a generated one. */
    o = NULL;
    EXPECT_OK(mp_create_refund(c, "DEV-1", "20000000001", NULL, NULL, &o));
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    CHECKF(!contains_squeezed(request_body(req), "additional_info"), "refund body: %s", request_body(req));
    header_value(req, "x-idempotency-key", key, sizeof key);
    CHECKF(strlen(key) >= 16, "refund sent idempotency key \"%s\"", key);
    /* A created refund without an id could never be followed: it may exist; its key says
     * how to find it. */
    fake_set(&f, 201, "{\"payment_id\":\"20000000001\"}", NULL);
    o = SENT;
    EXPECT_STATUS(mp_create_refund(c, "DEV-1", "20000000001", NULL, "refund-key-1", &o),
                  MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    STR_EQ(mp_last_idempotency_key(), "refund-key-1");

    fake_set(&f, 200, "{\"id\":\"refund-1\",\"state\":\"ON_TERMINAL\",\"payment_id\":\"20000000001\"}", NULL);
    o = NULL;
    st = SENT_STATE;
    EXPECT_OK(mp_refund_status(c, "refund-1", &st, &o));
    CHECK(st == MP_INTENT_STATE_ON_TERMINAL);
    EXPECT_JSON(o, "payment_id", "20000000001");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/refund/refund-1 HTTP/1.1");

    fake_set(&f, 200, "{\"id\":\"refund-1\",\"state\":\"FINISHED\",\"payment_id\":\"20000000001\"}", NULL);
    o = NULL;
    st = SENT_STATE;
    EXPECT_OK(mp_wait_refund(c, "refund-1", 2000, NULL, NULL, &st, &o));
    CHECK(st == MP_INTENT_STATE_FINISHED);
    EXPECT_JSON(o, "state", "FINISHED");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/refund/refund-1 HTTP/1.1");

    fake_set(&f, 200, "{\"id\":\"refund-1\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_cancel_refund(c, "DEV-1", "refund-1", &o));
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "DELETE /point/integration-api/devices/DEV-1/refund/refund-1 HTTP/1.1");
    fake_set(&f, 409, "{\"message\":\"refund is blocked by terminal\",\"status\":409}", NULL);
    EXPECT_STATUS(mp_cancel_refund(c, "DEV-1", "refund-1", NULL), MP_STATUS_INTENT_LOCKED);
    fake_set(&f, 409, "{\"message\":\"device has a queued payment intent\",\"status\":409}", NULL);
    EXPECT_STATUS(mp_create_refund(c, "DEV-1", "20000000001", NULL, NULL, &o), MP_STATUS_DEVICE_BUSY);

    /* The Payments API answers decimals: they reach the caller digit for digit. */
    fake_set(&f, 200, "{\"id\":20000000001,\"status\":\"approved\",\"transaction_amount\":15.10}", NULL);
    o = NULL;
    EXPECT_OK(mp_get_payment(c, "20000000001", &o));
    EXPECT_JSON(o, "transaction_amount", "15.10");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /v1/payments/20000000001 HTTP/1.1");
    EXPECT_HEADER(req, "authorization", auth);

    fake_set(&f, 201, "{\"id\":123,\"nickname\":\"TESTUSER1\",\"password\":\"qatest1\",\"site_status\":\"active\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_create_test_user(c, "MLB", &o));
    EXPECT_JSON(o, "nickname", "TESTUSER1");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /users/test_user HTTP/1.1");
    CHECKF(contains_squeezed(request_body(req), "\"site_id\":\"MLB\""), "test user body: %s", request_body(req));

    fake_set(&f, 200, "{\"id\":\"fake-intent-1\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_cancel_intent(c, "DEV-1", "fake-intent-1", &o));
    EXPECT_JSON(o, "id", "fake-intent-1");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "DELETE /point/integration-api/devices/DEV-1/payment-intents/fake-intent-1 HTTP/1.1");
    EXPECT_OK(mp_cancel_intent(c, "DEV-1", "fake-intent-1", NULL));

    fake_set(&f, 200, "{\"id\":\"fake-intent-1\",\"state\":\"SOMETHING_NEW\",\"amount\":1500,\"device_id\":\"DEV-1\"}", NULL);
    o = NULL;
    st = SENT_STATE;
    EXPECT_OK(mp_intent_status(c, "fake-intent-1", &st, &o));
    CHECKF(st == MP_INTENT_STATE_UNKNOWN, "unknown state read as %u", st);
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/payment-intents/fake-intent-1 HTTP/1.1");

    fake_set(&f, 200, "{\"status\":\"FINISHED\",\"created_on\":\"2024-01-01T10:00:00.000Z\"}", NULL);
    o = NULL;
    EXPECT_OK(mp_intent_last_event(c, "fake-intent-1", &o));
    EXPECT_JSON(o, "status", "FINISHED");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/payment-intents/fake-intent-1/events HTTP/1.1");

    fake_set(&f, 200, "{\"events\":[]}", NULL);
    o = NULL;
    EXPECT_OK(mp_list_intent_events(c, "2024-01-01", "2024-01-15", &o));
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/payment-intents/events?");
    {
        size_t line_len = strcspn(req, "\r\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)line_len, req);
        CHECKF(strstr(line, "startDate=2024-01-01") && strstr(line, "endDate=2024-01-15"), "events query: %s", line);
    }

    fake_set(&f, 200, "{\"token\":\"t-1\",\"webhook\":\"\",\"is_valid_webhook\":false}", NULL);
    o = NULL;
    EXPECT_OK(mp_get_integrator(c, &o));
    EXPECT_JSON(o, "token", "t-1");
    EXPECT_JSON(o, "is_valid_webhook", "false");
    mp_string_free(o);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "GET /point/integration-api/integrators HTTP/1.1");

    fake_set(&f, 204, "", NULL);
    EXPECT_OK(mp_set_webhook(c, "https://example.com/hook"));
    CHECK(mp_last_http_status() == 204);
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "PATCH /point/integration-api/integrators HTTP/1.1");
    CHECKF(contains_squeezed(request_body(req), "\"webhook\":\"https://example.com/hook\""), "webhook body: %s",
           request_body(req));

    fake_set(&f, 204, "", NULL);
    EXPECT_OK(mp_check_webhook(c));
    fake_last(&f, req, sizeof req);
    EXPECT_REQUEST_LINE(req, "POST /point/integration-api/integrators/check HTTP/1.1");
    EXPECT_HEADER(req, "authorization", auth);

    /* Amounts and keys the service would refuse are refused here, and nothing is sent. */
    fake_set(&f, 201, "{\"id\":\"fake-intent-2\",\"device_id\":\"DEV-1\",\"amount\":400000000}", NULL);
    o = SENT;
    EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":15.5}", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":\"1500\"}", NULL, &o));
    EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"additional_info\":{}}", NULL, &o));
    EXPECT_INVALID(mp_create_intent_simple(c, "DEV-1", 400000001, NULL, 1, &o));
    EXPECT_INVALID(mp_create_intent_simple(c, "DEV-1", 0, NULL, 1, &o));
    EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", "has space", &o));
    EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", "", &o));
    {
        char long_key[130];
        memset(long_key, 'k', 129);
        long_key[129] = '\0';
        EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", long_key, &o));
        CHECK(o == SENT);
        CHECKF(fake_requests(&f) == 0, "%d requests sent for refused creates", fake_requests(&f));
        long_key[128] = '\0';
        o = NULL;
        EXPECT_OK(mp_create_intent(c, "DEV-1", "{\"amount\":1500}", long_key, &o));
        mp_string_free(o);
        fake_last(&f, req, sizeof req);
        EXPECT_HEADER(req, "x-idempotency-key", long_key);
    }
    o = NULL;
    EXPECT_OK(mp_create_intent_simple(c, "DEV-1", 400000000, NULL, 0, &o));
    mp_string_free(o);
    mp_free(c);

    /* With a site, its limits apply: MLA starts at 500, MLB at 100. */
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":3000,\"site\":\"MLA\"");
    if (c) {
        fake_set(&f, 201, "{\"id\":\"fake-intent-3\",\"device_id\":\"DEV-1\",\"amount\":100}", NULL);
        o = SENT;
        EXPECT_INVALID(mp_create_intent_simple(c, "DEV-1", 100, NULL, 1, &o));
        EXPECT_INVALID(mp_create_intent(c, "DEV-1", "{\"amount\":499}", NULL, &o));
        CHECK(o == SENT);
        CHECKF(fake_requests(&f) == 0, "%d requests sent for amounts below MLA's minimum", fake_requests(&f));
        o = NULL;
        EXPECT_OK(mp_create_intent_simple(c, "DEV-1", 500, NULL, 1, &o));
        mp_string_free(o);
        mp_free(c);
    }
    c = open_client(base, ",\"max_retries\":0,\"timeout_ms\":3000,\"site\":\"MLB\"");
    if (c) {
        o = NULL;
        EXPECT_OK(mp_create_intent_simple(c, "DEV-1", 100, NULL, 1, &o));
        mp_string_free(o);
        mp_free(c);
    }
    fake_stop(&f);
}

/* ------------------------------------------------------------------------------------------ */
/* Against the simulator                                                                       */

static const char *const k_sim_devices[] = {
    "PAX_A910__SMARTPOS1495357742", "GERTEC_MP35P__8701012051267097", "INGENICO_MOVE2500__ING-ARG-14886780"};

/* Fills dev[0..2] (malloc'd) from mp_list_devices; returns how many were found. */
static int test_devices(MpClient *c, char *dev[3])
{
    char *o = NULL;
    int i, j, found = 0;

    section("devices");
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    CHECK(mp_last_http_status() == 200);
    STR_EQ(ERR(), "");
    for (i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof path, "devices.%d.id", i);
        dev[i] = jget(o, path);
        CHECKF(dev[i] != NULL, "no %s in %s", path, o ? o : "(null)");
        if (dev[i] != NULL) {
            found++;
            for (j = 0; j < 3; j++)
                if (strcmp(dev[i], k_sim_devices[j]) == 0)
                    break;
            CHECKF(j < 3, "unexpected device %s", dev[i]);
        }
    }
    if (o)
        EXPECT_JSON_MISSING(o, "devices.3.id");
    mp_string_free(o);

    o = NULL;
    EXPECT_OK(mp_list_devices(c, "{\"limit\":1}", &o));
    if (o) {
        EXPECT_JSON_MISSING(o, "devices.1");
        if (dev[0])
            EXPECT_JSON(o, "devices.0.id", dev[0]);
    }
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_list_devices(c, "{\"limit\":1,\"offset\":1}", &o));
    if (o && dev[1])
        EXPECT_JSON(o, "devices.0.id", dev[1]);
    mp_string_free(o);
    return found;
}

static void test_operating_mode(MpClient *c, const char *dev)
{
    char *o = NULL;
    char *list = NULL;
    char *mode;
    int i;

    section("operating mode");
    EXPECT_OK(mp_set_operating_mode(c, dev, "STANDALONE", &o));
    EXPECT_JSON(o, "operating_mode", "STANDALONE");
    mp_string_free(o);
    EXPECT_OK(mp_list_devices(c, NULL, &list));
    for (i = 0; i < 3; i++) {
        char path[48];
        char *id;
        snprintf(path, sizeof path, "devices.%d.id", i);
        id = jget(list, path);
        if (id && strcmp(id, dev) == 0) {
            snprintf(path, sizeof path, "devices.%d.operating_mode", i);
            mode = jget(list, path);
            STR_EQ(mode, "STANDALONE");
            free(mode);
        }
        free(id);
    }
    mp_string_free(list);
    o = NULL;
    EXPECT_OK(mp_set_operating_mode(c, dev, "PDV", &o));
    EXPECT_JSON(o, "operating_mode", "PDV");
    mp_string_free(o);
    EXPECT_OK(mp_set_operating_mode(c, dev, "PDV", NULL)); /* out_json is optional */
    o = SENT;
    EXPECT_INVALID(mp_set_operating_mode(c, dev, "pdv-ish", &o));
    CHECK(o == SENT);
}

static void test_sales(MpClient *c, char *dev[3])
{
    char *ids[3];
    char *json;
    char *o = NULL;
    MpIntentState st = SENT_STATE;
    WaitRecord rec;
    char today_before[11], today_after[11];
    MpStatus s;

    section("sales and outcomes");
    /* Three outcomes at once, one per terminal. */
    ids[0] = create_sale(c, dev[0], 1200, "abi-rejected");
    CHECK(mp_last_http_status() == 201);
    STR_EQ(ERR(), "");
    ids[1] = create_sale(c, dev[1], 1300, "abi-error");
    ids[2] = create_sale(c, dev[2], 1100, "abi-refunded");

    json = wait_final(c, ids[0], &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "1200 ended %s", mp_intent_state_name(st));
    EXPECT_JSON(json, "payment.state", "rejected");
    free(json);

    json = wait_final(c, ids[1], &st);
    CHECKF(st == MP_INTENT_STATE_ERROR, "1300 ended %s", mp_intent_state_name(st));
    if (json) {
        char *pid = jget(json, "payment.id");
        CHECKF(pid == NULL || strcmp(pid, "null") == 0, "an ERROR intent has payment.id %s", pid);
        free(pid);
    }
    free(json);

    json = wait_final(c, ids[2], &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "1100 ended %s", mp_intent_state_name(st));
    EXPECT_JSON(json, "payment.state", "refunded");
    free(json);
    free(ids[0]);
    free(ids[1]);
    free(ids[2]);

    /* The full approved sale, watched step by step. */
    utc_date(-1, today_before);
    utc_date(1, today_after);
    ids[0] = create_sale(c, dev[0], 1500, "abi-approved");
    if (ids[0] == NULL)
        return;
    CHECK(mp_last_http_status() == 201);

    st = SENT_STATE;
    o = NULL;
    EXPECT_OK(mp_intent_status(c, ids[0], &st, &o));
    CHECKF(st >= MP_INTENT_STATE_OPEN && st <= MP_INTENT_STATE_PROCESSED, "fresh intent is %s",
           mp_intent_state_name(st));
    CHECK(mp_last_http_status() == 200);
    EXPECT_JSON(o, "id", ids[0]);
    EXPECT_JSON(o, "amount", "1500");
    EXPECT_JSON(o, "additional_info.external_reference", "abi-approved");
    mp_string_free(o);
    EXPECT_OK(mp_intent_status(c, ids[0], NULL, NULL)); /* both out-params optional */
    st = SENT_STATE;
    EXPECT_OK(mp_intent_status(c, ids[0], &st, NULL));
    CHECK(st != SENT_STATE);

    wait_record_init(&rec, 0);
    st = SENT_STATE;
    o = NULL;
    EXPECT_OK(mp_wait_intent(c, ids[0], 20000, record_wait, &rec, &st, &o));
    STR_EQ(ERR(), "");
    CHECK(mp_last_http_status() == 200);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "approved sale ended %s", mp_intent_state_name(st));
    CHECKF(rec.calls >= 2, "callback called %d times", rec.calls);
    CHECK(rec.null_json == 0);
    CHECK(rec.wrong_user_data == 0);
    CHECKF(rec.non_monotonic == 0, "states went backwards %d times", rec.non_monotonic);
    CHECKF(rec.last == MP_INTENT_STATE_FINISHED, "callback's last state %s", mp_intent_state_name(rec.last));
    CHECKF(rec.first <= MP_INTENT_STATE_PROCESSED, "callback's first state %s", mp_intent_state_name(rec.first));
    if (rec.last_json)
        EXPECT_JSON(rec.last_json, "state", "FINISHED");
    free(rec.last_json);
    EXPECT_JSON(o, "id", ids[0]);
    EXPECT_JSON(o, "state", "FINISHED");
    EXPECT_JSON(o, "payment.state", "approved");
    {
        char *pid = jget(o, "payment.id");
        CHECKF(pid != NULL && pid[0] != '\0' && strcmp(pid, "null") != 0, "payment.id is %s",
               pid ? pid : "missing");
        free(pid);
    }
    mp_string_free(o);

    /* Waiting on a finished intent returns at once. */
    {
        long long started = now_ms();
        wait_record_init(&rec, 0);
        st = SENT_STATE;
        EXPECT_OK(mp_wait_intent(c, ids[0], 10000, record_wait, &rec, &st, NULL));
        CHECK(st == MP_INTENT_STATE_FINISHED);
        CHECKF(rec.calls == 1, "callback called %d times for a final intent", rec.calls);
        CHECKF(now_ms() - started < 2000, "waiting on a final intent took %lld ms", now_ms() - started);
        free(rec.last_json);
        EXPECT_OK(mp_wait_intent(c, ids[0], 10000, NULL, NULL, NULL, NULL));
    }

    o = NULL;
    EXPECT_OK(mp_intent_last_event(c, ids[0], &o));
    EXPECT_JSON(o, "status", "FINISHED");
    mp_string_free(o);

    o = NULL;
    EXPECT_OK(mp_list_intent_events(c, today_before, today_after, &o));
    CHECKF(o && strstr(o, ids[0]) != NULL, "events %s..%s lack %s", today_before, today_after, ids[0]);
    mp_string_free(o);
    o = SENT;
    s = mp_list_intent_events(c, "2024-13-45", "2024-13-46", &o);
    CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_API, "bad dates -> %s", mp_status_name(s));
    CHECK(o == SENT);
    s = mp_list_intent_events(c, "2024-01-01", "2024-06-30", &o);
    CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_API, "a 6-month range -> %s", mp_status_name(s));
    CHECK(o == SENT);

    /* Unknown intents. */
    st = SENT_STATE;
    o = SENT;
    EXPECT_STATUS(mp_intent_status(c, "00000000-0000-4000-8000-000000000000", &st, &o), MP_STATUS_NOT_FOUND);
    CHECK(mp_last_http_status() == 404);
    CHECK(ERR()[0] != '\0');
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);
    EXPECT_STATUS(mp_wait_intent(c, "00000000-0000-4000-8000-000000000000", 5000, NULL, NULL, &st, &o),
                  MP_STATUS_NOT_FOUND);
    CHECK(mp_last_http_status() == 404);
    CHECK(st == SENT_STATE);
    CHECK(o == SENT);
    EXPECT_STATUS(mp_intent_last_event(c, "00000000-0000-4000-8000-000000000000", &o), MP_STATUS_NOT_FOUND);
    CHECK(o == SENT);

    /* A call that makes no request reports no HTTP status. */
    EXPECT_OK(mp_intent_status(c, ids[0], NULL, NULL));
    CHECK(mp_last_http_status() == 200);
    o = NULL;
    EXPECT_OK(mp_json_get("{\"a\":1}", "a", &o));
    mp_string_free(o);
    CHECK(mp_last_http_status() == 0);

    /* Amounts outside the site's limits are refused, by the library or the service. */
    o = SENT;
    s = mp_create_intent_simple(c, dev[0], 0, NULL, 1, &o);
    CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_API, "amount 0 -> %s", mp_status_name(s));
    s = mp_create_intent_simple(c, dev[0], -1500, NULL, 1, &o);
    CHECKF(s == MP_STATUS_INVALID_ARGUMENT || s == MP_STATUS_API, "amount -1500 -> %s", mp_status_name(s));
    CHECK(o == SENT);
    free(ids[0]);
}

static void test_busy_and_cancel(MpClient *c, const char *dev)
{
    char *first;
    char *second;
    char *o = SENT;
    char *json;
    MpIntentState st = SENT_STATE;
    int i;

    section("busy device and cancel");
    first = create_sale(c, dev, 1500, "abi-busy-1");
    if (first == NULL)
        return;

    EXPECT_STATUS(mp_create_intent_simple(c, dev, 1600, "abi-busy-2", 1, &o), MP_STATUS_DEVICE_BUSY);
    CHECK(mp_last_http_status() == 409);
    CHECK(ERR()[0] != '\0');
    CHECK(o == SENT);
    EXPECT_STATUS(mp_create_intent(c, dev, "{\"amount\":1700}", NULL, &o), MP_STATUS_DEVICE_BUSY);
    CHECK(o == SENT);

    /* Still OPEN (the simulator's step is far longer than this round trip): cancel works. */
    o = NULL;
    EXPECT_OK(mp_cancel_intent(c, dev, first, &o));
    CHECK(mp_last_http_status() == 200);
    EXPECT_JSON(o, "id", first);
    mp_string_free(o);
    json = wait_final(c, first, &st);
    CHECKF(st == MP_INTENT_STATE_CANCELED, "cancelled intent ended %s", mp_intent_state_name(st));
    if (json) {
        char *pid = jget(json, "payment.id");
        CHECKF(pid == NULL || strcmp(pid, "null") == 0, "a CANCELED intent has payment.id %s", pid);
        free(pid);
    }
    free(json);
    free(first);

    /* Cancelling frees the terminal for the next sale. */
    second = create_sale(c, dev, 1500, "abi-locked");
    if (second == NULL)
        return;
    /* Poll (bounded) until the terminal has picked it up; then only the terminal can cancel. */
    st = MP_INTENT_STATE_OPEN;
    for (i = 0; i < 1000 && st == MP_INTENT_STATE_OPEN; i++) {
        if (mp_intent_status(c, second, &st, NULL) != MP_STATUS_OK)
            break;
        if (st == MP_INTENT_STATE_OPEN)
            sleep_ms(10);
    }
    CHECKF(st >= MP_INTENT_STATE_ON_TERMINAL && st <= MP_INTENT_STATE_PROCESSED,
           "intent never left OPEN (now %s)", mp_intent_state_name(st));
    o = SENT;
    EXPECT_STATUS(mp_cancel_intent(c, dev, second, &o), MP_STATUS_INTENT_LOCKED);
    CHECK(mp_last_http_status() == 409);
    CHECK(ERR()[0] != '\0');
    CHECK(o == SENT);
    EXPECT_STATUS(mp_cancel_intent(c, dev, second, NULL), MP_STATUS_INTENT_LOCKED);
    json = wait_final(c, second, &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "locked intent ended %s", mp_intent_state_name(st));
    free(json);
    /* A final intent cannot be cancelled either. */
    o = SENT;
    {
        MpStatus s = mp_cancel_intent(c, dev, second, &o);
        CHECKF(s != MP_STATUS_OK, "cancelling a FINISHED intent -> %s", mp_status_name(s));
    }
    CHECK(o == SENT);
    free(second);
}

static void test_wait_timeout_and_abort(MpClient *c, const char *dev)
{
    char *id;
    char *o;
    char *json;
    MpIntentState st;
    WaitRecord rec;

    section("wait timeout and abort");
    id = create_sale(c, dev, 1500, "abi-wait");
    if (id == NULL)
        return;

    /* Too short a wait: WAIT_TIMEOUT, but the last state seen is reported. */
    st = SENT_STATE;
    o = SENT;
    EXPECT_STATUS(mp_wait_intent(c, id, 30, NULL, NULL, &st, &o), MP_STATUS_WAIT_TIMEOUT);
    CHECK(ERR()[0] != '\0');
    /* The answer to the last poll, even though the wait as a whole failed. */
    CHECKF(mp_last_http_status() == 200, "mp_last_http_status() after WAIT_TIMEOUT is %d, want 200",
           mp_last_http_status());
    CHECKF(st >= MP_INTENT_STATE_OPEN && st <= MP_INTENT_STATE_PROCESSED, "state after timeout: %u", st);
    CHECKF(o != SENT, "out_json untouched after WAIT_TIMEOUT");
    if (o != SENT && o != NULL) {
        EXPECT_JSON(o, "id", id);
        mp_string_free(o);
    }

    /* The callback stops the wait on its first call. */
    wait_record_init(&rec, 1);
    st = SENT_STATE;
    o = SENT;
    EXPECT_STATUS(mp_wait_intent(c, id, 20000, record_wait, &rec, &st, &o), MP_STATUS_ABORTED);
    CHECK(ERR()[0] != '\0');
    CHECKF(rec.calls == 1, "callback called %d times after asking to stop", rec.calls);
    CHECK(rec.null_json == 0);
    CHECK(rec.wrong_user_data == 0);
    CHECKF(st == rec.last, "ABORTED state %u, callback saw %u", st, rec.last);
    CHECKF(mp_last_http_status() == 200, "mp_last_http_status() after ABORTED is %d, want 200",
           mp_last_http_status());
    CHECK(!mp_intent_state_is_final(st));
    CHECKF(o != SENT && o != NULL, "out_json not filled after ABORTED");
    if (o != SENT && o != NULL) {
        EXPECT_JSON(o, "id", id);
        mp_string_free(o);
    }
    free(rec.last_json);

    /* ... or on its third. */
    wait_record_init(&rec, 3);
    st = SENT_STATE;
    EXPECT_STATUS(mp_wait_intent(c, id, 20000, record_wait, &rec, &st, NULL), MP_STATUS_ABORTED);
    CHECKF(rec.calls == 3, "callback called %d times, want 3", rec.calls);
    CHECK(st == rec.last);
    free(rec.last_json);

    /* timeout_ms 0: exactly one read. */
    wait_record_init(&rec, 0);
    st = SENT_STATE;
    EXPECT_STATUS(mp_wait_intent(c, id, 0, record_wait, &rec, &st, NULL), MP_STATUS_WAIT_TIMEOUT);
    CHECKF(rec.calls == 1, "timeout_ms 0 made %d callback calls, want 1", rec.calls);
    CHECK(st >= MP_INTENT_STATE_OPEN && st <= MP_INTENT_STATE_PROCESSED);
    free(rec.last_json);

    json = wait_final(c, id, &st);
    CHECK(st == MP_INTENT_STATE_FINISHED);
    free(json);
    EXPECT_OK(mp_wait_intent(c, id, 0, NULL, NULL, &st, NULL));
    CHECK(st == MP_INTENT_STATE_FINISHED);
    free(id);
}

/* The same idempotency key gives the same intent back (after a crash or a timeout), not a
 * second one - and not DEVICE_BUSY. */
static void test_idempotent_create(MpClient *c, const char *dev)
{
    char key[64];
    char *first = NULL;
    char *again = NULL;
    char *id1, *id2;
    char *json;
    MpIntentState st;

    section("idempotent create");
    snprintf(key, sizeof key, "abi-replay-%ld-%lld", (long)getpid(), now_ms());
    EXPECT_OK(mp_create_intent(c, dev, "{\"amount\":1500}", key, &first));
    EXPECT_OK(mp_create_intent(c, dev, "{\"amount\":1500}", key, &again));
    id1 = jget(first, "id");
    id2 = jget(again, "id");
    CHECKF(id1 && id2 && strcmp(id1, id2) == 0, "same key gave intents %s and %s", id1 ? id1 : "-",
           id2 ? id2 : "-");
    mp_string_free(first);
    mp_string_free(again);
    json = wait_final(c, id1, &st);
    free(json);
    free(id1);
    free(id2);
}

static void test_log_callback(MpClient *c)
{
    LogRecord logs;
    char *o = NULL;
    MpIntentState st;

    section("log callback");
    memset(&logs, 0, sizeof logs);
    pthread_mutex_init(&logs.mu, NULL);

    mp_set_log_callback(c, record_log, &logs, MP_LOG_LEVEL_DEBUG);
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    mp_string_free(o);
    EXPECT_STATUS(mp_intent_status(c, "00000000-0000-4000-8000-000000000001", &st, NULL), MP_STATUS_NOT_FOUND);
    pthread_mutex_lock(&logs.mu);
    CHECKF(logs.count > 0, "no log lines at DEBUG");
    CHECKF(logs.token_hits == 0, "%d log lines contain the access token", logs.token_hits);
    CHECK(logs.bad_level == 0);
    CHECK(logs.empty == 0);
    pthread_mutex_unlock(&logs.mu);

    log_record_reset(&logs);
    mp_set_log_callback(c, record_log, &logs, MP_LOG_LEVEL_WARN);
    o = NULL;
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    mp_string_free(o);
    EXPECT_STATUS(mp_intent_status(c, "00000000-0000-4000-8000-000000000001", &st, NULL), MP_STATUS_NOT_FOUND);
    pthread_mutex_lock(&logs.mu);
    CHECKF(logs.max_level <= MP_LOG_LEVEL_WARN, "a level-%u line passed min_level WARN", logs.max_level);
    pthread_mutex_unlock(&logs.mu);

    /* Bad calls set mp_last_error() and change nothing; a good one clears it. */
    mp_set_log_callback(NULL, record_log, &logs, MP_LOG_LEVEL_DEBUG);
    CHECKF(ERR()[0] != '\0', "mp_set_log_callback(NULL client) left no error");
    mp_set_log_callback(c, record_log, &logs, MP_LOG_LEVEL_DEBUG);
    STR_EQ(ERR(), "");
    mp_set_log_callback(c, NULL, NULL, 0);
    CHECKF(ERR()[0] != '\0', "min_level 0 left no error");
    mp_set_log_callback(c, NULL, NULL, 5);
    CHECKF(ERR()[0] != '\0', "min_level 5 left no error");
    log_record_reset(&logs);
    o = NULL;
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    mp_string_free(o);
    pthread_mutex_lock(&logs.mu);
    CHECKF(logs.count > 0, "a rejected mp_set_log_callback changed the logging");
    pthread_mutex_unlock(&logs.mu);

    log_record_reset(&logs);
    mp_set_log_callback(c, NULL, NULL, MP_LOG_LEVEL_DEBUG);
    STR_EQ(ERR(), "");
    o = NULL;
    EXPECT_OK(mp_list_devices(c, NULL, &o));
    mp_string_free(o);
    EXPECT_STATUS(mp_intent_status(c, "00000000-0000-4000-8000-000000000001", &st, NULL), MP_STATUS_NOT_FOUND);
    pthread_mutex_lock(&logs.mu);
    CHECKF(logs.count == 0, "%d log lines after the callback was removed", logs.count);
    pthread_mutex_unlock(&logs.mu);
    pthread_mutex_destroy(&logs.mu);
}

static void test_integrator_and_webhook(MpClient *c)
{
    Fake good, bad;
    char url[160];
    char *o = NULL;
    char *token = NULL;
    int port = 0;
    int fd;
    MpStatus s;

    section("integrator and webhook");
    EXPECT_OK(mp_get_integrator(c, &o));
    CHECK(mp_last_http_status() == 200);
    token = jget(o, "token");
    CHECKF(token != NULL && token[0] != '\0', "integrator token: %s", o ? o : "(null)");
    {
        char *w = jget(o, "webhook");
        char *v = jget(o, "is_valid_webhook");
        CHECK(w != NULL);
        CHECKF(v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0), "is_valid_webhook %s",
               v ? v : "missing");
        free(w);
        free(v);
    }
    mp_string_free(o);
    if (token == NULL)
        return;

    /* A webhook nobody answers. */
    fd = listen_loopback(&port);
    close(fd);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", port);
    EXPECT_OK(mp_set_webhook(c, url));
    s = mp_check_webhook(c);
    CHECKF(s != MP_STATUS_OK, "check of an unreachable webhook -> %s", mp_status_name(s));
    CHECK(ERR()[0] != '\0');

    /* A webhook that answers the challenge wrongly. */
    if (fake_start(&bad, FAKE_WEBHOOK_BAD)) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/bad-hook", bad.port);
        EXPECT_OK(mp_set_webhook(c, url));
        s = mp_check_webhook(c);
        CHECKF(s != MP_STATUS_OK, "check of a wrong challenge answer -> %s", mp_status_name(s));
        CHECK(ERR()[0] != '\0');
        CHECKF(fake_requests(&bad) >= 1, "the simulator never called the webhook");
        fake_stop(&bad);
    }

    /* A webhook that signs the challenge with mp_sign_challenge and the integrator token. */
    if (fake_start(&good, FAKE_WEBHOOK_GOOD)) {
        snprintf(good.secret, sizeof good.secret, "%s", token);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", good.port);
        EXPECT_OK(mp_set_webhook(c, url));
        STR_EQ(ERR(), "");
        o = NULL;
        EXPECT_OK(mp_get_integrator(c, &o));
        EXPECT_JSON(o, "webhook", url);
        mp_string_free(o);
        EXPECT_OK(mp_check_webhook(c));
        STR_EQ(ERR(), "");
        CHECKF(fake_requests(&good) >= 1, "the simulator never called the webhook");
        {
            char req[8192];
            fake_last(&good, req, sizeof req);
            EXPECT_REQUEST_LINE(req, "GET /hook?challengeCode=");
        }
        o = NULL;
        EXPECT_OK(mp_get_integrator(c, &o));
        EXPECT_JSON(o, "is_valid_webhook", "true");
        mp_string_free(o);
        fake_stop(&good);
    }
    free(token);
}

/* ------------------------------------------------------------------------------------------ */
/* 0.4 against the simulator: keyed creates, and the journal's calls                           */

/* One request to the simulator's control API (/_sim/...); the body of its answer goes to out.
 * Returns the HTTP status, 0 if there was no answer. */
static int sim_control(const char *method, const char *path, const char *body, char *out, size_t cap)
{
    const char *colon = strrchr(g_sim_url, ':');
    struct sockaddr_in addr;
    struct timeval tv = {5, 0};
    char req[2048];
    char answer[16384];
    size_t n = 0;
    int status = 0;
    int fd;

    if (out != NULL && cap > 0)
        out[0] = '\0';
    if (colon == NULL)
        return 0;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)atoi(colon + 1));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    snprintf(req, sizeof req,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             method, path, body ? strlen(body) : 0, body ? body : "");
    send_all(fd, req, strlen(req));
    for (;;) {
        ssize_t r = recv(fd, answer + n, sizeof answer - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n + 1 >= sizeof answer)
            break;
    }
    answer[n] = '\0';
    close(fd);
    if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1)
        return 0;
    if (out != NULL && cap > 0)
        snprintf(out, cap, "%s", request_body(answer));
    return status;
}

/* The next `count` creates of intents on `device` are processed and their answers lost. */
static void sim_lose_answers(const char *device, int count)
{
    char body[512];
    char answer[512];
    int status;
    snprintf(body, sizeof body,
             "{\"method\":\"POST\",\"path\":\"/point/integration-api/devices/%s/payment-intents\","
             "\"count\":%d,\"kind\":\"drop_after_read\"}",
             device, count);
    status = sim_control("POST", "/_sim/faults", body, answer, sizeof answer);
    CHECKF(status == 200 || status == 201, "POST /_sim/faults -> %d %s", status, answer);
}

static void sim_clear_faults(void)
{
    int status = sim_control("DELETE", "/_sim/faults", NULL, NULL, 0);
    CHECKF(status >= 200 && status < 300, "DELETE /_sim/faults -> %d", status);
}

/* What the simulator counted for an idempotency key: {"key","requests","intents_created"}. */
#define EXPECT_KEY_COUNTS(key, requests, created) expect_key_counts_(__LINE__, (key), (requests), (created))
static void expect_key_counts_(int line, const char *key, const char *requests, const char *created)
{
    char path[256];
    char answer[1024];
    int status;
    snprintf(path, sizeof path, "/_sim/idempotency/%s", key);
    status = sim_control("GET", path, NULL, answer, sizeof answer);
    check_(status == 200, line, "GET %s -> %d", path, status);
    if (status != 200)
        return;
    if (requests != NULL)
        expect_json_(line, answer, "requests", requests);
    expect_json_(line, answer, "intents_created", created);
}

/* How many elements the array at `path` has. */
static int json_count(const char *json, const char *path)
{
    char item[160];
    char *v;
    int n = 0;
    if (json == NULL)
        return -1;
    for (;;) {
        snprintf(item, sizeof item, "%s%s%d", path, path[0] ? "." : "", n);
        v = jget(json, item);
        if (v == NULL)
            return n;
        free(v);
        n++;
    }
}

/* The index of the element of the array at `path` whose `field` is `value`; -1 if none. */
static int json_find(const char *json, const char *path, const char *field, const char *value)
{
    int i, n = json_count(json, path);
    for (i = 0; i < n; i++) {
        char item[200];
        char *v;
        int same;
        snprintf(item, sizeof item, "%s.%d.%s", path, i, field);
        v = jget(json, item);
        same = v != NULL && strcmp(v, value) == 0;
        free(v);
        if (same)
            return i;
    }
    return -1;
}

/* The entry with idempotency key `key` under `path`: "sales.3", or "" if there is none (a
 * failure is recorded). */
#define ENTRY(json, path, key, out) entry_(__LINE__, (json), (path), (key), (out), sizeof(out))
static int entry_(int line, const char *json, const char *path, const char *key, char *out, size_t cap)
{
    int i = json_find(json, path, "idempotency_key", key);
    check_(i >= 0, line, "no entry %s in %s of %s", key, path, json ? json : "(null)");
    if (i < 0) {
        snprintf(out, cap, "%s", "-missing-");
        return 0;
    }
    snprintf(out, cap, "%s.%d", path, i);
    return 1;
}

/* json's value at prefix.field. */
#define EXPECT_AT(json, prefix, field, want) expect_at_(__LINE__, (json), (prefix), (field), (want))
static void expect_at_(int line, const char *json, const char *prefix, const char *field, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", prefix, field);
    expect_json_(line, json, path, want);
}

/* Waits (bounded) until the intent leaves OPEN; returns its state then. */
static MpIntentState wait_taken(MpClient *c, const char *id)
{
    MpIntentState st = MP_INTENT_STATE_OPEN;
    int i;
    for (i = 0; i < 1000 && st == MP_INTENT_STATE_OPEN; i++) {
        if (mp_intent_status(c, id, &st, NULL) != MP_STATUS_OK)
            break;
        if (st == MP_INTENT_STATE_OPEN)
            sleep_ms(10);
    }
    return st;
}

/* mp_create_intent_keyed, checked; returns the malloc'd id or NULL. */
static char *create_keyed(MpClient *c, const char *device, int64_t amount, const char *reference, const char *key)
{
    char *id = SENT;
    MpStatus st = mp_create_intent_keyed(c, device, amount, reference, 1, key, &id);
    CHECKF(st == MP_STATUS_OK && id != SENT && id != NULL && id[0] != '\0', "keyed create %s of %lld on %s -> %s: %s",
           key ? key : "(new key)", (long long)amount, device, mp_status_name(st), ERR());
    if (st != MP_STATUS_OK || id == SENT || id == NULL)
        return NULL;
    if (key != NULL)
        STR_EQ(mp_last_idempotency_key(), key);
    {
        char *copy = dup_str(id);
        mp_string_free(id);
        return copy;
    }
}

/* A lost answer against the simulator: the service made the intent; the same call with the
 * same key returns it, and the simulator counts one intent for the key. */
static void test_keyed_lost_answer(const char *dev)
{
    char key[64];
    char *id = NULL;
    char *again = NULL;
    char *json;
    char *o = SENT;
    MpIntentState st;
    MpClient *c;

    section("keyed create after a lost answer (simulator)");
    c = open_client(g_sim_url, ",\"poll_interval_ms\":20,\"timeout_ms\":10000,\"max_retries\":2");
    if (c == NULL)
        return;
    snprintf(key, sizeof key, "abi-lost-%ld-%lld", (long)getpid(), now_ms());
    sim_lose_answers(dev, 3);
    EXPECT_STATUS(mp_create_intent_keyed(c, dev, 1500, "abi-lost", 1, key, &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    STR_EQ(mp_last_idempotency_key(), key);
    CHECKF(strstr(ERR(), key) != NULL, "the message names the key: %s", ERR());
    sim_clear_faults();
    /* The first attempt made it; its retries replayed it; nothing more. */
    EXPECT_KEY_COUNTS(key, "3", "1");

    id = create_keyed(c, dev, 1500, "abi-lost", key);
    again = create_keyed(c, dev, 1500, "abi-lost", key);
    CHECKF(id && again && strcmp(id, again) == 0, "the same key gave %s and %s", id ? id : "-", again ? again : "-");
    EXPECT_KEY_COUNTS(key, "5", "1");
    if (id != NULL) {
        o = NULL;
        EXPECT_OK(mp_intent_status(c, id, &st, &o));
        EXPECT_JSON(o, "amount", "1500");
        EXPECT_JSON(o, "additional_info.external_reference", "abi-lost");
        mp_string_free(o);
        o = SENT;
    }
    /* The same key with other arguments is refused by the service, never a second sale. */
    {
        MpStatus s = mp_create_intent_keyed(c, dev, 1600, "abi-lost", 1, key, &o);
        CHECKF(s == MP_STATUS_API, "the key with another amount -> %s (%s)", mp_status_name(s), ERR());
        CHECK(o == SENT);
    }
    EXPECT_KEY_COUNTS(key, NULL, "1");
    json = wait_final(c, id, &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "the resent sale ended %s", mp_intent_state_name(st));
    EXPECT_JSON(json, "payment.state", "approved");
    free(json);
    free(id);
    free(again);
    mp_free(c);
}

/* mp_create_refund_keyed: amount 0 is the whole payment, a negative amount is refused, a
 * partial refund is the Orders API's; the key makes the resend the same refund. */
static void test_refund_keyed(const char *dev)
{
    char key[64];
    char *sale_id, *json, *payment_id = NULL;
    char *r1 = NULL, *r2 = NULL;
    char *o = SENT;
    MpIntentState st;
    MpClient *c, *orders;

    section("keyed refunds");
    c = open_client(g_sim_url, ",\"poll_interval_ms\":20,\"timeout_ms\":5000");
    if (c == NULL)
        return;
    sale_id = create_keyed(c, dev, 1500, "abi-refund", NULL);
    json = wait_final(c, sale_id, &st);
    EXPECT_JSON(json, "payment.state", "approved");
    payment_id = jget(json, "payment.id");
    free(json);
    free(sale_id);
    if (payment_id == NULL) {
        mp_free(c);
        return;
    }

    snprintf(key, sizeof key, "abi-refund-%ld-%lld", (long)getpid(), now_ms());
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, payment_id, -1, key, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, payment_id, -1500, key, &o));
    EXPECT_INVALID(mp_create_refund_keyed(c, dev, payment_id, INT64_MIN, key, &o));
    CHECK(o == SENT);
    /* A partial refund: not on the Point Integration API, and nothing sent. */
    EXPECT_STATUS(mp_create_refund_keyed(c, dev, payment_id, 500, key, &o), MP_STATUS_UNSUPPORTED);
    CHECK(mp_last_http_status() == 0);
    CHECK(o == SENT);
    EXPECT_KEY_COUNTS(key, "0", "0");

    /* Amount 0: the whole payment. */
    o = NULL;
    EXPECT_OK(mp_create_refund_keyed(c, dev, payment_id, 0, key, &o));
    CHECK(mp_last_http_status() == 201);
    STR_EQ(mp_last_idempotency_key(), key);
    CHECKF(o != NULL && o != SENT && o[0] != '\0', "no refund id");
    if (o != NULL && o != SENT) {
        r1 = dup_str(o);
        mp_string_free(o);
    }
    o = NULL;
    EXPECT_OK(mp_create_refund_keyed(c, dev, payment_id, 0, key, &o));
    if (o != NULL && o != SENT) {
        r2 = dup_str(o);
        mp_string_free(o);
    }
    CHECKF(r1 && r2 && strcmp(r1, r2) == 0, "the same refund key gave %s and %s", r1 ? r1 : "-", r2 ? r2 : "-");
    EXPECT_KEY_COUNTS(key, "2", "1");
    if (r1 != NULL) {
        st = SENT_STATE;
        o = NULL;
        EXPECT_OK(mp_wait_refund(c, r1, 20000, NULL, NULL, &st, &o));
        CHECKF(st == MP_INTENT_STATE_FINISHED, "the keyed refund ended %s", mp_intent_state_name(st));
        EXPECT_JSON(o, "payment_id", payment_id);
        mp_string_free(o);
        o = NULL;
        EXPECT_OK(mp_get_payment(c, payment_id, &o));
        EXPECT_JSON(o, "status", "refunded");
        mp_string_free(o);
    }
    /* A refunded payment is refunded once: a new key is the service's refusal. */
    o = SENT;
    {
        MpStatus s = mp_create_refund_keyed(c, dev, payment_id, 0, NULL, &o);
        CHECKF(s == MP_STATUS_API, "refunding a refunded payment -> %s", mp_status_name(s));
        CHECK(o == SENT);
    }
    free(r1);
    free(r2);
    r1 = r2 = NULL;
    free(payment_id);
    mp_free(c);

    /* The Orders API: a partial refund, then amount 0 refunds what is left. */
    orders = open_client(g_sim_url, ",\"api\":\"orders\",\"poll_interval_ms\":20,\"timeout_ms\":5000");
    if (orders == NULL)
        return;
    {
        char long_key[66];
        memset(long_key, 'k', 65);
        long_key[65] = '\0';
        /* At most 64 characters with the Orders API. */
        EXPECT_INVALID(mp_create_intent_keyed(orders, dev, 2000, "abi-orders-refund", 1, long_key, &o));
        EXPECT_INVALID(mp_create_refund_keyed(orders, dev, "ORD01JQ4S4KY8HWQ6NA5PXB65B3D3", -1, NULL, &o));
        CHECK(o == SENT);
    }
    snprintf(key, sizeof key, "abi-ord-%ld-%lld", (long)getpid(), now_ms());
    sale_id = create_keyed(orders, dev, 2000, "abi-orders-refund", key);
    json = wait_final(orders, sale_id, &st);
    EXPECT_JSON(json, "payment.state", "approved");
    free(json);
    if (sale_id != NULL) {
        snprintf(key, sizeof key, "abi-ordr-%ld-%lld", (long)getpid(), now_ms());
        o = NULL;
        EXPECT_OK(mp_create_refund_keyed(orders, dev, sale_id, 500, key, &o));
        CHECKF(o != NULL && o != SENT && strcmp(o, sale_id) == 0, "an order's refund id is %s, want %s",
               (o && o != SENT) ? o : "-", sale_id);
        if (o != SENT)
            mp_string_free(o);
        o = NULL;
        EXPECT_OK(mp_intent_status(orders, sale_id, &st, &o));
        EXPECT_JSON(o, "payment.state", "approved"); /* 15.00 of it is still paid */
        mp_string_free(o);
        snprintf(key, sizeof key, "abi-ordr0-%ld-%lld", (long)getpid(), now_ms());
        o = NULL;
        EXPECT_OK(mp_create_refund_keyed(orders, dev, sale_id, 0, key, &o));
        if (o != SENT)
            mp_string_free(o);
        o = NULL;
        EXPECT_OK(mp_intent_status(orders, sale_id, &st, &o));
        EXPECT_JSON(o, "payment.state", "refunded");
        mp_string_free(o);
        free(sale_id);
    }
    mp_free(orders);
}

/* Counts a recovery's progress calls, and checks each one's JSON. */
typedef struct {
    int calls;
    int abort_after;
    int null_json;
    int bad_json;
    int wrong_user_data;
    char keys[512];
} Progress;

static int32_t count_progress(void *user_data, MpIntentState state, const char *json)
{
    Progress *p = user_data;
    char *whole = NULL;
    (void)state;
    if (p == NULL)
        return 0;
    p->calls++;
    if (json == NULL) {
        p->null_json++;
    } else if (json[0] != '\0') {
        char *key;
        if (mp_json_get(json, "", &whole) != MP_STATUS_OK)
            p->bad_json++;
        mp_string_free(whole);
        key = jget(json, "idempotency_key");
        if (key != NULL && strlen(p->keys) + strlen(key) + 2 < sizeof p->keys) {
            strcat(p->keys, key);
            strcat(p->keys, " ");
        }
        free(key);
    }
    return (p->abort_after > 0 && p->calls >= p->abort_after) ? 1 : 0;
}

/* Removes a directory and what this test leaves in it (files, one level of folders). */
static void remove_tree(const char *dir)
{
    char cmd_path[1200];
    struct stat sb;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(cmd_path, sizeof cmd_path, "%s/%s", dir, e->d_name);
        if (lstat(cmd_path, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(cmd_path);
        else
            unlink(cmd_path);
    }
    closedir(d);
    rmdir(dir);
}

/* A journal at a path no JSON text can hold as it is (a backslash, quotes, a space, accents),
 * passed in the options through mp_json_quote: recovery, acknowledgements, what holds a
 * terminal and clearing it. Client A plays a POS that ended mid-sale; client B the next one. */
static void test_journal(char *dev[3])
{
    char dir[512];
    char path[700];
    char extra[1400];
    char t1[64], t2[64], t3[64];
    char k11[80], k12[80], k21[80], k22[80], k31[80], k32[80], k41[80];
    char at[64];
    char *quoted = NULL;
    char *o = SENT;
    char *report = NULL;
    char *report2 = NULL;
    char *id, *json;
    char *p12 = NULL;
    char *id21 = NULL;
    MpIntentState st = SENT_STATE;
    MpClient *a, *b;
    Progress prog;
    struct stat sb;
    long pid = (long)getpid();
    long long now = now_ms();

    section("journal: recovery with progress, acknowledgements, holds and clear");
    snprintf(dir, sizeof dir, "%s/mppoint-abi \"j\\ \xc3\xb1.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) {
        CHECKF(0, "mkdtemp(%s): %s", dir, strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/POS\\journal \"1\".db", dir);
    EXPECT_OK(mp_json_quote(path, &quoted));
    if (quoted == NULL) {
        remove_tree(dir);
        return;
    }
    snprintf(extra, sizeof extra, ",\"journal_path\":%s,\"poll_interval_ms\":20,\"timeout_ms\":5000", quoted);
    mp_string_free(quoted);
    b = open_client(g_sim_url, extra);
    if (b == NULL) {
        remove_tree(dir);
        return;
    }
    snprintf(t1, sizeof t1, "abi-T1-%ld-%lld", pid, now);
    snprintf(t2, sizeof t2, "abi-T2-%ld-%lld", pid, now);
    snprintf(t3, sizeof t3, "abi-T3-%ld-%lld", pid, now);
    snprintf(k11, sizeof k11, "%s-1", t1);
    snprintf(k12, sizeof k12, "%s-2", t1);
    snprintf(k21, sizeof k21, "%s-1", t2);
    snprintf(k22, sizeof k22, "%s-2", t2);
    snprintf(k31, sizeof k31, "%s-1", t3);
    snprintf(k32, sizeof k32, "%s-2", t3);
    snprintf(k41, sizeof k41, "abi-T4-%ld-%lld-1", pid, now);

    /* NULLs on a client with a journal: refused, out-parameters untouched. */
    EXPECT_INVALID(mp_recover(b, 0, NULL));
    EXPECT_INVALID(mp_recover_with_progress(b, 0, count_progress, &prog, NULL));
    EXPECT_INVALID(mp_acknowledge(b, NULL));
    EXPECT_INVALID(mp_acknowledge_report(b, NULL));
    EXPECT_INVALID(mp_device_holds(b, NULL, &o));
    EXPECT_INVALID(mp_device_holds(b, dev[0], NULL));
    EXPECT_INVALID(mp_device_clear(b, NULL, &o));
    EXPECT_INVALID(mp_device_clear(b, dev[0], NULL));
    EXPECT_INVALID(mp_device_holds(b, "a/b", &o));
    EXPECT_INVALID(mp_device_clear(b, "../x", &o));
    CHECK(o == SENT);

    /* A fresh journal: nothing to recover, nothing held; the file is where the text said. */
    o = NULL;
    EXPECT_OK(mp_recover(b, 0, &o));
    EXPECT_JSON(o, "sales", "[]");
    EXPECT_JSON(o, "tickets", "[]");
    mp_string_free(o);
    memset(&prog, 0, sizeof prog);
    o = NULL;
    EXPECT_OK(mp_recover_with_progress(b, 0, count_progress, &prog, &o));
    EXPECT_JSON(o, "sales", "[]");
    CHECKF(prog.calls == 0, "progress called %d times with nothing to recover", prog.calls);
    mp_string_free(o);
    CHECKF(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "no journal at %s", path);
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[0], &o));
    EXPECT_JSON(o, "device_id", dev[0]);
    EXPECT_JSON(o, "holds", "[]");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_device_clear(b, dev[0], &o));
    EXPECT_JSON(o, "device_id", dev[0]);
    EXPECT_JSON(o, "free", "true");
    EXPECT_JSON(o, "cleared", "[]");
    EXPECT_JSON(o, "holding", "[]");
    mp_string_free(o);
    CHECK(mp_last_http_status() == 0); /* sends nothing when nothing is held */

    /* Acknowledgements of what the journal does not have, and of what is not a report. */
    EXPECT_STATUS(mp_acknowledge(b, "abi-no-such-key"), MP_STATUS_NOT_FOUND);
    CHECK(ERR()[0] != '\0');
    CHECK(mp_last_http_status() == 0);
    EXPECT_STATUS(mp_acknowledge(b, ""), MP_STATUS_NOT_FOUND);
    EXPECT_OK(mp_acknowledge_report(b, "{\"sales\":[],\"tickets\":[]}"));
    STR_EQ(ERR(), "");
    /* Keys the journal does not have are left, not an error. */
    EXPECT_OK(mp_acknowledge_report(b, "{\"sales\":[{\"idempotency_key\":\"abi-none\",\"resolution\":\"finished\"}]}"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{"));
    EXPECT_INVALID(mp_acknowledge_report(b, ""));
    EXPECT_INVALID(mp_acknowledge_report(b, "not json"));
    EXPECT_INVALID(mp_acknowledge_report(b, "[]"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{}"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{\"sales\":[{\"idempotency_key\":\"x\"}]}"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{\"sales\":[{\"resolution\":\"finished\"}]}"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{\"sales\":[1]}"));
    EXPECT_INVALID(mp_acknowledge_report(b, "{\"tickets\":[{\"entries\":[{\"idempotency_key\":1,\"resolution\":\"finished\"}]}]}"));

    /* POS A: ticket T1 rejected, then paid; ticket T2 sent, tried again on the busy terminal
     * (refused), and A ends with T2 on the terminal. */
    a = open_client(g_sim_url, extra);
    if (a == NULL)
        goto done;
    id = create_keyed(a, dev[0], 1200, t1, k11);
    json = wait_final(a, id, &st);
    EXPECT_JSON(json, "payment.state", "rejected");
    free(json);
    free(id);
    id = create_keyed(a, dev[0], 1500, t1, k12);
    json = wait_final(a, id, &st);
    EXPECT_JSON(json, "payment.state", "approved");
    p12 = jget(json, "payment.id");
    free(json);
    free(id);
    id21 = create_keyed(a, dev[1], 1500, t2, k21);
    o = SENT;
    EXPECT_STATUS(mp_create_intent_keyed(a, dev[1], 1600, t2, 1, k22, &o), MP_STATUS_DEVICE_BUSY);
    CHECK(o == SENT);
    o = NULL;
    EXPECT_OK(mp_device_holds(a, dev[1], &o));
    CHECKF(json_count(o, "holds") == 1, "holds of %s: %s", dev[1], o ? o : "-");
    EXPECT_JSON(o, "holds.0.idempotency_key", k21);
    EXPECT_JSON(o, "holds.0.process_running", "true");
    if (id21)
        EXPECT_JSON(o, "holds.0.intent_id", id21);
    EXPECT_JSON(o, "holds.0.external_reference", t2);
    mp_string_free(o);
    mp_free(a); /* A ends: its owner lock goes with it */

    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[1], &o));
    CHECKF(json_count(o, "holds") == 1, "holds of %s: %s", dev[1], o ? o : "-");
    EXPECT_JSON(o, "holds.0.idempotency_key", k21);
    EXPECT_JSON(o, "holds.0.process_running", "false");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[0], &o));
    EXPECT_JSON(o, "holds", "[]");
    mp_string_free(o);

    /* Recovery stopped by its callback at the first call: nothing settled, all reported. */
    memset(&prog, 0, sizeof prog);
    prog.abort_after = 1;
    EXPECT_OK(mp_recover_with_progress(b, 20000, count_progress, &prog, &report));
    CHECKF(prog.calls == 1, "a callback that stops was called %d times", prog.calls);
    CHECK(prog.null_json == 0 && prog.bad_json == 0);
    CHECKF(strstr(prog.keys, k21) != NULL, "the callback saw %s, not %s", prog.keys, k21);
    CHECKF(json_count(report, "sales") == 4, "the report has %d sales: %s", json_count(report, "sales"),
           report ? report : "-");
    if (ENTRY(report, "sales", k11, at)) {
        EXPECT_AT(report, at, "resolution", "finished");
        EXPECT_AT(report, at, "state", "FINISHED");
        EXPECT_AT(report, at, "payment.state", "rejected");
        EXPECT_AT(report, at, "ticket", t1);
        EXPECT_AT(report, at, "acknowledged", "false");
    }
    if (ENTRY(report, "sales", k12, at)) {
        /* 0.3's fields, as 0.3 gave them, and 0.4's beside them. */
        EXPECT_AT(report, at, "kind", "sale");
        EXPECT_AT(report, at, "device_id", dev[0]);
        EXPECT_AT(report, at, "amount", "1500");
        EXPECT_AT(report, at, "external_reference", t1);
        EXPECT_AT(report, at, "state", "FINISHED");
        EXPECT_AT(report, at, "payment.state", "approved");
        EXPECT_AT(report, at, "resolution", "finished");
        if (p12)
            EXPECT_AT(report, at, "payment_id", p12);
        {
            char p[96];
            char *v;
            snprintf(p, sizeof p, "%s.intent_id", at);
            v = jget(report, p);
            CHECKF(v != NULL && strcmp(v, "null") != 0, "%s is %s", p, v ? v : "missing");
            free(v);
            snprintf(p, sizeof p, "%s.created_at_ms", at);
            v = jget(report, p);
            CHECKF(v != NULL && atoll(v) > 0, "%s is %s", p, v ? v : "missing");
            free(v);
        }
    }
    if (ENTRY(report, "sales", k21, at)) {
        EXPECT_AT(report, at, "resolution", "pending");
        if (id21)
            EXPECT_AT(report, at, "intent_id", id21);
    }
    if (ENTRY(report, "sales", k22, at)) {
        /* 0.3's list in 0.3's words; the ticket's entry says refused. */
        EXPECT_AT(report, at, "resolution", "never_created");
        EXPECT_AT(report, at, "refused", "true");
        EXPECT_AT(report, at, "intent_id", "null");
        EXPECT_AT(report, at, "ticket", t2);
    }
    {
        int i = json_find(report, "tickets", "ticket", t1);
        CHECKF(i >= 0, "no ticket %s in %s", t1, report ? report : "-");
        if (i >= 0) {
            snprintf(at, sizeof at, "tickets.%d", i);
            EXPECT_AT(report, at, "verdict", "paid");
            if (p12) {
                EXPECT_AT(report, at, "payment_id", p12);
                EXPECT_AT(report, at, "payment_ids.0", p12);
            }
            snprintf(at, sizeof at, "tickets.%d.entries", i);
            CHECKF(json_count(report, at) == 2, "ticket %s has %d entries", t1, json_count(report, at));
        }
        i = json_find(report, "tickets", "ticket", t2);
        CHECKF(i >= 0, "no ticket %s in %s", t2, report ? report : "-");
        if (i >= 0) {
            snprintf(at, sizeof at, "tickets.%d", i);
            EXPECT_AT(report, at, "verdict", "pending");
            EXPECT_AT(report, at, "payment_id", "null");
            snprintf(at, sizeof at, "tickets.%d.entries", i);
            CHECKF(json_count(report, at) == 2, "ticket %s has %d entries", t2, json_count(report, at));
        }
        CHECKF(json_count(report, "tickets") == 2, "%d tickets", json_count(report, "tickets"));
    }
    /* Not settled yet: it cannot be acknowledged. The report acknowledges the rest. */
    EXPECT_INVALID(mp_acknowledge(b, k21));
    if (report != NULL)
        EXPECT_OK(mp_acknowledge_report(b, report));

    /* Recovery to the end: T2's sale is settled, counted calls; T1 is no longer reported. */
    memset(&prog, 0, sizeof prog);
    EXPECT_OK(mp_recover_with_progress(b, 20000, count_progress, &prog, &report2));
    CHECKF(prog.calls >= 1, "progress called %d times", prog.calls);
    CHECK(prog.null_json == 0 && prog.bad_json == 0 && prog.wrong_user_data == 0);
    CHECKF(json_count(report2, "sales") == 1, "after the acknowledgement the report has %d sales: %s",
           json_count(report2, "sales"), report2 ? report2 : "-");
    CHECK(json_find(report2, "sales", "idempotency_key", k11) < 0);
    CHECK(json_find(report2, "sales", "idempotency_key", k12) < 0);
    if (ENTRY(report2, "sales", k21, at)) {
        char p[96];
        char *resolution, *verdict;
        int ti = json_find(report2, "tickets", "ticket", t2);
        snprintf(p, sizeof p, "%s.resolution", at);
        resolution = jget(report2, p);
        snprintf(p, sizeof p, "tickets.%d.verdict", ti);
        verdict = ti >= 0 ? jget(report2, p) : NULL;
        /* Cancelled while OPEN (not paid), or waited on the terminal to its approval (paid). */
        CHECKF(resolution && verdict &&
                   ((strcmp(resolution, "canceled") == 0 && strcmp(verdict, "not_paid") == 0) ||
                    (strcmp(resolution, "finished") == 0 && strcmp(verdict, "paid") == 0)),
               "T2 settled as %s with verdict %s", resolution ? resolution : "-", verdict ? verdict : "-");
        /* Every entry of the ticket, the acknowledged refusal included. */
        snprintf(p, sizeof p, "tickets.%d.entries", ti);
        CHECKF(json_count(report2, p) == 2, "ticket %s has %d entries: %s", t2, json_count(report2, p), report2);
        if (ti >= 0 && json_find(report2, p, "idempotency_key", k22) >= 0) {
            char q[128];
            snprintf(q, sizeof q, "%s.%d", p, json_find(report2, p, "idempotency_key", k22));
            EXPECT_AT(report2, q, "acknowledged", "true");
            EXPECT_AT(report2, q, "resolution", "refused");
        }
        free(resolution);
        free(verdict);
    }
    /* Twice, the same answer, without a request. */
    o = NULL;
    EXPECT_OK(mp_recover(b, 0, &o));
    CHECKF(o && report2 && strcmp(o, report2) == 0, "a second recovery differs:\n%s\n%s", o ? o : "-",
           report2 ? report2 : "-");
    mp_string_free(o);
    EXPECT_OK(mp_acknowledge(b, k21));
    EXPECT_OK(mp_acknowledge(b, k21)); /* twice is fine */
    o = NULL;
    EXPECT_OK(mp_recover(b, 0, &o));
    EXPECT_JSON(o, "sales", "[]");
    EXPECT_JSON(o, "tickets", "[]");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[1], &o));
    EXPECT_JSON(o, "holds", "[]");
    mp_string_free(o);

    /* B's own sale, still OPEN: held by a running process; clear cancels it. */
    id = create_keyed(b, dev[2], 1500, t3, k31);
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[2], &o));
    CHECKF(json_count(o, "holds") == 1, "holds of %s: %s", dev[2], o ? o : "-");
    EXPECT_JSON(o, "holds.0.idempotency_key", k31);
    EXPECT_JSON(o, "holds.0.process_running", "true");
    EXPECT_JSON(o, "holds.0.state", "OPEN");
    if (id)
        EXPECT_JSON(o, "holds.0.intent_id", id);
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_device_clear(b, dev[2], &o));
    EXPECT_JSON(o, "free", "true");
    EXPECT_JSON(o, "holding", "[]");
    CHECKF(json_count(o, "cleared") == 1, "cleared: %s (the terminal may have taken the sale before the clear)",
           o ? o : "-");
    EXPECT_JSON(o, "cleared.0.idempotency_key", k31);
    EXPECT_JSON(o, "cleared.0.state", "CANCELED");
    EXPECT_JSON(o, "cleared.0.resolution", "canceled");
    mp_string_free(o);
    if (id) {
        st = SENT_STATE;
        EXPECT_OK(mp_intent_status(b, id, &st, NULL));
        CHECKF(st == MP_INTENT_STATE_CANCELED, "the cleared sale is %s on the service", mp_intent_state_name(st));
    }
    free(id);
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[2], &o));
    EXPECT_JSON(o, "holds", "[]");
    mp_string_free(o);

    /* On the terminal: never touched, reported as holding it. */
    id = create_keyed(b, dev[2], 1500, t3, k32);
    if (id != NULL) {
        st = wait_taken(b, id);
        CHECKF(st >= MP_INTENT_STATE_ON_TERMINAL && st <= MP_INTENT_STATE_PROCESSED, "the sale never left OPEN (%s)",
               mp_intent_state_name(st));
        o = NULL;
        EXPECT_OK(mp_device_clear(b, dev[2], &o));
        EXPECT_JSON(o, "free", "false");
        EXPECT_JSON(o, "cleared", "[]");
        CHECKF(json_count(o, "holding") == 1, "holding: %s", o ? o : "-");
        EXPECT_JSON(o, "holding.0.idempotency_key", k32);
        EXPECT_JSON(o, "holding.0.process_running", "true");
        mp_string_free(o);
        json = wait_final(b, id, &st);
        CHECKF(st == MP_INTENT_STATE_FINISHED, "the sale on the terminal ended %s", mp_intent_state_name(st));
        EXPECT_JSON(json, "payment.state", "approved");
        free(json);
        o = NULL;
        EXPECT_OK(mp_device_clear(b, dev[2], &o));
        EXPECT_JSON(o, "free", "true");
        EXPECT_JSON(o, "holding", "[]");
        EXPECT_JSON(o, "cleared", "[]");
        mp_string_free(o);
        free(id);
    }

    /* A sale of an ended POS that ended while nobody followed it: clear reads it, records it
     * final and leaves it alone; recovery then reports it as it ended. */
    {
        char k51[96];
        MpClient *gone = open_client(g_sim_url, extra);
        MpClient *plain = open_client(g_sim_url, ",\"poll_interval_ms\":20,\"timeout_ms\":5000");
        snprintf(k51, sizeof k51, "abi-T5-%ld-%lld-1", pid, now);
        id = gone ? create_keyed(gone, dev[2], 1500, "abi-T5", k51) : NULL;
        mp_free(gone);
        if (id != NULL && plain != NULL) {
            /* Read without the journal, so only clear records what became of it. */
            json = wait_final(plain, id, &st);
            free(json);
            o = NULL;
            EXPECT_OK(mp_device_holds(b, dev[2], &o));
            EXPECT_JSON(o, "holds.0.idempotency_key", k51);
            EXPECT_JSON(o, "holds.0.state", "OPEN");
            EXPECT_JSON(o, "holds.0.process_running", "false");
            mp_string_free(o);
            o = NULL;
            EXPECT_OK(mp_device_clear(b, dev[2], &o));
            EXPECT_JSON(o, "free", "true");
            EXPECT_JSON(o, "holding", "[]");
            EXPECT_JSON(o, "cleared.0.idempotency_key", k51);
            EXPECT_JSON(o, "cleared.0.state", "FINISHED");
            EXPECT_JSON(o, "cleared.0.payment.state", "approved");
            EXPECT_JSON(o, "cleared.0.resolution", "finished");
            mp_string_free(o);
            o = NULL;
            EXPECT_OK(mp_recover(b, 0, &o));
            if (ENTRY(o, "sales", k51, at)) {
                EXPECT_AT(o, at, "resolution", "finished");
                EXPECT_AT(o, at, "state", "FINISHED");
            }
            EXPECT_JSON(o, "tickets.0.ticket", "abi-T5");
            EXPECT_JSON(o, "tickets.0.verdict", "paid");
            if (o != NULL)
                EXPECT_OK(mp_acknowledge_report(b, o));
            mp_string_free(o);
        }
        free(id);
        mp_free(plain);
    }

    /* A create whose answer was lost: held without an id, which clear cannot touch; the same
     * call fills it in. */
    sim_lose_answers(dev[0], 3);
    o = SENT;
    EXPECT_STATUS(mp_create_intent_keyed(b, dev[0], 1500, "abi-T4", 1, k41, &o), MP_STATUS_OUTCOME_UNKNOWN);
    CHECK(o == SENT);
    sim_clear_faults();
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[0], &o));
    CHECKF(json_count(o, "holds") == 1, "holds of %s: %s", dev[0], o ? o : "-");
    EXPECT_JSON(o, "holds.0.idempotency_key", k41);
    EXPECT_JSON(o, "holds.0.intent_id", "null");
    mp_string_free(o);
    o = NULL;
    EXPECT_OK(mp_device_clear(b, dev[0], &o));
    EXPECT_JSON(o, "free", "false");
    EXPECT_JSON(o, "holding.0.idempotency_key", k41);
    mp_string_free(o);
    id = create_keyed(b, dev[0], 1500, "abi-T4", k41);
    EXPECT_KEY_COUNTS(k41, "4", "1");
    o = NULL;
    EXPECT_OK(mp_device_holds(b, dev[0], &o));
    if (id) {
        int i = json_find(o, "holds", "idempotency_key", k41);
        char p[64];
        snprintf(p, sizeof p, "holds.%d", i);
        /* Unless the sale already ended in between. */
        if (i >= 0)
            EXPECT_AT(o, p, "intent_id", id);
    }
    mp_string_free(o);
    json = wait_final(b, id, &st);
    free(json);
    free(id);

done:
    mp_string_free(report);
    mp_string_free(report2);
    free(p12);
    free(id21);
    mp_free(b);
    remove_tree(dir);
}

/* A recovery that runs while another settles the same entry (here: from the first one's
 * progress callback, which may call other mp_ functions; two POS processes starting at once on
 * one journal do the same) must not change what the first said: "calling it twice gives the
 * same answer". */
typedef struct {
    MpClient *client;
    int calls;
    MpStatus inner_status;
    char *inner; /* the nested call's report (the library's string) */
} Nested;

static int32_t recover_inside(void *user_data, MpIntentState state, const char *json)
{
    Nested *n = user_data;
    (void)state;
    (void)json;
    if (n->calls++ == 0)
        n->inner_status = mp_recover(n->client, 20000, &n->inner);
    return 0;
}

static void test_nested_recovery(const char *dev)
{
    char dir[512];
    char path[700];
    char extra[1400];
    char key[96];
    char *quoted = NULL;
    char *outer = NULL;
    char *again = NULL;
    char *o = NULL;
    char *r_inner, *r_outer, *r_again;
    MpClient *a, *b;
    Nested n;

    section("journal: a recovery while another settles the same sale");
    snprintf(dir, sizeof dir, "%s/mppoint-abi-nested.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) {
        CHECKF(0, "mkdtemp(%s): %s", dir, strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/j.db", dir);
    EXPECT_OK(mp_json_quote(path, &quoted));
    snprintf(extra, sizeof extra, ",\"journal_path\":%s,\"poll_interval_ms\":20,\"timeout_ms\":5000",
             quoted ? quoted : "null");
    mp_string_free(quoted);
    a = open_client(g_sim_url, extra);
    b = open_client(g_sim_url, extra);
    if (a == NULL || b == NULL) {
        mp_free(a);
        mp_free(b);
        remove_tree(dir);
        return;
    }
    snprintf(key, sizeof key, "abi-nested-%ld-%lld", (long)getpid(), now_ms());
    free(create_keyed(a, dev, 1500, "abi-nested", key));
    mp_free(a); /* ends mid-sale */

    memset(&n, 0, sizeof n);
    n.client = b;
    EXPECT_OK(mp_recover_with_progress(b, 20000, recover_inside, &n, &outer));
    CHECKF(n.calls >= 1, "the callback was called %d times", n.calls);
    CHECKF(n.inner_status == MP_STATUS_OK, "the nested mp_recover -> %s", mp_status_name(n.inner_status));
    EXPECT_OK(mp_recover(b, 0, &again));
    r_inner = jget(n.inner, "sales.0.resolution");
    r_outer = jget(outer, "sales.0.resolution");
    r_again = jget(again, "sales.0.resolution");
    CHECKF(r_inner && r_outer && strcmp(r_inner, r_outer) == 0,
           "the nested recovery said \"%s\", the one around it \"%s\" for the same sale (report: %s)",
           r_inner ? r_inner : "-", r_outer ? r_outer : "-", outer ? outer : "-");
    CHECKF(r_inner && r_again && strcmp(r_inner, r_again) == 0,
           "recovery first reported \"%s\", later \"%s\": the journal's record changed", r_inner ? r_inner : "-",
           r_again ? r_again : "-");
    free(r_inner);
    free(r_outer);
    free(r_again);
    /* Whatever it is called, nothing was paid and the terminal is free. */
    EXPECT_JSON(again, "tickets.0.verdict", "not_paid");
    EXPECT_OK(mp_device_holds(b, dev, &o));
    EXPECT_JSON(o, "holds", "[]");
    mp_string_free(o);
    mp_string_free(n.inner);
    mp_string_free(outer);
    mp_string_free(again);
    mp_free(b);
    remove_tree(dir);
}

/* ------------------------------------------------------------------------------------------ */

int main(void)
{
    MpClient *c;
    char *dev[3] = {NULL, NULL, NULL};
    int i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_token = getenv("MP_ACCESS_TOKEN");
    g_sim_url = getenv("MP_BASE_URL");
    if (g_token == NULL || g_token[0] == '\0' || g_sim_url == NULL || g_sim_url[0] == '\0' ||
        strpbrk(g_token, "\"\\") || strpbrk(g_sim_url, "\"\\")) {
        printf("test_abi: set MP_BASE_URL (a running point-sim) and MP_ACCESS_TOKEN, e.g. via scripts/with-sim.sh\n");
        printf("0 passed, 1 failed\n");
        return 2;
    }

    test_last_error_semantics(); /* first: relies on a fresh thread */
    test_version_and_names();
    test_options();
    test_json_get();
    test_json_quote();
    test_sign_challenge();
    test_verify_signature();
    test_parse_notification();
    test_transport_failures();
    test_http_statuses();
    test_retries();
    test_keyed_retries();
    test_wire_format();

    c = open_client(g_sim_url, ",\"poll_interval_ms\":20,\"timeout_ms\":5000");
    if (c != NULL) {
        test_null_arguments(c);
        test_bad_input(c, k_sim_devices[0]);
        if (test_devices(c, dev) == 3) {
            test_operating_mode(c, dev[2]);
            test_sales(c, dev);
            test_busy_and_cancel(c, dev[0]);
            test_wait_timeout_and_abort(c, dev[1]);
            test_idempotent_create(c, dev[2]);
            test_keyed_lost_answer(dev[0]);
            test_refund_keyed(dev[1]);
            test_journal(dev);
            test_nested_recovery(dev[1]);
        }
        test_log_callback(c);
        test_integrator_and_webhook(c);
        mp_free(c);
    }
    for (i = 0; i < 3; i++)
        free(dev[i]);

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
