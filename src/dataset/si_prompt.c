/* si_prompt.c — self-instruct: the hand-written in-context examples of a
 * hub, the teacher's prompt, and the parser of its answer. */
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/rng.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *doc;        /* json.dumps of api_data */
    gorilla_si_item *items;
    size_t n;
} example;

struct gorilla_si_examples {
    example *ex;
    size_t n;
};

void gorilla_si_items_free(gorilla_si_item *items, size_t n)
{
    if (!items) return;
    for (size_t i = 0; i < n; i++) {
        free(items[i].instruction);
        free(items[i].api_call);
        free(items[i].explanation);
    }
    free(items);
}

void gorilla_si_examples_free(gorilla_si_examples *ex)
{
    if (!ex) return;
    for (size_t i = 0; i < ex->n; i++) {
        free(ex->ex[i].doc);
        gorilla_si_items_free(ex->ex[i].items, ex->ex[i].n);
    }
    free(ex->ex);
    free(ex);
}

size_t gorilla_si_examples_count(const gorilla_si_examples *ex) { return ex ? ex->n : 0; }

static const char *str_field(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

gorilla_status gorilla_si_examples_load_buffer(const char *name, const char *data, size_t len,
                                               gorilla_si_examples **out, gorilla_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *a = json_loadb(data, len, 0, &je);
    if (!a) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    gorilla_status st = GORILLA_OK;
    gorilla_si_examples *ex = calloc(1, sizeof *ex);
    if (!json_is_array(a) || json_array_size(a) == 0) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: expected a non-empty JSON array of examples", name);
        goto done;
    }
    if (!ex || !(ex->ex = calloc(json_array_size(a), sizeof *ex->ex))) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        const json_t *api = json_object_get(e, "api_data"), *ins = json_object_get(e, "instructions");
        if (!json_is_object(api) || !json_is_array(ins) || json_array_size(ins) == 0) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID,
                              "%s: example %zu needs an \"api_data\" object and a non-empty \"instructions\" array",
                              name, i);
            goto done;
        }
        example *x = &ex->ex[ex->n++];
        x->doc = ds_json_dumps_py(api);
        x->items = calloc(json_array_size(ins), sizeof *x->items);
        if (!x->doc || !x->items) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            goto done;
        }
        size_t j;
        json_t *it;
        json_array_foreach(ins, j, it)
        {
            const char *in = str_field(it, "instruction"), *call = str_field(it, "api_call"),
                       *ex_ = str_field(it, "explanation");
            if (!in || !call || !ex_) {
                st = gorilla_fail(err, GORILLA_ERR_INVALID,
                                  "%s: example %zu, instruction %zu needs strings \"instruction\", \"api_call\", "
                                  "\"explanation\"",
                                  name, i, j);
                goto done;
            }
            gorilla_si_item *d = &x->items[x->n++];
            d->instruction = strdup(in);
            d->api_call = strdup(call);
            d->explanation = strdup(ex_);
            if (!d->instruction || !d->api_call || !d->explanation) {
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
    }
done:
    json_decref(a);
    if (st != GORILLA_OK) gorilla_si_examples_free(ex);
    else *out = ex;
    return st;
}

gorilla_status gorilla_si_examples_load(const char *path, gorilla_si_examples **out, gorilla_error *err)
{
    *out = NULL;
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
    gorilla_status st = gorilla_si_examples_load_buffer(path, b.p ? b.p : "", b.n, out, err);
    ds_buf_free(&b);
    return st;
}

static void put_items(ds_buf *b, const gorilla_si_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ds_buf_printf(b, "%zu. Instruction: %s\nAPI call: %s\nExplanation: %s\n\n", i + 1, items[i].instruction,
                      items[i].api_call, items[i].explanation);
    }
}

char *gorilla_si_prompt(const gorilla_si_examples *ex, const char *doc_json, unsigned n_shots,
                        unsigned n_instructions, uint64_t seed)
{
    json_t *doc = doc_json ? json_loads(doc_json, 0, NULL) : NULL;
    char *doc_text = doc ? ds_json_dumps_py(doc) : NULL;
    json_decref(doc);
    if (!doc_text) return NULL;
    size_t n = ex ? ex->n : 0;
    size_t shots = n_shots < n ? n_shots : n;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) {
        free(doc_text);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) order[i] = i;
    uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 0x51ED;
    for (size_t i = 0; i < shots; i++) { /* partial Fisher-Yates: the first `shots` are a seeded draw */
        size_t j = i + (size_t)(gorilla_splitmix64(&rng) % (n - i));
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    ds_buf b;
    ds_buf_init(&b);
    ds_buf_printf(&b,
                  "You write training data for an assistant that finds the right API call for a task.\n"
                  "Given an API document, write %u different instructions that real users could give, each "
                  "asking for something this API does.\n"
                  "Rules:\n"
                  "- Never name the API, the model, the repository or the library in an instruction: describe the "
                  "task, the data and the setting (a person, a company, an app) instead.\n"
                  "- Vary the wording, the setting and the length (one to three sentences).\n"
                  "- For each instruction give the API call (one line of Python, taken from the document) and a "
                  "one-sentence explanation.\n"
                  "Answer in exactly this format, one block per instruction, blocks separated by a blank line:\n"
                  "1. Instruction: <the instruction>\nAPI call: <one line of code>\nExplanation: <one sentence>\n\n",
                  n_instructions);
    for (size_t s = 0; s < shots; s++) {
        const example *x = &ex->ex[order[s]];
        ds_buf_printf(&b, "Example %zu\nAPI document: %s\nAnswer:\n", s + 1, x->doc);
        put_items(&b, x->items, x->n);
    }
    ds_buf_printf(&b, "Now the real task.\nAPI document: %s\nAnswer with %u blocks:\n", doc_text, n_instructions);
    free(doc_text);
    free(order);
    return ds_buf_take(&b);
}

/* --- The answer parser ----------------------------------------------- */

typedef enum { F_NONE, F_INSTR, F_CALL, F_EXPL } field;

/* Recognises "Instruction:", "**Instruction 3:**", "2. API call:",
 * "- Explanation -" ... at the start of a line; sets *rest after it. */
static field line_label(const char *s, const char *e, const char **rest)
{
    while (s < e && (isdigit((unsigned char)*s) || *s == '.' || *s == ')' || *s == '-' || *s == '*' || *s == '#' ||
                     *s == ' ' || *s == '\t'))
        s++;
    static const struct {
        const char *w;
        field f;
    } L[] = {{"instruction", F_INSTR}, {"api call", F_CALL}, {"api_call", F_CALL}, {"call", F_CALL},
             {"explanation", F_EXPL}};
    for (size_t i = 0; i < sizeof L / sizeof L[0]; i++) {
        size_t n = strlen(L[i].w);
        if ((size_t)(e - s) < n || strncasecmp(s, L[i].w, n) != 0) continue;
        const char *q = s + n;
        while (q < e && (isdigit((unsigned char)*q) || *q == ' ' || *q == '*')) q++;
        if (q < e && (*q == ':' || *q == '-')) {
            q++;
            while (q < e && (*q == ' ' || *q == '*' || *q == '\t')) q++;
            *rest = q;
            return L[i].f;
        }
    }
    return F_NONE;
}

/* Trims spaces, markdown bold/italics and code quotes around a value. */
static char *clean(const char *s, size_t n)
{
    const char *e = s + n;
    for (;;) {
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        if (e - s >= 2 && ((*s == '`' && e[-1] == '`') || (*s == '*' && e[-1] == '*') || (*s == '"' && e[-1] == '"'))) {
            s++;
            e--;
            continue;
        }
        if (e - s >= 6 && strncmp(s, "python", 6) == 0 && s[6] == '\n') {
            s += 6;
            continue;
        }
        break;
    }
    return strndup(s, (size_t)(e - s));
}

gorilla_status gorilla_si_parse(const char *text, gorilla_si_item **items_out, size_t *n_out, size_t *skipped,
                                gorilla_error *err)
{
    *items_out = NULL;
    *n_out = 0;
    if (skipped) *skipped = 0;
    gorilla_si_item *items = NULL;
    size_t n = 0, cap = 0;
    ds_buf cur[4];
    for (int i = 0; i < 4; i++) ds_buf_init(&cur[i]);
    field f = F_NONE;
    int open = 0;
    const char *s = text ? text : "";
    for (;;) {
        const char *nl = strchr(s, '\n');
        const char *e = nl ? nl : s + strlen(s);
        const char *rest = NULL;
        field lf = s < e || nl ? line_label(s, e, &rest) : F_NONE;
        int end = !nl && !*s;
        if (lf == F_INSTR || end) {
            if (open) {
                char *in = cur[F_INSTR].n ? clean(cur[F_INSTR].p, cur[F_INSTR].n) : NULL;
                char *ca = cur[F_CALL].n ? clean(cur[F_CALL].p, cur[F_CALL].n) : NULL;
                char *ex = cur[F_EXPL].n ? clean(cur[F_EXPL].p, cur[F_EXPL].n) : strdup("");
                int oom = cur[0].oom || cur[1].oom || cur[2].oom || cur[3].oom || !ex;
                if (!oom && in && *in && ca && *ca && !strchr(ca, '\n')) {
                    if (n == cap) {
                        size_t nc = cap ? cap * 2 : 16;
                        gorilla_si_item *g = realloc(items, nc * sizeof *g);
                        if (!g) oom = 1;
                        else items = g, cap = nc;
                    }
                    if (!oom) {
                        items[n].instruction = in;
                        items[n].api_call = ca;
                        items[n].explanation = ex;
                        n++;
                        in = ca = ex = NULL;
                    }
                } else if (skipped) {
                    (*skipped)++;
                }
                free(in);
                free(ca);
                free(ex);
                for (int i = 0; i < 4; i++) ds_buf_free(&cur[i]);
                if (oom) {
                    gorilla_si_items_free(items, n);
                    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                }
            }
            if (end) break;
            open = 1;
        }
        if (lf != F_NONE) {
            f = lf;
            if (open && cur[f].n) ds_buf_puts(&cur[f], "\n");
            if (open) ds_buf_add(&cur[f], rest, (size_t)(e - rest));
        } else if (open && f != F_NONE && f != F_CALL) {
            const char *t = s;
            while (t < e && isspace((unsigned char)*t)) t++;
            if (t < e) { /* a continuation line */
                ds_buf_puts(&cur[f], " ");
                ds_buf_add(&cur[f], t, (size_t)(e - t));
            } else {
                f = F_NONE; /* a blank line ends the field */
            }
        } else if (open && f == F_CALL) {
            const char *t = s;
            while (t < e && isspace((unsigned char)*t)) t++;
            /* code fences around the call are dropped; other lines end the field */
            if (t == e || strncmp(t, "```", 3) == 0) {
                if (t == e) f = F_NONE;
            } else if (!cur[F_CALL].n) {
                ds_buf_add(&cur[F_CALL], t, (size_t)(e - t));
            } else {
                f = F_NONE;
            }
        }
        if (!nl) s = e;
        else s = nl + 1;
    }
    *items_out = items;
    *n_out = n;
    return GORILLA_OK;
}
