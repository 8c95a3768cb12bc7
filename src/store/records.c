/* records.c — question and response files: question_id + text per line. */
#include "store/store_internal.h"
#include "store/jsonl.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static gorilla_status records_from_lines(const char *path, jsonl_lines *lines_in, gorilla_records **out,
                                         gorilla_error *err)
{
    jsonl_lines lines = *lines_in;
    gorilla_records *r = calloc(1, sizeof *r);
    long *qid = malloc(lines.n * sizeof *qid);
    const char **text = malloc(lines.n * sizeof *text);
    if (!r || !qid || !text) {
        free(r); free(qid); free(text);
        jsonl_lines_free(&lines);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < lines.n; i++) {
        const json_t *q = json_object_get(lines.objs[i], "question_id");
        const json_t *t = json_object_get(lines.objs[i], "text");
        const char *why = NULL;
        if (!q) why = "missing \"question_id\"";
        else if (!json_is_integer(q)) why = "\"question_id\" is not an integer";
        else if (!t) why = "missing \"text\"";
        else if (!json_is_string(t)) why = "\"text\" is not a string";
        if (why) {
            free(r); free(qid); free(text);
            jsonl_lines_free(&lines);
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: %s", path, i + 1, why);
        }
        json_int_t v = json_integer_value(q);
        qid[i] = v > 0x7fffffffL ? 0x7fffffffL : v < -0x7fffffffL ? -0x7fffffffL : (long)v;
        text[i] = json_string_value(t);
    }
    r->objs = lines.objs;
    r->qid = qid;
    r->text = text;
    r->n = lines.n;
    *out = r;
    return GORILLA_OK;
}

gorilla_status gorilla_records_load(const char *path, gorilla_records **out, gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_load(path, &lines, err);
    return st != GORILLA_OK ? st : records_from_lines(path, &lines, out, err);
}

gorilla_status gorilla_records_load_buffer(const char *name, const char *data, size_t len, gorilla_records **out,
                                           gorilla_error *err)
{
    *out = NULL;
    jsonl_lines lines;
    gorilla_status st = jsonl_parse(name, data, len, &lines, err);
    return st != GORILLA_OK ? st : records_from_lines(name, &lines, out, err);
}

void gorilla_records_free(gorilla_records *recs)
{
    if (!recs) return;
    for (size_t i = 0; i < recs->n; i++) json_decref(recs->objs[i]);
    free(recs->objs);
    free(recs->qid);
    free(recs->text);
    free(recs);
}

size_t gorilla_records_count(const gorilla_records *recs) { return recs ? recs->n : 0; }
long gorilla_records_question_id(const gorilla_records *recs, size_t i)
{
    return recs && i < recs->n ? recs->qid[i] : -1;
}
const char *gorilla_records_text(const gorilla_records *recs, size_t i)
{
    return recs && i < recs->n ? recs->text[i] : NULL;
}
const char *gorilla_records_field(const gorilla_records *recs, size_t i, const char *field)
{
    return recs && i < recs->n ? json_str(recs->objs[i], field) : NULL;
}
