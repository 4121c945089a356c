/* Round-trip latency of a C client calling add(int32, int32) -> int32.
 *
 * Build against a generated stub (its folder holds metropipe/add/stub.h):
 *     cc -std=c11 -O2 -I OUT bench/c_client.c -o c_client
 * Run with a provider of add serving the channel:
 *     ./c_client N GAP_US
 * makes N calls add(i, 1), checking each result, GAP_US microseconds apart (0: back to
 * back; the gap is a busy wait, so the timing is not disturbed by a sleeping CPU), and
 * prints {"p50_us": ..., "p99_us": ..., "n": N} on stdout. Exit status 1 on any failed
 * or wrong call (the message goes to stderr), 2 on bad arguments.
 */
#include "metropipe/add/stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted samples (nearest rank), in microseconds. */
static double quantile_us(const uint64_t *sorted, long n, double q)
{
    long rank = (long)(q * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)sorted[rank - 1] / 1000.0;
}

int main(int argc, char **argv)
{
    long n, gap_us, i;
    uint64_t *samples;
    char *end;
    if (argc != 3) {
        fprintf(stderr, "usage: %s N GAP_US\n", argv[0]);
        return 2;
    }
    n = strtol(argv[1], &end, 10);
    if (*end != '\0' || n < 1) {
        fprintf(stderr, "c_client: N must be a positive integer, not '%s'\n", argv[1]);
        return 2;
    }
    gap_us = strtol(argv[2], &end, 10);
    if (*end != '\0' || gap_us < 0) {
        fprintf(stderr, "c_client: GAP_US must be a non-negative integer, not '%s'\n", argv[2]);
        return 2;
    }
    samples = (uint64_t *)malloc((size_t)n * sizeof *samples);
    if (samples == NULL) {
        fprintf(stderr, "c_client: out of memory for %ld samples\n", n);
        return 2;
    }
    for (i = 0; i < n; i++) {
        int32_t a = (int32_t)(i % 1000000), sum = 0;
        uint64_t t0, t1;
        int rc;
        if (gap_us > 0) {
            uint64_t until = now_ns() + (uint64_t)gap_us * 1000u;
            while (now_ns() < until) {
            }
        }
        t0 = now_ns();
        rc = add(a, 1, &sum);
        t1 = now_ns();
        if (rc != METROPIPE_OK) {
            fprintf(stderr, "c_client: call %ld: add(%d, 1) failed: %s (%s)\n", i, (int)a, metropipe_last_error(),
                    metropipe_error_name(rc));
            return 1;
        }
        if (sum != a + 1) {
            fprintf(stderr, "c_client: call %ld: add(%d, 1) returned %d\n", i, (int)a, (int)sum);
            return 1;
        }
        samples[i] = t1 - t0;
    }
    qsort(samples, (size_t)n, sizeof *samples, compare);
    printf("{\"p50_us\": %.3f, \"p99_us\": %.3f, \"n\": %ld}\n", quantile_us(samples, n, 0.50),
           quantile_us(samples, n, 0.99), n);
    free(samples);
    return 0;
}
