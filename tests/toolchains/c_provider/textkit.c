/* textkit.c - the implementation of textkit.h. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "textkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long touches;

int32_t tk_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

long tk_scale(long value, int factor) { return value * factor; }

float tk_halve(float x) { return x / 2.0f; }

double tk_divide(double a, double b, const char **error)
{
    if (b == 0.0) {
        *error = "ZeroDivisionError: division by zero";
        return 0.0;
    }
    return a / b;
}

bool tk_is_even(int64_t x) { return x % 2 == 0; }

const char *tk_greet(const char *name, bool excited)
{
    static _Thread_local char buffer[300];
    snprintf(buffer, sizeof buffer, "Hello, %s%s", name, excited ? "!" : ".");
    return buffer;
}

char *tk_join(const char *left, const char *right)
{
    size_t n = strlen(left) + strlen(right) + 2;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s+%s", left, right);
    return out;
}

int64_t tk_hash(const uint8_t *data, size_t data_len, int64_t seed)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)seed;
    size_t i;
    for (i = 0; i < data_len; i++) {
        h ^= data[i];
        h *= 1099511628211ULL;
    }
    return (int64_t)h;
}

void tk_reverse(const void *input, size_t len, uint8_t *out, size_t *out_len, char **error)
{
    const uint8_t *in = input;
    size_t i;
    if (len == 0) {
        *error = strdup("ValueError: nothing to reverse");
        return;
    }
    if (len > *out_len)
        len = *out_len;
    for (i = 0; i < len; i++)
        out[i] = in[len - 1 - i];
    *out_len = len;
}

double tk_parse(const char *text, size_t text_len, char **err)
{
    char buffer[64], *end;
    double value;
    if (text_len == 0 || text_len >= sizeof buffer) {
        *err = strdup("ParseError: empty or too long");
        return 0.0;
    }
    memcpy(buffer, text, text_len);
    buffer[text_len] = '\0';
    value = strtod(buffer, &end);
    if (*end != '\0') {
        size_t n = text_len + 40;
        *err = malloc(n);
        if (*err != NULL)
            snprintf(*err, n, "ParseError: not a number: '%s'", buffer);
    }
    return value;
}

void tk_check(tk_status status, const char **error)
{
    if (status != 0)
        *error = "StatusError: status is not 0";
}

void tk_touch(void) { touches++; }

long long tk_touches(void) { return touches; }

const char *tk_misbehave(int n)
{
    static char long_text[400];
    switch (n) {
    case 0:
        return NULL;
    case 1:
        memset(long_text, 'x', sizeof long_text - 1);
        return long_text;
    case 2:
        return "bad \xff byte";
    default:
        return "fine";
    }
}

void tk_overclaim(uint8_t *out, size_t *out_len)
{
    out[0] = 1;
    *out_len = *out_len + 10;
}
