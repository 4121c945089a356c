/* Many calls from one client process, in two threads: every result must be its own.
 *
 *     hammer K N    calls add(K * 1000000 + t * 100000 + i, i) N/2 times in each of two threads
 *
 * Exit 0 when every call returned METROPIPE_OK with the right sum; else the first failure
 * is printed to stderr and the exit status is 1.
 */
#include "metropipe/add/stub.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct job {
    int32_t base;
    long calls;
    long failures;
    char message[512];
};

static void *run(void *arg)
{
    struct job *job = (struct job *)arg;
    long i;
    for (i = 0; i < job->calls; i++) {
        int32_t a = job->base + (int32_t)i, b = (int32_t)i, sum = 0;
        int rc = add(a, b, &sum);
        if (rc != METROPIPE_OK || sum != a + b) {
            if (job->failures++ == 0)
                snprintf(job->message, sizeof job->message, "add(%d, %d): rc %d (%s), sum %d", (int)a, (int)b, rc,
                         rc ? metropipe_last_error() : "", (int)sum);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct job jobs[2];
    pthread_t threads[2];
    int t;
    long k, n;
    if (argc != 3)
        return 2;
    k = atol(argv[1]);
    n = atol(argv[2]);
    for (t = 0; t < 2; t++) {
        jobs[t].base = (int32_t)(k * 1000000 + t * 100000);
        jobs[t].calls = n / 2 + (t == 0 ? n % 2 : 0);
        jobs[t].failures = 0;
        jobs[t].message[0] = '\0';
        if (pthread_create(&threads[t], NULL, run, &jobs[t]) != 0)
            return 2;
    }
    for (t = 0; t < 2; t++)
        pthread_join(threads[t], NULL);
    for (t = 0; t < 2; t++) {
        if (jobs[t].failures) {
            fprintf(stderr, "client %ld thread %d: %ld of %ld calls failed; first: %s\n", k, t, jobs[t].failures,
                    jobs[t].calls, jobs[t].message);
            return 1;
        }
    }
    printf("ok %ld\n", n);
    return 0;
}
