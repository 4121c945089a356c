/* The C stub without a provider: argument checks, timeouts, channel files.
 *
 *     offline args           bad arguments to every_type(); one line per call
 *     offline call MS        add_timeout(1, 2, &r, MS) (MS = -1: METROPIPE_TIMEOUT_DEFAULT)
 *     offline fork           the lock PID is the child's own after fork()
 *
 * Each call prints "<rc> <elapsed ms> <message>" on its own line.
 */
#include "metropipe/add/stub.h"
#include "metropipe/every_type/stub.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void report(int rc, double start)
{
    printf("%d %.1f %s\n", rc, now_ms() - start, rc ? metropipe_last_error() : "");
}

static int bad_arguments(void)
{
    char long_text[300];
    static unsigned char blob[5000];
    metropipe_string out;
    double t;
    memset(long_text, 'x', 253);
    long_text[253] = '\0';
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, long_text, blob, 1, &out), t);
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, "ok \xC3\x28 no", blob, 1, &out), t);
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, "surrogate \xED\xA0\x80", blob, 1, &out), t);
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, "fits", blob, 4093, &out), t);
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, NULL, blob, 1, &out), t);
    t = now_ms();
    report(every_type(1, 2, 1.0f, 2.0, true, "fits", NULL, 3, &out), t);
    t = now_ms();
    report(every_type_timeout(1, 2, 1.0f, 2.0, true, "fits", blob, 1, &out, 0), t);
    return 0;
}

static int call(int timeout_ms)
{
    int32_t r = 0;
    double t = now_ms();
    report(timeout_ms == METROPIPE_TIMEOUT_DEFAULT ? add(1, 2, &r) : add_timeout(1, 2, &r, timeout_ms), t);
    return 0;
}

static int forked(void)
{
    int status;
    uint32_t parent = metropipe_rt_pid();
    pid_t child = fork();
    if (child == 0) {
        uint32_t mine = metropipe_rt_pid();
        _exit(mine == (uint32_t)getpid() && mine != parent ? 0 : 1);
    }
    if (child < 0 || waitpid(child, &status, 0) != child)
        return 2;
    printf("parent %s child %s\n", parent == (uint32_t)getpid() ? "ok" : "wrong",
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "wrong");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "args") == 0)
        return bad_arguments();
    if (argc == 3 && strcmp(argv[1], "call") == 0)
        return call(atoi(argv[2]));
    if (argc == 2 && strcmp(argv[1], "fork") == 0)
        return forked();
    fprintf(stderr, "usage: offline args | call MS | fork\n");
    return 2;
}
