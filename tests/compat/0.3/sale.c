/*
 * sale.c - take one card payment on a Mercado Pago Point terminal with mppoint.
 *
 *   sale [--api integration|orders] [--journal PATH] [--device DEVICE_ID] [--cancel] [--refund]
 *        AMOUNT [EXTERNAL_REFERENCE]
 *   sale [--api integration|orders] --journal PATH --recover
 *
 * After an approved payment it prints the receipt's card data (mp_get_payment); with --refund
 * it then refunds the payment on the same terminal, as a POS does for a returned item.
 * --api picks Mercado Pago's API: "integration" (the Point Integration API, the default) or
 * "orders" (the Orders API, which new integrations must use); the calls are the same, and
 * only a refund names its sale differently (the payment's number, or the order's id).
 * --journal records every step of the sale in PATH, so that after a crash `--recover` (what a
 * POS runs at start-up, before new sales) settles what the ended process left in flight.
 * AMOUNT is in minor units (1500 = 15.00). Environment:
 *   MP_ACCESS_TOKEN      required; the seller's access token
 *   MP_BASE_URL          optional; another API address (for example the point-sim simulator)
 *   MP_POLL_INTERVAL_MS  optional; how often to ask for the intent's state (with MP_BASE_URL)
 *   MP_DEBUG             optional; when set, print the library's log lines on stderr
 *
 * Exit status: 0 when the sale reached a final state - approved, rejected, error and canceled
 * are all normal outcomes the register has to handle -, 1 when the library failed, 2 for bad
 * usage, 3 when we stopped waiting before the terminal finished.
 *
 * Build: `make build` (gives build/sale), or by hand from the repository root:
 *   cc -std=c99 -Iinclude examples/c/sale.c -Ltarget/debug -lmppoint -Wl,-rpath,target/debug
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "point.h"

/* Our own upper bound for one sale. The customer may need a while (card, PIN, a second card),
 * and the service abandons an intent nobody touches by itself, so this only keeps the register
 * from hanging forever if something goes badly wrong. */
#define WAIT_TIMEOUT_MS (5u * 60u * 1000u)

enum { EXIT_FINAL = 0, EXIT_LIBRARY = 1, EXIT_USAGE = 2, EXIT_NOT_FINAL = 3 };

static volatile sig_atomic_t interrupted = 0;

static void on_interrupt(int signo)
{
    (void)signo;
    interrupted = 1;
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--api integration|orders] [--journal PATH] [--device DEVICE_ID] [--cancel]\n"
            "          [--refund] AMOUNT [EXTERNAL_REFERENCE]\n"
            "       sale [--api integration|orders] --journal PATH --recover\n"
            "  AMOUNT in minor units (1500 = 15.00)\n"
            "  environment: MP_ACCESS_TOKEN (required), MP_BASE_URL, MP_POLL_INTERVAL_MS, MP_DEBUG\n",
            argv0);
}

/* Must run right after the failing call: mp_last_error() and mp_last_http_status() describe
 * the last call made on this thread, and the next mppoint call replaces them. */
static void report_failure(const char *what, MpStatus status)
{
    int http = mp_last_http_status();
    if (http != 0)
        fprintf(stderr, "sale: %s failed: %s (HTTP %d): %s\n", what, mp_status_name(status), http,
                mp_last_error());
    else
        fprintf(stderr, "sale: %s failed: %s: %s\n", what, mp_status_name(status), mp_last_error());
}

static void log_to_stderr(void *user_data, MpLogLevel level, const char *message)
{
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};
    (void)user_data;
    fprintf(stderr, "[mppoint %s] %s\n", level <= 4 ? names[level] : "?", message);
}

/* We build the options JSON with snprintf to keep the sample free of a JSON library. That is
 * only correct for text that needs no JSON escaping, so anything with a quote, a backslash or a
 * control character is refused rather than producing broken options (or letting a crafted
 * variable inject extra option keys). Real tokens and URLs never contain them. */
static int json_safe(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\' || ch < 0x20 || ch == 0x7f)
            return 0;
    }
    return 1;
}

static int parse_positive(const char *text, long long max, long long *out)
{
    char *end = NULL;
    long long value;
    if (text == NULL || *text == '\0' || *text == '-' || *text == '+')
        return 0;
    value = strtoll(text, &end, 10);
    if (*end != '\0' || value <= 0 || value > max)
        return 0;
    *out = value;
    return 1;
}

/* Returns EXIT_FINAL with *out_client set, or another exit code after printing why. `api` is
 * NULL for the default API, else "integration" or "orders"; `journal` NULL for no journal. */
static int open_client(MpClient **out_client, const char *api, const char *journal)
{
    const char *token = getenv("MP_ACCESS_TOKEN");
    const char *base_url = getenv("MP_BASE_URL");
    const char *poll = getenv("MP_POLL_INTERVAL_MS");
    char poll_option[48] = "";
    char api_option[48] = "";
    char base_option[1100] = "";
    char journal_option[1100] = "";
    char options[4096];
    long long poll_ms;
    int length;
    MpStatus status;

    if (token == NULL || *token == '\0') {
        fprintf(stderr, "sale: set MP_ACCESS_TOKEN to the seller's access token\n");
        return EXIT_USAGE;
    }
    if ((base_url == NULL || *base_url == '\0') && api == NULL && journal == NULL) {
        status = mp_init(token, out_client);
    } else {
        if (!json_safe(token) || (base_url != NULL && !json_safe(base_url))) {
            fprintf(stderr, "sale: MP_ACCESS_TOKEN or MP_BASE_URL contains a quote, backslash or control character\n");
            return EXIT_USAGE;
        }
        if (api != NULL)
            snprintf(api_option, sizeof api_option, ",\"api\":\"%s\"", api);
        if (journal != NULL) {
            if (!json_safe(journal) || strlen(journal) >= sizeof journal_option - 20) {
                fprintf(stderr, "sale: the journal path is too long or has a quote, backslash or control character\n");
                return EXIT_USAGE;
            }
            snprintf(journal_option, sizeof journal_option, ",\"journal_path\":\"%s\"", journal);
        }
        if (base_url != NULL && *base_url != '\0') {
            if (strlen(base_url) >= sizeof base_option - 16) {
                fprintf(stderr, "sale: MP_BASE_URL is too long\n");
                return EXIT_USAGE;
            }
            snprintf(base_option, sizeof base_option, ",\"base_url\":\"%s\"", base_url);
        }
        if (poll != NULL && *poll != '\0') {
            if (!parse_positive(poll, 3600000, &poll_ms)) {
                fprintf(stderr, "sale: MP_POLL_INTERVAL_MS must be a number of milliseconds\n");
                return EXIT_USAGE;
            }
            snprintf(poll_option, sizeof poll_option, ",\"poll_interval_ms\":%lld", poll_ms);
        }
        length = snprintf(options, sizeof options, "{\"access_token\":\"%s\"%s%s%s%s}", token,
                          api_option, base_option, journal_option, poll_option);
        if (length < 0 || (size_t)length >= sizeof options) {
            fprintf(stderr, "sale: MP_ACCESS_TOKEN or MP_BASE_URL is too long\n");
            return EXIT_USAGE;
        }
        status = mp_init_with_options(options, out_client);
    }
    if (status != MP_STATUS_OK) {
        report_failure("mp_init", status);
        return EXIT_LIBRARY;
    }
    return EXIT_FINAL;
}

/* Prints the linked terminals and copies the first one's id into *out_first (caller frees
 * with mp_string_free). */
static int list_devices(MpClient *client, char **out_first)
{
    char *devices = NULL;
    char path[64];
    int i;
    MpStatus status = mp_list_devices(client, NULL, &devices);
    if (status != MP_STATUS_OK) {
        report_failure("listing devices", status);
        return EXIT_LIBRARY;
    }
    printf("devices:\n");
    for (i = 0;; i++) {
        char *id = NULL;
        char *mode = NULL;
        snprintf(path, sizeof path, "devices.%d.id", i);
        if (mp_json_get(devices, path, &id) != MP_STATUS_OK)
            break; /* NOT_FOUND: past the end of the list */
        /* Older answers may omit operating_mode; only terminals in PDV mode take intents. */
        snprintf(path, sizeof path, "devices.%d.operating_mode", i);
        if (mp_json_get(devices, path, &mode) != MP_STATUS_OK)
            mode = NULL;
        printf("  %s (%s)\n", id, mode ? mode : "mode unknown");
        mp_string_free(mode);
        if (*out_first == NULL)
            *out_first = id;
        else
            mp_string_free(id);
    }
    mp_string_free(devices);
    if (i == 0) {
        fprintf(stderr, "sale: no Point terminal is linked to this account\n");
        return EXIT_LIBRARY;
    }
    return EXIT_FINAL;
}

struct progress {
    int seen_any;
    MpIntentState last;
};

/* Runs on our thread after every poll. Printing only changes keeps the log readable, and
 * returning non-zero (Ctrl-C) lets the cashier stop waiting without killing the register. */
static int32_t on_progress(void *user_data, MpIntentState state, const char *intent_json)
{
    struct progress *progress = user_data;
    (void)intent_json;
    if (!progress->seen_any || state != progress->last) {
        printf("  state: %s\n", mp_intent_state_name(state));
        fflush(stdout);
        progress->seen_any = 1;
        progress->last = state;
    }
    return interrupted ? 1 : 0;
}

/* Reads one field of the final intent. NOT_FOUND (or null) is normal: canceled and failed
 * intents carry no payment. Returns 1 with *out set, 0 when absent, -1 on a library failure. */
static int read_field(const char *intent_json, const char *path, char **out)
{
    MpStatus status = mp_json_get(intent_json, path, out);
    if (status == MP_STATUS_NOT_FOUND)
        return 0;
    if (status != MP_STATUS_OK) {
        report_failure(path, status);
        return -1;
    }
    if (strcmp(*out, "null") == 0) {
        mp_string_free(*out);
        *out = NULL;
        return 0;
    }
    return 1;
}

/* What the receipt needs comes from the Payments API. Its amounts are decimals ("15.5"), so
 * they are printed as text, never through a float. A failure here does not undo the sale: the
 * money was taken; the receipt can be printed later from the payment id. */
static void print_receipt(MpClient *client, const char *payment_id)
{
    static const char *const fields[][2] = {
        {"payment_method_id", "card"},         {"card.last_four_digits", "last four digits"},
        {"installments", "installments"},      {"authorization_code", "authorization code"},
        {"transaction_amount", "amount"},      {"status_detail", "status detail"},
    };
    char *payment = NULL;
    size_t i;
    MpStatus status = mp_get_payment(client, payment_id, &payment);
    if (status != MP_STATUS_OK) {
        report_failure("reading the payment for the receipt", status);
        return;
    }
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *value = NULL;
        if (read_field(payment, fields[i][0], &value) > 0)
            printf("receipt %s: %s\n", fields[i][1], value);
        mp_string_free(value);
    }
    mp_string_free(payment);
}

/* After a crash: settles every sale the journal holds for a process that ended, and prints
 * what became of each. A POS runs this at start-up, before it takes new sales. */
static int recover(MpClient *client)
{
    char *json = NULL;
    char path[64];
    int i;
    MpStatus status = mp_recover(client, WAIT_TIMEOUT_MS, &json);
    if (status != MP_STATUS_OK) {
        report_failure("recovering", status);
        return EXIT_LIBRARY;
    }
    for (i = 0;; i++) {
        static const char *const fields[] = {"idempotency_key", "intent_id", "kind", "amount",
                                             "external_reference", "state", "payment.state",
                                             "resolution"};
        char *key = NULL;
        size_t f;
        snprintf(path, sizeof path, "sales.%d.idempotency_key", i);
        if (mp_json_get(json, path, &key) != MP_STATUS_OK)
            break;
        mp_string_free(key);
        printf("sale %d:\n", i + 1);
        for (f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            char *value = NULL;
            snprintf(path, sizeof path, "sales.%d.%s", i, fields[f]);
            if (mp_json_get(json, path, &value) == MP_STATUS_OK && strcmp(value, "null") != 0)
                printf("  %s: %s\n", fields[f], value);
            mp_string_free(value);
        }
    }
    printf("recovered %d sale%s\n", i, i == 1 ? "" : "s");
    mp_string_free(json);
    return EXIT_FINAL;
}

/* How many times a create whose answer was lost is sent again before giving up. */
#define CREATE_RESENDS 3

/* Creates the payment intent and returns its id. When the answer is lost
 * (MP_STATUS_OUTCOME_UNKNOWN) the intent may exist, and may already be on the terminal: the
 * same request is sent again with the idempotency key the library used for it, which returns
 * the intent if it exists and creates it once if it does not. A new create with a new key
 * could charge the customer twice. (A real POS stores the key with the sale first, so that a
 * crash in between loses nothing.) */
static MpStatus create_intent(MpClient *client, const char *device, long long amount,
                              const char *reference, char **out_intent_id)
{
    char key[160];
    char body[512];
    char *intent = NULL;
    MpStatus status = mp_create_intent_simple(client, device, (int64_t)amount, reference, 1,
                                              out_intent_id);
    int resends = 0;

    while (status == MP_STATUS_OUTCOME_UNKNOWN) {
        snprintf(key, sizeof key, "%s", mp_last_idempotency_key());
        report_failure("creating the payment intent", status);
        if (++resends > CREATE_RESENDS || (reference != NULL && !json_safe(reference))) {
            fprintf(stderr,
                    "sale: the payment intent may exist on the terminal: before selling again, "
                    "send the same create with idempotency key %s\n", key);
            return status;
        }
        /* The request mp_create_intent_simple sent, field for field. */
        if (reference != NULL)
            snprintf(body, sizeof body,
                     "{\"amount\":%lld,\"additional_info\":{\"external_reference\":\"%s\","
                     "\"print_on_terminal\":true}}", amount, reference);
        else
            snprintf(body, sizeof body,
                     "{\"amount\":%lld,\"additional_info\":{\"print_on_terminal\":true}}", amount);
        fprintf(stderr, "sale: sending the same create again with idempotency key %s\n", key);
        status = mp_create_intent(client, device, body, key, &intent);
        if (status == MP_STATUS_OK && read_field(intent, "id", out_intent_id) <= 0)
            status = MP_STATUS_BAD_RESPONSE;
        mp_string_free(intent);
        intent = NULL;
    }
    return status;
}

/* Refunds a payment on the terminal and waits for the customer to present the card. The
 * idempotency key is made from the payment id, so running this twice never refunds twice. */
static int refund_payment(MpClient *client, const char *device, const char *payment_id)
{
    char key[64];
    char *refund = NULL;
    char *refund_id = NULL;
    MpIntentState state = MP_INTENT_STATE_UNKNOWN;
    struct progress progress = {0, MP_INTENT_STATE_UNKNOWN};
    MpStatus status;
    int exit_code = EXIT_FINAL;

    snprintf(key, sizeof key, "refund-%s", payment_id);
    status = mp_create_refund(client, device, payment_id, NULL, key, &refund);
    if (status != MP_STATUS_OK) {
        report_failure("creating the refund", status);
        return EXIT_LIBRARY;
    }
    if (read_field(refund, "id", &refund_id) <= 0) {
        mp_string_free(refund);
        return EXIT_LIBRARY;
    }
    printf("refund %s created\n", refund_id);
    status = mp_wait_refund(client, refund_id, WAIT_TIMEOUT_MS, on_progress, &progress, &state, NULL);
    if (status == MP_STATUS_OK) {
        printf("refund: %s\n", mp_intent_state_name(state));
    } else {
        report_failure("waiting for the refund", status);
        exit_code = status == MP_STATUS_WAIT_TIMEOUT || status == MP_STATUS_ABORTED ? EXIT_NOT_FINAL : EXIT_LIBRARY;
    }
    mp_string_free(refund_id);
    mp_string_free(refund);
    return exit_code;
}

static int print_outcome(MpIntentState state, const char *intent_json)
{
    char *payment_id = NULL;
    char *payment_state = NULL;
    int found_id, found_state = 0;

    printf("result: %s\n", mp_intent_state_name(state));
    found_id = read_field(intent_json, "payment.id", &payment_id);
    if (found_id > 0) {
        printf("payment id: %s\n", payment_id);
        found_state = read_field(intent_json, "payment.state", &payment_state);
        if (found_state > 0)
            printf("payment state: %s\n", payment_state);
    } else if (found_id == 0) {
        printf("payment: none\n");
    }

    /* FINISHED only means the terminal is done with the intent: the card may still have been
     * declined. Hand over the goods only for an approved payment. */
    if (state == MP_INTENT_STATE_FINISHED && found_state > 0 && strcmp(payment_state, "approved") == 0)
        printf("-> approved: hand over the goods, keep the payment id for refunds\n");
    else if (state == MP_INTENT_STATE_CONFIRMATION_REQUIRED)
        printf("-> look at the terminal's screen before handing over the goods\n");
    else
        printf("-> not paid: ask for another card or another payment method\n");

    mp_string_free(payment_id);
    mp_string_free(payment_state);
    return (found_id < 0 || found_state < 0) ? EXIT_LIBRARY : EXIT_FINAL;
}

int main(int argc, char **argv)
{
    const char *device_arg = NULL;
    const char *api = NULL;
    const char *journal = NULL;
    int want_recover = 0;
    const char *external_reference = NULL;
    long long amount = 0;
    int want_cancel = 0;
    int want_refund = 0;
    int exit_code = EXIT_FINAL;
    int i;
    MpClient *client = NULL;
    char *device = NULL;
    char *intent_id = NULL;
    char *intent_json = NULL;
    MpIntentState state = MP_INTENT_STATE_UNKNOWN;
    struct progress progress = {0, MP_INTENT_STATE_UNKNOWN};
    MpStatus status;

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device_arg = argv[++i];
        } else if (strcmp(argv[i], "--api") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "integration") == 0 || strcmp(argv[i + 1], "orders") == 0)) {
            api = argv[++i];
        } else if (strcmp(argv[i], "--journal") == 0 && i + 1 < argc) {
            journal = argv[++i];
        } else if (strcmp(argv[i], "--recover") == 0) {
            want_recover = 1;
        } else if (strcmp(argv[i], "--cancel") == 0) {
            want_cancel = 1;
        } else if (strcmp(argv[i], "--refund") == 0) {
            want_refund = 1;
        } else {
            usage(argv[0]);
            return EXIT_USAGE;
        }
    }
    if (want_recover && (journal == NULL || argc - i != 0)) {
        usage(argv[0]);
        return EXIT_USAGE;
    }
    if (!want_recover &&
        (argc - i < 1 || argc - i > 2 || !parse_positive(argv[i], 999999999999LL, &amount))) {
        usage(argv[0]);
        return EXIT_USAGE;
    }
    if (!want_recover && argc - i == 2)
        external_reference = argv[i + 1];

    /* Catch a header/library mismatch before touching any money: a program built against
     * one major.minor and run with another DLL/.so is the classic source of crashes. */
    {
        int major = -1, minor = -1;
        if (sscanf(mp_version(), "%d.%d", &major, &minor) != 2 || major != MP_VERSION_MAJOR ||
            minor != MP_VERSION_MINOR) {
            fprintf(stderr, "sale: built for mppoint %s but loaded %s\n", MP_VERSION, mp_version());
            return EXIT_USAGE;
        }
    }
    printf("mppoint %s\n", mp_version());

    exit_code = open_client(&client, api, journal);
    if (exit_code != EXIT_FINAL)
        return exit_code;
    if (getenv("MP_DEBUG") != NULL)
        mp_set_log_callback(client, log_to_stderr, NULL, MP_LOG_LEVEL_DEBUG);
    if (want_recover) {
        exit_code = recover(client);
        goto done;
    }

    exit_code = list_devices(client, &device);
    if (exit_code != EXIT_FINAL)
        goto done;
    if (device_arg != NULL) {
        mp_string_free(device);
        device = NULL;
    }
    printf("using device %s\n", device_arg ? device_arg : device);

    status = create_intent(client, device_arg ? device_arg : device, amount, external_reference,
                           &intent_id);
    if (status != MP_STATUS_OK) {
        if (status != MP_STATUS_OUTCOME_UNKNOWN)
            report_failure("creating the payment intent", status);
        if (status == MP_STATUS_DEVICE_BUSY)
            fprintf(stderr, "sale: the terminal still has a pending payment: finish or cancel it there first\n");
        exit_code = EXIT_LIBRARY;
        goto done;
    }
    printf("intent %s created\n", intent_id);

    if (want_cancel) {
        /* Cancelling through the API only works until the terminal has picked the intent up;
         * after that only the cashier can cancel it, on the terminal. Either way we keep
         * waiting, because the register must learn how the intent really ended. */
        status = mp_cancel_intent(client, device_arg ? device_arg : device, intent_id, NULL);
        if (status == MP_STATUS_OK) {
            printf("cancel: accepted\n");
        } else if (status == MP_STATUS_INTENT_LOCKED) {
            printf("cancel: the intent is already on the terminal; cancel it there\n");
        } else {
            report_failure("cancelling", status);
            exit_code = EXIT_LIBRARY;
        }
    }

    signal(SIGINT, on_interrupt);
    status = mp_wait_intent(client, intent_id, WAIT_TIMEOUT_MS, on_progress, &progress, &state,
                            &intent_json);
    signal(SIGINT, SIG_DFL);

    if (status == MP_STATUS_OK) {
        char *payment_id = NULL;
        char *payment_state = NULL;
        if (print_outcome(state, intent_json) != EXIT_FINAL)
            exit_code = EXIT_LIBRARY;
        if (state == MP_INTENT_STATE_FINISHED && read_field(intent_json, "payment.id", &payment_id) > 0 &&
            read_field(intent_json, "payment.state", &payment_state) > 0 &&
            strcmp(payment_state, "approved") == 0) {
            print_receipt(client, payment_id);
            /* The Orders API refunds the order; the Point Integration API the payment. */
            if (want_refund && exit_code == EXIT_FINAL)
                exit_code = refund_payment(client, device_arg ? device_arg : device,
                                           api != NULL && strcmp(api, "orders") == 0 ? intent_id
                                                                                      : payment_id);
        }
        mp_string_free(payment_state);
        mp_string_free(payment_id);
    } else if (status == MP_STATUS_ABORTED || status == MP_STATUS_WAIT_TIMEOUT) {
        /* The intent still exists and may yet be paid. Leaving it pending would also block the
         * terminal for the next sale, so try to cancel; if the terminal already has it, the
         * cashier must finish it there and the register must reconcile later (for example
         * with mp_intent_status or mp_list_intent_events). */
        printf("stopped waiting while the intent was %s\n", mp_intent_state_name(state));
        if (mp_cancel_intent(client, device_arg ? device_arg : device, intent_id, NULL) == MP_STATUS_OK)
            printf("the intent was cancelled\n");
        else
            printf("could not cancel it here: check the terminal and reconcile intent %s\n", intent_id);
        exit_code = EXIT_NOT_FINAL;
    } else {
        report_failure("waiting for the payment", status);
        fprintf(stderr, "sale: intent %s may still be paid: check it before retrying\n", intent_id);
        exit_code = EXIT_LIBRARY;
    }

done:
    mp_string_free(intent_json);
    mp_string_free(intent_id);
    mp_string_free(device);
    mp_free(client);
    return exit_code;
}
