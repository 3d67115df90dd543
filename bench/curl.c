/* The anchor: what a C POS developer writes by hand instead of using mppoint. One libcurl easy
 * handle reused for every call (so its connection is kept alive), the same headers mppoint
 * sends, a 30 s timeout, the body collected in a growing buffer, and the answer parsed with
 * cJSON to read its "state" — because mppoint's call parses the answer too (it returns the
 * state as a number beside the JSON).
 *
 *   curl URL WARMUP CALLS SAMPLES_FILE */
#include "common.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <string.h>

struct buffer {
    char *data;
    size_t len, cap;
};

struct client {
    CURL *curl;
    struct buffer body;
};

static size_t collect(char *chunk, size_t size, size_t count, void *user)
{
    struct buffer *b = user;
    size_t n = size * count;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, chunk, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static int curl_call(void *ctx)
{
    struct client *c = ctx;
    c->body.len = 0;
    if (curl_easy_perform(c->curl) != CURLE_OK)
        return 1;
    long code = 0;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200 || c->body.data == NULL)
        return 1;
    cJSON *intent = cJSON_Parse(c->body.data);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(intent, "state");
    int finished = cJSON_IsString(state) && strcmp(state->valuestring, "FINISHED") == 0;
    cJSON_Delete(intent);
    return finished ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s URL WARMUP CALLS SAMPLES_FILE\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct client c = {.curl = curl_easy_init()};
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Authorization: Bearer TEST-bench-token");
    headers = curl_slist_append(headers, "Accept: application/json");
    curl_easy_setopt(c.curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(c.curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c.curl, CURLOPT_USERAGENT, "bench/1.0");
    curl_easy_setopt(c.curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c.curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c.curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c.curl, CURLOPT_WRITEDATA, &c.body);
    int status = bench_run(curl_call, &c, bench_arg(argv[2], "WARMUP"), bench_arg(argv[3], "CALLS"),
                           argv[4]);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c.curl);
    free(c.body.data);
    curl_global_cleanup();
    return status;
}
