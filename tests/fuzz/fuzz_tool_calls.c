/* fuzz_tool_calls.c — libFuzzer target: model output to calls
 * (gorilla_fn_parse) and the gorilla-cli command lister, on arbitrary
 * bytes. A parsed result must be a JSON list of {"name", "arguments"}. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gorilla.h"
#include "net/tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *calls = NULL;
    gorilla_error err;
    if (gorilla_fn_parse((const char *)data, size, &calls, &err) == GORILLA_OK) {
        json_t *v = json_loads(calls, 0, NULL);
        if (!json_is_array(v) || json_array_size(v) == 0) abort();
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            if (!json_is_string(json_object_get(c, "name")) || !json_is_object(json_object_get(c, "arguments"))) abort();
        }
        json_decref(v);
        free(calls);
    } else if (calls) {
        abort();
    }
    json_t *cmds = net_cli_commands((const char *)data, size);
    if (cmds && json_array_size(cmds) > 10) abort();
    json_decref(cmds);
    return 0;
}
