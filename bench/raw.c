/* The floor: one kept-alive TCP connection, a fixed request written with one send(), and the
 * answer read up to its Content-Length. No HTTP library, no JSON parsing: what is left is the
 * loopback round trip and nginx itself.
 *
 *   raw PORT PATH WARMUP CALLS SAMPLES_FILE */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct raw {
    int fd;
    char request[512];
    size_t request_len;
    char buffer[16384];
};

/* Reads one answer: headers, then Content-Length bytes of body. */
static int raw_call(void *ctx)
{
    struct raw *r = ctx;
    if (send(r->fd, r->request, r->request_len, 0) != (ssize_t)r->request_len)
        return 1;
    size_t have = 0;
    long body_len = -1;
    size_t header_end = 0;
    for (;;) {
        ssize_t n = recv(r->fd, r->buffer + have, sizeof r->buffer - 1 - have, 0);
        if (n <= 0)
            return 1;
        have += (size_t)n;
        r->buffer[have] = '\0';
        if (body_len < 0) {
            char *end = strstr(r->buffer, "\r\n\r\n");
            if (end == NULL)
                continue;
            header_end = (size_t)(end - r->buffer) + 4;
            if (strncmp(r->buffer, "HTTP/1.1 200", 12) != 0)
                return 1;
            for (char *line = strstr(r->buffer, "\r\n"); line && line < end;
                 line = strstr(line + 2, "\r\n")) {
                if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
                    body_len = strtol(line + 17, NULL, 10);
            }
            if (body_len < 0)
                return 1;
        }
        if (have >= header_end + (size_t)body_len)
            return have == header_end + (size_t)body_len ? 0 : 1;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT PATH WARMUP CALLS SAMPLES_FILE\n", argv[0]);
        return 2;
    }
    long port = bench_arg(argv[1], "PORT");
    struct raw r;
    r.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(r.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(r.fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("connect");
        return 1;
    }
    int len = snprintf(r.request, sizeof r.request,
                       "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\n"
                       "Authorization: Bearer TEST-bench-token\r\n"
                       "Accept: application/json\r\n\r\n",
                       argv[2], port);
    r.request_len = (size_t)len;
    int status = bench_run(raw_call, &r, bench_arg(argv[3], "WARMUP"), bench_arg(argv[4], "CALLS"),
                           argv[5]);
    close(r.fd);
    return status;
}
