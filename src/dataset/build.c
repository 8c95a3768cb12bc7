/* build.c — training pairs into conversations: the leak guard, duplicates,
 * the held-out split, and the documents of retriever-aware training. */
#include "dataset/dataset_internal.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/rng.h"

#include <stdlib.h>
#include <string.h>

#define MAX_K 16

int gorilla_doc_source_parse(const char *name, gorilla_doc_source *out)
{
    if (!name) return -1;
    if (strcmp(name, "none") == 0 || strcmp(name, "0_shot") == 0 || strcmp(name, "0-shot") == 0)
        *out = GORILLA_DOC_NONE;
    else if (strcmp(name, "oracle") == 0) *out = GORILLA_DOC_ORACLE;
    else if (strcmp(name, "retriever") == 0) *out = GORILLA_DOC_RETRIEVER;
    else return -1;
    return 0;
}

void gorilla_dataset_opts_init(gorilla_dataset_opts *o)
{
    memset(o, 0, sizeof *o);
    o->doc = GORILLA_DOC_NONE;
    o->k = 1;
    o->holdout_rate = 0.05;
    o->seed = 1;
}

int ds_index_calls(const gorilla_store *store, gorilla_hashmap *m)
{
    gorilla_hashmap_init(m);
    size_t n = store ? gorilla_store_count(store) : 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = gorilla_store_field(store, i, "api_call");
        int64_t v;
        if (c && !gorilla_hashmap_get(m, c, strlen(c), &v) && gorilla_hashmap_put(m, c, strlen(c), (int64_t)i) != 0)
            return -1;
    }
    return 0;
}

long ds_gold_index(const gorilla_hashmap *calls, const char *api_json)
{
    if (!api_json) return -1;
    json_t *o = json_loads(api_json, 0, NULL);
    const json_t *c = o ? json_object_get(o, "api_call") : NULL;
    long idx = -1;
    int64_t v;
    if (json_is_string(c) && gorilla_hashmap_get(calls, json_string_value(c), strlen(json_string_value(c)), &v))
        idx = (long)v;
    json_decref(o);
    return idx;
}

/* A compact JSON document re-dumped as Python's json.dumps writes it. */
static char *render_json_text(const char *compact)
{
    if (!compact) return NULL;
    json_t *o = json_loads(compact, 0, NULL);
    if (!o) return NULL;
    char *s = ds_json_dumps_py(o);
    json_decref(o);
    return s;
}

static char *render_store_doc(const gorilla_store *store, size_t i)
{
    char *c = gorilla_store_doc_json(store, i);
    char *s = render_json_text(c);
    free(c);
    return s;
}

static int contains(const long *a, size_t n, long v)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == v) return 1;
    return 0;
}

/* The same document, or another with the same api_call (a duplicate). */
static int same_doc(const gorilla_store *store, long a, long gold)
{
    if (gold < 0) return 0;
    if (a == gold) return 1;
    const char *x = gorilla_store_field(store, (size_t)a, "api_call");
    const char *y = gorilla_store_field(store, (size_t)gold, "api_call");
    return x && y && strcmp(x, y) == 0;
}

/* Fills up to `want` documents other than `gold` and those already in
 * docs[0..*n): the retriever's ranking for the instruction first (hard
 * negatives), else random draws from the store. */
static gorilla_status others(const gorilla_store *store, gorilla_retriever *r, const char *instruction, long gold,
                             size_t want, uint64_t *rng, long *docs, size_t *n, gorilla_error *err)
{
    size_t total = store ? gorilla_store_count(store) : 0;
    size_t target = *n + want;
    if (r && want) {
        gorilla_hit hits[MAX_K * 2 + 2];
        size_t nh = 0;
        size_t ask = target + 2 > MAX_K * 2 + 2 ? MAX_K * 2 + 2 : target + 2;
        gorilla_status st = gorilla_retriever_search(r, instruction, ask, hits, &nh, err);
        if (st != GORILLA_OK) return st;
        for (size_t i = 0; i < nh && *n < target; i++) {
            long d = (long)hits[i].api_index;
            if (!same_doc(store, d, gold) && !contains(docs, *n, d)) docs[(*n)++] = d;
        }
    }
    for (size_t tries = 0; *n < target && total > 1 && tries < 64 * (want + 1); tries++) {
        long d = (long)(gorilla_splitmix64(rng) % total);
        if (!same_doc(store, d, gold) && !contains(docs, *n, d)) docs[(*n)++] = d;
    }
    return GORILLA_OK;
}

static void shuffle(long *a, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(gorilla_splitmix64(rng) % i);
        long t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

gorilla_status gorilla_dataset_build(const gorilla_pairset *pairs, const gorilla_store *store,
                                     gorilla_retriever *retriever, const gorilla_leakset *leaks,
                                     const gorilla_dataset_opts *opts, gorilla_convset *train,
                                     gorilla_convset *holdout, gorilla_dataset_stats *stats, gorilla_error *err)
{
    gorilla_dataset_opts def;
    if (!opts) {
        gorilla_dataset_opts_init(&def);
        opts = &def;
    }
    memset(stats, 0, sizeof *stats);
    size_t k = opts->k ? opts->k : 1;
    if (k > MAX_K) return gorilla_fail(err, GORILLA_ERR_LIMIT, "at most %d documents per example (k %zu)", MAX_K, k);
    if (opts->distractor_rate < 0 || opts->distractor_rate > 1 || opts->holdout_rate < 0 || opts->holdout_rate > 1)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "rates must be in [0, 1]");
    if (opts->doc == GORILLA_DOC_RETRIEVER && !retriever)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "documents from a retriever need a retriever");
    if (opts->doc != GORILLA_DOC_NONE && (k > 1 || opts->distractor_rate > 0) && !store)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "several documents or distractors need an API store");

    gorilla_hashmap calls, seen;
    gorilla_hashmap_init(&seen);
    if (ds_index_calls(store, &calls) != 0) {
        gorilla_hashmap_free(&calls);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    gorilla_status st = GORILLA_OK;
    for (size_t i = 0; i < gorilla_pairset_count(pairs) && st == GORILLA_OK; i++) {
        const gorilla_train_pair *p = gorilla_pairset_get(pairs, i);
        stats->pairs_in++;
        if (leaks && gorilla_leakset_contains(leaks, p->instruction)) {
            stats->leaks++;
            continue;
        }
        char *norm = gorilla_text_normalize(p->instruction);
        ds_buf key;
        ds_buf_init(&key);
        ds_buf_puts(&key, norm);
        ds_buf_puts(&key, "\n");
        ds_buf_puts(&key, p->api_call ? p->api_call : "");
        if (!norm || key.oom) {
            free(norm);
            ds_buf_free(&key);
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        int64_t v;
        if (!opts->keep_duplicates && gorilla_hashmap_get(&seen, key.p, key.n, &v)) {
            stats->duplicates++;
            free(norm);
            ds_buf_free(&key);
            continue;
        }
        if (gorilla_hashmap_put(&seen, key.p, key.n, 1) != 0) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        ds_buf_free(&key);
        int held = ds_unit_hash(opts->seed, norm, strlen(norm)) < opts->holdout_rate;
        uint64_t rng = (opts->seed * 0x9E3779B97F4A7C15ULL) ^ gorilla_hash_bytes(norm, strlen(norm));
        free(norm);
        if (st != GORILLA_OK) break;

        char *human = NULL;
        if (opts->doc == GORILLA_DOC_NONE) {
            human = strdup(p->instruction);
        } else {
            long gold = ds_gold_index(&calls, p->api_json);
            if (gold < 0) stats->gold_missing++;
            long docs[MAX_K];
            size_t nd = 0;
            int distract = opts->distractor_rate > 0 &&
                           (double)(gorilla_splitmix64(&rng) >> 11) * (1.0 / 9007199254740992.0) < opts->distractor_rate;
            int gold_text_extra = 0; /* the gold document shown from the pair (not in the store) */
            if (distract) {
                st = others(store, retriever, p->instruction, gold, k, &rng, docs, &nd, err);
                stats->distractor_only++;
            } else if (opts->doc == GORILLA_DOC_ORACLE) {
                if (gold >= 0) docs[nd++] = gold;
                else gold_text_extra = p->api_json != NULL;
                size_t more = k - (gold >= 0 ? 1 : 0) - (size_t)gold_text_extra;
                if (more && store) st = others(store, retriever, p->instruction, gold, more, &rng, docs, &nd, err);
                shuffle(docs, nd, &rng);
            } else {
                gorilla_hit hits[MAX_K];
                size_t nh = 0;
                st = gorilla_retriever_search(retriever, p->instruction, k, hits, &nh, err);
                for (size_t h = 0; h < nh; h++) docs[nd++] = (long)hits[h].api_index;
            }
            if (st != GORILLA_OK) break;
            ds_buf all;
            ds_buf_init(&all);
            int shown = gold_text_extra;
            size_t pos_extra = gold_text_extra ? (size_t)(gorilla_splitmix64(&rng) % (nd + 1)) : 0;
            for (size_t d = 0; d <= nd; d++) {
                char *t = NULL;
                if (gold_text_extra && d == pos_extra) {
                    t = render_json_text(p->api_json);
                    if (!t) all.oom = 1;
                    if (all.n) ds_buf_puts(&all, "\n");
                    ds_buf_puts(&all, t);
                    free(t);
                }
                if (d == nd) break;
                if (same_doc(store, docs[d], gold)) shown = 1;
                t = render_store_doc(store, (size_t)docs[d]);
                if (!t) all.oom = 1;
                if (all.n) ds_buf_puts(&all, "\n");
                ds_buf_puts(&all, t);
                free(t);
            }
            char *joined = ds_buf_take(&all);
            if (joined) {
                human = *joined ? gorilla_prompt_with_doc(p->instruction, joined) : strdup(p->instruction);
                if (*joined) stats->with_doc++;
                if (*joined && shown) stats->gold_shown++;
            }
            free(joined);
        }
        if (!human) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            break;
        }
        char id[48];
        snprintf(id, sizeof id, "gorilla-%zu", i + 1);
        gorilla_convset *dst = held ? holdout : train;
        if (dst) {
            st = gorilla_convset_add(dst, id, human, p->answer, err);
            if (held) stats->holdout++;
            else stats->train++;
        }
        free(human);
    }
    gorilla_hashmap_free(&calls);
    gorilla_hashmap_free(&seen);
    return st;
}
