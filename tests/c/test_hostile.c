/*
 * test_hostile.c - hostile input to every export of libmppoint, built with
 * -fsanitize=address,undefined (make hostile-test).
 *
 * test_abi.c checks the documented behaviour of each export; this program checks that nothing
 * a careless or hostile caller passes breaks the library or the caller's memory: NULLs in every
 * position, text that is not UTF-8, empty and huge strings, deep and broken JSON, bad options,
 * identifiers that try to leave their URL segment, out-of-range enums, flags and amounts,
 * freeing NULL, and a few thousand generated inputs. Every call must return a status the
 * header lists for it (never MP_STATUS_INTERNAL), say why on failure, leave out-parameters
 * alone on failure, and give back strings the caller frees. The sanitizers end the run on any
 * memory error or undefined behaviour, and their leak check at exit fails it on any string or
 * client the library allocated and this program freed, or the library kept.
 *
 * Needs a running point-sim (scripts/with-sim.sh sets MP_BASE_URL and MP_ACCESS_TOKEN): calls
 * whose arguments pass the library's checks reach it and come back as HTTP errors.
 *
 * Ends with exactly one line "N passed, N failed"; exits non-zero if anything failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    printf("FAIL test_hostile.c:%d: ", line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

#define CHECK(cond) check_(!!(cond), __LINE__, "%s", #cond)
#define CHECKF(cond, ...) check_(!!(cond), __LINE__, __VA_ARGS__)

static void section(const char *name)
{
    printf("# %s\n", name);
}

/* Out-parameters are preset to these: a failed call must leave them so. */
static char g_sentinel_byte;
#define SENT ((char *)&g_sentinel_byte)
#define SENT_CLIENT ((MpClient *)(void *)&g_sentinel_byte)
#define SENT_STATE ((MpIntentState)0xA5A5A5A5u)

#define BIT(s) (1u << (s))
#define OK BIT(MP_STATUS_OK)
#define INVALID BIT(MP_STATUS_INVALID_ARGUMENT)
#define NOT_FOUND BIT(MP_STATUS_NOT_FOUND)
/* What a call that reaches the simulator with a well-formed but unknown id may answer. */
#define HTTP_ERRORS (BIT(MP_STATUS_NOT_FOUND) | BIT(MP_STATUS_API) | BIT(MP_STATUS_UNAUTHORIZED))
/* What a create whose arguments pass the checks may answer. */
#define CREATE (OK | HTTP_ERRORS | BIT(MP_STATUS_DEVICE_BUSY))

/* A printable excerpt of an argument, for failure messages. */
static const char *show(const char *s)
{
    static char buf[64];
    size_t i;
    if (s == NULL)
        return "NULL";
    for (i = 0; i + 1 < sizeof buf && s[i] != '\0'; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    if (s[i] != '\0' && i >= 4)
        memcpy(buf + i - 3, "...", 3);
    return buf;
}

/*
 * Checks one call's status against the set the header allows for it, and the rules that hold
 * for every failure: a message, never MP_STATUS_INTERNAL (a caught panic), and (for failures
 * decided before any request) no HTTP status.
 */
static int expect_(int line, const char *what, const char *arg, MpStatus st, uint32_t allowed)
{
    const char *e = mp_last_error();
    int ok = st < 32 && (BIT(st) & allowed) != 0;
    check_(ok, line, "%s(%s) returned %s (%.300s)", what, show(arg), mp_status_name(st), e ? e : "NULL");
    check_(e != NULL, line, "%s(%s): mp_last_error() is NULL", what, show(arg));
    if (e != NULL && st != MP_STATUS_OK)
        check_(e[0] != '\0', line, "%s(%s) failed with an empty mp_last_error()", what, show(arg));
    if (e != NULL && st == MP_STATUS_OK)
        check_(e[0] == '\0', line, "%s(%s) succeeded but left mp_last_error() set", what, show(arg));
    if (e != NULL && g_token != NULL)
        check_(strstr(e, g_token) == NULL, line, "%s(%s): the access token is in mp_last_error()", what, show(arg));
    if (st == MP_STATUS_INVALID_ARGUMENT)
        check_(mp_last_http_status() == 0, line, "%s(%s): refused locally with HTTP status %d", what,
               show(arg), mp_last_http_status());
    return st == MP_STATUS_OK;
}
#define EXPECT(what, arg, expr, allowed) expect_(__LINE__, (what), (arg), (expr), (allowed))

/* An out-parameter after the call: untouched on failure; freed (and not NULL unless allowed)
 * on success. */
static void out_(int line, const char *what, const char *arg, int ok, char *out, int may_be_null)
{
    if (!ok) {
        check_(out == SENT, line, "%s(%s) failed but wrote its out-parameter", what, show(arg));
        return;
    }
    check_(out != SENT, line, "%s(%s) succeeded without writing its out-parameter", what, show(arg));
    check_(may_be_null || out != NULL, line, "%s(%s) returned a NULL string", what, show(arg));
    if (out != SENT)
        mp_string_free(out);
}
#define OUT(what, arg, ok, out) out_(__LINE__, (what), (arg), (ok), (out), 0)

static void state_(int line, const char *what, const char *arg, int ok, MpIntentState state)
{
    if (!ok)
        check_(state == SENT_STATE, line, "%s(%s) failed but wrote its state", what, show(arg));
    else
        check_(state <= MP_INTENT_STATE_CONFIRMATION_REQUIRED, line, "%s(%s) wrote state %u", what,
               show(arg), (unsigned)state);
}
#define STATE(what, arg, ok, state) state_(__LINE__, (what), (arg), (ok), (state))

/* ------------------------------------------------------------------------------------------ */
/* Hostile strings                                                                             */

static char *xmalloc(size_t n)
{
    char *p = malloc(n);
    if (p == NULL) {
        printf("out of memory\n0 passed, 1 failed\n");
        exit(2);
    }
    return p;
}

/* prefix, then `count` copies of `unit`, then suffix: a malloc'd string. */
static char *repeat(const char *prefix, const char *unit, size_t count, const char *suffix)
{
    size_t lp = strlen(prefix), lu = strlen(unit), ls = strlen(suffix);
    char *s = xmalloc(lp + lu * count + ls + 1);
    size_t i;
    memcpy(s, prefix, lp);
    for (i = 0; i < count; i++)
        memcpy(s + lp + i * lu, unit, lu);
    memcpy(s + lp + lu * count, suffix, ls + 1);
    return s;
}

enum { MAX_HOSTILE = 64 };
static const char *g_hostile[MAX_HOSTILE];
static char *g_owned[MAX_HOSTILE];
static int g_hostile_count;
static int g_owned_count;

static void add(const char *s)
{
    if (g_hostile_count < MAX_HOSTILE)
        g_hostile[g_hostile_count++] = s;
}

static void add_owned(char *s)
{
    g_owned[g_owned_count++] = s;
    add(s);
}

static void make_hostile_strings(void)
{
    static const char *const fixed[] = {
        "",
        " ",
        "\xff",                       /* never valid in UTF-8 */
        "\xc3\x28",                   /* bad continuation byte */
        "\xc0\xaf",                   /* overlong '/' */
        "\xed\xa0\x80",               /* a UTF-16 surrogate encoded as UTF-8 */
        "\xe2\x82",                   /* truncated sequence */
        "\xf4\x90\x80\x80",           /* above U+10FFFF */
        "ok\xff" "ok",
        "\x01\x02\x7f\r\n\t",
        "%s%s%s%n%n%x",
        "../../users/me",
        "a/b",
        "a?b=c#d",
        "a b",
        "..",
        "%2e%2e%2f",
        "PAX_A910__SMARTPOS1495357742\r\nX-Injected: 1",
        "{",
        "{\"a\":",
        "[1,",
        "\"\\u",
        "\"\\ud800\"",                 /* a lone surrogate escape */
        "{\"a\":\"x\\u0000y\"}",       /* a NUL inside a JSON string */
        "1e999999",
        "-",
        "01",
        "null",
        "[]",
        "{}",
        "\"just a string\"",
        "{\"amount\":1e3}",
        "{\"amount\":1500.5}",
        "{\"amount\":\"1500\"}",
        "{\"amount\":-9223372036854775808}",
        "{\"amount\":18446744073709551616}",
        "{\"id\":{},\"state\":[]}",
        "{\"a\":1,\"a\":2}",
        "ts=,v1=",
        "ts=99999999999999999999,v1=" "00000000000000000000000000000000000000000000000000000000000000000",
        "ts=1,v1=zz,v1=,=,,",
    };
    size_t i;
    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        add(fixed[i]);
    add_owned(repeat("", "a", 8u << 20, ""));                       /* 8 MiB of text */
    add_owned(repeat("\"", "\\u00e9", 1u << 18, "\""));              /* a 1.5 MiB JSON string */
    add_owned(repeat("", "9", 1u << 16, ""));                        /* a 64 KiB "number" id */
    add_owned(repeat("", "[", 1u << 20, ""));                        /* a million open arrays */
    add_owned(repeat("", "{\"a\":", 200, "1}"));                     /* deeper than the parser allows, unclosed */
    {
        char *deep = repeat("", "[", 127, "");
        char *closed = repeat(deep, "]", 127, "");
        free(deep);
        add_owned(closed);                                            /* just within the depth limit */
    }
    add_owned(repeat("{\"id\":\"x\",\"state\":\"", "FINISHED", 1u << 17, "\"}"));
    add_owned(repeat("ts=1", ",v1=00", 1u << 16, ""));
}

static void free_hostile_strings(void)
{
    int i;
    for (i = 0; i < g_owned_count; i++)
        free(g_owned[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Functions that need no client                                                               */

static void pure_functions_with(const char *s)
{
    static const char doc[] = "{\"a\":{\"b\":[1,\"x\"]},\"s\":\"text\"}";
    static const char sig[] = "ts=1700000000,v1=0000000000000000000000000000000000000000000000000000000000000000";
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    MpClient *client = SENT_CLIENT;
    int ok;

    ok = EXPECT("mp_json_get json", s, mp_json_get(s, "a.b.1", &o), OK | INVALID | NOT_FOUND);
    OUT("mp_json_get json", s, ok, o);
    o = SENT;
    ok = EXPECT("mp_json_get whole", s, mp_json_get(s, "", &o), OK | INVALID);
    OUT("mp_json_get whole", s, ok, o);
    o = SENT;
    ok = EXPECT("mp_json_get path", s, mp_json_get(doc, s, &o), OK | INVALID | NOT_FOUND);
    OUT("mp_json_get path", s, ok, o);
    o = SENT;
    ok = EXPECT("mp_json_get path", s, mp_json_get(s, s, &o), OK | INVALID | NOT_FOUND);
    OUT("mp_json_get path", s, ok, o);

    o = SENT;
    ok = EXPECT("mp_parse_notification", s, mp_parse_notification(s, &st, &o), OK | INVALID);
    STATE("mp_parse_notification", s, ok, st);
    OUT("mp_parse_notification", s, ok, o);

    /* Whatever it quotes, the library's own parser reads back the very text. */
    o = SENT;
    ok = EXPECT("mp_json_quote", s, mp_json_quote(s, &o), OK | INVALID);
    if (ok && o != SENT && o != NULL) {
        char *back = SENT;
        int read = EXPECT("mp_json_get of mp_json_quote", s, mp_json_get(o, "", &back), OK);
        CHECKF(read && back != SENT && back != NULL && strcmp(back, s) == 0, "mp_json_quote(%s) did not round-trip",
               show(s));
        OUT("mp_json_get of mp_json_quote", s, read, back);
    }
    OUT("mp_json_quote", s, ok, o);

    o = SENT;
    ok = EXPECT("mp_sign_challenge secret", s, mp_sign_challenge(s, "challenge", &o), OK | INVALID);
    OUT("mp_sign_challenge secret", s, ok, o);
    o = SENT;
    ok = EXPECT("mp_sign_challenge code", s, mp_sign_challenge("secret", s, &o), OK | INVALID);
    OUT("mp_sign_challenge code", s, ok, o);

    /* A signature nobody made never matches, whatever surrounds it. */
    EXPECT("mp_verify_signature secret", s, mp_verify_signature(s, sig, "r", "1", 0, 0), INVALID);
    EXPECT("mp_verify_signature header", s, mp_verify_signature("secret", s, NULL, NULL, 300, 1700000000), INVALID);
    EXPECT("mp_verify_signature ids", s, mp_verify_signature("secret", sig, s, s, INT64_MAX, INT64_MIN), INVALID);

    ok = EXPECT("mp_init", s, mp_init(s, &client), OK | INVALID);
    if (ok)
        mp_free(client);
    else
        CHECKF(client == SENT_CLIENT, "mp_init(%s) failed but wrote the client", show(s));
    client = SENT_CLIENT;
    ok = EXPECT("mp_init_with_options", s, mp_init_with_options(s, &client), OK | INVALID);
    if (ok)
        mp_free(client);
    else
        CHECKF(client == SENT_CLIENT, "mp_init_with_options(%s) failed but wrote the client", show(s));
}

static void test_pure_functions(void)
{
    int i;
    char *o = SENT;
    MpIntentState st = SENT_STATE;

    section("functions without a client, every hostile string in every position");
    for (i = 0; i < g_hostile_count; i++)
        pure_functions_with(g_hostile[i]);

    section("NULL in every position");
    EXPECT("mp_json_get", "NULL, NULL", mp_json_get(NULL, NULL, NULL), INVALID);
    EXPECT("mp_parse_notification", "NULL", mp_parse_notification(NULL, NULL, NULL), INVALID);
    EXPECT("mp_sign_challenge", "NULL", mp_sign_challenge(NULL, NULL, NULL), INVALID);
    EXPECT("mp_verify_signature", "NULL", mp_verify_signature(NULL, NULL, NULL, NULL, 0, 0), INVALID);
    EXPECT("mp_init", "NULL", mp_init(NULL, NULL), INVALID);
    EXPECT("mp_init_with_options", "NULL", mp_init_with_options(NULL, NULL), INVALID);
    EXPECT("mp_recover", "NULL client", mp_recover(NULL, 0, &o), INVALID);
    EXPECT("mp_recover_with_progress", "NULL", mp_recover_with_progress(NULL, 0, NULL, NULL, NULL), INVALID);
    EXPECT("mp_recover_with_progress", "NULL client", mp_recover_with_progress(NULL, UINT32_MAX, NULL, NULL, &o), INVALID);
    EXPECT("mp_acknowledge", "NULL", mp_acknowledge(NULL, NULL), INVALID);
    EXPECT("mp_acknowledge_report", "NULL", mp_acknowledge_report(NULL, NULL), INVALID);
    EXPECT("mp_device_holds", "NULL", mp_device_holds(NULL, NULL, NULL), INVALID);
    EXPECT("mp_device_clear", "NULL", mp_device_clear(NULL, NULL, NULL), INVALID);
    EXPECT("mp_device_holds", "NULL client", mp_device_holds(NULL, "PAX_A910__SMARTPOS1495357742", &o), INVALID);
    EXPECT("mp_device_clear", "NULL client", mp_device_clear(NULL, "PAX_A910__SMARTPOS1495357742", &o), INVALID);
    EXPECT("mp_create_intent_keyed", "NULL", mp_create_intent_keyed(NULL, NULL, 0, NULL, 0, NULL, NULL), INVALID);
    EXPECT("mp_create_intent_keyed", "NULL client",
           mp_create_intent_keyed(NULL, "PAX_A910__SMARTPOS1495357742", 1500, "T", 1, "k", &o), INVALID);
    EXPECT("mp_create_refund_keyed", "NULL", mp_create_refund_keyed(NULL, NULL, NULL, 0, NULL, NULL), INVALID);
    EXPECT("mp_create_refund_keyed", "NULL client",
           mp_create_refund_keyed(NULL, "PAX_A910__SMARTPOS1495357742", "20000000001", 0, "k", &o), INVALID);
    EXPECT("mp_json_quote", "NULL", mp_json_quote(NULL, NULL), INVALID);
    EXPECT("mp_json_quote", "NULL text", mp_json_quote(NULL, &o), INVALID);
    EXPECT("mp_json_quote", "NULL out", mp_json_quote("text", NULL), INVALID);
    CHECK(o == SENT && st == SENT_STATE);
    mp_string_free(NULL);
    mp_free(NULL);

    section("values a C string cannot carry");
    /* A JSON string holding U+0000 cannot come back as a C string: refused, not truncated. */
    EXPECT("mp_json_get", "a NUL inside a string", mp_json_get("{\"a\":\"x\\u0000y\"}", "a", &o), INVALID);
    CHECK(o == SENT);
    {
        int ok = EXPECT("mp_json_get", "the whole document", mp_json_get("{\"a\":\"x\\u0000y\"}", "", &o), OK);
        CHECKF(ok && o != SENT && strstr(o, "\\u0000") != NULL, "the document came back as %s", ok ? show(o) : "-");
        OUT("mp_json_get", "the whole document", ok, o);
    }
    {
        int ok;
        o = SENT;
        ok = EXPECT("mp_parse_notification", "a NUL in the id",
                    mp_parse_notification("{\"id\":\"a\\u0000b\",\"state\":\"OPEN\"}", &st, &o), OK);
        STATE("mp_parse_notification", "a NUL in the id", ok, st);
        CHECKF(ok && o != SENT && strstr(o, "\\u0000") != NULL, "the notification came back as %s", ok ? show(o) : "-");
        OUT("mp_parse_notification", "a NUL in the id", ok, o);
    }

    section("names and flags of any number");
    {
        static const uint32_t numbers[] = {0, 1, 9, 10, 15, 16, 17, 255, 256, 0x7fffffffu, 0x80000000u, UINT32_MAX};
        size_t k;
        for (k = 0; k < sizeof numbers / sizeof numbers[0]; k++) {
            const char *status = mp_status_name(numbers[k]);
            const char *state = mp_intent_state_name(numbers[k]);
            int32_t final = mp_intent_state_is_final(numbers[k]);
            CHECKF(status != NULL && strncmp(status, "MP_STATUS_", 10) == 0, "mp_status_name(%u)", numbers[k]);
            CHECKF(state != NULL && state[0] != '\0', "mp_intent_state_name(%u)", numbers[k]);
            CHECKF(final == 0 || final == 1, "mp_intent_state_is_final(%u) = %d", numbers[k], (int)final);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                     */

static void test_options(void)
{
    /* Each is refused with a message, or accepted and the client freed. None may crash, hang
     * or leave anything behind. (A ca_file that never ends and a SOCKS proxy are issue 10's
     * D5 and D6, tested where they are fixed.) */
    static const char *const members[] = {
        "\"timeout_ms\":-1", "\"timeout_ms\":1e3", "\"timeout_ms\":18446744073709551616",
        "\"timeout_ms\":0", "\"timeout_ms\":null", "\"timeout_ms\":\"5\"", "\"max_retries\":4294967296",
        "\"max_retries\":11", "\"poll_interval_ms\":9", "\"connect_timeout_ms\":[]",
        "\"site\":\"mla\"", "\"site\":\"\"", "\"site\":1", "\"base_url\":\"\"", "\"base_url\":\"http://\"",
        "\"base_url\":\"https://\"", "\"base_url\":\"http://127.0.0.1@evil.example\"",
        "\"base_url\":\"http://localhost.evil.example\"", "\"base_url\":\"https://x/?q=1\"",
        "\"base_url\":\"https://[::1\"", "\"base_url\":\"javascript:alert(1)\"",
        "\"base_url\":\"https://h\\u0000ost\"", "\"proxy\":\"\"", "\"proxy\":\"not a url\"",
        "\"proxy\":\"http://[::1\"", "\"proxy\":\"ftp://127.0.0.1:1\"", "\"ca_file\":\"\"",
        "\"ca_file\":\"/\"", "\"ca_file\":\"/dev/null\"", "\"ca_file\":\"/nonexistent/ca.pem\"",
        "\"user_agent\":\"a\\r\\nX-Injected: 1\"", "\"user_agent\":\" \"", "\"test_scope\":\"\\u0000\"",
        "\"test_scope\":\"a\\nb\"", "\"access_token\":\"second\"", "\"unknown\":1", "\"\":1",
        "\"access_token\":null",
    };
    static const char *const tokens[] = {
        "", " ", "TEST-a b", "TEST-\\u0000", "TEST-\\r\\n", "TEST-\\u00e9", "TEST-\\\"x", "TEST-1",
    };
    char options[512];
    MpClient *client;
    size_t i;
    int ok;

    section("options");
    for (i = 0; i < sizeof members / sizeof members[0]; i++) {
        snprintf(options, sizeof options, "{\"access_token\":\"%s\",%s}", g_token, members[i]);
        client = SENT_CLIENT;
        ok = EXPECT("mp_init_with_options", options, mp_init_with_options(options, &client), OK | INVALID);
        if (ok) {
            CHECK(client != NULL && client != SENT_CLIENT);
            mp_free(client);
        } else {
            CHECKF(client == SENT_CLIENT, "%s: the client was written", options);
        }
    }
    for (i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        snprintf(options, sizeof options, "{\"access_token\":\"%s\"}", tokens[i]);
        client = SENT_CLIENT;
        ok = EXPECT("mp_init_with_options", options, mp_init_with_options(options, &client), OK | INVALID);
        if (ok)
            mp_free(client);
        /* Control characters and spaces would corrupt the Authorization header. */
        if (i < 5)
            CHECKF(!ok, "token \"%s\" was accepted", tokens[i]);
    }

    section("extreme options that are accepted still make working calls");
    snprintf(options, sizeof options,
             "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"timeout_ms\":18446744073709551615,"
             "\"connect_timeout_ms\":18446744073709551615,\"max_retries\":10,"
             "\"poll_interval_ms\":18446744073709551615}",
             g_token, g_sim_url);
    client = NULL;
    ok = EXPECT("mp_init_with_options", "the largest timeouts", mp_init_with_options(options, &client), OK);
    if (ok) {
        char *o = SENT;
        MpIntentState st = SENT_STATE;
        ok = EXPECT("mp_list_devices", "the largest timeouts", mp_list_devices(client, NULL, &o), OK);
        OUT("mp_list_devices", "the largest timeouts", ok, o);
        /* timeout 0 is exactly one read: the huge poll interval is never slept. */
        o = SENT;
        ok = EXPECT("mp_wait_intent", "the largest timeouts",
                    mp_wait_intent(client, "00000000-0000-4000-8000-000000000000", 0, NULL, NULL, &st, &o),
                    NOT_FOUND);
        STATE("mp_wait_intent", "the largest timeouts", ok, st);
        OUT("mp_wait_intent", "the largest timeouts", ok, o);
        mp_free(client);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Functions that take a client                                                                */

/* Log lines run on the calling thread; this program makes its calls from one thread. */
static int g_log_lines;
static int g_log_token_hits;
static void count_log(void *user_data, MpLogLevel level, const char *message)
{
    (void)user_data;
    (void)level;
    if (message == NULL)
        return;
    g_log_lines++;
    if (strstr(message, g_token) != NULL)
        g_log_token_hits++;
}

/* Every identifier, body and key position of every client export gets `s`. A call whose
 * arguments pass the library's checks reaches the simulator, which knows no such thing. */
static void client_functions_with(MpClient *c, const char *dev, const char *s)
{
    static const char *const id = "00000000-0000-4000-8000-000000000000";
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    int ok;

#define TRY_OUT(what, expr, allowed)                    \
    do {                                                \
        o = SENT;                                       \
        ok = EXPECT((what), s, (expr), (allowed));      \
        OUT((what), s, ok, o);                          \
    } while (0)
#define TRY_STATE(what, expr, allowed)                  \
    do {                                                \
        o = SENT;                                       \
        st = SENT_STATE;                                \
        ok = EXPECT((what), s, (expr), (allowed));      \
        STATE((what), s, ok, st);                       \
        OUT((what), s, ok, o);                          \
    } while (0)

    TRY_OUT("mp_list_devices filters", mp_list_devices(c, s, &o), OK | INVALID);
    TRY_OUT("mp_set_operating_mode device", mp_set_operating_mode(c, s, "PDV", &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_set_operating_mode mode", mp_set_operating_mode(c, dev, s, &o), INVALID);
    /* A valid sale around each hostile argument: one that passes the checks makes an intent
     * on the simulator's terminal (which is then busy) or reaches an unknown device. */
    TRY_OUT("mp_create_intent device", mp_create_intent(c, s, "{\"amount\":1500}", NULL, &o), INVALID | CREATE);
    TRY_OUT("mp_create_intent body", mp_create_intent(c, dev, s, NULL, &o), INVALID);
    TRY_OUT("mp_create_intent key", mp_create_intent(c, dev, "{\"amount\":1500}", s, &o), INVALID | CREATE);
    TRY_OUT("mp_create_intent_simple device", mp_create_intent_simple(c, s, 1500, NULL, 1, &o), INVALID | CREATE);
    TRY_OUT("mp_create_intent_simple reference", mp_create_intent_simple(c, dev, 1500, s, 2, &o), INVALID | CREATE);
    TRY_STATE("mp_intent_status", mp_intent_status(c, s, &st, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_cancel_intent device", mp_cancel_intent(c, s, id, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_cancel_intent intent", mp_cancel_intent(c, dev, s, &o), INVALID | HTTP_ERRORS);
    TRY_STATE("mp_wait_intent", mp_wait_intent(c, s, UINT32_MAX, NULL, NULL, &st, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_intent_last_event", mp_intent_last_event(c, s, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_list_intent_events start", mp_list_intent_events(c, s, "2026-01-01", &o), INVALID);
    TRY_OUT("mp_list_intent_events end", mp_list_intent_events(c, "2026-01-01", s, &o), INVALID);
    TRY_OUT("mp_create_refund device", mp_create_refund(c, s, "20000000001", "[]", NULL, &o), INVALID);
    TRY_OUT("mp_create_refund payment", mp_create_refund(c, dev, s, "[]", NULL, &o), INVALID);
    /* {"amount": n} is a partial refund, which the Point Integration API has not. */
    TRY_OUT("mp_create_refund body", mp_create_refund(c, dev, "20000000001", s, NULL, &o),
            INVALID | CREATE | BIT(MP_STATUS_UNSUPPORTED));
    TRY_OUT("mp_create_refund key", mp_create_refund(c, dev, "20000000001", "[]", s, &o), INVALID);
    TRY_STATE("mp_refund_status", mp_refund_status(c, s, &st, &o), INVALID | HTTP_ERRORS);
    TRY_STATE("mp_wait_refund", mp_wait_refund(c, s, UINT32_MAX, NULL, NULL, &st, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_cancel_refund device", mp_cancel_refund(c, s, id, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_cancel_refund refund", mp_cancel_refund(c, dev, s, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_get_payment", mp_get_payment(c, s, &o), INVALID | HTTP_ERRORS);
    TRY_OUT("mp_create_test_user", mp_create_test_user(c, s, &o), INVALID | HTTP_ERRORS | OK);
    EXPECT("mp_set_webhook", s, mp_set_webhook(c, s), OK | INVALID | HTTP_ERRORS);
    TRY_OUT("mp_create_intent_keyed device", mp_create_intent_keyed(c, s, 1500, NULL, 1, NULL, &o), INVALID | CREATE);
    TRY_OUT("mp_create_intent_keyed reference", mp_create_intent_keyed(c, dev, 1500, s, 0, NULL, &o), INVALID | CREATE);
    TRY_OUT("mp_create_intent_keyed key", mp_create_intent_keyed(c, dev, 1500, "T", 1, s, &o), INVALID | CREATE);
    /* Amount 0 (the whole payment) reaches the simulator; 500 (a partial refund) never does. */
    TRY_OUT("mp_create_refund_keyed device", mp_create_refund_keyed(c, s, "20000000001", 0, NULL, &o), INVALID | CREATE);
    TRY_OUT("mp_create_refund_keyed payment", mp_create_refund_keyed(c, dev, s, 500, NULL, &o),
            INVALID | BIT(MP_STATUS_UNSUPPORTED));
    TRY_OUT("mp_create_refund_keyed key", mp_create_refund_keyed(c, dev, "20000000001", 500, s, &o),
            INVALID | BIT(MP_STATUS_UNSUPPORTED));
    /* Without a journal the journal's calls refuse whatever they are given. */
    EXPECT("mp_acknowledge no journal", s, mp_acknowledge(c, s), INVALID);
    EXPECT("mp_acknowledge_report no journal", s, mp_acknowledge_report(c, s), INVALID);
    TRY_OUT("mp_device_holds no journal", mp_device_holds(c, s, &o), INVALID);
    TRY_OUT("mp_device_clear no journal", mp_device_clear(c, s, &o), INVALID);
#undef TRY_OUT
#undef TRY_STATE
}

static void test_client_functions(MpClient *c)
{
    static const char dev[] = "PAX_A910__SMARTPOS1495357742";
    static const int64_t amounts[] = {INT64_MIN, -1500, -1, 0, 400000001, INT64_MAX};
    static const int32_t flags[] = {INT32_MIN, -1, 2, INT32_MAX};
    static const uint32_t levels[] = {0, 5, 255, UINT32_MAX};
    char *o = SENT;
    MpIntentState st = SENT_STATE;
    size_t k;
    int i;

    section("functions with a client, every hostile string in every position");
    for (i = 0; i < g_hostile_count; i++)
        client_functions_with(c, dev, g_hostile[i]);

    section("amounts, flags and levels out of range");
    for (k = 0; k < sizeof amounts / sizeof amounts[0]; k++) {
        o = SENT;
        EXPECT("mp_create_intent_simple amount", "", mp_create_intent_simple(c, dev, amounts[k], "T", 1, &o), INVALID);
        CHECKF(o == SENT, "amount %lld wrote the id", (long long)amounts[k]);
    }
    for (k = 0; k < sizeof amounts / sizeof amounts[0]; k++) {
        o = SENT;
        EXPECT("mp_create_intent_keyed amount", "", mp_create_intent_keyed(c, dev, amounts[k], "T", 1, "hostile-amount", &o),
               INVALID);
        CHECKF(o == SENT, "amount %lld wrote the id", (long long)amounts[k]);
        /* Negative refund amounts are refused; 0 and positive ones are the whole payment or a
         * partial refund (which the Point Integration API has not). */
        if (amounts[k] < 0) {
            EXPECT("mp_create_refund_keyed amount", "", mp_create_refund_keyed(c, dev, "20000000001", amounts[k], NULL, &o),
                   INVALID);
            CHECKF(o == SENT, "refund amount %lld wrote the id", (long long)amounts[k]);
        } else if (amounts[k] > 0) {
            EXPECT("mp_create_refund_keyed amount", "", mp_create_refund_keyed(c, dev, "20000000001", amounts[k], NULL, &o),
                   INVALID | BIT(MP_STATUS_UNSUPPORTED));
            CHECK(o == SENT);
        }
    }
    for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
        o = SENT;
        /* Any non-zero flag means "print"; the amount still refuses the intent. */
        EXPECT("mp_create_intent_simple flag", "", mp_create_intent_simple(c, dev, 0, NULL, flags[k], &o), INVALID);
        CHECK(o == SENT);
    }
    for (k = 0; k < sizeof levels / sizeof levels[0]; k++) {
        mp_set_log_callback(c, count_log, NULL, levels[k]);
        CHECKF(mp_last_error()[0] != '\0', "min_level %u was accepted", levels[k]);
        mp_set_log_callback(NULL, count_log, NULL, levels[k]);
        CHECK(mp_last_error()[0] != '\0');
    }
    EXPECT("mp_verify_signature tolerance", "INT64_MIN", mp_verify_signature("s", "ts=1,v1=00", NULL, NULL, INT64_MIN, 0), INVALID);
    EXPECT("mp_verify_signature tolerance", "-1", mp_verify_signature("s", "ts=1,v1=00", NULL, NULL, -1, 0), INVALID);

    section("NULL in every position, with a client");
    mp_set_log_callback(c, NULL, NULL, MP_LOG_LEVEL_DEBUG);
    CHECK(mp_last_error()[0] == '\0');
    EXPECT("mp_list_devices", "NULL", mp_list_devices(c, NULL, NULL), INVALID);
    EXPECT("mp_set_operating_mode", "NULL", mp_set_operating_mode(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_get_integrator", "NULL", mp_get_integrator(c, NULL), INVALID);
    EXPECT("mp_set_webhook", "NULL", mp_set_webhook(c, NULL), INVALID);
    EXPECT("mp_create_intent", "NULL", mp_create_intent(c, NULL, NULL, NULL, NULL), INVALID);
    EXPECT("mp_create_intent_simple", "NULL", mp_create_intent_simple(c, NULL, 1500, NULL, 0, NULL), INVALID);
    EXPECT("mp_intent_status", "NULL", mp_intent_status(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_cancel_intent", "NULL", mp_cancel_intent(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_wait_intent", "NULL", mp_wait_intent(c, NULL, 0, NULL, NULL, NULL, NULL), INVALID);
    EXPECT("mp_intent_last_event", "NULL", mp_intent_last_event(c, NULL, NULL), INVALID);
    EXPECT("mp_list_intent_events", "NULL", mp_list_intent_events(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_create_refund", "NULL", mp_create_refund(c, NULL, NULL, NULL, NULL, NULL), INVALID);
    EXPECT("mp_refund_status", "NULL", mp_refund_status(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_wait_refund", "NULL", mp_wait_refund(c, NULL, 0, NULL, NULL, NULL, NULL), INVALID);
    EXPECT("mp_cancel_refund", "NULL", mp_cancel_refund(c, NULL, NULL, NULL), INVALID);
    EXPECT("mp_get_payment", "NULL", mp_get_payment(c, NULL, NULL), INVALID);
    EXPECT("mp_create_test_user", "NULL", mp_create_test_user(c, NULL, NULL), INVALID);
    EXPECT("mp_recover", "NULL", mp_recover(c, 0, NULL), INVALID);
    EXPECT("mp_recover_with_progress", "NULL", mp_recover_with_progress(c, 0, NULL, NULL, NULL), INVALID);
    EXPECT("mp_acknowledge", "NULL", mp_acknowledge(c, NULL), INVALID);
    EXPECT("mp_acknowledge_report", "NULL", mp_acknowledge_report(c, NULL), INVALID);
    EXPECT("mp_device_holds", "NULL", mp_device_holds(c, NULL, NULL), INVALID);
    EXPECT("mp_device_clear", "NULL", mp_device_clear(c, NULL, NULL), INVALID);
    EXPECT("mp_create_intent_keyed", "NULL", mp_create_intent_keyed(c, NULL, 1500, NULL, 0, NULL, NULL), INVALID);
    EXPECT("mp_create_intent_keyed", "NULL out", mp_create_intent_keyed(c, dev, 1500, NULL, 0, "k", NULL), INVALID);
    EXPECT("mp_create_refund_keyed", "NULL", mp_create_refund_keyed(c, NULL, NULL, 0, NULL, NULL), INVALID);
    EXPECT("mp_create_refund_keyed", "NULL out", mp_create_refund_keyed(c, dev, "20000000001", 0, "k", NULL), INVALID);
    /* A client without a journal has nothing to recover. */
    EXPECT("mp_recover", "no journal", mp_recover(c, UINT32_MAX, &o), INVALID);
    EXPECT("mp_recover_with_progress", "no journal", mp_recover_with_progress(c, UINT32_MAX, NULL, NULL, &o), INVALID);
    CHECK(mp_last_idempotency_key() != NULL);
    CHECK(o == SENT && st == SENT_STATE);

    /* Optional out-parameters left NULL on calls that reach the simulator. */
    EXPECT("mp_intent_status", "no out-parameters", mp_intent_status(c, "unknown-id", NULL, NULL), HTTP_ERRORS);
    EXPECT("mp_wait_intent", "no out-parameters", mp_wait_intent(c, "unknown-id", 0, NULL, NULL, NULL, NULL), HTTP_ERRORS);
    EXPECT("mp_cancel_intent", "no out-parameters", mp_cancel_intent(c, dev, "unknown-id", NULL), HTTP_ERRORS);
}

/* ------------------------------------------------------------------------------------------ */
/* A client with a journal                                                                     */

static char g_journal_dir[512];

/* Removes a directory and what the journal left in it (files, folders). */
static void remove_tree(const char *dir)
{
    char path[1200];
    struct stat sb;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Options for a client on the simulator with `member` (",\"journal_path\":…" and the like). */
static void journal_options(char *out, size_t cap, const char *member)
{
    snprintf(out, cap, "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"timeout_ms\":5000,\"max_retries\":0,"
                       "\"poll_interval_ms\":20%s}",
             g_token, g_sim_url, member);
}

/* Journal options that are wrong, or point at what cannot be a journal: refused with a
 * message (at once or at the first use), never a crash or a file outside the test's folder. */
static void test_journal_options(void)
{
    static const char *const members[] = {
        ",\"journal_path\":\"\"", ",\"journal_path\":null", ",\"journal_path\":1", ",\"journal_path\":[]",
        ",\"journal_path\":\"%s\"", ",\"journal_path\":\"%s/file/j.db\"", ",\"journal_path\":\"%s/file\"",
        ",\"journal_path\":\"%s/a\\u0000b\"", ",\"journal_path\":\"%s/missing/deeper/j.db\"",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":0",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":3651",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":-1",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":1e3",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":\"30\"",
        ",\"journal_path\":\"%s/ok.db\",\"journal_retention_days\":18446744073709551616",
        ",\"journal_retention_days\":30",
    };
    char member[600];
    char options[1400];
    char file[600];
    FILE *f;
    size_t i;

    section("journal options");
    snprintf(file, sizeof file, "%s/file", g_journal_dir);
    f = fopen(file, "w");
    if (f != NULL) {
        fputs("this is not a journal, and it is not a folder either\n", f);
        fclose(f);
    }
    for (i = 0; i < sizeof members / sizeof members[0]; i++) {
        MpClient *client = SENT_CLIENT;
        int ok;
        snprintf(member, sizeof member, members[i], g_journal_dir);
        journal_options(options, sizeof options, member);
        ok = EXPECT("mp_init_with_options", member, mp_init_with_options(options, &client),
                    OK | INVALID | BIT(MP_STATUS_JOURNAL));
        if (!ok) {
            CHECKF(client == SENT_CLIENT, "%s: the client was written", member);
            continue;
        }
        {
            char *o = SENT;
            int recovered = EXPECT("mp_recover", member, mp_recover(client, 0, &o), OK | INVALID | BIT(MP_STATUS_JOURNAL));
            OUT("mp_recover", member, recovered, o);
            o = SENT;
            recovered = EXPECT("mp_device_holds", member, mp_device_holds(client, "PAX_A910__SMARTPOS1495357742", &o),
                               OK | INVALID | BIT(MP_STATUS_JOURNAL));
            OUT("mp_device_holds", member, recovered, o);
        }
        mp_free(client);
    }
    /* A path longer than any file system allows. */
    {
        char *longer = repeat(",\"journal_path\":\"/tmp/", "a", 5000, "/j.db\"");
        MpClient *client = SENT_CLIENT;
        char *opts = xmalloc(strlen(longer) + 512);
        int ok;
        snprintf(opts, strlen(longer) + 512, "{\"access_token\":\"%s\",\"base_url\":\"%s\"%s}", g_token, g_sim_url, longer);
        ok = EXPECT("mp_init_with_options", "a 5000-character journal_path", mp_init_with_options(opts, &client),
                    OK | INVALID | BIT(MP_STATUS_JOURNAL));
        if (ok) {
            char *o = SENT;
            int recovered = EXPECT("mp_recover", "a 5000-character journal_path", mp_recover(client, 0, &o),
                                   OK | INVALID | BIT(MP_STATUS_JOURNAL));
            OUT("mp_recover", "a 5000-character journal_path", recovered, o);
            mp_free(client);
        }
        free(opts);
        free(longer);
    }
}

/* Every string position of the journal's calls, with a journal this time. */
static void journal_functions_with(MpClient *j, const char *dev, const char *s)
{
    char *o = SENT;
    int ok;
    EXPECT("mp_acknowledge", s, mp_acknowledge(j, s), INVALID | NOT_FOUND);
    EXPECT("mp_acknowledge_report", s, mp_acknowledge_report(j, s), OK | INVALID);
    ok = EXPECT("mp_device_holds", s, mp_device_holds(j, s, &o), OK | INVALID);
    OUT("mp_device_holds", s, ok, o);
    o = SENT;
    /* Nothing of this journal is on such a terminal: nothing to read or cancel. */
    ok = EXPECT("mp_device_clear", s, mp_device_clear(j, s, &o), OK | INVALID);
    OUT("mp_device_clear", s, ok, o);
    /* A create is journaled before it is sent: hostile text must not break the journal. */
    o = SENT;
    ok = EXPECT("mp_create_intent_keyed journaled reference", s, mp_create_intent_keyed(j, dev, 1500, s, 1, NULL, &o),
                INVALID | CREATE);
    OUT("mp_create_intent_keyed journaled reference", s, ok, o);
    o = SENT;
    ok = EXPECT("mp_create_intent_keyed journaled key", s, mp_create_intent_keyed(j, dev, 1500, "T", 1, s, &o),
                INVALID | CREATE);
    OUT("mp_create_intent_keyed journaled key", s, ok, o);
}

/* A recovery's callback that checks what it is given, calls the client back, and answers
 * `answer` (any int32_t: non-zero stops). */
typedef struct {
    MpClient *client;
    int32_t answer;
    int calls;
} HostileProgress;

static int32_t hostile_progress(void *user_data, MpIntentState state, const char *json)
{
    HostileProgress *p = user_data;
    char *o = SENT;
    int ok;
    p->calls++;
    CHECKF(state <= MP_INTENT_STATE_CONFIRMATION_REQUIRED, "the progress callback got state %u", (unsigned)state);
    CHECK(json != NULL);
    if (json != NULL && json[0] != '\0') {
        ok = EXPECT("mp_json_get of a progress JSON", "", mp_json_get(json, "", &o), OK);
        OUT("mp_json_get of a progress JSON", "", ok, o);
    }
    /* Other calls on the same client, from inside the recovery. */
    o = SENT;
    ok = EXPECT("mp_device_holds in the callback", "", mp_device_holds(p->client, "GERTEC_MP35P__8701012051267097", &o), OK);
    OUT("mp_device_holds in the callback", "", ok, o);
    EXPECT("mp_acknowledge in the callback", "", mp_acknowledge(p->client, "hostile-unknown-key"), NOT_FOUND);
    EXPECT("mp_acknowledge_report in the callback", "", mp_acknowledge_report(p->client, "{"), INVALID);
    return p->answer;
}

/* A sale left on the terminal by a POS that ended (a client freed mid-sale). */
static void leave_a_sale(const char *options, const char *device, const char *key)
{
    MpClient *gone = NULL;
    char *o = SENT;
    int ok;
    if (!EXPECT("mp_init_with_options", "the POS that ends", mp_init_with_options(options, &gone), OK))
        return;
    ok = EXPECT("mp_create_intent_keyed", key, mp_create_intent_keyed(gone, device, 1500, "hostile-ticket", 1, key, &o), OK);
    OUT("mp_create_intent_keyed", key, ok, o);
    mp_free(gone);
}

static void test_journal_functions(void)
{
    static const char dev[] = "PAX_A910__SMARTPOS1495357742";
    static const char free_dev[] = "GERTEC_MP35P__8701012051267097";
    static const int32_t stops[] = {-1, INT32_MIN, INT32_MAX, 2};
    char path[700];
    char *quoted = NULL;
    char member[800];
    char options[1600];
    MpClient *j = NULL;
    size_t k;
    int i, ok;

    section("the journal's calls, every hostile string in every position");
    snprintf(path, sizeof path, "%s/j.db", g_journal_dir);
    if (!EXPECT("mp_json_quote", path, mp_json_quote(path, &quoted), OK))
        return;
    snprintf(member, sizeof member, ",\"journal_path\":%s", quoted);
    mp_string_free(quoted);
    journal_options(options, sizeof options, member);
    if (!EXPECT("mp_init_with_options", "a journal", mp_init_with_options(options, &j), OK))
        return;
    for (i = 0; i < g_hostile_count; i++)
        journal_functions_with(j, dev, g_hostile[i]);

    section("NULL in every position, with a journal");
    {
        char *o = SENT;
        EXPECT("mp_recover", "NULL", mp_recover(j, 0, NULL), INVALID);
        EXPECT("mp_recover_with_progress", "NULL", mp_recover_with_progress(j, 0, hostile_progress, NULL, NULL), INVALID);
        EXPECT("mp_acknowledge", "NULL", mp_acknowledge(j, NULL), INVALID);
        EXPECT("mp_acknowledge_report", "NULL", mp_acknowledge_report(j, NULL), INVALID);
        EXPECT("mp_device_holds", "NULL", mp_device_holds(j, NULL, &o), INVALID);
        EXPECT("mp_device_holds", "NULL out", mp_device_holds(j, dev, NULL), INVALID);
        EXPECT("mp_device_clear", "NULL", mp_device_clear(j, NULL, &o), INVALID);
        EXPECT("mp_device_clear", "NULL out", mp_device_clear(j, dev, NULL), INVALID);
        CHECK(o == SENT);
    }

    section("reports that are not what mp_recover wrote");
    {
        static const char *const reports[] = {
            "{\"sales\":{}}", "{\"sales\":null}", "{\"sales\":\"x\"}", "{\"tickets\":{}}", "{\"tickets\":[1]}",
            "{\"tickets\":[{\"entries\":\"x\"}]}", "{\"tickets\":[{\"entries\":[null]}]}", "{\"sales\":[[]]}",
            "{\"sales\":[{\"idempotency_key\":null,\"resolution\":\"finished\"}]}",
            "{\"sales\":[{\"idempotency_key\":\"k\",\"resolution\":7}]}",
            "{\"sales\":[{\"idempotency_key\":\"k\",\"resolution\":\"finished\",\"idempotency_key\":\"l\"}]}",
            "{\"sales\":[{\"idempotency_key\":\"\\u0000\",\"resolution\":\"finished\"}]}",
            "{\"sales\":[{\"idempotency_key\":\"' OR 1=1; --\",\"resolution\":\"finished\"}]}",
            "{\"sales\":[],\"tickets\":[],\"extra\":{\"sales\":[{}]}}",
        };
        char *huge_key = repeat("{\"sales\":[{\"resolution\":\"finished\",\"idempotency_key\":\"", "k", 1u << 20, "\"}]}");
        char *many = repeat("{\"sales\":[", "{\"idempotency_key\":\"hostile-none\",\"resolution\":\"canceled\"},", 20000,
                            "{\"idempotency_key\":\"x\",\"resolution\":\"pending\"}]}");
        char *deep = repeat("{\"sales\":[{\"idempotency_key\":\"k\",\"resolution\":\"finished\",\"x\":", "[", 100000, "]}]}");
        for (k = 0; k < sizeof reports / sizeof reports[0]; k++)
            EXPECT("mp_acknowledge_report", reports[k], mp_acknowledge_report(j, reports[k]), OK | INVALID);
        EXPECT("mp_acknowledge_report", "a 1 MiB key", mp_acknowledge_report(j, huge_key), OK | INVALID);
        EXPECT("mp_acknowledge_report", "20000 entries", mp_acknowledge_report(j, many), OK);
        EXPECT("mp_acknowledge_report", "100000 open arrays", mp_acknowledge_report(j, deep), INVALID);
        free(huge_key);
        free(many);
        free(deep);
    }

    section("recovery: callbacks that stop with any non-zero value, and call back in");
    /* A forged report cannot acknowledge what is not settled: the entry is still reported. */
    leave_a_sale(options, free_dev, "hostile-forged");
    EXPECT("mp_acknowledge_report", "a forged resolution",
           mp_acknowledge_report(j, "{\"sales\":[{\"idempotency_key\":\"hostile-forged\",\"resolution\":\"finished\"}]}"),
           OK);
    EXPECT("mp_acknowledge", "an unsettled entry", mp_acknowledge(j, "hostile-forged"), INVALID);
    for (k = 0; k < sizeof stops / sizeof stops[0]; k++) {
        HostileProgress p = {j, stops[k], 0};
        char *o = SENT;
        ok = EXPECT("mp_recover_with_progress", "a callback that stops",
                    mp_recover_with_progress(j, UINT32_MAX, hostile_progress, &p, &o), OK);
        CHECKF(p.calls == 1, "a callback answering %d was called %d times", (int)stops[k], p.calls);
        CHECKF(ok && o != SENT && strstr(o, "\"hostile-forged\"") != NULL && strstr(o, "\"pending\"") != NULL,
               "the stopped recovery's report: %s", ok ? show(o) : "-");
        OUT("mp_recover_with_progress", "a callback that stops", ok, o);
    }
    {
        HostileProgress p = {j, 0, 0};
        char *o = SENT;
        ok = EXPECT("mp_recover_with_progress", "a callback that calls back in",
                    mp_recover_with_progress(j, UINT32_MAX, hostile_progress, &p, &o), OK);
        CHECKF(p.calls >= 1, "the callback was called %d times", p.calls);
        if (ok && o != SENT)
            EXPECT("mp_acknowledge_report", "the report", mp_acknowledge_report(j, o), OK);
        OUT("mp_recover_with_progress", "a callback that calls back in", ok, o);
        EXPECT("mp_acknowledge", "a settled entry", mp_acknowledge(j, "hostile-forged"), OK);
    }
    /* A NULL callback with user data, and the longest timeout, with nothing left to settle. */
    {
        char *o = SENT;
        ok = EXPECT("mp_recover_with_progress", "NULL callback", mp_recover_with_progress(j, UINT32_MAX, NULL, &ok, &o), OK);
        OUT("mp_recover_with_progress", "NULL callback", ok, o);
    }
    mp_free(j);

    section("a journal file that is not a journal");
    {
        char junk[700];
        FILE *f;
        MpClient *client = SENT_CLIENT;
        snprintf(junk, sizeof junk, "%s/junk.db", g_journal_dir);
        f = fopen(junk, "w");
        if (f != NULL) {
            fputs("SQLite format 3\nbut nothing after it is a database\n", f);
            fclose(f);
        }
        snprintf(member, sizeof member, ",\"journal_path\":\"%s\"", junk);
        journal_options(options, sizeof options, member);
        ok = EXPECT("mp_init_with_options", "a file that is not a journal", mp_init_with_options(options, &client),
                    OK | BIT(MP_STATUS_JOURNAL));
        if (ok) {
            char *o = SENT;
            int r = EXPECT("mp_recover", "a file that is not a journal", mp_recover(client, 0, &o), BIT(MP_STATUS_JOURNAL));
            OUT("mp_recover", "a file that is not a journal", r, o);
            o = SENT;
            r = EXPECT("mp_device_holds", "a file that is not a journal", mp_device_holds(client, dev, &o),
                       BIT(MP_STATUS_JOURNAL));
            OUT("mp_device_holds", "a file that is not a journal", r, o);
            r = EXPECT("mp_acknowledge", "a file that is not a journal", mp_acknowledge(client, "k"), BIT(MP_STATUS_JOURNAL));
            o = SENT;
            /* Nothing may be sent that the journal could not record. */
            r = EXPECT("mp_create_intent_keyed", "a file that is not a journal",
                       mp_create_intent_keyed(client, free_dev, 1500, "T", 1, "hostile-junk", &o), BIT(MP_STATUS_JOURNAL));
            OUT("mp_create_intent_keyed", "a file that is not a journal", r, o);
            mp_free(client);
        } else {
            CHECK(client == SENT_CLIENT);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Generated inputs                                                                            */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint32_t next_random(void)
{
    /* xorshift64*: the same sequence on every run, so a failure reproduces. */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return (uint32_t)((g_rng * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A string of JSON-ish pieces and random bytes, at most cap-1 long. */
static void generate(char *out, size_t cap)
{
    static const char *const pieces[] = {
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "\\ud83d", "\\ude00", "\\n", "1", "-0",
        "1e308", "9223372036854775808", "0.1", "true", "null", "\"id\"", "\"state\"", "\"amount\"",
        "\"payment\"", "\"payment_id\"", "\"additional_info\"", "\"FINISHED\"", "\"access_token\"",
        "\"TEST-1\"", "\"base_url\"", "\"http://127.0.0.1:1\"", "ts=", "v1=", "a", ".", "0",
        "\xc3\xa9", "\xff", "\xed\xa0\x80", " ",
    };
    size_t n = 0;
    size_t count = next_random() % 24;
    size_t k;
    for (k = 0; k < count; k++) {
        uint32_t r = next_random();
        if (r % 5 == 0) {
            char b = (char)(1 + (r >> 8) % 255); /* any byte but NUL */
            if (n + 1 < cap)
                out[n++] = b;
        } else {
            const char *p = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
            size_t len = strlen(p);
            if (n + len < cap) {
                memcpy(out + n, p, len);
                n += len;
            }
        }
    }
    out[n] = '\0';
}

static void test_generated_inputs(int rounds)
{
    char a[256], b[256], c[256];
    int i;

    section("generated inputs");
    for (i = 0; i < rounds; i++) {
        char *o = SENT;
        MpIntentState st = SENT_STATE;
        MpClient *client = SENT_CLIENT;
        int ok;
        generate(a, sizeof a);
        generate(b, sizeof b);
        generate(c, sizeof c);
        ok = EXPECT("mp_json_get", a, mp_json_get(a, b, &o), OK | INVALID | NOT_FOUND);
        OUT("mp_json_get", a, ok, o);
        o = SENT;
        ok = EXPECT("mp_parse_notification", a, mp_parse_notification(a, &st, &o), OK | INVALID);
        STATE("mp_parse_notification", a, ok, st);
        OUT("mp_parse_notification", a, ok, o);
        EXPECT("mp_verify_signature", b, mp_verify_signature(a, b, c, a, (int64_t)next_random() - 1000, 0),
               INVALID);
        ok = EXPECT("mp_init_with_options", a, mp_init_with_options(a, &client), OK | INVALID);
        if (ok)
            mp_free(client);
        else
            CHECKF(client == SENT_CLIENT, "mp_init_with_options(%s) wrote the client", show(a));
    }
}

int main(void)
{
    MpClient *c = NULL;
    char options[1024];
    const char *rounds = getenv("HOSTILE_ROUNDS");

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_token = getenv("MP_ACCESS_TOKEN");
    g_sim_url = getenv("MP_BASE_URL");
    if (g_token == NULL || g_token[0] == '\0' || g_sim_url == NULL || g_sim_url[0] == '\0' ||
        strpbrk(g_token, "\"\\") || strpbrk(g_sim_url, "\"\\")) {
        printf("test_hostile: set MP_BASE_URL (a running point-sim) and MP_ACCESS_TOKEN, e.g. via scripts/with-sim.sh\n");
        printf("0 passed, 1 failed\n");
        return 2;
    }

    make_hostile_strings();
    test_pure_functions();
    test_options();

    snprintf(options, sizeof options,
             "{\"access_token\":\"%s\",\"base_url\":\"%s\",\"timeout_ms\":5000,\"max_retries\":0}",
             g_token, g_sim_url);
    if (mp_init_with_options(options, &c) != MP_STATUS_OK) {
        CHECKF(0, "mp_init_with_options(%s): %s", options, mp_last_error());
    } else {
        /* Log lines run through the callback during everything below. */
        mp_set_log_callback(c, count_log, NULL, MP_LOG_LEVEL_DEBUG);
        test_client_functions(c);
        CHECKF(g_log_lines > 0, "no log line reached the callback");
        CHECKF(g_log_token_hits == 0, "%d log lines held the access token", g_log_token_hits);
        mp_free(c);
    }

    snprintf(g_journal_dir, sizeof g_journal_dir, "%s/mppoint-hostile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(g_journal_dir) == NULL) {
        CHECKF(0, "mkdtemp(%s): %s", g_journal_dir, strerror(errno));
    } else {
        test_journal_options();
        test_journal_functions();
        remove_tree(g_journal_dir);
    }

    test_generated_inputs(rounds ? atoi(rounds) : 5000);
    free_hostile_strings();

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
