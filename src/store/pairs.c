/* pairs.c — APIBench train/eval pairs (JSON lines: code, api_call, provider, api_data). */
#include "store/store_internal.h"
#include "store/jsonl.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static gorilla_status pairs_from_lines(const char *name, jsonl_lines *lines, gorilla_pairs **out,
                                       gorilla_error *err)
{
    for (size_t i = 0; i < lines->n; i++) {
        const json_t *api = json_object_get(lines->objs[i], "api_data");
        if (api && !json_is_object(api)) {
            jsonl_lines_free(lines);
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: \"api_data\" is not an object", name, i + 1);
        }
    }
    gorilla_pairs *p = calloc(1, sizeof *p);
    if (!p) {
        jsonl_lines_free(lines);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", name);
    }
    p->objs = lines->objs;
    p->n = lines->n;
    *out = p;
    return GORILLA_OK;
}

gorilla_status gorilla_pairs_load(const char *path, gorilla_pairs **out, gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_load(path, &lines, err);
    return st != GORILLA_OK ? st : pairs_from_lines(path, &lines, out, err);
}

gorilla_status gorilla_pairs_load_buffer(const char *name, const char *data, size_t len, gorilla_pairs **out,
                                         gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_parse(name, data, len, &lines, err);
    return st != GORILLA_OK ? st : pairs_from_lines(name, &lines, out, err);
}

void gorilla_pairs_free(gorilla_pairs *pairs)
{
    if (!pairs) return;
    for (size_t i = 0; i < pairs->n; i++) json_decref(pairs->objs[i]);
    free(pairs->objs);
    free(pairs);
}

size_t gorilla_pairs_count(const gorilla_pairs *pairs) { return pairs ? pairs->n : 0; }

const char *gorilla_pairs_domain(const gorilla_pairs *pairs, size_t i)
{
    if (!pairs || i >= pairs->n) return NULL;
    return json_str(json_object_get(pairs->objs[i], "api_data"), "domain");
}

const char *gorilla_pairs_api_call(const gorilla_pairs *pairs, size_t i)
{
    return pairs && i < pairs->n ? json_str(pairs->objs[i], "api_call") : NULL;
}

const char *gorilla_pairs_code(const gorilla_pairs *pairs, size_t i)
{
    return pairs && i < pairs->n ? json_str(pairs->objs[i], "code") : NULL;
}

char *gorilla_pairs_instruction(const gorilla_pairs *pairs, size_t i)
{
    const char *code = gorilla_pairs_code(pairs, i);
    if (!code) return NULL;
    const char *tag = "###Instruction:";
    const char *s = strstr(code, tag);
    s = s ? s + strlen(tag) : code;
    const char *e = strstr(s, "###Output:");
    if (!e) e = s + strlen(s);
    while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
    return strndup(s, (size_t)(e - s));
}
