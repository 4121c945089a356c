/*
 * textkit.h - a small text and numbers library, as real C headers are written.
 *
 * Copyright (c) 2025 Example Corp. MIT licence.
 */
#ifndef TEXTKIT_H
#define TEXTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define TEXTKIT_API __declspec(dllexport)
#else
#  define TEXTKIT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** A status code. */
typedef int32_t tk_status;

/** Adds with wrap-around (two's complement). */
TEXTKIT_API int32_t tk_add(int32_t a, int32_t b);

/// Widens and scales; old-style long and plain int.
TEXTKIT_API long tk_scale(long value, int factor) __attribute__((const));

/** Halves a float. */
TEXTKIT_API float tk_halve(float x);

/** Divides; fails on a zero divisor (the message is a literal: never freed). */
TEXTKIT_API double tk_divide(double a, double b, const char **error);

/** Whether x is even. */
TEXTKIT_API bool tk_is_even(int64_t x);

/* Greets: the result is a thread's static buffer, never freed. */
TEXTKIT_API const char *tk_greet(const char *name, bool excited);

// Joins two strings with a separator; the caller frees the result.
TEXTKIT_API char *tk_join(const char *left, const char *right);

/** FNV-1a of the bytes, mixed with a seed: a pointer immediately followed by its length. */
TEXTKIT_API int64_t tk_hash(const uint8_t *data, size_t data_len, int64_t seed);

/** Reverses bytes into an out-buffer; fails on empty input (the message is malloc'd: free it). */
TEXTKIT_API void tk_reverse(const void *input, size_t len, uint8_t *out, size_t *out_len, char **error);

/** Parses a decimal number from text with an explicit length. */
TEXTKIT_API double tk_parse(const char *text, size_t text_len, char **err);

/** Checks a status; no result, but may fail. */
TEXTKIT_API void tk_check(tk_status status, const char **error);

/** Counts calls; returns nothing. */
TEXTKIT_API void tk_touch(void);

/** How many times tk_touch ran. */
TEXTKIT_API long long tk_touches(void);

/** A misbehaving function: returns a string that does not fit the wire (n = 0: NULL, 1: too long,
 *  2: not UTF-8, else "fine"). */
TEXTKIT_API const char *tk_misbehave(int n);

/** A misbehaving bytes function: claims more bytes than the buffer it got. */
TEXTKIT_API void tk_overclaim(uint8_t *out, size_t *out_len);

static inline double tk_twice(double x) { return 2.0 * x; }

#ifdef __cplusplus
}
#endif

#endif /* TEXTKIT_H */
