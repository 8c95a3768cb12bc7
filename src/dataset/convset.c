/* convset.c — two-turn conversations: FastChat JSON / JSON lines and
 * Hugging Face chat lines, read and written. */
#include "dataset/dataset_internal.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gorilla_convset {
    gorilla_conversation *c;
    size_t n, cap;
};

int gorilla_conv_format_parse(const char *name, gorilla_conv_format *out)
{
    if (!name) return -1;
    if (strcmp(name, "fastchat") == 0 || strcmp(name, "fastchat-json") == 0) *out = GORILLA_CONV_FASTCHAT_JSON;
    else if (strcmp(name, "fastchat-jsonl") == 0) *out = GORILLA_CONV_FASTCHAT_JSONL;
    else if (strcmp(name, "hf-chat") == 0) *out = GORILLA_CONV_HF_CHAT;
    else return -1;
    return 0;
}

gorilla_status gorilla_convset_new(gorilla_convset **out, gorilla_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}

void gorilla_convset_free(gorilla_convset *cs)
{
    if (!cs) return;
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->c[i].id);
        free(cs->c[i].human);
        free(cs->c[i].gpt);
    }
    free(cs->c);
    free(cs);
}

size_t gorilla_convset_count(const gorilla_convset *cs) { return cs ? cs->n : 0; }

const gorilla_conversation *gorilla_convset_get(const gorilla_convset *cs, size_t i)
{
    return cs && i < cs->n ? &cs->c[i] : NULL;
}

gorilla_status gorilla_convset_add(gorilla_convset *cs, const char *id, const char *human, const char *gpt,
                                   gorilla_error *err)
{
    if (!id || !human || !gpt) return gorilla_fail(err, GORILLA_ERR_INVALID, "a conversation needs id, human and gpt");
    if (cs->n == cs->cap) {
        size_t nc = cs->cap ? cs->cap * 2 : 64;
        gorilla_conversation *g = realloc(cs->c, nc * sizeof *g);
        if (!g) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        cs->c = g;
        cs->cap = nc;
    }
    int oom = 0;
    gorilla_conversation c = {ds_strdup(id, &oom), ds_strdup(human, &oom), ds_strdup(gpt, &oom)};
    if (oom) {
        free(c.id);
        free(c.human);
        free(c.gpt);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    cs->c[cs->n++] = c;
    return GORILLA_OK;
}

/* One conversation object (FastChat or hf-chat) into cs. */
static gorilla_status add_object(gorilla_convset *cs, const json_t *o, const char *where, size_t ordinal,
                                 gorilla_error *err)
{
    if (!json_is_object(o)) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a JSON object", where);
    const json_t *turns = json_object_get(o, "conversations");
    int fastchat = turns != NULL;
    if (!turns) turns = json_object_get(o, "messages");
    if (!json_is_array(turns))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no \"conversations\" or \"messages\" array", where);
    const char *role_key = fastchat ? "from" : "role", *text_key = fastchat ? "value" : "content";
    const char *human = NULL, *gpt = NULL;
    size_t i;
    const json_t *t;
    json_array_foreach(turns, i, t)
    {
        const json_t *r = json_object_get(t, role_key), *v = json_object_get(t, text_key);
        if (!json_is_string(r) || !json_is_string(v))
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: turn %zu needs string \"%s\" and \"%s\"", where, i,
                                role_key, text_key);
        const char *role = json_string_value(r);
        int is_user = strcmp(role, "human") == 0 || strcmp(role, "user") == 0;
        int is_asst = strcmp(role, "gpt") == 0 || strcmp(role, "assistant") == 0;
        if (is_user && !human) human = json_string_value(v);
        else if (is_asst && human && !gpt) gpt = json_string_value(v);
    }
    if (!human || !gpt)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: a conversation needs a user turn and an assistant turn after it",
                            where);
    const json_t *idv = json_object_get(o, "id");
    char idbuf[32];
    const char *id = json_is_string(idv) ? json_string_value(idv) : NULL;
    if (!id) {
        snprintf(idbuf, sizeof idbuf, "conv-%zu", ordinal);
        id = idbuf;
    }
    return gorilla_convset_add(cs, id, human, gpt, err);
}

gorilla_status gorilla_convset_load_buffer(gorilla_convset *cs, const char *name, const char *data, size_t len,
                                           gorilla_error *err)
{
    const char *s = data, *end = data + len;
    while (s < end && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++;
    char where[512];
    if (s < end && *s == '[') {
        json_error_t je;
        json_t *a = json_loadb(data, len, 0, &je);
        if (!a) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
        size_t i;
        json_t *o;
        gorilla_status st = GORILLA_OK;
        json_array_foreach(a, i, o)
        {
            snprintf(where, sizeof where, "%s: element %zu", name, i);
            st = add_object(cs, o, where, i, err);
            if (st != GORILLA_OK) break;
        }
        json_decref(a);
        return st;
    }
    size_t line = 0;
    s = data;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        line++;
        const char *t = s;
        while (t < le && (*t == ' ' || *t == '\t' || *t == '\r')) t++;
        if (t < le) {
            snprintf(where, sizeof where, "%s:%zu", name, line);
            json_error_t je;
            json_t *o = json_loadb(s, (size_t)(le - s), 0, &je);
            if (!o) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d: %s", where, je.column, je.text);
            gorilla_status st = add_object(cs, o, where, line - 1, err);
            json_decref(o);
            if (st != GORILLA_OK) return st;
        }
        s = nl ? nl + 1 : end;
    }
    return GORILLA_OK;
}

gorilla_status gorilla_convset_load(gorilla_convset *cs, const char *path, gorilla_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    ds_buf b;
    ds_buf_init(&b);
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) ds_buf_add(&b, chunk, r);
    int bad = ferror(f);
    fclose(f);
    if (bad || b.oom) {
        ds_buf_free(&b);
        return gorilla_fail(err, bad ? GORILLA_ERR_IO : GORILLA_ERR_NOMEM, "%s: %s", path,
                            bad ? "read error" : "out of memory");
    }
    gorilla_status st = gorilla_convset_load_buffer(cs, path, b.p ? b.p : "", b.n, err);
    ds_buf_free(&b);
    return st;
}

static json_t *turn(const char *rk, const char *role, const char *tk, const char *text)
{
    json_t *t = json_object();
    if (!t) return NULL;
    json_object_set_new(t, rk, json_string(role));
    json_object_set_new(t, tk, json_string(text));
    return t;
}

static json_t *conv_object(const gorilla_conversation *c, gorilla_conv_format fmt)
{
    json_t *o = json_object(), *turns = json_array();
    if (!o || !turns) {
        json_decref(o);
        json_decref(turns);
        return NULL;
    }
    if (fmt == GORILLA_CONV_HF_CHAT) {
        json_array_append_new(turns, turn("role", "user", "content", c->human));
        json_array_append_new(turns, turn("role", "assistant", "content", c->gpt));
        json_object_set_new(o, "messages", turns);
    } else {
        json_object_set_new(o, "id", json_string(c->id));
        json_array_append_new(turns, turn("from", "human", "value", c->human));
        json_array_append_new(turns, turn("from", "gpt", "value", c->gpt));
        json_object_set_new(o, "conversations", turns);
    }
    return o;
}

gorilla_status gorilla_convset_write(const gorilla_convset *cs, FILE *out, gorilla_conv_format fmt,
                                     gorilla_error *err)
{
    if (fmt == GORILLA_CONV_FASTCHAT_JSON) fputs("[\n", out);
    for (size_t i = 0; i < cs->n; i++) {
        json_t *o = conv_object(&cs->c[i], fmt);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
        json_decref(o);
        if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory (or invalid UTF-8 in conversation %s)",
                                    cs->c[i].id);
        fputs(s, out);
        if (fmt == GORILLA_CONV_FASTCHAT_JSON && i + 1 < cs->n) fputc(',', out);
        fputc('\n', out);
        free(s);
    }
    if (fmt == GORILLA_CONV_FASTCHAT_JSON) fputs("]\n", out);
    if (ferror(out)) return gorilla_fail(err, GORILLA_ERR_IO, "write error");
    return GORILLA_OK;
}

gorilla_status gorilla_convset_save(const gorilla_convset *cs, const char *path, gorilla_conv_format fmt,
                                    gorilla_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        gorilla_status st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    gorilla_status st = gorilla_convset_write(cs, f, fmt, err);
    if (st == GORILLA_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && st == GORILLA_OK) st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", tmp, strerror(errno));
    if (st == GORILLA_OK && rename(tmp, path) != 0)
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    if (st != GORILLA_OK) unlink(tmp);
    free(tmp);
    return st;
}
