/* style.c — how close a set of instructions comes to another's style:
 * length, vocabulary, and how often the retriever finds the gold document. */
#include "dataset/dataset_internal.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static int add_words(gorilla_hashmap *vocab, const char *text, size_t *count)
{
    ds_words w;
    if (ds_words_split(text, &w) != 0) return -1;
    for (size_t i = 0; i < w.n; i++)
        if (gorilla_hashmap_put(vocab, w.w[i], strlen(w.w[i]), 1) != 0) {
            ds_words_free(&w);
            return -1;
        }
    if (count) *count += w.n;
    ds_words_free(&w);
    return 0;
}

gorilla_status gorilla_style_measure(const gorilla_pairset *pairs, const gorilla_pairset *reference,
                                     gorilla_retriever *retriever, gorilla_matcher *matcher,
                                     gorilla_style_stats *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    gorilla_hashmap ref, own, calls;
    gorilla_hashmap_init(&ref);
    gorilla_hashmap_init(&own);
    gorilla_hashmap_init(&calls);
    gorilla_status st = GORILLA_OK;
    for (size_t i = 0; i < gorilla_pairset_count(reference); i++)
        if (add_words(&ref, gorilla_pairset_get(reference, i)->instruction, NULL) != 0) goto oom;
    const gorilla_store *store = retriever ? gorilla_retriever_store(retriever) : NULL;
    if (store && ds_index_calls(store, &calls) != 0) goto oom;
    size_t words = 0, in_ref = 0, hit1 = 0, hit3 = 0;
    for (size_t i = 0; i < gorilla_pairset_count(pairs); i++) {
        const gorilla_train_pair *p = gorilla_pairset_get(pairs, i);
        out->n++;
        ds_words w;
        if (ds_words_split(p->instruction, &w) != 0) goto oom;
        words += w.n;
        for (size_t j = 0; j < w.n; j++) {
            int64_t v;
            if (reference && gorilla_hashmap_get(&ref, w.w[j], strlen(w.w[j]), &v)) in_ref++;
            if (gorilla_hashmap_put(&own, w.w[j], strlen(w.w[j]), 1) != 0) {
                ds_words_free(&w);
                goto oom;
            }
        }
        ds_words_free(&w);
        if (!store) continue;
        long gold = ds_gold_index(&calls, p->api_json);
        if (gold < 0) continue;
        out->with_gold++;
        gorilla_hit hits[3];
        size_t nh = 0;
        st = gorilla_retriever_search(retriever, p->instruction, 3, hits, &nh, err);
        if (st != GORILLA_OK) goto done;
        const char *g = gorilla_store_field(store, (size_t)gold, "api_call");
        long gm = matcher && g ? gorilla_matcher_find(matcher, g, strlen(g), NULL) : -1;
        for (size_t h = 0; h < nh; h++) {
            /* a duplicate document (same call, or the same for the matcher) counts as the gold one */
            const char *c = gorilla_store_field(store, hits[h].api_index, "api_call");
            int same = hits[h].api_index == (size_t)gold || (c && g && strcmp(c, g) == 0);
            if (!same && matcher && c && gm >= 0) same = gorilla_matcher_find(matcher, c, strlen(c), NULL) == gm;
            if (same) {
                if (h == 0) hit1++;
                hit3++;
                break;
            }
        }
    }
    if (out->n) out->mean_words = (double)words / (double)out->n;
    if (words && reference) out->token_in_reference = (double)in_ref / (double)words;
    if (own.count && reference) {
        size_t shared = 0;
        for (size_t i = 0; i < own.cap; i++) {
            int64_t v;
            if (own.keys[i] && gorilla_hashmap_get(&ref, own.keys[i], own.key_lens[i], &v)) shared++;
        }
        out->vocab_in_reference = (double)shared / (double)own.count;
    }
    if (out->with_gold) {
        out->hit1 = (double)hit1 / (double)out->with_gold;
        out->hit3 = (double)hit3 / (double)out->with_gold;
    }
    goto done;
oom:
    st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
done:
    gorilla_hashmap_free(&ref);
    gorilla_hashmap_free(&own);
    gorilla_hashmap_free(&calls);
    return st;
}
