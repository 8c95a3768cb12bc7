/* template_pick.c — the prompt template of a GGUF model file: its
 * gorilla.template key, else its tokenizer.chat_template, else its
 * general.name (gorilla_template_detect), else gorilla-v0. */
#include "gorilla.h"

#include <stdlib.h>

gorilla_status gorilla_template_for_file(const char *path, gorilla_template *out, const char **source,
                                         gorilla_error *err)
{
    static const char *const KEYS[3] = {"gorilla.template", "tokenizer.chat_template", "general.name"};
    char *v[3];
    gorilla_status st = gorilla_gguf_strings(path, KEYS, 3, v, err);
    if (st != GORILLA_OK) return st;
    st = gorilla_template_detect(v[0], v[1], v[2], out, source, err);
    for (int i = 0; i < 3; i++) free(v[i]);
    return st;
}
