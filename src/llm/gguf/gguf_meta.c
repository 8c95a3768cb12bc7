/* gguf_meta.c — string metadata of a GGUF file, for callers outside src/llm
 * (the prompt template of a model: general.name, tokenizer.chat_template,
 * gorilla.template). */
#include "llm/gguf/gguf.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

gorilla_status gorilla_gguf_strings(const char *path, const char *const *keys, size_t n, char **values,
                                    gorilla_error *err)
{
    for (size_t i = 0; i < n; i++) values[i] = NULL;
    gguf_file *f;
    gorilla_status st = gguf_open(path, &f, err);
    if (st != GORILLA_OK) return st;
    for (size_t i = 0; i < n && st == GORILLA_OK; i++) {
        gguf_str s;
        gorilla_error kerr = {0};
        gorilla_status ks = gguf_get_str(f, keys[i], &s, &kerr);
        if (ks == GORILLA_ERR_NOT_FOUND) continue;
        if (ks != GORILLA_OK) {
            st = gorilla_fail(err, ks, "%s: %s", path, kerr.message);
            break;
        }
        if (memchr(s.ptr, '\0', s.len)) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: metadata %s holds a NUL byte", path, keys[i]);
            break;
        }
        values[i] = strndup(s.ptr, s.len);
        if (!values[i]) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    gguf_close(f);
    if (st != GORILLA_OK)
        for (size_t i = 0; i < n; i++) {
            free(values[i]);
            values[i] = NULL;
        }
    return st;
}
