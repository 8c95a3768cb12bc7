/* pairset.c — {instruction, API} training pairs: APIBench train lines in
 * both published `code` styles, and the <<<field>>> answer format. */
#include "dataset/dataset_internal.h"
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gorilla_pairset {
    gorilla_train_pair *p;
    size_t n, cap;
};

gorilla_status gorilla_pairset_new(gorilla_pairset **out, gorilla_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out ? GORILLA_OK : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}

static void pair_clear(gorilla_train_pair *p)
{
    free(p->instruction);
    free(p->answer);
    free(p->api_call);
    free(p->domain);
    free(p->provider);
    free(p->api_json);
    memset(p, 0, sizeof *p);
}

void gorilla_pairset_free(gorilla_pairset *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) pair_clear(&set->p[i]);
    free(set->p);
    free(set);
}

size_t gorilla_pairset_count(const gorilla_pairset *set) { return set ? set->n : 0; }

const gorilla_train_pair *gorilla_pairset_get(const gorilla_pairset *set, size_t i)
{
    return set && i < set->n ? &set->p[i] : NULL;
}

gorilla_status gorilla_pairset_add(gorilla_pairset *set, const gorilla_train_pair *p, gorilla_error *err)
{
    if (!p->instruction || !p->answer)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "a training pair needs an instruction and an answer");
    if (set->n == set->cap) {
        size_t nc = set->cap ? set->cap * 2 : 64;
        gorilla_train_pair *g = realloc(set->p, nc * sizeof *g);
        if (!g) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        set->p = g;
        set->cap = nc;
    }
    int oom = 0;
    gorilla_train_pair c = {
        ds_strdup(p->instruction, &oom), ds_strdup(p->answer, &oom), ds_strdup(p->api_call, &oom),
        ds_strdup(p->domain, &oom),      ds_strdup(p->provider, &oom), ds_strdup(p->api_json, &oom),
    };
    if (oom) {
        pair_clear(&c);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    set->p[set->n++] = c;
    return GORILLA_OK;
}

char *gorilla_answer_format(const char *domain, const char *api_call, const char *provider,
                            const char *explanation, const char *code)
{
    ds_buf b;
    ds_buf_init(&b);
    ds_buf_puts(&b, "<<<domain>>>: ");
    ds_buf_puts(&b, domain ? domain : "");
    ds_buf_puts(&b, "\n<<<api_call>>>: ");
    ds_buf_puts(&b, api_call ? api_call : "");
    ds_buf_puts(&b, "\n<<<api_provider>>>: ");
    ds_buf_puts(&b, provider ? provider : "");
    ds_buf_puts(&b, "\n<<<explanation>>>: ");
    ds_buf_puts(&b, explanation ? explanation : "");
    ds_buf_puts(&b, "\n<<<code>>>: ");
    ds_buf_puts(&b, code ? code : "");
    return ds_buf_take(&b);
}

static char *trimmed(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
    return strndup(s, (size_t)(e - s));
}

/* Finds "###" + optional spaces + word + ":" in s; returns the text after it. */
static const char *find_marker(const char *s, const char *word)
{
    for (const char *h = strstr(s, "###"); h; h = strstr(h + 1, "###")) {
        const char *q = h + 3;
        while (*q == ' ') q++;
        size_t wl = strlen(word);
        if (strncmp(q, word, wl) == 0 && q[wl] == ':') return q + wl + 1;
    }
    return NULL;
}

/* Splits `code` into instruction and output text. Returns 0, -1 when the
 * style is not recognised, -2 on OOM. *dict_style is set for the
 * {'Instruction': ..., 'Output': {...}} form. */
static int split_code(const char *code, char **instr, char **output, int *dict_style)
{
    *instr = *output = NULL;
    *dict_style = 0;
    const char *i = find_marker(code, "Instruction");
    if (i) {
        const char *o = find_marker(i, "Output");
        const char *ie = o ? o : i + strlen(i);
        if (o) {
            /* back up over "###" + spaces + "Output:" */
            ie = o - strlen("Output:");
            while (ie > i && ie[-1] == ' ') ie--;
            while (ie > i && ie[-1] == '#') ie--;
        }
        *instr = trimmed(i, ie);
        *output = o ? trimmed(o, o + strlen(o)) : strdup("");
        return (*instr && *output) ? 0 : -2;
    }
    const char *tag = "'Instruction':";
    const char *d = strstr(code, tag);
    const char *o = d ? strstr(d, ", 'Output':") : NULL;
    if (!d || !o) return -1;
    *dict_style = 1;
    const char *is = d + strlen(tag), *ie = o;
    while (is < ie && *is == ' ') is++;
    while (ie > is && ie[-1] == ' ') ie--;
    if (ie - is >= 2 && (*is == '"' || *is == '\'') && ie[-1] == *is) is++, ie--; /* a quoted instruction */
    *instr = trimmed(is, ie);
    const char *ob = o + strlen(", 'Output':");
    *output = trimmed(ob, ob + strlen(ob));
    return (*instr && *output) ? 0 : -2;
}

char *ds_code_instruction(const char *code)
{
    char *instr, *output;
    int dict;
    int r = split_code(code, &instr, &output, &dict);
    free(output);
    if (r != 0) {
        free(instr);
        return NULL;
    }
    return instr;
}

static int has_all_markers(const char *s)
{
    static const char *const m[] = {"<<<domain>>>", "<<<api_call>>>", "<<<api_provider>>>", "<<<explanation>>>",
                                    "<<<code>>>"};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strstr(s, m[i])) return 0;
    return 1;
}

static const char *obj_str(const json_t *o, const char *k)
{
    const json_t *v = o ? json_object_get(o, k) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One train line into a pair (fields malloc'd into *p). */
static gorilla_status line_pair(const json_t *o, const char *where, gorilla_train_pair *p, gorilla_error *err)
{
    memset(p, 0, sizeof *p);
    const char *code = obj_str(o, "code");
    if (!code) return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no string field \"code\"", where);
    char *instr, *output;
    int dict;
    int r = split_code(code, &instr, &output, &dict);
    if (r == -2) {
        free(instr);
        free(output);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (r == -1)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: \"code\" has neither \"###Instruction:\" nor \"'Instruction':\"", where);
    p->instruction = instr;
    if (!*instr) {
        free(output);
        pair_clear(p);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: empty instruction", where);
    }
    const json_t *api = json_object_get(o, "api_data");
    const char *gold_call = obj_str(o, "api_call");
    const char *provider = obj_str(o, "provider");
    const char *gold_domain = json_is_object(api) ? obj_str(api, "domain") : NULL;
    if (!provider && json_is_object(api)) provider = obj_str(api, "framework");
    int oom = 0;
    if (!dict && has_all_markers(output)) {
        p->answer = output;
        output = NULL;
        gorilla_answer a;
        if (gorilla_answer_parse(p->answer, strlen(p->answer), &a, NULL) != GORILLA_OK) goto oom;
        p->api_call = ds_strdup(a.api_call ? a.api_call : gold_call, &oom);
        p->domain = ds_strdup(a.domain ? a.domain : gold_domain, &oom);
        p->provider = ds_strdup(a.api_provider ? a.api_provider : provider, &oom);
        gorilla_answer_clear(&a);
    } else {
        gorilla_answer a;
        if (gorilla_answer_parse(output, strlen(output), &a, NULL) != GORILLA_OK) {
            free(output);
            goto oom;
        }
        const char *call = a.api_call ? a.api_call : gold_call;
        if (!call) {
            gorilla_answer_clear(&a);
            free(output);
            pair_clear(p);
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no api_call in the output or the line", where);
        }
        const char *dom = a.domain ? a.domain : gold_domain;
        const char *prov = a.api_provider ? a.api_provider : provider;
        p->answer = gorilla_answer_format(dom, call, prov, a.explanation, a.code);
        p->api_call = ds_strdup(call, &oom);
        p->domain = ds_strdup(dom, &oom);
        p->provider = ds_strdup(prov, &oom);
        gorilla_answer_clear(&a);
        if (!p->answer) oom = 1;
    }
    free(output);
    if (json_is_object(api)) {
        p->api_json = json_dumps(api, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!p->api_json) oom = 1;
    }
    if (oom) goto oom;
    return GORILLA_OK;
oom:
    pair_clear(p);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
}

gorilla_status gorilla_pairset_load_buffer(gorilla_pairset *set, const char *name, const char *data, size_t len,
                                           gorilla_error *err)
{
    size_t line = 0;
    const char *s = data, *end = data + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        line++;
        const char *t = s;
        while (t < le && (*t == ' ' || *t == '\t' || *t == '\r')) t++;
        if (t < le) {
            char where[512];
            snprintf(where, sizeof where, "%s:%zu", name, line);
            json_error_t je;
            json_t *o = json_loadb(s, (size_t)(le - s), 0, &je);
            if (!o) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d: %s", where, je.column, je.text);
            if (!json_is_object(o)) {
                json_decref(o);
                return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a JSON object", where);
            }
            gorilla_train_pair p;
            gorilla_status st = line_pair(o, where, &p, err);
            json_decref(o);
            if (st != GORILLA_OK) return st;
            st = gorilla_pairset_add(set, &p, err);
            pair_clear(&p);
            if (st != GORILLA_OK) return st;
        }
        s = nl ? nl + 1 : end;
    }
    return GORILLA_OK;
}

gorilla_status gorilla_pairset_load(gorilla_pairset *set, const char *path, gorilla_error *err)
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
    if (bad) {
        ds_buf_free(&b);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: read error", path);
    }
    if (b.oom) {
        ds_buf_free(&b);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
    }
    gorilla_status st = gorilla_pairset_load_buffer(set, path, b.p ? b.p : "", b.n, err);
    ds_buf_free(&b);
    return st;
}

char *gorilla_pair_apibench_line(const gorilla_train_pair *p)
{
    ds_buf code;
    ds_buf_init(&code);
    ds_buf_puts(&code, "###Instruction: ");
    ds_buf_puts(&code, p->instruction);
    ds_buf_puts(&code, "\n###Output: ");
    ds_buf_puts(&code, p->answer);
    char *c = ds_buf_take(&code);
    if (!c) return NULL;
    json_t *o = json_object();
    json_t *api = p->api_json ? json_loads(p->api_json, 0, NULL) : NULL;
    if (!o) {
        free(c);
        json_decref(api);
        return NULL;
    }
    json_object_set_new(o, "code", json_string(c));
    json_object_set_new(o, "api_call", p->api_call ? json_string(p->api_call) : json_null());
    json_object_set_new(o, "provider", p->provider ? json_string(p->provider) : json_null());
    json_object_set_new(o, "api_data", api ? api : json_null());
    free(c);
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return line;
}
