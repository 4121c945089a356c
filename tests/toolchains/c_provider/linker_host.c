/* A C program linked against libmetropipe.so built by c-linker from textkit.h + textkit.c. */
#include <stdio.h>
#include <string.h>

#include "libmetropipe.h"

static const char *or_none(const char *s) { return s ? s : "no error"; }

int main(void)
{
    size_t n = 0;
    const uint8_t *bytes;
    double d;
    printf("add: %d\n", (int)tk_add(2, 40));
    printf("scale: %lld\n", (long long)tk_scale(-3000000000LL, 3));
    printf("halve: %.2f twice: %.2f\n", (double)tk_halve(3.0f), tk_twice(-0.25));
    printf("even: %d %d\n", (int)tk_is_even(-4), (int)tk_is_even(7));
    printf("greet: %s\n", tk_greet("w\xc3\xb6rld", true));
    printf("join: %s\n", tk_join("a", "b"));
    printf("hash: %lld\n", (long long)tk_hash((const uint8_t *)"", 0, 0));
    bytes = tk_reverse((const uint8_t *)"\x01\x02\x03", 3, &n);
    printf("reverse: %zu %d%d%d\n", n, bytes[0], bytes[1], bytes[2]);
    d = tk_divide(1.0, 0.0);
    printf("divide: %.1f [%s]\n", d, or_none(tk_divide_last_error()));
    d = tk_divide(1.0, 4.0);
    printf("divide ok: %.2f [%s]\n", d, or_none(tk_divide_last_error()));
    bytes = tk_reverse((const uint8_t *)"", 0, &n);
    printf("reverse empty: %s %zu [%s]\n", bytes ? "data" : "NULL", n, or_none(tk_reverse_last_error()));
    d = tk_parse("2.5e3");
    printf("parse: %.1f [%s]\n", d, or_none(tk_parse_last_error()));
    d = tk_parse("12abc");
    printf("parse bad: %.1f [%s]\n", d, or_none(tk_parse_last_error()));
    tk_check(3);
    printf("check: [%s]\n", or_none(tk_check_last_error()));
    tk_touch();
    tk_touch();
    printf("touches: %lld\n", (long long)tk_touches());
    printf("fingerprint: %d\n", tk_add_metropipe_fingerprint != 0);
    return 0;
}
