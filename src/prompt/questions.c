/* questions.c — question files in the published APIBench format. */
#include "gorilla.h"
#include "store/store.h"
#include "base/error.h"
#include "base/hashmap.h"

#include <stdlib.h>
#include <string.h>

static const char *const SETTING_NAMES[] = {"0_shot", "bm25", "gpt_index", "oracle"};

int gorilla_setting_parse(const char *name, gorilla_setting *out)
{
    if (!name) return -1;
    for (int s = 0; s < 4; s++)
        if (strcmp(name, SETTING_NAMES[s]) == 0) {
            *out = (gorilla_setting)s;
            return 0;
        }
    return -1;
}

const char *gorilla_setting_name(gorilla_setting s)
{
    return (unsigned)s < 4 ? SETTING_NAMES[s] : "?";
}

/* Appends s[0..len) with each pair of escaped newlines ("\\n\\n", four
 * characters) written as one, in one left-to-right pass (Python's
 * str.replace: three in a row become two). The published files were made so. */
static void append_collapsed(pybuf *b, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (i + 3 < len && s[i] == '\\' && s[i + 1] == 'n' && s[i + 2] == '\\' && s[i + 3] == 'n') {
            pybuf_append(b, "\\n", 2);
            i += 4;
        } else {
            pybuf_putc(b, s[i]);
            i++;
        }
    }
}

static const char INSTR_TAG[] = "###Instruction:";
static const char OUTPUT_TAG[] = "###Output";

static void append_question(pybuf *b, const char *code)
{
    const char *s = strstr(code, INSTR_TAG) + strlen(INSTR_TAG);
    const char *e = strstr(s, OUTPUT_TAG);
    pybuf esc;
    pybuf_init(&esc);
    py_json_string_append(&esc, s, (size_t)(e - s));
    if (esc.oom || esc.n < 2) b->oom = 1;
    else append_collapsed(b, esc.p + 1, esc.n - 2);
    pybuf_free(&esc);
}

static int has_markers(const char *code)
{
    if (!code) return 0;
    const char *s = strstr(code, INSTR_TAG);
    return s && strstr(s + strlen(INSTR_TAG), OUTPUT_TAG) != NULL;
}

char *gorilla_question_text(const gorilla_pairs *pairs, size_t i)
{
    const char *code = gorilla_pairs_code(pairs, i);
    if (!has_markers(code)) return NULL;
    pybuf b;
    pybuf_init(&b);
    append_question(&b, code);
    return pybuf_take(&b);
}

gorilla_status gorilla_question_line(const gorilla_pairs *pairs, size_t i, gorilla_setting setting,
                                     const gorilla_store *store, size_t api_index, unsigned flags,
                                     char **out, gorilla_error *err)
{
    *out = NULL;
    if (i >= gorilla_pairs_count(pairs)) return gorilla_fail(err, GORILLA_ERR_INVALID, "no eval pair %zu", i + 1);
    const char *code = gorilla_pairs_code(pairs, i);
    if (!has_markers(code)) return GORILLA_OK;
    pybuf text;
    pybuf_init(&text);
    append_question(&text, code);
    if (setting == GORILLA_SETTING_BM25 || setting == GORILLA_SETTING_GPT_INDEX) {
        const store_value *doc = store_doc(store, api_index);
        if (!doc) {
            pybuf_free(&text);
            return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "question %zu: no API document %zu", i + 1, api_index);
        }
        pybuf_puts(&text, " \n Use this API documentation for reference: [Document(page_content=");
        char *s = store_py_str(doc);
        if (s) py_repr_string_append(&text, s, strlen(s));
        else text.oom = 1;
        free(s);
        pybuf_puts(&text, ", metadata={})]");
    } else if (setting == GORILLA_SETTING_ORACLE) {
        const store_value *api = store_value_get(store_pair(pairs, i), "api_data");
        if (store_value_kind(api) != STORE_OBJECT) {
            pybuf_free(&text);
            return gorilla_fail(err, GORILLA_ERR_INVALID, "eval pair %zu: no \"api_data\" object", i + 1);
        }
        pybuf_puts(&text, " \n Use this API documentation for reference:  ");
        char *s = store_py_json_dumps(api);
        if (s) append_collapsed(&text, s, strlen(s));
        else text.oom = 1;
        free(s);
        int last = i + 1 == gorilla_pairs_count(pairs);
        if (!(last && (flags & GORILLA_QUESTIONS_LAST_LINE_UNTERMINATED))) pybuf_putc(&text, '}');
    } else if (setting != GORILLA_SETTING_0_SHOT) {
        pybuf_free(&text);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unknown setting %d", (int)setting);
    }
    pybuf line;
    pybuf_init(&line);
    char head[64];
    snprintf(head, sizeof head, "{\"question_id\": %zu, \"text\": ", i + 1);
    pybuf_puts(&line, head);
    if (!text.oom) py_json_string_append(&line, text.p ? text.p : "", text.n);
    pybuf_puts(&line, ", \"category\": \"generic\"}");
    int oom = text.oom;
    pybuf_free(&text);
    if (oom) line.oom = 1;
    *out = pybuf_take(&line);
    if (!*out) return gorilla_fail(err, GORILLA_ERR_NOMEM, "question %zu: out of memory", i + 1);
    return GORILLA_OK;
}

gorilla_status gorilla_questions_write(FILE *out, const gorilla_pairs *pairs, gorilla_setting setting,
                                       gorilla_retriever *retriever, unsigned flags, gorilla_error *err)
{
    int needs_doc = setting == GORILLA_SETTING_BM25 || setting == GORILLA_SETTING_GPT_INDEX;
    if (needs_doc && !retriever)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "setting %s needs a retriever", gorilla_setting_name(setting));
    for (size_t i = 0; i < gorilla_pairs_count(pairs); i++) {
        size_t api_index = 0;
        const gorilla_store *store = NULL;
        if (needs_doc) {
            char *q = gorilla_question_text(pairs, i);
            if (!q) continue;
            gorilla_hit hit;
            size_t n = 0;
            gorilla_status st = gorilla_retriever_search(retriever, q, 1, &hit, &n, err);
            free(q);
            if (st != GORILLA_OK) {
                gorilla_error_prefix(err, "question");
                return st;
            }
            if (n == 0) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "question %zu: no document retrieved", i + 1);
            api_index = hit.api_index;
            store = gorilla_retriever_store(retriever);
        }
        char *line;
        gorilla_status st = gorilla_question_line(pairs, i, setting, store, api_index, flags, &line, err);
        if (st != GORILLA_OK) return st;
        if (!line) continue;
        int bad = fputs(line, out) < 0 || fputc('\n', out) == EOF;
        free(line);
        if (bad) return gorilla_fail(err, GORILLA_ERR_IO, "write error");
    }
    return GORILLA_OK;
}

gorilla_status gorilla_questions_embedded_docs(const gorilla_store *store, const char *const *texts, size_t n,
                                               long *out, gorilla_error *err)
{
    static const char HEAD[] = "[Document(page_content=";
    static const char TAIL[] = ", metadata={})]";
    gorilla_hashmap map;
    gorilla_hashmap_init(&map);
    size_t nd = gorilla_store_count(store);
    pybuf b;
    pybuf_init(&b);
    for (size_t i = nd; i-- > 0;) { /* backwards: the first duplicate wins */
        const store_value *doc = store_doc(store, i);
        if (!doc) continue;
        char *s = store_py_str(doc);
        b.n = 0;
        if (s) py_repr_string_append(&b, s, strlen(s));
        free(s);
        if (!s || b.oom || gorilla_hashmap_put(&map, b.p, b.n, (int64_t)i) != 0) {
            pybuf_free(&b);
            gorilla_hashmap_free(&map);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
    }
    pybuf_free(&b);
    for (size_t j = 0; j < n; j++) {
        out[j] = -1;
        const char *t = texts[j];
        const char *h = t ? strstr(t, HEAD) : NULL;
        if (!h) continue;
        h += strlen(HEAD);
        size_t len = strlen(h), tl = strlen(TAIL);
        if (len < tl || strcmp(h + len - tl, TAIL) != 0) continue;
        int64_t v;
        if (gorilla_hashmap_get(&map, h, len - tl, &v)) out[j] = (long)v;
    }
    gorilla_hashmap_free(&map);
    return GORILLA_OK;
}
