/* index.c — the inverted index shared by the retrievers. */
#include "retrieve/retrieve_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int grow_terms(rt_index *ix);

void rt_index_init(rt_index *ix)
{
    memset(ix, 0, sizeof *ix);
    gorilla_hashmap_init(&ix->dict);
}

void rt_index_free(rt_index *ix)
{
    if (!ix) return;
    if (ix->map) {
        munmap((void *)ix->map, ix->map_len);
        ix->map = NULL;
        ix->dl = NULL; /* pointed into the map */
        ix->live = NULL;
        ix->nterms = 0;
    }
    gorilla_hashmap_free(&ix->dict);
    for (size_t t = 0; t < ix->nterms; t++) {
        free(ix->post[t].doc);
        free(ix->post[t].tf);
    }
    free(ix->post);
    free(ix->dl);
    free(ix->live);
    free(ix->bag_w);
    free(ix->bag_terms);
    memset(ix, 0, sizeof *ix);
}

long rt_index_term(const rt_index *ix, const char *tok, size_t len)
{
    if (ix->map) {
        uint64_t mask = ix->m_nslots - 1;
        for (uint64_t h = gorilla_hash_bytes(tok, len) & mask, probes = 0; probes < ix->m_nslots;
             h = (h + 1) & mask, probes++) {
            uint32_t slot = ix->m_slots[h];
            if (!slot) return -1;
            size_t t = slot - 1;
            uint64_t a = ix->m_str_off[t], b = ix->m_str_off[t + 1];
            if (b - a == len && memcmp(ix->m_str + a, tok, len) == 0) return (long)t;
        }
        return -1;
    }
    int64_t v;
    return gorilla_hashmap_get(&ix->dict, tok, len, &v) ? (long)v : -1;
}

uint32_t rt_index_postings(const rt_index *ix, size_t t, const uint32_t **doc, const float **tf)
{
    if (ix->map) {
        uint64_t a = ix->m_post_off[t], b = ix->m_post_off[t + 1];
        if (doc) *doc = ix->m_doc + a;
        if (tf) *tf = ix->m_tf + a;
        return (uint32_t)(b - a);
    }
    if (doc) *doc = ix->post[t].doc;
    if (tf) *tf = ix->post[t].tf;
    return ix->post[t].n;
}

int rt_index_materialize(rt_index *ix)
{
    if (!ix->map) return 0;
    rt_index m;
    rt_index_init(&m);
    size_t nterms = ix->nterms;
    while (m.tcap < nterms + 1)
        if (grow_terms(&m) != 0) goto fail;
    for (size_t t = 0; t < nterms; t++) {
        uint64_t a = ix->m_str_off[t], b = ix->m_str_off[t + 1];
        if (gorilla_hashmap_put(&m.dict, ix->m_str + a, (size_t)(b - a), (int64_t)t) != 0) goto fail;
        rt_postings *p = &m.post[t];
        memset(p, 0, sizeof *p);
        m.nterms = t + 1;
        uint64_t pa = ix->m_post_off[t], pb = ix->m_post_off[t + 1];
        uint32_t n = (uint32_t)(pb - pa);
        if (n) {
            p->doc = malloc(n * sizeof *p->doc);
            p->tf = malloc(n * sizeof *p->tf);
            if (!p->doc || !p->tf) goto fail;
            memcpy(p->doc, ix->m_doc + pa, n * sizeof *p->doc);
            memcpy(p->tf, ix->m_tf + pa, n * sizeof *p->tf);
            p->n = p->cap = n;
            m.nvocab++;
        }
    }
    m.dcap = ix->ndocs ? ix->ndocs : 1;
    m.dl = malloc(m.dcap * sizeof *m.dl);
    m.live = malloc(m.dcap);
    if (!m.dl || !m.live) goto fail;
    if (ix->ndocs) {
        memcpy(m.dl, ix->dl, ix->ndocs * sizeof *m.dl);
        memcpy(m.live, ix->live, ix->ndocs);
    }
    m.ndocs = ix->ndocs;
    m.unsorted = ix->unsorted;
    m.nlive = ix->nlive;
    m.total_len = ix->total_len;
    rt_index_free(ix);
    *ix = m;
    return 0;
fail:
    /* m is built on the heap and never mapped; say so, so that the free below
     * visibly takes the owned path (the analyzer otherwise loses track of
     * m.map across the hashmap calls and reports dl/live as leaked). */
    m.map = NULL;
    rt_index_free(&m);
    return -1;
}

static int grow_terms(rt_index *ix)
{
    size_t ncap = ix->tcap ? ix->tcap * 2 : 1024;
    rt_postings *p = realloc(ix->post, ncap * sizeof *p);
    if (!p) return -1;
    ix->post = p;
    float *w = realloc(ix->bag_w, ncap * sizeof *w);
    if (!w) return -1;
    ix->bag_w = w;
    for (size_t t = ix->tcap; t < ncap; t++) ix->bag_w[t] = 0;
    uint32_t *bt = realloc(ix->bag_terms, ncap * sizeof *bt);
    if (!bt) return -1;
    ix->bag_terms = bt;
    ix->tcap = ncap;
    return 0;
}

int rt_bag_add(rt_index *ix, const char *tok, size_t len, float w, int create)
{
    long t = rt_index_term(ix, tok, len);
    if (t < 0) {
        if (!create) return 0;
        if (ix->nterms >= UINT32_MAX - 1) return -1;
        if (ix->nterms == ix->tcap && grow_terms(ix) != 0) return -1;
        t = (long)ix->nterms;
        if (gorilla_hashmap_put(&ix->dict, tok, len, t) != 0) return -1;
        memset(&ix->post[t], 0, sizeof ix->post[t]);
        ix->bag_w[t] = 0;
        ix->nterms++;
    }
    if (ix->bag_w[t] == 0) ix->bag_terms[ix->nbag++] = (uint32_t)t;
    ix->bag_w[t] += w;
    return 0;
}

void rt_bag_clear(rt_index *ix)
{
    for (size_t k = 0; k < ix->nbag; k++) ix->bag_w[ix->bag_terms[k]] = 0;
    ix->nbag = 0;
}

static int grow_docs(rt_index *ix, size_t need)
{
    if (need <= ix->dcap) return 0;
    size_t ncap = ix->dcap ? ix->dcap : 256;
    while (ncap < need) ncap *= 2;
    float *dl = realloc(ix->dl, ncap * sizeof *dl);
    if (!dl) return -1;
    ix->dl = dl;
    uint8_t *live = realloc(ix->live, ncap);
    if (!live) return -1;
    ix->live = live;
    for (size_t i = ix->dcap; i < ncap; i++) {
        ix->dl[i] = 0;
        ix->live[i] = 0;
    }
    ix->dcap = ncap;
    return 0;
}

int rt_index_add_bag(rt_index *ix, size_t doc, float dl)
{
    if (doc >= UINT32_MAX || grow_docs(ix, doc + 1) != 0) return -1;
    if (ix->live[doc]) return -1;
    for (size_t k = 0; k < ix->nbag; k++) {
        uint32_t t = ix->bag_terms[k];
        rt_postings *p = &ix->post[t];
        if (p->n == p->cap) {
            uint32_t ncap = p->cap ? p->cap * 2 : 2;
            uint32_t *d = realloc(p->doc, ncap * sizeof *d);
            if (!d) return -1;
            p->doc = d;
            float *f = realloc(p->tf, ncap * sizeof *f);
            if (!f) return -1;
            p->tf = f;
            p->cap = ncap;
        }
        if (p->n == 0) ix->nvocab++;
        if (p->n && p->doc[p->n - 1] > doc) ix->unsorted = 1;
        p->doc[p->n] = (uint32_t)doc;
        p->tf[p->n] = ix->bag_w[t];
        p->n++;
    }
    ix->dl[doc] = dl;
    ix->live[doc] = 1;
    if (doc >= ix->ndocs) ix->ndocs = doc + 1;
    ix->nlive++;
    ix->total_len += dl;
    return 0;
}

void rt_index_remove_bag(rt_index *ix, size_t doc)
{
    if (doc >= ix->ndocs || !ix->live[doc]) return;
    for (size_t k = 0; k < ix->nbag; k++) {
        rt_postings *p = &ix->post[ix->bag_terms[k]];
        for (uint32_t j = 0; j < p->n; j++) {
            if (p->doc[j] == doc) { /* keep the order: postings stay sorted */
                memmove(p->doc + j, p->doc + j + 1, (p->n - j - 1) * sizeof *p->doc);
                memmove(p->tf + j, p->tf + j + 1, (p->n - j - 1) * sizeof *p->tf);
                p->n--;
                if (p->n == 0) ix->nvocab--;
                break;
            }
        }
    }
    ix->total_len -= ix->dl[doc];
    ix->dl[doc] = 0;
    ix->live[doc] = 0;
    ix->nlive--;
}
