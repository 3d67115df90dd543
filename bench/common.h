/* Shared by the benchmark clients: a timed loop that records every call's latency and the
 * process's CPU time, so each client is measured the same way.
 *
 * Every client runs `warmup` untimed calls, then `calls` timed ones. It writes one latency
 * (nanoseconds) per line to `samples_path` and prints `cpu_ns_per_call=N` (user + system
 * time of the whole process, every thread included, divided by `calls`) on stdout. A failed
 * call stops the run with exit status 1 and a message on stderr. */
#ifndef MPPOINT_BENCH_COMMON_H
#define MPPOINT_BENCH_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

/* One call of the client under test: 0 on success. */
typedef int (*bench_call)(void *ctx);

static inline long bench_arg(const char *text, const char *name)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 0) {
        fprintf(stderr, "%s must be a number >= 0, not %s\n", name, text);
        exit(2);
    }
    return value;
}

static inline int bench_run(bench_call call, void *ctx, long warmup, long calls,
                            const char *samples_path)
{
    for (long i = 0; i < warmup; i++) {
        if (call(ctx) != 0) {
            fprintf(stderr, "warm-up call %ld failed\n", i + 1);
            return 1;
        }
    }
    uint64_t *samples = calloc(calls > 0 ? (size_t)calls : 1, sizeof *samples);
    if (samples == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint64_t cpu_before = bench_cpu_ns();
    for (long i = 0; i < calls; i++) {
        uint64_t started = bench_now_ns();
        if (call(ctx) != 0) {
            fprintf(stderr, "call %ld failed\n", i + 1);
            free(samples);
            return 1;
        }
        samples[i] = bench_now_ns() - started;
    }
    uint64_t cpu = bench_cpu_ns() - cpu_before;
    FILE *out = fopen(samples_path, "w");
    if (out == NULL) {
        perror(samples_path);
        free(samples);
        return 1;
    }
    for (long i = 0; i < calls; i++)
        fprintf(out, "%llu\n", (unsigned long long)samples[i]);
    fclose(out);
    free(samples);
    printf("cpu_ns_per_call=%llu\n", (unsigned long long)(calls > 0 ? cpu / (uint64_t)calls : 0));
    return 0;
}

#endif
