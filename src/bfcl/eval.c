/* eval.c — BFCL evaluation of result files: load, judge, score files.
 *
 * Per category, as BFCL's eval_runner: the result file (sorted by id), the
 * questions and possible answers; each entry decoded and checked (AST
 * categories) or tested for the presence of a call (irrelevance and
 * relevance); failed entries written to the score file after a summary
 * line; then the leaderboard's aggregates. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/hashmap.h"
#include "bfcl/bfcl_internal.h"

static const char *const CATEGORIES[GORILLA_BFCL_N_CATEGORIES] = {
    "simple_python", "simple_java",   "simple_javascript", "multiple",      "parallel",
    "parallel_multiple", "irrelevance", "live_simple",     "live_multiple", "live_parallel",
    "live_parallel_multiple", "live_irrelevance", "live_relevance"};

const char *gorilla_bfcl_category_name(int i)
{
    return i >= 0 && i < GORILLA_BFCL_N_CATEGORIES ? CATEGORIES[i] : NULL;
}

int gorilla_bfcl_category_index(const char *name)
{
    for (int i = 0; i < GORILLA_BFCL_N_CATEGORIES; i++)
        if (name && strcmp(CATEGORIES[i], name) == 0) return i;
    return -1;
}

static int is_relevance(const char *cat) { return strstr(cat, "relevance") != NULL; }

static bfcl_lang lang_of(const char *cat)
{
    if (strstr(cat, "javascript")) return BFCL_LANG_JS;
    if (strstr(cat, "java")) return BFCL_LANG_JAVA;
    return BFCL_LANG_PYTHON;
}

/* ---------------------------------------------------------------- files */

static char *read_file(const char *path, size_t *len, gorilla_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) {
        gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    if (bad) {
        free(buf);
        gorilla_fail(err, GORILLA_ERR_IO, "%s: read error", path);
        return NULL;
    }
    *len = n;
    return buf;
}

typedef struct {
    bv **v;
    size_t *line;
    size_t n;
} lines_t;

/* JSON lines of a file (blank lines skipped), each a JSON object with a
 * string "id". */
static gorilla_status load_lines(bfcl_arena *a, const char *path, lines_t *out, gorilla_error *err)
{
    size_t len;
    char *text = read_file(path, &len, err);
    if (!text) return err ? err->status : GORILLA_ERR_IO;
    bv_vec vec = {0};
    size_t cap = 0;
    size_t *lines = NULL;
    gorilla_status st = GORILLA_OK;
    size_t pos = 0, lineno = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        const char *s = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r')) k++;
        if (k == n) continue;
        const char *msg;
        bv *v = bfcl_json_parse(a, s, n, &msg);
        if (!v) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu: not JSON: %s", path, lineno, msg);
            break;
        }
        bv *id = bv_dict_gets(v, "id");
        if (v->kind != BV_DICT || !id || id->kind != BV_STR) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: not a JSON object with a string \"id\"", path, lineno);
            break;
        }
        bv_vec_push(&vec, v);
        if (vec.failed) break;
        if (vec.n > cap) {
            cap = cap ? cap * 2 : 256;
            size_t *nl2 = realloc(lines, cap * sizeof *nl2);
            if (!nl2) {
                vec.failed = 1;
                break;
            }
            lines = nl2;
        }
        if (lines) lines[vec.n - 1] = lineno;
    }
    free(text);
    if (st == GORILLA_OK && (vec.failed || a->failed)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
    if (st != GORILLA_OK) {
        bv_vec_free(&vec);
        free(lines);
        return st;
    }
    out->v = vec.v;
    out->line = lines;
    out->n = vec.n;
    return GORILLA_OK;
}

static void lines_free(lines_t *l)
{
    free(l->v);
    free(l->line);
    memset(l, 0, sizeof *l);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* DIR/name, DIR/result/name, or DIR/<sub>/name (first found, sorted). */
static int find_result_file(const char *dir, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    if (is_file(out)) return 1;
    snprintf(out, cap, "%s/result/%s", dir, name);
    if (is_file(out)) return 1;
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    int found = 0;
    for (int i = 0; i < n; i++) {
        if (!found && list[i]->d_name[0] != '.') {
            snprintf(out, cap, "%s/%s/%s", dir, list[i]->d_name, name);
            if (is_file(out)) found = 1;
        }
        free(list[i]);
    }
    if (n >= 0) free(list);
    return found;
}

/* sort_key: id "cat_12" or "cat_12-3-4" -> (cat, 12). */
static void id_key(const bv *id, const char **cat, size_t *cat_len, long long *idx)
{
    const char *s = id->u.str.s;
    size_t n = id->u.str.len, us = n;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '_') {
            us = i - 1;
            break;
        }
    *cat = s;
    *cat_len = us < n ? us : n;
    *idx = us < n ? strtoll(s + us + 1, NULL, 10) : 0;
}

static int cmp_result(const void *pa, const void *pb)
{
    const bv *a = bv_dict_gets(*(bv *const *)pa, "id"), *b = bv_dict_gets(*(bv *const *)pb, "id");
    const char *ca, *cb;
    size_t la, lb;
    long long ia, ib;
    id_key(a, &ca, &la, &ia);
    id_key(b, &cb, &lb, &ib);
    size_t m = la < lb ? la : lb;
    int c = memcmp(ca, cb, m);
    if (c) return c;
    if (la != lb) return la < lb ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

/* ---------------------------------------------------------------- judging */

typedef struct {
    int valid;
    const char *error_type;
    bv *line; /* the score line (dict) when not valid */
} entry_verdict;

static bv *mk_dict(bfcl_ctx *c, const char *const *names, bv *const *vals, size_t n)
{
    bv *keys[16];
    for (size_t i = 0; i < n && i < 16; i++) keys[i] = bv_cstr(c->a, names[i]);
    return bv_dict(c->a, keys, vals, n < 16 ? n : 16);
}

static bv *str_of_a(bfcl_ctx *c, const bv *v)
{
    bfcl_buf b = {0};
    bv_str_of(&b, v);
    bv *r = bv_str(c->a, b.s ? b.s : "", b.len);
    bfcl_buf_free(&b);
    return r;
}

/* Whether failed-to-decode output still looks like an attempted call (for
 * --strict irrelevance) rather than an abstention: an inference error
 * ("Error during inference: ..."), FC output that is a non-empty list (its
 * arguments did not decode), text with "name(" in it. Plain text without
 * a call (an FC model answering in words) is an abstention. */
static int looks_like_call(const bv *result, int fc)
{
    if (!result) return 0;
    if (result->kind != BV_STR) return !(result->kind == BV_LIST && result->u.list.n == 0) || !fc;
    const char *s = result->u.str.s;
    size_t n = result->u.str.len;
    static const char INF[] = "Error during inference";
    if (n >= sizeof INF - 1 && memcmp(s, INF, sizeof INF - 1) == 0) return 1;
    for (size_t i = 1; i < n; i++) {
        if (s[i] != '(') continue;
        size_t j = i;
        while (j > 0 && (s[j - 1] == ' ')) j--;
        if (j > 0 && (s[j - 1] == '_' || (s[j - 1] >= 'a' && s[j - 1] <= 'z') || (s[j - 1] >= 'A' && s[j - 1] <= 'Z') ||
                      (s[j - 1] >= '0' && s[j - 1] <= '9')))
            return 1;
    }
    return 0;
}

static void judge(bfcl_ctx *c, const char *cat, const char *model_name, const bv *entry, const bv *answer,
                  const bv *res, int fc, entry_verdict *v)
{
    bv *id = bv_dict_gets(res, "id");
    bv *result = bv_dict_gets(res, "result");
    if (!result) result = bv_none(c->a);
    bv *mname = bv_cstr(c->a, model_name), *tcat = bv_cstr(c->a, cat), *f = bv_bool(c->a, 0);
    const char *why = NULL;
    v->valid = 0;
    v->line = NULL;

    if (is_relevance(cat)) {
        bv *dec = fc ? bfcl_decode_fc(c, result, &why) : bfcl_decode_prompt(c, result, BFCL_LANG_PYTHON, &why);
        int has_call = dec && !bfcl_is_empty_output(dec);
        int irr = strstr(cat, "irrelevance") != NULL;
        int success = irr ? !has_call : has_call;
        const char *etype = irr ? "irrelevance_error:decoder_success" : "relevance_error:decoder_failed";
        const char *emsg = NULL;
        if (irr) emsg = "Valid syntax. Successfully decode AST when it should not.";
        else emsg = bfcl_printf(c->a, "Invalid syntax. Failed to decode AST when it should have. %s", why ? why : "None");
        if (success && irr && c->strict && !dec && looks_like_call(result, fc)) {
            success = 0;
            etype = "irrelevance_error:garbled_output";
            emsg = bfcl_printf(c->a, "Output that is neither a call nor an abstention (decoding failed: %s).",
                               why ? why : "None");
        }
        if (success) {
            v->valid = 1;
            return;
        }
        v->error_type = etype;
        bv *err = bv_list(c->a, BV_LIST, (bv *[]){bv_cstr(c->a, emsg)}, 1);
        static const char *const K[] = {"id",     "model_name",     "test_category", "valid", "prompt",
                                        "model_result", "decoded_result", "error",         "error_type"};
        bv *vals[] = {id, mname, tcat, f, (bv *)entry, result, dec ? dec : bv_none(c->a), err, bv_cstr(c->a, etype)};
        v->line = mk_dict(c, K, vals, 9);
        return;
    }

    bfcl_lang lang = lang_of(cat);
    bv *gt = bv_dict_gets(answer, "ground_truth");
    if (!gt) gt = bv_none(c->a);
    bv *dec = fc ? bfcl_decode_fc(c, result, &why) : bfcl_decode_prompt(c, result, lang, &why);
    if (!dec) {
        v->error_type = "ast_decoder:decoder_failed";
        bv *err = bv_list(c->a, BV_LIST,
                          (bv *[]){bv_cstr(c->a, bfcl_printf(c->a, "Invalid syntax. Failed to decode AST. %s", why))}, 1);
        static const char *const K[] = {"id",     "model_name", "test_category",    "valid",
                                        "error",  "error_type", "prompt",           "model_result_raw",
                                        "possible_answer"};
        bv *vals[] = {id, mname, tcat, f, err, bv_cstr(c->a, v->error_type), (bv *)entry, result, gt};
        v->line = mk_dict(c, K, vals, 9);
        return;
    }
    if (!bfcl_is_call_list(dec)) {
        v->error_type = "ast_decoder:decoder_wrong_output_format";
        bv *err = bv_list(c->a, BV_LIST,
                          (bv *[]){bv_cstr(c->a, "Did not output in the specified format. Note: the model_result is "
                                                 "wrapped in a string to ensure json serializability.")},
                          1);
        static const char *const K[] = {"id",         "model_name", "test_category",    "valid",
                                        "error",      "error_type", "prompt",           "model_result_raw",
                                        "model_result_decoded", "possible_answer"};
        bv *vals[] = {id, mname, tcat, f, err, bv_cstr(c->a, v->error_type), (bv *)entry, str_of_a(c, result),
                      str_of_a(c, dec), gt};
        v->line = mk_dict(c, K, vals, 10);
        return;
    }
    bfcl_result r = bfcl_ast_check(c, bv_dict_gets(entry, "function"), dec, gt, lang, cat);
    if (r.valid) {
        v->valid = 1;
        return;
    }
    v->error_type = r.error_type ? r.error_type : "ast_checker:unclear";
    static const char *const K[] = {"id",         "model_name", "test_category",    "valid",
                                    "error",      "error_type", "prompt",           "model_result_raw",
                                    "model_result_decoded", "possible_answer"};
    bv *vals[] = {id, mname, tcat, f, r.error ? r.error : bv_list(c->a, BV_LIST, NULL, 0),
                  bv_cstr(c->a, v->error_type), (bv *)entry, result, dec, gt};
    v->line = mk_dict(c, K, vals, 10);
}

/* ---------------------------------------------------------------- one category */

typedef struct {
    lines_t data, answers, results;
    char result_path[4096];
} cat_files;

static void cat_files_free(cat_files *f)
{
    lines_free(&f->data);
    lines_free(&f->answers);
    lines_free(&f->results);
}

static gorilla_status load_category(bfcl_arena *a, const gorilla_bfcl_opts *o, const char *cat, cat_files *f,
                                    gorilla_error *err)
{
    char path[4096], name[256];
    snprintf(path, sizeof path, "%s/BFCL_v4_%s.json", o->data_dir, cat);
    gorilla_status st = load_lines(a, path, &f->data, err);
    if (st != GORILLA_OK) return st;
    if (!is_relevance(cat)) {
        snprintf(path, sizeof path, "%s/possible_answer/BFCL_v4_%s.json", o->data_dir, cat);
        st = load_lines(a, path, &f->answers, err);
        if (st != GORILLA_OK) return st;
    }
    snprintf(name, sizeof name, "BFCL_v4_%s_result.json", cat);
    if (!find_result_file(o->results_dir, name, f->result_path, sizeof f->result_path))
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no %s", o->results_dir, name);
    st = load_lines(a, f->result_path, &f->results, err);
    if (st != GORILLA_OK) return st;
    /* every result of this category, no id twice */
    for (size_t i = 0; i < f->results.n; i++) {
        const char *ic;
        size_t il;
        long long idx;
        id_key(bv_dict_gets(f->results.v[i], "id"), &ic, &il, &idx);
        if (il != strlen(cat) || memcmp(ic, cat, il) != 0)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s:%zu: id \"%.*s\" is not of category %s (categories mixed in one file)",
                                f->result_path, f->results.line[i], (int)bv_dict_gets(f->results.v[i], "id")->u.str.len,
                                bv_dict_gets(f->results.v[i], "id")->u.str.s, cat);
    }
    return GORILLA_OK;
}

/* Index of each line by id. */
static gorilla_status index_ids(const lines_t *l, const char *path, gorilla_hashmap *m, gorilla_error *err)
{
    gorilla_hashmap_init(m);
    for (size_t i = 0; i < l->n; i++) {
        bv *id = bv_dict_gets(l->v[i], "id");
        int64_t prev;
        if (gorilla_hashmap_get(m, id->u.str.s, id->u.str.len, &prev))
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: id \"%s\" appears twice (first on line %zu)", path,
                                l->line[i], id->u.str.s, l->line[prev]);
        if (gorilla_hashmap_put(m, id->u.str.s, id->u.str.len, (int64_t)i) != 0)
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    return GORILLA_OK;
}

static gorilla_status write_score(const char *out_dir, const char *cat, const bfcl_buf *text, gorilla_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/BFCL_v4_%s_score.json", out_dir, cat);
    FILE *f = fopen(path, "wb");
    if (!f) return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", path, strerror(errno));
    size_t w = text->len ? fwrite(text->s, 1, text->len, f) : 0;
    int bad = w != text->len;
    if (fclose(f) != 0) bad = 1;
    if (bad) return gorilla_fail(err, GORILLA_ERR_IO, "%s: write error", path);
    return GORILLA_OK;
}

static gorilla_status eval_category(bfcl_ctx *c, const gorilla_bfcl_opts *o, const char *model_name, const char *cat,
                                    cat_files *f, gorilla_bfcl_score *score, gorilla_error *err)
{
    gorilla_hashmap data_ids, ans_ids, res_ids;
    char dpath[4096], apath[4096];
    snprintf(dpath, sizeof dpath, "%s/BFCL_v4_%s.json", o->data_dir, cat);
    snprintf(apath, sizeof apath, "%s/possible_answer/BFCL_v4_%s.json", o->data_dir, cat);
    gorilla_status st = index_ids(&f->data, dpath, &data_ids, err);
    if (st == GORILLA_OK) st = index_ids(&f->answers, apath, &ans_ids, err);
    else gorilla_hashmap_init(&ans_ids);
    if (st == GORILLA_OK) st = index_ids(&f->results, f->result_path, &res_ids, err);
    else gorilla_hashmap_init(&res_ids);
    for (size_t i = 0; st == GORILLA_OK && i < f->results.n; i++) {
        bv *id = bv_dict_gets(f->results.v[i], "id");
        int64_t k;
        if (!gorilla_hashmap_get(&data_ids, id->u.str.s, id->u.str.len, &k))
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: id \"%s\" is not in the data (%s)", f->result_path,
                              f->results.line[i], id->u.str.s, dpath);
        else if (!is_relevance(cat) && !gorilla_hashmap_get(&ans_ids, id->u.str.s, id->u.str.len, &k))
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s:%zu: id \"%s\" has no possible answer (%s)", f->result_path,
                              f->results.line[i], id->u.str.s, apath);
    }
    for (size_t i = 0; st == GORILLA_OK && i < f->data.n; i++) {
        bv *id = bv_dict_gets(f->data.v[i], "id");
        int64_t k;
        if (!gorilla_hashmap_get(&res_ids, id->u.str.s, id->u.str.len, &k)) {
            size_t missing = 0;
            for (size_t j = 0; j < f->data.n; j++) {
                bv *jd = bv_dict_gets(f->data.v[j], "id");
                if (!gorilla_hashmap_get(&res_ids, jd->u.str.s, jd->u.str.len, &k)) missing++;
            }
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: %zu of the %zu entries of %s have no result (first: \"%s\")",
                              f->result_path, missing, f->data.n, cat, id->u.str.s);
        }
    }
    if (st != GORILLA_OK) goto done;

    qsort(f->results.v, f->results.n, sizeof *f->results.v, cmp_result);
    bfcl_buf fails = {0};
    size_t correct = 0;
    for (size_t i = 0; i < f->results.n; i++) {
        bv *res = f->results.v[i];
        bv *id = bv_dict_gets(res, "id");
        int64_t di = 0, ai = -1;
        gorilla_hashmap_get(&data_ids, id->u.str.s, id->u.str.len, &di);
        if (!is_relevance(cat)) gorilla_hashmap_get(&ans_ids, id->u.str.s, id->u.str.len, &ai);
        entry_verdict v;
        judge(c, cat, model_name, f->data.v[di], ai >= 0 ? f->answers.v[ai] : NULL, res, o->format != GORILLA_BFCL_PROMPT, &v);
        if (v.valid) correct++;
        else if (o->out_dir && v.line) {
            bv_dumps(&fails, v.line);
            bfcl_buf_puts(&fails, "\n");
        }
    }
    score->evaluated = 1;
    score->correct = correct;
    score->total = f->results.n;
    score->accuracy = f->results.n ? (double)correct / (double)f->results.n : 0.0;
    if (o->out_dir) {
        bfcl_buf all = {0};
        bfcl_buf_puts(&all, "{\"accuracy\": ");
        if (correct == 0) bfcl_buf_puts(&all, "0.0");
        else bfcl_float_repr(&all, score->accuracy);
        bfcl_buf_printf(&all, ", \"correct_count\": %zu, \"total_count\": %zu}\n", correct, f->results.n);
        if (fails.len) bfcl_buf_put(&all, fails.s, fails.len);
        if (all.failed || fails.failed || c->a->failed) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        else st = write_score(o->out_dir, cat, &all, err);
        bfcl_buf_free(&all);
    }
    bfcl_buf_free(&fails);
done:
    gorilla_hashmap_free(&data_ids);
    gorilla_hashmap_free(&ans_ids);
    gorilla_hashmap_free(&res_ids);
    return st;
}

/* ---------------------------------------------------------------- aggregates */

static void aggregate(gorilla_bfcl_report *r)
{
    const gorilla_bfcl_score *s = r->cat;
    r->non_live_simple = (s[0].accuracy + s[1].accuracy + s[2].accuracy) / 3.0;
    r->non_live_ast = (r->non_live_simple + s[3].accuracy + s[4].accuracy + s[5].accuracy) / 4.0;
    r->non_live_overall = (r->non_live_simple + s[3].accuracy + s[4].accuracy + s[5].accuracy + s[6].accuracy) / 5.0;
    double wsum = 0, wn = 0;
    for (int i = 7; i <= 10; i++) {
        wsum += s[i].accuracy * (double)s[i].total;
        wn += (double)s[i].total;
    }
    r->live_ast = wn ? wsum / wn : 0.0;
    for (int i = 11; i <= 12; i++) {
        wsum += s[i].accuracy * (double)s[i].total;
        wn += (double)s[i].total;
    }
    r->live_overall = wn ? wsum / wn : 0.0;
    r->irrelevance = (s[6].accuracy + s[11].accuracy) / 2.0;
    r->relevance = s[12].accuracy;
}

/* Whether any FC-looking result exists (a list), and any dotted call name. */
static void scan_format(cat_files *files, const int *chosen, int *any_list, int *any_dot)
{
    for (int ci = 0; ci < GORILLA_BFCL_N_CATEGORIES; ci++) {
        if (!chosen[ci]) continue;
        for (size_t i = 0; i < files[ci].results.n; i++) {
            bv *r = bv_dict_gets(files[ci].results.v[i], "result");
            if (!r || r->kind != BV_LIST) continue;
            *any_list = 1;
            for (size_t j = 0; j < r->u.list.n; j++) {
                bv *it = r->u.list.items[j];
                if (it->kind != BV_DICT) continue;
                for (size_t k = 0; k < it->u.dict.n; k++) {
                    bv *key = it->u.dict.keys[k];
                    if (key->kind == BV_STR && memchr(key->u.str.s, '.', key->u.str.len)) *any_dot = 1;
                }
            }
        }
    }
}

static void default_model_name(const char *dir, char *out, size_t cap)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/') tmp[--n] = 0;
    char *base = strrchr(tmp, '/');
    base = base ? base + 1 : tmp;
    if (strcmp(base, "result") == 0 && base > tmp) {
        base[-1] = 0;
        char *b2 = strrchr(tmp, '/');
        base = b2 ? b2 + 1 : tmp;
    }
    size_t bn = strlen(base);
    if (bn >= cap) bn = cap - 1;
    memcpy(out, base, bn);
    out[bn] = 0;
}

gorilla_status gorilla_bfcl_eval(const gorilla_bfcl_opts *o, gorilla_bfcl_report *r, gorilla_error *err)
{
    memset(r, 0, sizeof *r);
    if (!o || !o->data_dir || !o->results_dir)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl: a data folder and a results folder are needed");
    if (!is_dir(o->data_dir)) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no such folder", o->data_dir);
    if (!is_dir(o->results_dir)) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no such folder", o->results_dir);
    int chosen[GORILLA_BFCL_N_CATEGORIES] = {0};
    if (o->categories && o->n_categories) {
        for (size_t i = 0; i < o->n_categories; i++) {
            int k = gorilla_bfcl_category_index(o->categories[i]);
            if (k < 0) return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl: unknown category \"%s\"", o->categories[i]);
            chosen[k] = 1;
        }
    } else {
        char path[4096], name[256];
        int any = 0;
        for (int i = 0; i < GORILLA_BFCL_N_CATEGORIES; i++) {
            snprintf(name, sizeof name, "BFCL_v4_%s_result.json", CATEGORIES[i]);
            chosen[i] = find_result_file(o->results_dir, name, path, sizeof path);
            any |= chosen[i];
        }
        if (!any) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no BFCL_v4_<category>_result.json", o->results_dir);
    }
    if (o->out_dir && mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: %s", o->out_dir, strerror(errno));

    bfcl_arena arena = {0};
    bfcl_ctx c = {.a = &arena, .rx = bfcl_regex_new(), .strict = o->strict};
    cat_files *files = calloc(GORILLA_BFCL_N_CATEGORIES, sizeof *files);
    gorilla_status st = GORILLA_OK;
    if (!c.rx || !files) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (int i = 0; st == GORILLA_OK && i < GORILLA_BFCL_N_CATEGORIES; i++)
        if (chosen[i]) st = load_category(&arena, o, CATEGORIES[i], &files[i], err);
    char model_name[512];
    if (st == GORILLA_OK) {
        if (o->model_name) snprintf(model_name, sizeof model_name, "%s", o->model_name);
        else default_model_name(o->results_dir, model_name, sizeof model_name);
        int any_list = 0, any_dot = 0;
        scan_format(files, chosen, &any_list, &any_dot);
        int fc = o->format == GORILLA_BFCL_FC ? 1 : o->format == GORILLA_BFCL_PROMPT ? 0 : any_list;
        c.underscore = o->names == GORILLA_BFCL_NAMES_UNDERSCORE ? 1
                       : o->names == GORILLA_BFCL_NAMES_KEEP     ? 0
                                                                 : (fc && !any_dot);
        r->fc = fc;
        r->underscore = c.underscore;
        gorilla_bfcl_opts oo = *o;
        oo.format = fc ? GORILLA_BFCL_FC : GORILLA_BFCL_PROMPT;
        for (int i = 0; st == GORILLA_OK && i < GORILLA_BFCL_N_CATEGORIES; i++)
            if (chosen[i]) st = eval_category(&c, &oo, model_name, CATEGORIES[i], &files[i], &r->cat[i], err);
    }
    if (st == GORILLA_OK && arena.failed) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (st == GORILLA_OK) aggregate(r);
    for (int i = 0; files && i < GORILLA_BFCL_N_CATEGORIES; i++) cat_files_free(&files[i]);
    free(files);
    bfcl_regex_free(c.rx);
    bfcl_arena_free(&arena);
    return st;
}

/* ---------------------------------------------------------------- one entry */

gorilla_status gorilla_bfcl_check_entry(const char *category, const char *entry_json, const char *answer_json,
                                        const char *result_json, const gorilla_bfcl_opts *o, gorilla_bfcl_verdict *v,
                                        gorilla_error *err)
{
    memset(v, 0, sizeof *v);
    if (gorilla_bfcl_category_index(category) < 0)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl: unknown category \"%s\"", category ? category : "");
    bfcl_arena arena = {0};
    bfcl_ctx c = {.a = &arena, .rx = bfcl_regex_new(), .strict = o ? o->strict : 0};
    gorilla_status st = GORILLA_OK;
    const char *msg;
    bv *entry = NULL, *answer = NULL, *res = NULL;
    if (!c.rx) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (st == GORILLA_OK && !(entry = bfcl_json_parse(&arena, entry_json, strlen(entry_json), &msg)))
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "entry: %s", msg);
    if (st == GORILLA_OK && answer_json && !(answer = bfcl_json_parse(&arena, answer_json, strlen(answer_json), &msg)))
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "possible answer: %s", msg);
    if (st == GORILLA_OK && !(res = bfcl_json_parse(&arena, result_json, strlen(result_json), &msg)))
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "result: %s", msg);
    if (st == GORILLA_OK && (res->kind != BV_DICT || !bv_dict_gets(res, "id") || entry->kind != BV_DICT))
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "result and entry must be JSON objects with an \"id\"");
    if (st == GORILLA_OK && !is_relevance(category) && !answer)
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "category %s needs a possible answer", category);
    if (st == GORILLA_OK) {
        bv *result = bv_dict_gets(res, "result");
        int fc = o && o->format == GORILLA_BFCL_PROMPT ? 0 : o && o->format == GORILLA_BFCL_FC ? 1 : (result && result->kind == BV_LIST);
        int any_dot = 0;
        if (result && result->kind == BV_LIST)
            for (size_t j = 0; j < result->u.list.n; j++) {
                bv *it = result->u.list.items[j];
                if (it->kind == BV_DICT && it->u.dict.n && it->u.dict.keys[0]->kind == BV_STR &&
                    memchr(it->u.dict.keys[0]->u.str.s, '.', it->u.dict.keys[0]->u.str.len))
                    any_dot = 1;
            }
        gorilla_bfcl_names names = o ? o->names : GORILLA_BFCL_NAMES_AUTO;
        c.underscore = names == GORILLA_BFCL_NAMES_UNDERSCORE ? 1 : names == GORILLA_BFCL_NAMES_KEEP ? 0 : (fc && !any_dot);
        entry_verdict ev;
        judge(&c, category, o && o->model_name ? o->model_name : "model", entry, answer, res, fc, &ev);
        v->valid = ev.valid;
        if (!ev.valid) {
            snprintf(v->error_type, sizeof v->error_type, "%s", ev.error_type ? ev.error_type : "");
            bfcl_buf b = {0};
            if (ev.line) bv_dumps(&b, ev.line);
            v->score_line = b.s;
        }
        if (arena.failed) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    bfcl_regex_free(c.rx);
    bfcl_arena_free(&arena);
    return st;
}

void gorilla_bfcl_verdict_clear(gorilla_bfcl_verdict *v)
{
    if (!v) return;
    free(v->score_line);
    v->score_line = NULL;
}

gorilla_status gorilla_bfcl_decode(const char *lang, const char *text, size_t len, char **calls_json,
                                   gorilla_error *err)
{
    *calls_json = NULL;
    bfcl_arena arena = {0};
    bfcl_ctx c = {.a = &arena};
    gorilla_status st = GORILLA_OK;
    const char *why = NULL;
    bv *dec = NULL;
    if (lang && strcmp(lang, "fc") == 0) {
        const char *msg;
        bv *r = bfcl_json_parse(&arena, text, len, &msg);
        if (!r) st = gorilla_fail(err, GORILLA_ERR_PARSE, "result: %s", msg);
        else if (!(dec = bfcl_decode_fc(&c, r, &why))) st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s", why);
    } else {
        bfcl_lang l = !lang || !strcmp(lang, "python") ? BFCL_LANG_PYTHON
                      : !strcmp(lang, "java")          ? BFCL_LANG_JAVA
                      : !strcmp(lang, "javascript")    ? BFCL_LANG_JS
                                                       : (bfcl_lang)-1;
        if ((int)l < 0) st = gorilla_fail(err, GORILLA_ERR_INVALID, "bfcl: unknown language \"%s\"", lang);
        else {
            bv *t = bv_str(&arena, text, len);
            if (!t) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            else if (!(dec = bfcl_decode_prompt(&c, t, l, &why))) st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s", why);
        }
    }
    if (st == GORILLA_OK) {
        bfcl_buf b = {0};
        bv_dumps(&b, dec);
        if (b.failed || arena.failed) {
            bfcl_buf_free(&b);
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        } else *calls_json = b.s ? b.s : strdup("");
    }
    bfcl_arena_free(&arena);
    return st;
}
