/* The conformance scenario (tests/fixtures/matrix/scenario.py) from C. */
#include "metropipe/boom/stub.h"
#include "metropipe/echo_bytes/stub.h"
#include "metropipe/every/stub.h"
#include "metropipe/ping/stub.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    static metropipe_string text;
    static metropipe_bytes blob;
    static uint8_t data[4092];
    static char big[301];
    int32_t n;
    unsigned long sum = 0;
    size_t i;
    int rc;

    if (every(-5, INT64_C(4611686018427387904), 1.5f, -0.1, true, "h\xc3\xa9llo \xe2\x9c\x93", "\x00\xff", 2, &text))
        return printf("every failed: %s\n", metropipe_last_error()), 1;
    printf("every: %s\n", text.data);

    rc = boom("kaput", &n);
    printf("boom: %s %s\n", metropipe_error_name(rc) + strlen("METROPIPE_E_"), metropipe_last_error());

    memset(big, 'x', 300);
    rc = every(0, 0, 0.0f, 0.0, false, big, "", 0, &text);
    printf("oversized: %s\n", metropipe_error_name(rc) + strlen("METROPIPE_E_"));

    for (i = 0; i < 3840; i++)
        data[i] = (uint8_t)i;
    if (echo_bytes(data, sizeof data, &blob))
        return printf("echo_bytes failed: %s\n", metropipe_last_error()), 1;
    for (i = 0; i < blob.len; i++)
        sum += blob.data[i];
    printf("echo_bytes: %u %lu\n", (unsigned)blob.len, sum);

    if (ping())
        return printf("ping failed: %s\n", metropipe_last_error()), 1;
    printf("ping: ok\n");
    return 0;
}
