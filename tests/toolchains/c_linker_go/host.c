/* Calls every function of kit.go through libmetropipe.so (c-linker --unify), as a C program would. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "libmetropipe.h"

static const char *or_none(const char *error)
{
    return error != NULL ? error : "no error";
}

static void *work(void *arg)
{
    int32_t base = *(const int32_t *)arg;
    long wrong = 0;
    char text[32];
    for (int32_t i = 0; i < 2000; i++) {
        const char *got;
        if (Add(base, i) != base + i)
            wrong++;
        snprintf(text, sizeof text, "t%" PRId32, base + i);
        got = Shout(text);
        if (got == NULL || got[0] != 'T' || strncmp(got + 1, text + 1, strlen(text) - 1) != 0)
            wrong++;
        if (Isqrt(-1) != 0 || strncmp(or_none(Isqrt_last_error()), "panic: ", 7) != 0)
            wrong++;
        if (Widen(i) != 2 * (int64_t)i || Widen_last_error() != NULL)
            wrong++;
    }
    return (void *)wrong;
}

int main(void)
{
    static const uint8_t blob[] = {0, 255, 7};
    uint8_t data[] = {'a', 'b', 'c'};
    size_t n = 99;
    const uint8_t *bytes;
    pthread_t threads[4];
    int32_t bases[4] = {0, 100000, 200000, 300000};
    long wrong = 0;
    double number;
    int64_t root;
    const char *text;

    printf("describe: %s\n", Describe(-5, -9000000000, 1.5f, 0.25, true, "h\xc3\xa9", blob, sizeof blob));
    printf("describe empty: %s\n", Describe(0, 0, 0.0f, 0.0, false, "", NULL, 0));
    printf("add: %" PRId32 " %" PRId32 "\n", Add(40, 2), Add(INT32_MAX, 1));
    printf("widen: %" PRId64 "\n", Widen(-4611686018427387904));
    printf("negate: %" PRId64 "\n", Negate(INT64_MAX));
    printf("half: %.2f scale: %.2f\n", (double)Half(3.0f), Scale(1.5, -4.0));
    printf("invert: %d %d\n", Invert(true), Invert(false));
    printf("shout: %s\n", Shout("w\xc3\xb6rld"));
    bytes = Reverse(data, sizeof data, &n);
    printf("reverse: %.*s %zu, the caller's: %.3s\n", (int)n, (const char *)bytes, n, (const char *)data);
    bytes = Reverse(data, 0, &n);
    printf("reverse empty: %s %zu [%s]\n", bytes == NULL ? "NULL" : "?", n, or_none(Reverse_last_error()));
    printf("keep: %" PRId32 "\n", Keep(data, sizeof data));
    data[0] = 'z';
    bytes = Kept(&n);
    printf("kept: %.*s\n", (int)n, (const char *)bytes);
    number = ParseNumber(" 2.5e3 ");
    printf("parse: %.1f [%s]\n", number, or_none(ParseNumber_last_error()));
    number = ParseNumber("12abc");
    printf("parse bad: %.1f [%s]\n", number, or_none(ParseNumber_last_error()));
    Check(1, 2);
    printf("check ok: [%s]\n", or_none(Check_last_error()));
    Check(3, 2);
    printf("check: [%s]\n", or_none(Check_last_error()));
    root = Isqrt(17);
    printf("isqrt: %" PRId64 " [%s]\n", root, or_none(Isqrt_last_error()));
    root = Isqrt(-4);
    printf("isqrt panic: %" PRId64 " [%s]\n", root, or_none(Isqrt_last_error()));
    root = Isqrt(16);
    printf("isqrt again: %" PRId64 " [%s]\n", root, or_none(Isqrt_last_error()));
    text = Nul();
    printf("nul: %s [%s]\n", text == NULL ? "NULL" : "?", or_none(Nul_last_error()));
    text = Garbled();
    printf("garbled: %02x %02x %zu\n", (unsigned char)text[0], (unsigned char)text[1], strlen(text));
    Touch();
    Touch();
    printf("touches: %" PRId64 " [%s]\n", Touches(), or_none(Touch_last_error()));
    printf("initial: %" PRId32 "\n", initial("abc", 1));
    text = Shout(NULL);
    printf("null: %s [%s]\n", text == NULL ? "NULL" : "?", or_none(Shout_last_error()));
    text = Shout("fine");
    printf("after: %s [%s]\n", text, or_none(Shout_last_error()));
    printf("fingerprint: %d\n", Add_metropipe_fingerprint != 0 && Add_metropipe_fingerprint != Widen_metropipe_fingerprint);
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, work, &bases[i]);
    for (int i = 0; i < 4; i++) {
        void *w;
        pthread_join(threads[i], &w);
        wrong += (long)w;
    }
    printf("threads: %ld wrong\n", wrong);
    return 0;
}
