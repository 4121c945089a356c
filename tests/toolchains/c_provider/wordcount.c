/*
 * wordcount.c - a small command-line program: counts words. It has its own main(), and its
 * counting function is static (private to this file), as in many one-file C tools.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Counts the words (runs of non-space characters) in text. */
static int count_words(const char *text)
{
    int n = 0, in_word = 0;
    for (; *text; text++) {
        if (isspace((unsigned char)*text)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            n++;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    int i, total = 0;
    for (i = 1; i < argc; i++)
        total += count_words(argv[i]);
    printf("%d\n", total);
    return 0;
}
