/* fuzz_answer.c — libFuzzer target: the answer parser fed arbitrary model
 * output (both published styles and anything else). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gorilla_answer a;
    gorilla_error err;
    if (gorilla_answer_parse((const char *)data, size, &a, &err) != GORILLA_OK) return 0;
    char *fields[] = {a.domain, a.api_call, a.api_provider, a.explanation, a.code};
    for (size_t i = 0; i < 5; i++)
        if (fields[i] && strlen(fields[i]) > size) abort(); /* a field is a piece of the input */
    if (a.api_call) (void)gorilla_answer_same_call(a.api_call, strlen(a.api_call), (const char *)data, size);
    gorilla_answer_clear(&a);
    return 0;
}
