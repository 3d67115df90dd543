/*
 * win_sale.c - a whole sale through mppoint.dll, built with mingw-w64 and run under Wine
 * against a point-sim running on the Linux host (scripts/test-windows.sh runs it).
 *
 * Built two ways from this one file:
 *   - cdecl (default): calls the functions of point.h, linked with the GNU import library;
 *   - -DMP_STDCALL (32-bit only): loads mppoint.dll with LoadLibrary and calls only the
 *     `<name>_std` exports, through __stdcall function pointers, with __stdcall callbacks,
 *     the way VB6's Declare calls them. It also calls two `_std` functions through the import
 *     library, declared __stdcall (decorated names), as a mingw C program would.
 *
 * Environment: MP_BASE_URL (the simulator) and MP_ACCESS_TOKEN, as scripts/with-sim.sh sets.
 * Ends with exactly one line "N passed, N failed"; exits non-zero if anything failed.
 */
#include <windows.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "point.h"

/* ------------------------------------------------------------------------------------------ */
/* Calling convention of the build                                                            */

/* Every function of point.h that this test calls, except those that take a callback. */
#define PLAIN_FUNCTIONS(X)                                                                          \
    X(mp_version) X(mp_status_name) X(mp_intent_state_name) X(mp_intent_state_is_final)          \
    X(mp_last_error) X(mp_last_http_status) X(mp_string_free) X(mp_init) X(mp_init_with_options) \
    X(mp_free) X(mp_list_devices) X(mp_create_intent_simple) X(mp_intent_status)                 \
    X(mp_cancel_intent) X(mp_sign_challenge) X(mp_json_get) X(mp_parse_notification)

#ifdef MP_STDCALL
#define MPCB __stdcall
#define CONVENTION "stdcall (_std exports)"
typedef int32_t(MPCB *WaitCb)(void *user_data, MpIntentState state, const char *intent_json);
typedef void(MPCB *LogCb)(void *user_data, MpLogLevel level, const char *message);

/* A pointer per function: the type of its point.h declaration, made __stdcall, so the
 * parameters cannot differ from the header's. */
#define DECLARE_POINTER(f) static __typeof__(f) __attribute__((stdcall)) *p_##f;
PLAIN_FUNCTIONS(DECLARE_POINTER)
/* The two that take a callback take a __stdcall one. */
static MpStatus(MPCB *p_mp_wait_intent)(MpClient *client, const char *intent_id, uint32_t timeout_ms,
                                         WaitCb callback, void *user_data, MpIntentState *out_state,
                                         char **out_json);
static void(MPCB *p_mp_set_log_callback)(MpClient *client, LogCb callback, void *user_data,
                                          uint32_t min_level);
#define MP(f) p_##f

/* Through the import library: decorated names (_mp_version_std@0), imported undecorated. */
__declspec(dllimport) const char *__stdcall mp_version_std(void);
__declspec(dllimport) MpStatus __stdcall mp_json_get_std(const char *json, const char *path,
                                                          char **out_value);
#else
#define MPCB
#define CONVENTION "cdecl"
typedef MpWaitCallback WaitCb;
typedef MpLogCallback LogCb;
#define MP(f) f
#endif

/* ------------------------------------------------------------------------------------------ */
/* Assertions                                                                                  */

static int g_passed;
static int g_failed;

static void check_(int ok, int line, const char *fmt, ...)
{
    va_list ap;
    if (ok) {
        g_passed++;
        return;
    }
    g_failed++;
    printf("FAIL win_sale.c:%d: ", line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

#define CHECK(cond) check_(!!(cond), __LINE__, "%s", #cond)
#define CHECKF(cond, ...) check_(!!(cond), __LINE__, __VA_ARGS__)
#define EXPECT_STATUS(expr, want)                                                             \
    do {                                                                                      \
        MpStatus got_ = (expr);                                                               \
        MpStatus want_ = (want);                                                              \
        check_(got_ == want_, __LINE__, "%s returned %s, want %s (%s, HTTP %d)", #expr,       \
               MP(mp_status_name)(got_), MP(mp_status_name)(want_), MP(mp_last_error)(),      \
               (int)MP(mp_last_http_status)());                                               \
    } while (0)
#define EXPECT_OK(expr) EXPECT_STATUS(expr, MP_STATUS_OK)

static void section(const char *name)
{
    printf("# %s\n", name);
    fflush(stdout);
}

/* Non-ASCII text, as UTF-8: "Café ñandú €". */
#define NON_ASCII "Caf\xc3\xa9 \xc3\xb1" "and\xc3\xba \xe2\x82\xac"

static char g_sentinel;
#define SENT (&g_sentinel)

/* The value at path as a malloc'd copy, or NULL. */
static char *jget(const char *json, const char *path)
{
    char *value = NULL;
    char *copy;
    if (json == NULL || MP(mp_json_get)(json, path, &value) != MP_STATUS_OK)
        return NULL;
    copy = _strdup(value);
    MP(mp_string_free)(value);
    return copy;
}

#define EXPECT_JSON(json, path, want)                                                          \
    do {                                                                                       \
        char *v_ = jget((json), (path));                                                       \
        check_(v_ != NULL && strcmp(v_, (want)) == 0, __LINE__, "%s is \"%s\", want \"%s\"",   \
               (path), v_ ? v_ : "(missing)", (want));                                         \
        free(v_);                                                                              \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Callbacks (in the build's calling convention)                                              */

typedef struct {
    void *self;
    int calls;
    int wrong_user_data;
    int abort_after;
    MpIntentState last;
    int went_back;
} Progress;

static int32_t MPCB on_progress(void *user_data, MpIntentState state, const char *intent_json)
{
    Progress *p = user_data;
    if (p == NULL || p->self != p) {
        if (p != NULL)
            p->wrong_user_data++;
        return 1;
    }
    if (intent_json == NULL)
        p->wrong_user_data++;
    if (p->calls > 0 && state < p->last)
        p->went_back++;
    p->calls++;
    p->last = state;
    return p->abort_after > 0 && p->calls >= p->abort_after;
}

typedef struct {
    CRITICAL_SECTION lock;
    void *self;
    int lines;
    int token_seen;
    int bad_level;
} LogLines;

static const char *g_token;

static void MPCB on_log(void *user_data, MpLogLevel level, const char *message)
{
    LogLines *l = user_data;
    EnterCriticalSection(&l->lock);
    l->lines++;
    if (l->self != l || level < MP_LOG_LEVEL_ERROR || level > MP_LOG_LEVEL_DEBUG)
        l->bad_level++;
    if (message != NULL && strstr(message, g_token) != NULL)
        l->token_seen++;
    LeaveCriticalSection(&l->lock);
}

static void progress_init(Progress *p, int abort_after)
{
    memset(p, 0, sizeof *p);
    p->self = p;
    p->abort_after = abort_after;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                       */

static void test_version_and_names(void)
{
    int major = -1, minor = -1;
    section("version and names");
    CHECKF(sscanf(MP(mp_version)(), "%d.%d", &major, &minor) == 2 && major == MP_VERSION_MAJOR &&
               minor == MP_VERSION_MINOR,
           "mp_version() is %s, header is %s", MP(mp_version)(), MP_VERSION);
    CHECK(strcmp(MP(mp_status_name)(MP_STATUS_DEVICE_BUSY), "MP_STATUS_DEVICE_BUSY") == 0);
    CHECK(strcmp(MP(mp_status_name)(999), "MP_STATUS_UNKNOWN") == 0);
    CHECK(strcmp(MP(mp_intent_state_name)(MP_INTENT_STATE_FINISHED), "FINISHED") == 0);
    CHECK(MP(mp_intent_state_is_final)(MP_INTENT_STATE_CANCELED) == 1);
    CHECK(MP(mp_intent_state_is_final)(MP_INTENT_STATE_OPEN) == 0);
#ifdef MP_STDCALL
    CHECK(strcmp(mp_version_std(), MP(mp_version)()) == 0);
#endif
}

static void test_text(void)
{
    char *out = SENT;
    section("non-ASCII text and local functions");
    EXPECT_OK(MP(mp_json_get)("{\"name\":\"" NON_ASCII "\",\"n\":18308029193.10}", "name", &out));
    CHECKF(out != SENT && out != NULL && strcmp(out, NON_ASCII) == 0, "round trip gave \"%s\"",
           out != SENT && out ? out : "-");
    if (out != SENT)
        MP(mp_string_free)(out);
    out = NULL;
#ifdef MP_STDCALL
    EXPECT_OK(mp_json_get_std("{\"n\":18308029193.10}", "n", &out));
#else
    EXPECT_OK(MP(mp_json_get)("{\"n\":18308029193.10}", "n", &out));
#endif
    CHECKF(out != NULL && strcmp(out, "18308029193.10") == 0, "number came out as %s", out ? out : "-");
    MP(mp_string_free)(out);

    /* Invalid UTF-8 is refused, never passed on. */
    out = SENT;
    EXPECT_STATUS(MP(mp_json_get)("{\"a\":\"\xc3\x28\"}", "a", &out), MP_STATUS_INVALID_ARGUMENT);
    CHECK(out == SENT);
    CHECK(MP(mp_last_error)()[0] != '\0');

    /* RFC 4231 test case 2, and UTF-8 bytes signed as they are (openssl dgst -sha256 -hmac). */
    out = NULL;
    EXPECT_OK(MP(mp_sign_challenge)("Jefe", "what do ya want for nothing?", &out));
    CHECKF(out && strcmp(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0,
           "HMAC is %s", out ? out : "-");
    MP(mp_string_free)(out);
    out = NULL;
    EXPECT_OK(MP(mp_sign_challenge)("clave-\xc3\xb1", "\xc3\xb1" "and\xc3\xba", &out));
    CHECKF(out && strcmp(out, "dc51fa9dc94f91e73551636ba95db7dd61b917816cf7bcb60d7135837073c985") == 0,
           "HMAC of UTF-8 text is %s", out ? out : "-");
    MP(mp_string_free)(out);

    /* A notification with non-ASCII text keeps it. */
    {
        MpIntentState st = MP_INTENT_STATE_UNKNOWN;
        out = NULL;
        EXPECT_OK(MP(mp_parse_notification)(
            "{\"id\":\"7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1\",\"state\":\"FINISHED\",\"amount\":1500,"
            "\"additional_info\":{\"external_reference\":\"" NON_ASCII "\"}}",
            &st, &out));
        CHECK(st == MP_INTENT_STATE_FINISHED);
        EXPECT_JSON(out, "external_reference", NON_ASCII);
        MP(mp_string_free)(out);
    }
    EXPECT_STATUS(MP(mp_sign_challenge)(NULL, "x", &out), MP_STATUS_INVALID_ARGUMENT);
}

/* With MPPOINT_TEST_PANIC=1 every status-returning export panics inside its boundary: the
 * DLL must catch it (MP_STATUS_INTERNAL, out-parameters untouched, a message), keep the process
 * alive, print nothing, and work normally once the variable is gone. */
static void test_panic_boundary(MpClient *client)
{
    char *out = SENT;
    Progress progress;
    MpIntentState st = (MpIntentState)77;
    section("panic boundary");
    CHECK(SetEnvironmentVariableA("MPPOINT_TEST_PANIC", "1"));
    EXPECT_STATUS(MP(mp_sign_challenge)("secret", "challenge", &out), MP_STATUS_INTERNAL);
    CHECK(out == SENT);
    CHECKF(strstr(MP(mp_last_error)(), "panic") != NULL, "last error after a panic: %s",
           MP(mp_last_error)());
    CHECK(MP(mp_last_http_status)() == 0);
    EXPECT_STATUS(MP(mp_list_devices)(client, NULL, &out), MP_STATUS_INTERNAL);
    CHECK(out == SENT);
    progress_init(&progress, 0);
    EXPECT_STATUS(MP(mp_wait_intent)(client, "no-such-intent", 1000, on_progress, &progress, &st, &out),
                  MP_STATUS_INTERNAL);
    CHECK(progress.calls == 0 && st == (MpIntentState)77 && out == SENT);
    CHECK(SetEnvironmentVariableA("MPPOINT_TEST_PANIC", NULL));
    out = NULL;
    EXPECT_OK(MP(mp_sign_challenge)("secret", "challenge", &out));
    CHECK(MP(mp_last_error)()[0] == '\0');
    MP(mp_string_free)(out);
}

/* Lists the terminals; returns how many ids were copied into dev (malloc'd). */
static int list_devices(MpClient *client, char *dev[3])
{
    char *json = NULL;
    char path[32];
    int n = 0;
    section("list devices");
    EXPECT_OK(MP(mp_list_devices)(client, NULL, &json));
    CHECK(MP(mp_last_http_status)() == 200);
    for (n = 0; n < 3; n++) {
        snprintf(path, sizeof path, "devices.%d.id", n);
        dev[n] = jget(json, path);
        if (dev[n] == NULL)
            break;
    }
    CHECKF(n == 3, "the simulator lists %d devices, want 3: %s", n, json ? json : "-");
    MP(mp_string_free)(json);
    return n;
}

/* Sells `amount` on dev with a non-ASCII reference and waits with the progress callback;
 * returns the final intent JSON (malloc'd) or NULL. */
static char *sell(MpClient *client, const char *dev, int64_t amount, MpIntentState *state)
{
    char *id = NULL;
    char *json = NULL;
    char *copy = NULL;
    Progress progress;
    MpStatus s = MP(mp_create_intent_simple)(client, dev, amount, NON_ASCII, 1, &id);
    CHECKF(s == MP_STATUS_OK && id != NULL, "create %lld -> %s: %s", (long long)amount,
           MP(mp_status_name)(s), MP(mp_last_error)());
    if (s != MP_STATUS_OK)
        return NULL;
    progress_init(&progress, 0);
    *state = MP_INTENT_STATE_UNKNOWN;
    EXPECT_OK(MP(mp_wait_intent)(client, id, 30000, on_progress, &progress, state, &json));
    CHECKF(progress.calls >= 2, "the progress callback ran %d times", progress.calls);
    CHECK(progress.wrong_user_data == 0);
    CHECK(progress.went_back == 0);
    CHECK(progress.last == *state);
    CHECK(MP(mp_intent_state_is_final)(*state));
    if (json != NULL) {
        EXPECT_JSON(json, "id", id);
        EXPECT_JSON(json, "additional_info.external_reference", NON_ASCII);
        copy = _strdup(json);
    }
    MP(mp_string_free)(json);
    MP(mp_string_free)(id);
    return copy;
}

static void test_sales(MpClient *client, char *dev[3])
{
    MpIntentState st;
    char *json;
    section("sales");
    json = sell(client, dev[0], 1500, &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "1500 ended %s", MP(mp_intent_state_name)(st));
    EXPECT_JSON(json, "amount", "1500");
    EXPECT_JSON(json, "payment.state", "approved");
    free(json);

    json = sell(client, dev[2], 1200, &st);
    CHECKF(st == MP_INTENT_STATE_FINISHED, "1200 ended %s", MP(mp_intent_state_name)(st));
    EXPECT_JSON(json, "payment.state", "rejected");
    free(json);
}

/* A second intent on a busy terminal is refused (409); cancelling frees the terminal. */
static void test_busy_and_cancel(MpClient *client, const char *dev)
{
    char *first = NULL;
    char *second = SENT;
    char *json = NULL;
    char *out = NULL;
    MpIntentState st = MP_INTENT_STATE_UNKNOWN;
    Progress progress;

    section("busy terminal and cancel");
    EXPECT_OK(MP(mp_create_intent_simple)(client, dev, 1500, "busy-1", 0, &first));
    if (first == NULL)
        return;
    EXPECT_STATUS(MP(mp_create_intent_simple)(client, dev, 1600, "busy-2", 0, &second), MP_STATUS_DEVICE_BUSY);
    CHECK(MP(mp_last_http_status)() == 409);
    CHECK(MP(mp_last_error)()[0] != '\0');
    CHECK(second == SENT);

    EXPECT_OK(MP(mp_cancel_intent)(client, dev, first, &out));
    EXPECT_JSON(out, "id", first);
    MP(mp_string_free)(out);
    EXPECT_OK(MP(mp_wait_intent)(client, first, 30000, NULL, NULL, &st, &json));
    CHECKF(st == MP_INTENT_STATE_CANCELED, "cancelled intent ended %s", MP(mp_intent_state_name)(st));
    MP(mp_string_free)(json);
    MP(mp_string_free)(first);

    /* The terminal takes the next sale; the callback can stop a wait. */
    first = NULL;
    EXPECT_OK(MP(mp_create_intent_simple)(client, dev, 1500, "after-cancel", 0, &first));
    if (first == NULL)
        return;
    progress_init(&progress, 1);
    st = MP_INTENT_STATE_UNKNOWN;
    EXPECT_STATUS(MP(mp_wait_intent)(client, first, 30000, on_progress, &progress, &st, NULL), MP_STATUS_ABORTED);
    CHECK(progress.calls == 1 && st == progress.last);
    EXPECT_OK(MP(mp_wait_intent)(client, first, 30000, NULL, NULL, &st, NULL));
    CHECK(st == MP_INTENT_STATE_FINISHED);
    EXPECT_STATUS(MP(mp_intent_status)(client, "00000000-0000-4000-8000-000000000000", &st, NULL),
                  MP_STATUS_NOT_FOUND);
    CHECK(MP(mp_last_http_status)() == 404);
    MP(mp_string_free)(first);
}

static void test_log_callback(MpClient *client)
{
    LogLines log;
    char *json = NULL;
    section("log callback");
    memset(&log, 0, sizeof log);
    InitializeCriticalSection(&log.lock);
    log.self = &log;
    MP(mp_set_log_callback)(client, on_log, &log, MP_LOG_LEVEL_DEBUG);
    CHECK(MP(mp_last_error)()[0] == '\0');
    EXPECT_OK(MP(mp_list_devices)(client, NULL, &json));
    MP(mp_string_free)(json);
    MP(mp_set_log_callback)(client, NULL, NULL, MP_LOG_LEVEL_DEBUG);
    CHECKF(log.lines > 0, "no log lines");
    CHECK(log.bad_level == 0);
    CHECK(log.token_seen == 0);
    DeleteCriticalSection(&log.lock);
}

#ifdef MP_STDCALL
static int load_std_exports(void)
{
    HMODULE dll = LoadLibraryA("mppoint.dll");
    int missing = 0;
    if (dll == NULL) {
        printf("FAIL: LoadLibrary(mppoint.dll): error %lu\n", GetLastError());
        return 0;
    }
#define LOAD(f)                                                                          \
    p_##f = (__typeof__(p_##f))(void (*)(void))GetProcAddress(dll, #f "_std");             \
    if (p_##f == NULL) {                                                                 \
        printf("FAIL: mppoint.dll does not export %s_std\n", #f);                        \
        missing++;                                                                       \
    }
    PLAIN_FUNCTIONS(LOAD)
    LOAD(mp_wait_intent)
    LOAD(mp_set_log_callback)
#undef LOAD
    return missing == 0;
}
#endif

int main(void)
{
    const char *base_url = getenv("MP_BASE_URL");
    char options[1024];
    MpClient *client = NULL;
    char *dev[3] = {NULL, NULL, NULL};
    int i;

    setvbuf(stdout, NULL, _IONBF, 0);
    g_token = getenv("MP_ACCESS_TOKEN");
    printf("win_sale: %d-bit, %s\n", (int)(sizeof(void *) * 8), CONVENTION);
    if (g_token == NULL || *g_token == '\0' || base_url == NULL || *base_url == '\0') {
        printf("win_sale: set MP_BASE_URL and MP_ACCESS_TOKEN (scripts/with-sim.sh does)\n");
        printf("0 passed, 1 failed\n");
        return 2;
    }
#ifdef MP_STDCALL
    if (!load_std_exports()) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
#endif

    test_version_and_names();
    test_text();

    snprintf(options, sizeof options,
             "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"poll_interval_ms\":50,\"timeout_ms\":10000}",
             g_token, base_url);
    EXPECT_OK(MP(mp_init_with_options)(options, &client));
    if (client != NULL) {
        test_panic_boundary(client);
        test_log_callback(client);
        if (list_devices(client, dev) == 3) {
            test_sales(client, dev);
            test_busy_and_cancel(client, dev[1]);
        }
        MP(mp_free)(client);
    }
    {
        MpClient *c = (MpClient *)SENT;
        EXPECT_STATUS(MP(mp_init)("", &c), MP_STATUS_INVALID_ARGUMENT);
        CHECK(c == (MpClient *)SENT);
    }
    for (i = 0; i < 3; i++)
        free(dev[i]);

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
