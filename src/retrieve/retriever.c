/* retriever.c — the retrievers: "gorilla" (default) and "bm25-official". */
#include "retrieve/retrieve_internal.h"
#include "retrieve/tokenize.h"
#include "store/store.h"
#include "base/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KIND_DEFAULT RT_KIND_DEFAULT
#define KIND_OFFICIAL RT_KIND_OFFICIAL

/* bm25-official (rank_bm25 BM25Okapi defaults). */
#define OFF_K1 1.5
#define OFF_B 0.75
#define OFF_EPS 0.25
/* Default retriever: BM25 over weighted fields, then a domain vote. The
 * values were chosen on the TorchHub training pairs (docs/retrieve.md). */
#define DEF_K1 1.2
#define DEF_B 0.75
#define DEF_VOTE_K 50
#define DEF_VOTE_POW 2.0

typedef struct {
    const char *field;
    float weight;
} field_weight;

static const field_weight FIELD_WEIGHTS[] = {
    {"domain", 3.0f},       {"functionality", 2.0f}, {"api_name", 1.5f},      {"description", 1.0f},
    {"api_call", 0.5f},     {"performance", 0.3f},   {"example_code", 0.2f}, {"api_arguments", 0.2f},
    /* APIZoo entries (absent from APIBench documents) */
    {"meta_data", 1.0f},    {"metadata", 1.0f},
};


const char *gorilla_retriever_default_name(void) { return "gorilla"; }

const char *gorilla_retriever_name(const gorilla_retriever *r)
{
    if (!r) return "?";
    return r->kind == KIND_OFFICIAL ? "bm25-official" : "gorilla";
}

/* ---- document → bag of terms ---- */

typedef struct {
    rt_index *ix;
    float w;
    int create;
    int oom;
    double len;
} bag_ctx;

static void bag_tok(const char *tok, size_t len, void *ctx)
{
    bag_ctx *b = ctx;
    if (rt_bag_add(b->ix, tok, len, b->w, b->create) != 0) b->oom = 1;
    b->len += b->w;
}

/* Python's text of a field: strings as is, dict keys and values, list items. */
static void flatten(pybuf *out, const store_value *v)
{
    size_t len;
    const char *str = store_value_string(v, &len);
    switch (store_value_kind(v)) {
    case STORE_STRING:
        pybuf_append(out, str, len);
        break;
    case STORE_OBJECT:
        for (store_iter it = store_iter_begin(v); it.value; store_iter_next(&it)) {
            pybuf_puts(out, it.key);
            pybuf_putc(out, ' ');
            flatten(out, it.value);
            pybuf_putc(out, ' ');
        }
        break;
    case STORE_ARRAY:
        for (size_t i = 0, n = store_value_size(v); i < n; i++) {
            flatten(out, store_value_at(v, i));
            pybuf_putc(out, ' ');
        }
        break;
    case STORE_ABSENT:
    case STORE_NULL:
        break;
    default:
        store_py_repr_append(out, v);
    }
}

/* Fills the index's bag with document doc's terms; returns its length, or
 * -1 on OOM. */
static double doc_bag(gorilla_retriever *r, const store_value *doc, int create)
{
    rt_bag_clear(&r->ix);
    bag_ctx b = {&r->ix, 1.0f, create, 0, 0};
    pybuf text;
    pybuf_init(&text);
    if (r->kind == KIND_OFFICIAL) {
        store_py_str_append(&text, doc);
        if (text.oom) return -1;
        rt_split_spaces(text.p ? text.p : "", text.n, bag_tok, &b);
    } else {
        for (size_t f = 0; f < sizeof FIELD_WEIGHTS / sizeof FIELD_WEIGHTS[0]; f++) {
            const store_value *v = store_value_get(doc, FIELD_WEIGHTS[f].field);
            if (!v) continue;
            text.n = 0;
            if (text.p) text.p[0] = '\0';
            flatten(&text, v);
            if (text.oom) break;
            b.w = FIELD_WEIGHTS[f].weight;
            rt_tokenize(text.p ? text.p : "", text.n, bag_tok, &b);
        }
    }
    int oom = text.oom || b.oom;
    pybuf_free(&text);
    return oom ? -1 : b.len;
}

static int set_domain(gorilla_retriever *r, size_t i, const store_value *doc)
{
    if (i >= r->domcap) {
        size_t ncap = r->domcap ? r->domcap : 256;
        while (ncap <= i) ncap *= 2;
        uint32_t *d = realloc(r->dom, ncap * sizeof *d);
        if (!d) return -1;
        r->dom = d;
        r->domcap = ncap;
    }
    const char *name = store_value_get_string(doc, "domain");
    if (!name) name = "";
    int64_t id;
    if (!gorilla_hashmap_get(&r->domains, name, strlen(name), &id)) {
        id = (int64_t)r->ndomains;
        if (gorilla_hashmap_put(&r->domains, name, strlen(name), id) != 0) return -1;
        r->ndomains++;
    }
    r->dom[i] = (uint32_t)id;
    return 0;
}

static gorilla_status index_doc(gorilla_retriever *r, size_t i, gorilla_error *err)
{
    const store_value *doc = store_doc(r->store, i);
    if (!doc) return GORILLA_OK;
    double len = doc_bag(r, doc, 1);
    if (len < 0 || rt_index_add_bag(&r->ix, i, (float)len) != 0 || set_domain(r, i, doc) != 0)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory indexing document %zu", i);
    r->idf_dirty = 1;
    return GORILLA_OK;
}

static void unindex_doc(gorilla_retriever *r, size_t i)
{
    const store_value *doc = store_doc(r->store, i);
    if (!doc || i >= r->ix.ndocs || !r->ix.live[i]) return;
    if (doc_bag(r, doc, 0) < 0) return;
    rt_index_remove_bag(&r->ix, i);
    r->idf_dirty = 1;
}

/* ---- construction ---- */

gorilla_status gorilla_retriever_new(gorilla_store *store, const char *name, gorilla_retriever **out,
                                     gorilla_error *err)
{
    *out = NULL;
    if (!store) return gorilla_fail(err, GORILLA_ERR_INVALID, "retriever: no API store");
    if (!name) name = "gorilla";
    int kind;
    if (strcmp(name, "gorilla") == 0 || strcmp(name, "default") == 0) kind = KIND_DEFAULT;
    else if (strcmp(name, "bm25-official") == 0 || strcmp(name, "bm25") == 0) kind = KIND_OFFICIAL;
    else
        return gorilla_fail(err, GORILLA_ERR_NOT_FOUND,
                            "unknown retriever '%s' (known: gorilla, bm25-official; oracle needs an eval file)",
                            name);
    gorilla_retriever *r = calloc(1, sizeof *r);
    if (!r) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    r->store = store;
    r->kind = kind;
    rt_index_init(&r->ix);
    gorilla_hashmap_init(&r->domains);
    for (size_t i = 0, n = gorilla_store_count(store); i < n; i++) {
        gorilla_status st = index_doc(r, i, err);
        if (st != GORILLA_OK) {
            gorilla_retriever_free(r);
            return st;
        }
    }
    *out = r;
    return GORILLA_OK;
}

void gorilla_retriever_free(gorilla_retriever *r)
{
    if (!r) return;
    rt_index_free(&r->ix);
    gorilla_hashmap_free(&r->domains);
    if (!r->dom_mapped) free(r->dom);
    free(r->acc);
    free(r->mark);
    free(r->touched);
    free(r->kth);
    free(r->vote);
    gorilla_retriever_clear_where(r);
    free(r);
}

/* ---- constraints ---- */

gorilla_status gorilla_retriever_where(gorilla_retriever *r, const char *expr, gorilla_error *err)
{
    rt_constraint c;
    gorilla_status st = rt_constraint_parse(expr, &c, err);
    if (st != GORILLA_OK) return st;
    if (!r->store) {
        rt_constraint_free(&c);
        return gorilla_fail(err, GORILLA_ERR_INVALID, "constraints need the API store (index opened without it)");
    }
    rt_constraint *grown = realloc(r->where, (r->nwhere + 1) * sizeof *grown);
    if (!grown) {
        rt_constraint_free(&c);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    r->where = grown;
    r->where[r->nwhere++] = c;
    return GORILLA_OK;
}

void gorilla_retriever_clear_where(gorilla_retriever *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nwhere; i++) rt_constraint_free(&r->where[i]);
    free(r->where);
    r->where = NULL;
    r->nwhere = 0;
}

int gorilla_retriever_accepts(const gorilla_retriever *r, size_t i)
{
    if (!r || i >= r->ix.ndocs || !r->ix.live[i]) return 0;
    const store_value *doc = store_doc(r->store, i);
    for (size_t c = 0; c < r->nwhere; c++)
        if (!rt_constraint_test(&r->where[c], doc)) return 0;
    return 1;
}

/* ---- edits ---- */

/* An index opened from a file is copied into memory before its first edit. */
static gorilla_status prepare_edit(gorilla_retriever *r, gorilla_error *err)
{
    if (!r->store) return gorilla_fail(err, GORILLA_ERR_INVALID, "index opened without its API store: cannot edit");
    if (r->dom_mapped) {
        size_t n = r->ix.ndocs ? r->ix.ndocs : 1;
        uint32_t *d = malloc(n * sizeof *d);
        if (!d) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        if (r->ix.ndocs) memcpy(d, r->dom, r->ix.ndocs * sizeof *d);
        r->dom = d;
        r->domcap = n;
        r->dom_mapped = 0;
    }
    if (rt_index_materialize(&r->ix) != 0) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

gorilla_status gorilla_retriever_add(gorilla_retriever *r, const char *json, size_t *index, gorilla_error *err)
{
    gorilla_status st = prepare_edit(r, err);
    if (st != GORILLA_OK) return st;
    size_t i;
    st = store_add(r->store, json, &i, err);
    if (st != GORILLA_OK) return st;
    st = index_doc(r, i, err);
    if (st != GORILLA_OK) {
        store_remove(r->store, i, NULL);
        return st;
    }
    if (index) *index = i;
    return GORILLA_OK;
}

gorilla_status gorilla_retriever_replace(gorilla_retriever *r, size_t i, const char *json, gorilla_error *err)
{
    gorilla_status st = prepare_edit(r, err);
    if (st != GORILLA_OK) return st;
    size_t n = gorilla_store_count(r->store);
    if (i >= n) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "no document %zu (there are %zu)", i, n);
    unindex_doc(r, i);
    st = store_replace(r->store, i, json, err);
    if (st != GORILLA_OK) {
        index_doc(r, i, NULL); /* the old document is still there: index it again */
        return st;
    }
    return index_doc(r, i, err);
}

gorilla_status gorilla_retriever_remove(gorilla_retriever *r, size_t i, gorilla_error *err)
{
    gorilla_status st = prepare_edit(r, err);
    if (st != GORILLA_OK) return st;
    if (!store_doc(r->store, i)) return gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "no document %zu to remove", i);
    unindex_doc(r, i);
    return store_remove(r->store, i, err);
}

/* ---- search ---- */

static int ensure_scratch(gorilla_retriever *r)
{
    size_t need = r->ix.ndocs ? r->ix.ndocs : 1;
    if (need > r->scap) {
        double *acc = realloc(r->acc, need * sizeof *acc);
        if (!acc) return -1;
        r->acc = acc;
        uint8_t *mark = realloc(r->mark, need);
        if (!mark) return -1;
        r->mark = mark;
        uint32_t *t = realloc(r->touched, need * sizeof *t);
        if (!t) return -1;
        r->touched = t;
        double *kth = realloc(r->kth, need * sizeof *kth);
        if (!kth) return -1;
        r->kth = kth;
        memset(r->mark + r->scap, 0, need - r->scap);
        r->scap = need;
    }
    if (r->ndomains > r->vcap) {
        double *v = realloc(r->vote, r->ndomains * sizeof *v);
        if (!v) return -1;
        r->vote = v;
        r->vcap = r->ndomains;
    }
    return 0;
}

static void official_avg_idf(gorilla_retriever *r)
{
    if (!r->idf_dirty) return;
    double n = (double)r->ix.nlive, sum = 0;
    size_t cnt = 0;
    for (size_t t = 0; t < r->ix.nterms; t++) {
        uint32_t df = rt_index_postings(&r->ix, t, NULL, NULL);
        if (!df) continue;
        sum += log(n - df + 0.5) - log(df + 0.5);
        cnt++;
    }
    r->avg_idf = cnt ? sum / (double)cnt : 0;
    r->idf_dirty = 0;
}

typedef struct {
    gorilla_retriever *r;
    size_t ntouched;
    int oom;
    /* default retriever: distinct query terms */
    uint32_t *terms;
    size_t nterms, cap;
} query_ctx;

static void touch(gorilla_retriever *r, query_ctx *q, uint32_t d, double s)
{
    if (!r->mark[d]) {
        r->mark[d] = 1;
        r->acc[d] = 0;
        r->touched[q->ntouched++] = d;
    }
    r->acc[d] += s;
}

static void official_term(const char *tok, size_t len, void *ctx)
{
    query_ctx *q = ctx;
    gorilla_retriever *r = q->r;
    long t = rt_index_term(&r->ix, tok, len);
    if (t < 0) return;
    const uint32_t *pd;
    const float *pt;
    uint32_t df = rt_index_postings(&r->ix, (size_t)t, &pd, &pt);
    if (!df) return;
    double n = (double)r->ix.nlive;
    double idf = log(n - df + 0.5) - log(df + 0.5);
    if (idf < 0) idf = OFF_EPS * r->avg_idf;
    double avgdl = r->ix.total_len / n;
    for (uint32_t j = 0; j < df; j++) {
        double tf = pt[j], dl = r->ix.dl[pd[j]];
        touch(r, q, pd[j], idf * (tf * (OFF_K1 + 1) / (tf + OFF_K1 * (1 - OFF_B + OFF_B * dl / avgdl))));
    }
}

static void default_term(const char *tok, size_t len, void *ctx)
{
    query_ctx *q = ctx;
    long t = rt_index_term(&q->r->ix, tok, len);
    if (t < 0) return;
    for (size_t k = 0; k < q->nterms; k++)
        if (q->terms[k] == (uint32_t)t) return;
    if (q->nterms == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 32;
        uint32_t *g = realloc(q->terms, ncap * sizeof *g);
        if (!g) {
            q->oom = 1;
            return;
        }
        q->terms = g;
        q->cap = ncap;
    }
    q->terms[q->nterms++] = (uint32_t)t;
}

static int cmp_df(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* (df << 32) | term */
    return *x < *y ? -1 : *x > *y;
}

/* The m-th largest (1-based) of v[0..n), reordering v (quickselect). */
static double kth_largest(double *v, size_t n, size_t m)
{
    size_t lo = 0, hi = n - 1, want = m - 1;
    while (lo < hi) {
        double pivot = v[(lo + hi) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] > pivot) i++;
            while (v[j] < pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else break;
    }
    return v[want];
}

/* BM25 term at a time, rarest term first. Once the documents not yet
 * scored cannot reach the best `depth` (the remaining terms' upper bound,
 * idf * (k1 + 1) each, is below the depth-th best score so far), the
 * remaining terms only update documents already scored. The best `depth`
 * documents and their scores are exact. */
static void default_score(gorilla_retriever *r, query_ctx *q, size_t depth)
{
    double n = (double)r->ix.nlive;
    double avgdl = r->ix.total_len / n;
    uint64_t *order = malloc((q->nterms ? q->nterms : 1) * sizeof *order);
    double *idfs = malloc((q->nterms ? q->nterms : 1) * sizeof *idfs);
    if (!order || !idfs) {
        free(order);
        free(idfs);
        q->oom = 1;
        return;
    }
    for (size_t k = 0; k < q->nterms; k++)
        order[k] = ((uint64_t)rt_index_postings(&r->ix, q->terms[k], NULL, NULL) << 32) | q->terms[k];
    qsort(order, q->nterms, sizeof *order, cmp_df);
    double remaining = 0;
    for (size_t k = 0; k < q->nterms; k++) {
        uint32_t df = (uint32_t)(order[k] >> 32);
        idfs[k] = df ? log(1 + (n - df + 0.5) / (df + 0.5)) : 0;
        remaining += idfs[k] * (DEF_K1 + 1);
    }
    int only_scored = 0;
    for (size_t k = 0; k < q->nterms; k++) {
        const uint32_t *pd;
        const float *pt;
        uint32_t df = rt_index_postings(&r->ix, (uint32_t)order[k], &pd, &pt);
        remaining -= idfs[k] * (DEF_K1 + 1);
        if (!df) continue;
        double idf = idfs[k];
        if (!only_scored) {
            for (uint32_t j = 0; j < df; j++) {
                double tf = pt[j], dl = r->ix.dl[pd[j]];
                touch(r, q, pd[j], idf * (tf * (DEF_K1 + 1) / (tf + DEF_K1 * (1 - DEF_B + DEF_B * dl / avgdl))));
            }
            /* Can documents not yet scored still enter the best `depth`? */
            if (k + 1 < q->nterms && q->ntouched >= depth && r->kth) {
                for (size_t j = 0; j < q->ntouched; j++) r->kth[j] = r->acc[r->touched[j]];
                if (remaining < kth_largest(r->kth, q->ntouched, depth)) only_scored = 1;
            }
        } else if (!r->ix.unsorted && (double)q->ntouched * 24 < (double)df) {
            /* few scored documents: look each up in the sorted postings */
            for (size_t j = 0; j < q->ntouched; j++) {
                uint32_t d = r->touched[j];
                size_t lo = 0, hi = df;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (pd[mid] < d) lo = mid + 1;
                    else hi = mid;
                }
                if (lo < df && pd[lo] == d) {
                    double tf = pt[lo], dl = r->ix.dl[d];
                    r->acc[d] += idf * (tf * (DEF_K1 + 1) / (tf + DEF_K1 * (1 - DEF_B + DEF_B * dl / avgdl)));
                }
            }
        } else {
            for (uint32_t j = 0; j < df; j++) {
                uint32_t d = pd[j];
                if (!r->mark[d]) continue;
                double tf = pt[j], dl = r->ix.dl[d];
                r->acc[d] += idf * (tf * (DEF_K1 + 1) / (tf + DEF_K1 * (1 - DEF_B + DEF_B * dl / avgdl)));
            }
        }
    }
    free(order);
    free(idfs);
}

/* Ranking key: group (1 = preferred domain), score, lower index first. */
typedef struct {
    int group;
    double score;
    uint32_t doc;
} cand;

static int cand_better(const cand *a, const cand *b)
{
    if (a->group != b->group) return a->group > b->group;
    if (a->score != b->score) return a->score > b->score;
    return a->doc < b->doc;
}

/* A bounded heap keeping the best k candidates; heap[0] is the worst kept. */
typedef struct {
    cand *h;
    size_t n, k;
} topk;

static void topk_push(topk *t, cand c)
{
    if (t->k == 0) return;
    if (t->n < t->k) {
        size_t i = t->n++;
        t->h[i] = c;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!cand_better(&t->h[p], &t->h[i])) break;
            cand tmp = t->h[p];
            t->h[p] = t->h[i];
            t->h[i] = tmp;
            i = p;
        }
        return;
    }
    if (!cand_better(&c, &t->h[0])) return;
    t->h[0] = c;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, rr = l + 1, w = i;
        if (l < t->n && cand_better(&t->h[w], &t->h[l])) w = l;
        if (rr < t->n && cand_better(&t->h[w], &t->h[rr])) w = rr;
        if (w == i) break;
        cand tmp = t->h[w];
        t->h[w] = t->h[i];
        t->h[i] = tmp;
        i = w;
    }
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return cand_better(x, y) ? -1 : cand_better(y, x) ? 1 : 0;
}

/* Sorts the heap best first. */
static void topk_sort(topk *t) { qsort(t->h, t->n, sizeof *t->h, cmp_cand); }

static int passes(const gorilla_retriever *r, uint32_t d)
{
    if (!r->nwhere) return 1;
    const store_value *doc = store_doc(r->store, d);
    for (size_t c = 0; c < r->nwhere; c++)
        if (!rt_constraint_test(&r->where[c], doc)) return 0;
    return 1;
}

/* Fills t with the best candidates among touched documents, then pads with
 * untouched ones (score 0) in index order. pref: preferred domain or -1. */
static void select_top(gorilla_retriever *r, const query_ctx *q, long pref, topk *t)
{
    for (size_t j = 0; j < q->ntouched; j++) {
        uint32_t d = r->touched[j];
        if (!passes(r, d)) continue;
        cand c = {pref >= 0 && r->dom[d] == (uint32_t)pref, r->acc[d], d};
        topk_push(t, c);
    }
    if (t->n < t->k) {
        /* untouched documents: preferred domain first, then the rest */
        for (int pass = 0; pass < 2 && t->n < t->k; pass++) {
            for (size_t d = 0; d < r->ix.ndocs && t->n < t->k; d++) {
                if (!r->ix.live[d] || r->mark[d]) continue;
                int in_pref = pref >= 0 && r->dom[d] == (uint32_t)pref;
                if (pref >= 0 && (pass == 0) != in_pref) continue;
                if (pref < 0 && pass == 1) break;
                if (!passes(r, (uint32_t)d)) continue;
                cand c = {in_pref, 0.0, (uint32_t)d};
                topk_push(t, c);
            }
        }
    }
    topk_sort(t);
}

gorilla_status gorilla_retriever_search(gorilla_retriever *r, const char *query, size_t k, gorilla_hit *hits,
                                        size_t *n_hits, gorilla_error *err)
{
    *n_hits = 0;
    if (!r || !query) return gorilla_fail(err, GORILLA_ERR_INVALID, "search: no retriever or query");
    size_t qlen = strnlen(query, (size_t)GORILLA_RETRIEVE_MAX_QUERY + 1);
    if (qlen > (size_t)GORILLA_RETRIEVE_MAX_QUERY)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "query longer than the limit of %u bytes",
                            GORILLA_RETRIEVE_MAX_QUERY);
    size_t blank = 0;
    while (blank < qlen && (query[blank] == ' ' || query[blank] == '\t' || query[blank] == '\n' ||
                            query[blank] == '\r'))
        blank++;
    if (blank == qlen) return gorilla_fail(err, GORILLA_ERR_INVALID, "empty query");
    if (k == 0 || r->ix.nlive == 0) return GORILLA_OK;
    if (ensure_scratch(r) != 0) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory searching");

    query_ctx q = {r, 0, 0, NULL, 0, 0};
    long pref = -1;
    if (r->kind == KIND_OFFICIAL) {
        official_avg_idf(r);
        rt_split_spaces(query, qlen, official_term, &q);
    } else {
        rt_tokenize(query, qlen, default_term, &q);
        default_score(r, &q, k > DEF_VOTE_K ? k : DEF_VOTE_K);
    }
    gorilla_status st = GORILLA_OK;
    if (q.oom) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory searching");
        goto done;
    }
    if (r->kind == KIND_DEFAULT && q.ntouched) {
        /* Domain vote among the best DEF_VOTE_K documents. */
        cand *vh = malloc(DEF_VOTE_K * sizeof *vh);
        if (!vh) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory searching");
            goto done;
        }
        topk vt = {vh, 0, DEF_VOTE_K};
        for (size_t j = 0; j < q.ntouched; j++) {
            uint32_t d = r->touched[j];
            if (!passes(r, d)) continue;
            cand c = {0, r->acc[d], d};
            topk_push(&vt, c);
        }
        topk_sort(&vt);
        for (size_t j = 0; j < vt.n; j++) r->vote[r->dom[vt.h[j].doc]] = 0;
        double best = -1;
        for (size_t j = 0; j < vt.n; j++) {
            uint32_t dm = r->dom[vt.h[j].doc];
            r->vote[dm] += pow(vt.h[j].score, DEF_VOTE_POW);
        }
        /* The first domain (in rank order) with the highest vote wins. */
        for (size_t j = 0; j < vt.n; j++) {
            uint32_t dm = r->dom[vt.h[j].doc];
            if (r->vote[dm] > best) {
                best = r->vote[dm];
                pref = dm;
            }
        }
        free(vh);
    }
    cand *heap = malloc((k < r->ix.nlive ? k : r->ix.nlive) * sizeof *heap);
    if (!heap) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory searching");
        goto done;
    }
    topk t = {heap, 0, k < r->ix.nlive ? k : r->ix.nlive};
    select_top(r, &q, pref, &t);
    for (size_t j = 0; j < t.n; j++) {
        hits[j].api_index = t.h[j].doc;
        hits[j].score = t.h[j].score;
    }
    *n_hits = t.n;
    free(heap);
done:
    for (size_t j = 0; j < q.ntouched; j++) r->mark[r->touched[j]] = 0;
    free(q.terms);
    return st;
}

const gorilla_store *gorilla_retriever_store(const gorilla_retriever *r) { return r ? r->store : NULL; }
