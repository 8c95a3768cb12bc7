/* matcher.c — AST sub-tree matching of candidate calls against API documents.
 *
 * Build: each document's api_call is parsed once; its call name and the
 * arguments the hub's rule selects are kept, and documents are indexed
 *   - by call name (name -> group of documents), and
 *   - by the first 4 bytes of their longest argument (for the published
 *     fall-through, where a document whose name is absent from the
 *     candidate is tested against the candidate's last listed subtree).
 * Check: the candidate's subtree list names the groups it can reach; the
 * fall-through subtree's 4-byte windows name the rest. Only those documents
 * are tested, in file order, so the first match is the published one. */
#include "eval/matcher_internal.h"
#include "base/error.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define GRAM 4

static inline uint32_t gram_of(const char *p)
{
    uint32_t k;
    memcpy(&k, p, sizeof k);
    return k;
}

static inline size_t gram_slot(const gorilla_matcher *m, uint32_t k)
{
    return (size_t)((k * 0x9E3779B1u) >> 7) & (m->gram_cap - 1);
}

/* The bucket of 4-byte window p, or -1. */
static inline int64_t gram_get(const gorilla_matcher *m, const char *p)
{
    uint32_t k = gram_of(p);
    for (size_t i = gram_slot(m, k);; i = (i + 1) & (m->gram_cap - 1)) {
        if (m->gram_vals[i] < 0) return -1;
        if (m->gram_keys[i] == k) return m->gram_vals[i];
    }
}

static int gram_grow(gorilla_matcher *m)
{
    size_t cap = m->gram_cap ? m->gram_cap * 2 : 1024;
    uint32_t *keys = malloc(cap * sizeof *keys);
    int32_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (size_t i = 0; i < cap; i++) vals[i] = -1;
    uint32_t *old_keys = m->gram_keys;
    int32_t *old_vals = m->gram_vals;
    size_t old_cap = m->gram_cap;
    m->gram_keys = keys;
    m->gram_vals = vals;
    m->gram_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old_vals[i] < 0) continue;
        size_t j = gram_slot(m, old_keys[i]);
        while (vals[j] >= 0) j = (j + 1) & (cap - 1);
        keys[j] = old_keys[i];
        vals[j] = old_vals[i];
    }
    free(old_keys);
    free(old_vals);
    return 0;
}

static int text_has(const char *hay, size_t hlen, const char *needle)
{
    return memmem(hay, hlen, needle, strlen(needle)) != NULL;
}

static int is_punct(const char *t, size_t len)
{
    return len == 1 && (t[0] == '(' || t[0] == ')' || t[0] == ',');
}

static int add_arg(mdoc *d, const char *text, size_t len, const char *kw, size_t kwlen)
{
    /* lstrip("'").rstrip("'") */
    while (len > 0 && text[0] == '\'') { text++; len--; }
    while (len > 0 && text[len - 1] == '\'') len--;
    char **args = realloc(d->args, (d->nargs + 1) * sizeof *args);
    size_t *lens = realloc(d->arg_lens, (d->nargs + 1) * sizeof *lens);
    char **kws = realloc(d->kw, (d->nargs + 1) * sizeof *kws);
    if (args) d->args = args;
    if (lens) d->arg_lens = lens;
    if (kws) d->kw = kws;
    if (!args || !lens || !kws) return -1;
    d->args[d->nargs] = strndup(text, len);
    d->arg_lens[d->nargs] = len;
    d->kw[d->nargs] = kw ? strndup(kw, kwlen) : NULL;
    if (!d->args[d->nargs] || (kw && !d->kw[d->nargs])) return -1;
    d->nargs++;
    return 0;
}

/* Reads name and arguments of one document as the hub's script does. */
static int doc_build(gorilla_matcher *m, mdoc *d, const char *api_call)
{
    pyast *p = &m->ast;
    if (pyast_parse(p, api_call, strlen(api_call)) != 0) return -1;
    TSNode root = pyast_root(p);
    if (ts_node_child_count(root) == 0) return 0;
    TSNode stmt = ts_node_child(root, 0);
    if (ts_node_child_count(stmt) == 0) return 0;
    TSNode call = ts_node_child(stmt, 0);
    if (ts_node_child_count(call) == 0) return 0; /* no children: skipped */
    size_t nlen;
    const char *name = pyast_text(p, ts_node_child(call, 0), &nlen);
    d->name = strndup(name, nlen);
    d->name_len = nlen;
    if (!d->name) return -1;
    d->is_call = strcmp(ts_node_type(call), "call") == 0;
    if (ts_node_child_count(call) < 2) return 0; /* the HF shell entries */
    TSNode arglist = ts_node_child(call, 1);
    uint32_t nc = ts_node_child_count(arglist);
    for (uint32_t i = 0; i < nc; i++) {
        TSNode c = ts_node_child(arglist, i);
        size_t tl;
        const char *t = pyast_text(p, c, &tl);
        int keyed;
        switch (m->hub) {
        case GORILLA_HUB_TORCHHUB:
            keyed = text_has(t, tl, "repo_or_dir") || text_has(t, tl, "model");
            if (!keyed) continue;
            break;
        case GORILLA_HUB_HUGGINGFACE:
            keyed = text_has(t, tl, "=");
            break;
        default:
            keyed = text_has(t, tl, "model=") || text_has(t, tl, "model =");
            break;
        }
        if (keyed) {
            if (ts_node_child_count(c) < 3) continue; /* would raise in Python; never in APIBench */
            size_t vl, kl;
            const char *v = pyast_text(p, ts_node_child(c, 2), &vl);
            const char *k = pyast_text(p, ts_node_child(c, 0), &kl);
            int is_kw = strcmp(ts_node_type(c), "keyword_argument") == 0;
            if (add_arg(d, v, vl, is_kw ? k : NULL, kl) != 0) return -1;
            d->arg_pos = realloc(d->arg_pos, d->nargs * sizeof *d->arg_pos);
            if (!d->arg_pos) return -1;
            d->arg_pos[d->nargs - 1] = (int)d->n_positional_seen;
        } else if (!is_punct(t, tl)) {
            if (add_arg(d, t, tl, NULL, 0) != 0) return -1;
            d->arg_pos = realloc(d->arg_pos, d->nargs * sizeof *d->arg_pos);
            if (!d->arg_pos) return -1;
            d->arg_pos[d->nargs - 1] = (int)d->n_positional_seen;
        }
        if (!is_punct(t, tl)) d->n_positional_seen++;
    }
    return 0;
}

static void doc_free(mdoc *d)
{
    for (size_t a = 0; a < d->nargs; a++) {
        free(d->args[a]);
        free(d->kw[a]);
    }
    free(d->args);
    free(d->arg_lens);
    free(d->kw);
    free(d->arg_pos);
    free(d->name);
    free(d->shell);
}

static int list_push(size_t **list, size_t *n, size_t v)
{
    size_t *l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l) return -1;
    l[(*n)++] = v;
    *list = l;
    return 0;
}

/* Adds doc i to the bucket of key bytes k[0..GRAM) (or the short list). */
static int index_key(gorilla_matcher *m, size_t i, const char *k, size_t klen)
{
    if (klen < GRAM) return list_push(&m->short_docs, &m->n_short, i);
    int64_t b = m->gram_cap ? gram_get(m, k) : -1;
    if (b < 0) {
        b = (int64_t)m->n_buckets;
        if (b > INT32_MAX) return -1;
        if ((m->n_buckets + 1) * 2 > m->gram_cap && gram_grow(m) != 0) return -1;
        uint32_t key = gram_of(k);
        size_t j = gram_slot(m, key);
        while (m->gram_vals[j] >= 0) j = (j + 1) & (m->gram_cap - 1);
        m->gram_keys[j] = key;
        m->gram_vals[j] = (int32_t)b;
        idx_list *nb = realloc(m->buckets, (m->n_buckets + 1) * sizeof *nb);
        if (!nb) return -1;
        m->buckets = nb;
        m->buckets[m->n_buckets].items = NULL;
        m->buckets[m->n_buckets].n = 0;
        m->n_buckets++;
    }
    return list_push(&m->buckets[b].items, &m->buckets[b].n, i);
}

static int index_name(gorilla_matcher *m, size_t i)
{
    mdoc *d = &m->docs[i];
    int64_t g;
    if (!gorilla_hashmap_get(&m->names, d->name, d->name_len, &g)) {
        g = (int64_t)m->n_groups;
        if (gorilla_hashmap_put(&m->names, d->name, d->name_len, g) != 0) return -1;
        idx_list *ng = realloc(m->groups, (m->n_groups + 1) * sizeof *ng);
        if (!ng) return -1;
        m->groups = ng;
        m->groups[g].items = NULL;
        m->groups[g].n = 0;
        m->n_groups++;
    }
    d->group = (size_t)g;
    return list_push(&m->groups[g].items, &m->groups[g].n, i);
}

gorilla_status gorilla_matcher_new(const gorilla_store *store, gorilla_hub hub,
                                   gorilla_match_mode mode, gorilla_matcher **out,
                                   gorilla_error *err)
{
    *out = NULL;
    if ((unsigned)hub >= GORILLA_HUB_COUNT)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unknown hub %d", (int)hub);
    gorilla_matcher *m = calloc(1, sizeof *m);
    if (!m) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    m->hub = hub;
    m->mode = mode;
    gorilla_hashmap_init(&m->names);
    if (gram_grow(m) != 0) {
        pyast_free(&m->ast);
        gorilla_hashmap_free(&m->names);
        free(m);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (pyast_init(&m->ast) != 0) {
        free(m->gram_keys);
        free(m->gram_vals);
        free(m);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "cannot create the Python parser");
    }
    size_t n = gorilla_store_count(store);
    m->n = n;
    m->docs = calloc(n ? n : 1, sizeof *m->docs);
    m->stamp = calloc(n ? n : 1, sizeof *m->stamp);
    m->cand = malloc((n ? n : 1) * sizeof *m->cand);
    if (!m->docs || !m->stamp || !m->cand) goto nomem;
    if (hub == GORILLA_HUB_APIZOO) {
        /* REST and SDK call templates, matched by shape (zoo_match.c); the
         * "right task" check compares api_name (APIZoo has no domains) */
        m->zoo = calloc(n ? n : 1, sizeof *m->zoo);
        if (!m->zoo) goto nomem;
        for (size_t i = 0; i < n; i++) {
            const store_value *doc = store_doc(store, i);
            m->docs[i].domain = store_value_get_string(doc, "api_name");
            if (zoo_doc_build(&m->zoo[i], store_value_get_string(doc, "api_call")) != 0) goto nomem;
        }
    }
    for (size_t i = 0; i < n && hub != GORILLA_HUB_APIZOO; i++) {
        mdoc *d = &m->docs[i];
        const store_value *doc = store_doc(store, i);
        d->domain = store_value_get_string(doc, "domain");
        const char *call = store_value_get_string(doc, "api_call");
        if (!call) continue; /* not a string: cannot match */
        if (strncmp(call, "./", 2) == 0 || strncmp(call, "python ", 7) == 0) {
            d->shell = strdup(call);
            if (!d->shell) goto nomem;
        }
        if (doc_build(m, d, call) != 0) goto nomem;
        if (!d->name) continue;
        if (index_name(m, i) != 0) goto nomem;
        if (d->nargs == 0) continue;
        size_t best = 0;
        for (size_t a = 1; a < d->nargs; a++)
            if (d->arg_lens[a] > d->arg_lens[best]) best = a;
        d->key_arg = best;
        if (index_key(m, i, d->args[best], d->arg_lens[best]) != 0) goto nomem;
    }
    m->gstamp = calloc(m->n_groups ? m->n_groups : 1, sizeof *m->gstamp);
    m->gfirst = calloc(m->n_groups ? m->n_groups : 1, sizeof *m->gfirst);
    if (!m->gstamp || !m->gfirst) goto nomem;
    *out = m;
    return GORILLA_OK;
nomem:
    gorilla_matcher_free(m);
    return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory indexing %zu API documents", n);
}

void gorilla_matcher_free(gorilla_matcher *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) doc_free(&m->docs[i]);
    free(m->docs);
    if (m->zoo)
        for (size_t i = 0; i < m->n; i++) zoo_doc_free(&m->zoo[i]);
    free(m->zoo);
    for (size_t g = 0; g < m->n_groups; g++) free(m->groups[g].items);
    free(m->groups);
    for (size_t b = 0; b < m->n_buckets; b++) free(m->buckets[b].items);
    free(m->buckets);
    free(m->short_docs);
    free(m->stamp);
    free(m->cand);
    free(m->gstamp);
    free(m->gfirst);
    gorilla_hashmap_free(&m->names);
    free(m->gram_keys);
    free(m->gram_vals);
    pyast_free(&m->ast);
    free(m);
}

static void mark(gorilla_matcher *m, size_t i)
{
    if (m->stamp[i] != m->now) {
        m->stamp[i] = m->now;
        m->cand[m->n_cand++] = i;
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The published rule: every argument is a substring of the subtree's text. */
static int compatible_match(const gorilla_matcher *m, const mdoc *d, TSNode subtree)
{
    size_t tl;
    const char *t = pyast_text(&m->ast, subtree, &tl);
    for (size_t a = 0; a < d->nargs; a++)
        if (!memmem(t, tl, d->args[a], d->arg_lens[a]) && d->arg_lens[a] > 0) return 0;
    return 1;
}

static void next_stamp(gorilla_matcher *m)
{
    if (++m->now == 0) { /* stamp wrapped: reset */
        memset(m->stamp, 0, m->n * sizeof *m->stamp);
        memset(m->gstamp, 0, m->n_groups * sizeof *m->gstamp);
        m->now = 1;
    }
    m->n_cand = 0;
}

/* Every subtree's text is a piece of the candidate, so a document can match
 * only if all its arguments occur in the whole candidate. When none can,
 * the answer is "no match" without parsing (prose is slow to parse). */
static int any_possible(gorilla_matcher *m, const char *text, size_t len)
{
    next_stamp(m);
    for (size_t k = 0; k < m->n_short; k++) mark(m, m->short_docs[k]);
    for (size_t i = 0; i + GRAM <= len; i++) {
        int64_t b = gram_get(m, text + i);
        if (b < 0) continue;
        for (size_t k = 0; k < m->buckets[b].n; k++) mark(m, m->buckets[b].items[k]);
    }
    for (size_t c = 0; c < m->n_cand; c++) {
        const mdoc *d = &m->docs[m->cand[c]];
        size_t a = 0;
        while (a < d->nargs && memmem(text, len, d->args[a], d->arg_lens[a])) a++;
        if (d->nargs > 0 && a == d->nargs) return 1;
    }
    return 0;
}

long gorilla_matcher_find(gorilla_matcher *m, const char *call, size_t len, gorilla_parse_kind *parse)
{
    if (parse) *parse = GORILLA_PARSE_NONE;
    if (m->zoo) {
        if (parse) *parse = GORILLA_PARSE_CLEAN;
        return zoo_find(m->zoo, m->n, call, len);
    }
    if (m->mode == GORILLA_MATCH_COMPATIBLE && !any_possible(m, call, len)) {
        if (parse) *parse = GORILLA_PARSE_SKIPPED;
        return -1;
    }
    if (m->mode == GORILLA_MATCH_STRICT) return strict_find(m, call, len, parse);
    if (pyast_parse(&m->ast, call, len) != 0 || pyast_list_subtrees(&m->ast) != 0) return -1;
    if (parse) *parse = pyast_has_error(&m->ast) ? GORILLA_PARSE_ERROR : GORILLA_PARSE_CLEAN;

    next_stamp(m);
    const pyast *p = &m->ast;
    /* Groups reachable by name: first listed subtree for each. */
    for (size_t s = 0; s < p->n; s++) {
        if (!p->list[s].has_first) continue;
        int64_t g;
        const char *t = p->src + p->list[s].first_start;
        size_t tl = p->list[s].first_end - p->list[s].first_start;
        if (!gorilla_hashmap_get(&m->names, t, tl, &g)) continue;
        if (m->gstamp[g] == m->now) continue;
        m->gstamp[g] = m->now;
        m->gfirst[g] = s;
        for (size_t k = 0; k < m->groups[g].n; k++) mark(m, m->groups[g].items[k]);
    }
    /* Fall-through: documents whose key argument occurs in the last subtree. */
    size_t ll;
    const char *last = pyast_text(p, p->list[p->n - 1].node, &ll);
    for (size_t k = 0; k < m->n_short; k++) mark(m, m->short_docs[k]);
    for (size_t i = 0; i + GRAM <= ll; i++) {
        int64_t b = gram_get(m, last + i);
        if (b < 0) continue;
        for (size_t k = 0; k < m->buckets[b].n; k++) mark(m, m->buckets[b].items[k]);
    }
    qsort(m->cand, m->n_cand, sizeof *m->cand, cmp_size);
    for (size_t c = 0; c < m->n_cand; c++) {
        const mdoc *d = &m->docs[m->cand[c]];
        if (d->nargs == 0) continue;
        TSNode sub = m->gstamp[d->group] == m->now ? p->list[m->gfirst[d->group]].node
                                                    : p->list[p->n - 1].node;
        if (compatible_match(m, d, sub)) return (long)m->cand[c];
    }
    return -1;
}

gorilla_status gorilla_matcher_judge(gorilla_matcher *m, const char *response_text,
                                     const char *gold_domain, gorilla_verdict *out,
                                     gorilla_error *err)
{
    size_t start, len;
    out->api_index = -1;
    out->parse = GORILLA_PARSE_NONE;
    if (m->zoo) { /* the whole answer: REST calls have no parentheses to cut at */
        start = 0;
        len = strlen(response_text);
    } else if (!gorilla_candidate_extract(m->hub, response_text, &start, &len)) {
        out->verdict = GORILLA_VERDICT_ERROR;
        return GORILLA_OK;
    }
    long idx = gorilla_matcher_find(m, response_text + start, len, &out->parse);
    if (out->parse == GORILLA_PARSE_NONE)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "cannot parse the candidate call (out of memory)");
    out->api_index = idx;
    out->verdict = matcher_verdict(m, idx, gold_domain);
    return GORILLA_OK;
}

gorilla_verdict_kind matcher_verdict(const gorilla_matcher *m, long idx, const char *gold_domain)
{
    if (idx < 0) return GORILLA_VERDICT_HALLUCINATION;
    const char *dom = m->docs[idx].domain;
    return dom && gold_domain && strcmp(dom, gold_domain) == 0 ? GORILLA_VERDICT_CORRECT : GORILLA_VERDICT_ERROR;
}
