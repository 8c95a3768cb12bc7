/* run.c — `gorilla bfcl run`: BFCL result files from a local GGUF model or
 * an OpenAI-compatible endpoint.
 *
 * Per entry of BFCL_v4_<c>.json ({"id", "question": [[messages]],
 * "function": [docs]}): the prompt (BFCL's default prompting system prompt
 * with str(functions) and the user turn; the OpenFunctions v2 prompt; or a
 * chat with `tools`, names with '.' sent as '_' as BFCL's FC handlers do),
 * the model's answer, and one fsync'ed result line. Ids already in the
 * result file are skipped, so a rerun after a crash continues. Then the
 * questions and possible answers of the answered entries go to OUT/data/
 * for the evaluation. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/error.h"
#include "base/utf8.h"
#include "gorilla.h"

typedef struct {
    gorilla_backend be;
    int have_be;
    gorilla_client *client;
} runner;

typedef struct {
    char *s;
    size_t n, cap;
} text_sink;

static int sink_piece(void *user, const char *piece, size_t len)
{
    text_sink *t = user;
    if (t->n + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        while (cap < t->n + len + 1) cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p) return 1;
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->n, piece, len);
    t->n += len;
    t->s[t->n] = '\0';
    return 0;
}

static gorilla_status mkdirs(const char *path, gorilla_error *err)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) && errno != EEXIST)
            return gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) && errno != EEXIST)
        return gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot create %s: %s", buf, strerror(errno));
    return GORILLA_OK;
}

/* The lines of a JSON-lines file, parsed; NULL entries for bad lines. */
static json_t *load_lines(const char *path, gorilla_error *err, int required)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required) return json_array();
        gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *out = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    size_t no = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        no++;
        if (n == 1 && line[0] == '\n') continue;
        json_error_t je;
        json_t *v = json_loadb(line, (size_t)n, 0, &je);
        if (!json_is_object(v)) {
            json_decref(v);
            if (required) {
                gorilla_fail(err, GORILLA_ERR_PARSE, "bfcl run: %s:%zu: not a JSON object: %s", path, no, je.text);
                json_decref(out);
                out = NULL;
                break;
            }
            continue;
        }
        json_array_append_new(out, v);
    }
    free(line);
    fclose(f);
    return out;
}

/* Cuts a torn last line (no final newline) off a result file. */
static void cut_torn_tail(const char *path)
{
    FILE *f = fopen(path, "r+");
    if (!f) return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f), keep = size;
        while (keep > 0) {
            if (fseek(f, keep - 1, SEEK_SET) != 0) break;
            int c = fgetc(f);
            if (c == '\n') break;
            keep--;
        }
        if (keep != size) (void)!ftruncate(fileno(f), keep);
    }
    fclose(f);
}

static const char *last_user(json_t *entry)
{
    json_t *q = json_array_get(json_object_get(entry, "question"), 0);
    const char *u = NULL;
    size_t i;
    json_t *m;
    json_array_foreach(q, i, m) {
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && !strcmp(role, "user")) u = json_string_value(json_object_get(m, "content"));
    }
    return u ? u : "";
}

/* OpenFunctions v2 output: <<function>> markers joined into one list. */
static char *join_ofv2(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 3);
    if (!out) return NULL;
    const char *p = text, *at;
    size_t k = 0;
    int pieces = 0;
    while (*p) {
        at = strstr(p, "<<function>>");
        size_t len = at ? (size_t)(at - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\n')) p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\n')) len--;
        if (len) {
            if (pieces++) out[k++] = ',', out[k++] = ' ';
            memcpy(out + k, p, len);
            k += len;
        }
        if (!at) break;
        p = at + 12;
    }
    out[k] = '\0';
    return out;
}

/* One entry's result value (a string, or an FC list). */
static gorilla_status answer(runner *r, const gorilla_bfcl_run_opts *o, json_t *entry, json_t **result, int *in_tok,
                             int *out_tok, gorilla_error *err)
{
    *result = NULL;
    json_t *functions = json_object_get(entry, "function");
    char *fjson = json_dumps(functions ? functions : json_array(), JSON_COMPACT);
    const char *question = last_user(entry);
    gorilla_gen_params p;
    gorilla_gen_params_init(&p);
    p.max_tokens = o->max_tokens > 0 ? o->max_tokens : 256;
    p.temperature = 0.0f;
    gorilla_status st = GORILLA_OK;
    char *text = NULL;
    if (!fjson) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (r->client && o->mode == GORILLA_BFCL_RUN_FC) {
        /* the functions as `tools` (BFCL's FC handlers' names and types); the
         * tool calls kept as {name: arguments}, or the text when there are none */
        json_t *q = json_array_get(json_object_get(entry, "question"), 0);
        char *msgs = q ? json_dumps(q, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("[]");
        char *tools = gorilla_fn_tools(fjson);
        char *calls = NULL;
        st = msgs && tools ? gorilla_client_chat_tools(r->client, msgs, tools, &p, &text, &calls, in_tok, out_tok, err)
                           : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        free(msgs);
        free(tools);
        json_t *cj = calls ? json_loads(calls, 0, NULL) : NULL;
        free(calls);
        if (cj) {
            json_t *list = json_array();
            size_t i;
            json_t *c;
            json_array_foreach(cj, i, c) {
                json_t *one = json_object();
                json_object_set(one, json_string_value(json_object_get(c, "name")), json_object_get(c, "arguments"));
                json_array_append_new(list, one);
            }
            json_decref(cj);
            *result = list;
        } else if (!st && !text) {
            text = strdup("");
        }
    } else if (r->client && o->mode == GORILLA_BFCL_RUN_OFV2) {
        char *prompt = gorilla_fn_prompt(GORILLA_TEMPLATE_OPENFUNCTIONS_V2, fjson, question);
        st = prompt ? gorilla_client_complete(r->client, prompt, &p, &text, err)
                    : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        free(prompt);
    } else if (r->client) {
        char *sys = gorilla_fn_system_prompt(fjson);
        st = sys ? gorilla_client_chat(r->client, sys, question, &p, &text, err)
                 : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        free(sys);
    } else {
        char *prompt = gorilla_fn_prompt(o->mode == GORILLA_BFCL_RUN_OFV2 ? GORILLA_TEMPLATE_OPENFUNCTIONS_V2
                                                                          : GORILLA_TEMPLATE_GORILLA_V0,
                                         fjson, question);
        text_sink t = {0};
        gorilla_gen_usage u = {0, 0, 0, 0, 0};
        st = prompt ? r->be.complete(r->be.ctx, prompt, &p, sink_piece, &t, &u, err)
                    : gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        free(prompt);
        *in_tok = u.prompt_tokens;
        *out_tok = u.completion_tokens;
        text = t.s ? t.s : strdup("");
        if (!st && o->mode == GORILLA_BFCL_RUN_FC) { /* a local model in FC mode: its parsed calls */
            char *calls = NULL;
            gorilla_error pe = {0};
            if (gorilla_fn_parse(text, strlen(text), &calls, &pe) == GORILLA_OK) {
                json_t *cj = json_loads(calls, 0, NULL), *list = json_array();
                size_t i;
                json_t *c;
                json_array_foreach(cj, i, c) {
                    char *args = json_dumps(json_object_get(c, "arguments"), JSON_COMPACT);
                    json_t *one = json_object();
                    json_object_set_new(one, json_string_value(json_object_get(c, "name")), json_string(args ? args : "{}"));
                    free(args);
                    json_array_append_new(list, one);
                }
                json_decref(cj);
                free(calls);
                *result = list;
            }
        }
    }
    if (!st && !*result && text) {
        /* invalid UTF-8 from the model: each bad byte as U+FFFD, as the server sends it */
        char *clean = gorilla_utf8_sanitize(text, strlen(text), NULL);
        if (clean) {
            free(text);
            text = clean;
        }
        if (o->mode == GORILLA_BFCL_RUN_OFV2) {
            char *j = join_ofv2(text);
            *result = json_string(j ? j : text);
            free(j);
        } else {
            *result = json_string(text);
        }
        if (!*result) *result = json_string("");
    }
    free(text);
    free(fjson);
    return st;
}

static gorilla_status write_subset(const char *src, const char *dst, json_t *ids, gorilla_error *err)
{
    json_t *lines = load_lines(src, err, 0);
    FILE *f = lines && json_array_size(lines) ? fopen(dst, "w") : NULL;
    if (lines && json_array_size(lines) && !f) {
        json_decref(lines);
        return gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot write %s: %s", dst, strerror(errno));
    }
    size_t i;
    json_t *v;
    json_array_foreach(lines, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!id || !json_object_get(ids, id)) continue;
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (s) fprintf(f, "%s\n", s);
        free(s);
    }
    json_decref(lines);
    if (f && fclose(f)) return gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot write %s", dst);
    return GORILLA_OK;
}

static gorilla_status run_category(runner *r, const gorilla_bfcl_run_opts *o, const char *cat, size_t *n_new,
                                   gorilla_error *err)
{
    char path[4096], out[4096];
    snprintf(path, sizeof path, "%s/BFCL_v4_%s.json", o->data_dir, cat);
    json_t *entries = load_lines(path, err, 1);
    if (!entries) return err ? err->status : GORILLA_ERR_IO;
    snprintf(out, sizeof out, "%s/result/BFCL_v4_%s_result.json", o->out_dir, cat);
    cut_torn_tail(out);
    json_t *done = json_object();
    json_t *old = load_lines(out, err, 0);
    size_t i;
    json_t *v;
    json_array_foreach(old, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (id) json_object_set_new(done, id, json_true());
    }
    json_decref(old);
    gorilla_status st = GORILLA_OK;
    int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) st = gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot open %s: %s", out, strerror(errno));
    json_t *ids = json_object();
    size_t count = 0;
    json_array_foreach(entries, i, v) {
        if (st) break;
        if (o->limit && count >= o->limit) break;
        count++;
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!id) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "bfcl run: %s:%zu: no \"id\"", path, i + 1);
            break;
        }
        json_object_set_new(ids, id, json_true());
        if (json_object_get(done, id)) {
            if (o->on_entry) o->on_entry(o->user, cat, id, 1);
            continue;
        }
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *result = NULL;
        int in_tok = 0, out_tok = 0;
        st = answer(r, o, v, &result, &in_tok, &out_tok, err);
        if (st) break;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        json_t *line = json_pack("{s:s, s:o, s:i, s:i, s:f}", "id", id, "result", result, "input_token_count", in_tok,
                                 "output_token_count", out_tok, "latency", secs);
        char *s = line ? json_dumps(line, JSON_ENSURE_ASCII) : NULL;
        json_decref(line);
        if (!s) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        size_t len = strlen(s);
        s[len] = '\n'; /* replaces the NUL: written with its newline in one write */
        ssize_t w = write(fd, s, len + 1);
        free(s);
        if (w != (ssize_t)(len + 1) || fsync(fd) != 0) {
            st = gorilla_fail(err, GORILLA_ERR_IO, "bfcl run: cannot write %s: %s", out, strerror(errno));
            break;
        }
        json_object_set_new(done, id, json_true());
        (*n_new)++;
        if (o->on_entry) o->on_entry(o->user, cat, id, 0);
    }
    if (fd >= 0) close(fd);
    if (!st) {
        char src[4096], dst[4096];
        snprintf(dst, sizeof dst, "%s/data/BFCL_v4_%s.json", o->out_dir, cat);
        st = write_subset(path, dst, ids, err);
        snprintf(src, sizeof src, "%s/possible_answer/BFCL_v4_%s.json", o->data_dir, cat);
        snprintf(dst, sizeof dst, "%s/data/possible_answer/BFCL_v4_%s.json", o->out_dir, cat);
        if (!st) st = write_subset(src, dst, ids, err);
    }
    json_decref(ids);
    json_decref(done);
    json_decref(entries);
    return st;
}

gorilla_status gorilla_bfcl_run(const gorilla_bfcl_run_opts *o, size_t *n_new, gorilla_error *err)
{
    *n_new = 0;
    if (!o || !o->data_dir || !o->out_dir || !o->categories || o->n_categories == 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl run: data, out and categories are required");
    if (!o->model_path == !o->endpoint)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl run: give a local model or an endpoint (one of them)");
    for (size_t c = 0; c < o->n_categories; c++)
        if (gorilla_bfcl_category_index(o->categories[c]) < 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl run: unknown category '%s'", o->categories[c]);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/result", o->out_dir);
    gorilla_status st = mkdirs(sub, err);
    snprintf(sub, sizeof sub, "%s/data/possible_answer", o->out_dir);
    if (!st) st = mkdirs(sub, err);
    if (st) return st;
    runner r;
    memset(&r, 0, sizeof r);
    if (o->endpoint) {
        gorilla_client_opts co;
        gorilla_client_opts_init(&co);
        co.base_url = o->endpoint;
        co.model = o->model_name ? o->model_name : "gorilla";
        co.api_key_env = o->api_key_env;
        st = gorilla_client_new(&co, &r.client, err);
    } else {
        gorilla_model_opts mo = {o->n_threads, o->n_ctx};
        st = gorilla_backend_llm_load(o->model_path, &mo, &r.be, err);
        r.have_be = !st;
    }
    for (size_t c = 0; !st && c < o->n_categories; c++) st = run_category(&r, o, o->categories[c], n_new, err);
    if (r.client) gorilla_client_free(r.client);
    if (r.have_be) gorilla_backend_free(&r.be);
    return st;
}
