/* Calls every function of libmetropipe.so (built from mathkit.rs) through libmetropipe.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "libmetropipe.h"

static const char *or_none(const char *text)
{
    return text ? text : "no error";
}

static void print_bytes(const char *label, const uint8_t *data, size_t n)
{
    printf("%s: %s %zu [", label, data ? "ptr" : "NULL", n);
    for (size_t i = 0; i < n; i++)
        printf("%s%u", i ? " " : "", (unsigned)data[i]);
    printf("]\n");
}

int main(void)
{
    const uint8_t blob[] = {1, 2, 3, 250};
    size_t n = 99;
    const uint8_t *out;

    int32_t i;
    int64_t k;
    double d;
    const char *text;

    printf("add: %" PRId32 "\n", add(40, 2));
    printf("add wraps: %" PRId32 "\n", add(INT32_MAX, 1));
    printf("widen: %" PRId64 "\n", widen(-9));
    printf("halve: %.2f\n", (double)halve(3.0f));
    printf("hypot: %.1f\n", hypot_(3.0, 4.0));
    printf("negate: %d\n", negate(true));
    printf("greet: %s\n", greet("w\xc3\xb6rld"));
    printf("shout: %s\n", shout("quiet"));
    printf("sign: %s\n", sign(-5));
    text = first_word("  hello there");
    printf("first_word: [%s]\n", text);
    printf("first_word empty: [%s]\n", first_word(""));
    printf("checksum: %" PRId64 "\n", checksum(blob, sizeof blob));
    printf("checksum empty: %" PRId64 "\n", checksum(NULL, 0));
    out = reversed(blob, sizeof blob, &n);
    print_bytes("reversed", out, n);
    out = head(blob, sizeof blob, 2, &n);
    print_bytes("head", out, n);
    out = nothing(&n);
    print_bytes("nothing", out, n);
    printf("describe: %s\n", describe(-5, -9000000000, 1.5f, 0.25, true, "h\xc3\xa9", blob, 3));
    d = divide(1.0, 4.0);
    printf("divide: %.2f [%s]\n", d, or_none(divide_last_error()));
    d = divide(1.0, 0.0);
    printf("divide by 0: %.1f [%s]\n", d, or_none(divide_last_error()));
    k = parse(" 12 ");
    printf("parse: %" PRId64 " [%s]\n", k, or_none(parse_last_error()));
    k = parse("12abc");
    printf("parse bad: %" PRId64 " [%s]\n", k, or_none(parse_last_error()));
    check(1, 2);
    printf("check: [%s]\n", or_none(check_last_error()));
    check(3, 2);
    printf("check over: [%s]\n", or_none(check_last_error()));
    out = repeat(blob, 2, 2, &n);
    print_bytes("repeat", out, n);
    out = repeat(blob, 2, -1, &n);
    print_bytes("repeat bad", out, n);
    printf("repeat error: [%s]\n", or_none(repeat_last_error()));
    k = isqrt(-4);
    printf("isqrt panic: %" PRId64 " [%s]\n", k, or_none(isqrt_last_error()));
    k = isqrt(16);
    printf("isqrt again: %" PRId64 " [%s]\n", k, or_none(isqrt_last_error()));
    text = with_nul();
    printf("with_nul: %s [%s]\n", text ? text : "NULL", or_none(with_nul_last_error()));
    noop();
    printf("noop: [%s]\n", or_none(noop_last_error()));
    printf("mix: %" PRId64 "\n", mix(2, 3.5f));
    printf("chars: %" PRId32 "\n", chars("h\xc3\xa9!"));
    printf("start: %" PRId64 "\n", start());
    i = chars(NULL);
    printf("null string: %" PRId32 " [%s]\n", i, or_none(chars_last_error()));
    i = chars("\xff");
    printf("bad utf-8: %" PRId32 " [%s]\n", i, or_none(chars_last_error()));
    k = checksum(NULL, 3);
    printf("null bytes: %" PRId64 " [%s]\n", k, or_none(checksum_last_error()));
    printf("fingerprint: %d\n", add_metropipe_fingerprint != 0 && add_metropipe_fingerprint != greet_metropipe_fingerprint);
    return 0;
}
