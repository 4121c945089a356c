/* Calls the Python function classify() from C, through the generated stub.h. */
#include "metropipe/classify/stub.h"

#include <stdio.h>

int main(int argc, char **argv) {
    const char *text = argc > 1 ? argv[1] : "metropipe calls a Python function from C";
    metropipe_string label;
    if (classify(text, 3, &label) != METROPIPE_OK) {
        fprintf(stderr, "classify failed: %s\n", metropipe_last_error());
        return 1;
    }
    printf("classify(\"%s\", 3) = %s\n", text, label.data);
    return 0;
}
