/* indexfile.c — the persistent, memory-mapped retriever index.
 *
 * Layout (little-endian, every section 8-byte aligned):
 *   header (idx_header: magic, version, kind, counts, section table,
 *           payload checksum, header checksum)
 *   sections: term string offsets u64[nterms+1], term bytes,
 *             posting offsets u64[nterms+1], posting docs u32[npost],
 *             posting tfs f32[npost], doc lengths f32[ndocs], live u8[ndocs],
 *             doc domain ids u32[ndocs], term hash slots u32[nslots]
 *             (term id + 1, linear probing on FNV-1a), domain name offsets
 *             u64[ndomains+1], domain name bytes.
 * Opening checks sizes, bounds, both checksums and every offset and id
 * before the first search, so a damaged file is an error, not a crash. */
#include "retrieve/retrieve_internal.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC "GORIDX\r\n"
#define IDX_VERSION 1u

enum { S_STR_OFF, S_STR, S_POST_OFF, S_DOC, S_TF, S_DL, S_LIVE, S_DOM, S_SLOTS, S_DNAME_OFF, S_DNAME, N_SECT };

typedef struct {
    char magic[8];
    uint32_t version, kind;
    uint64_t ndocs, nlive, nterms, npost, ndomains, nslots;
    double total_len;
    uint64_t off[N_SECT], len[N_SECT];
    uint64_t payload_sum;
    uint64_t header_sum; /* over the bytes before it */
} idx_header;

_Static_assert(sizeof(idx_header) % 8 == 0, "header size is a multiple of 8");

/* ---- checksum: a 64-bit multiply-xorshift over 8-byte words ---- */

typedef struct {
    uint64_t h, total;
    unsigned char pend[8];
    size_t npend;
} csum;

static void csum_init(csum *c)
{
    memset(c, 0, sizeof *c);
    c->h = 0x6a09e667f3bcc909ull;
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h ^= w + 0x9E3779B97F4A7C15ull;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    return h;
}

static void csum_update(csum *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->total += len;
    while (len && c->npend) {
        c->pend[c->npend++] = *p++;
        len--;
        if (c->npend == 8) {
            uint64_t w;
            memcpy(&w, c->pend, 8);
            c->h = mix(c->h, w);
            c->npend = 0;
        }
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c->h = mix(c->h, w);
        p += 8;
        len -= 8;
    }
    while (len--) c->pend[c->npend++] = *p++;
}

static uint64_t csum_final(csum *c)
{
    uint64_t h = c->h;
    if (c->npend) {
        uint64_t w = 0;
        memcpy(&w, c->pend, c->npend);
        h = mix(h, w);
    }
    return mix(h, c->total);
}

static uint64_t checksum(const void *data, size_t len)
{
    csum c;
    csum_init(&c);
    csum_update(&c, data, len);
    return csum_final(&c);
}

/* ---- save ---- */

typedef struct {
    FILE *f;
    csum sum;
    uint64_t pos;
    int bad;
} writer;

static void w_put(writer *w, const void *data, size_t len)
{
    if (w->bad || !len) return;
    if (fwrite(data, 1, len, w->f) != len) w->bad = 1;
    csum_update(&w->sum, data, len);
    w->pos += len;
}

static void w_pad(writer *w)
{
    static const char zeros[8] = {0};
    if (w->pos % 8) w_put(w, zeros, 8 - w->pos % 8);
}

static void w_begin(writer *w, idx_header *h, int s)
{
    w_pad(w);
    h->off[s] = w->pos;
}

static void w_end(writer *w, idx_header *h, int s) { h->len[s] = w->pos - h->off[s]; }

/* Term strings by id (borrowed pointers). */
static int term_strings(const rt_index *ix, const char ***str, size_t **len)
{
    size_t n = ix->nterms ? ix->nterms : 1;
    *str = calloc(n, sizeof **str);
    *len = calloc(n, sizeof **len);
    if (!*str || !*len) return -1;
    if (ix->map) {
        for (size_t t = 0; t < ix->nterms; t++) {
            (*str)[t] = ix->m_str + ix->m_str_off[t];
            (*len)[t] = (size_t)(ix->m_str_off[t + 1] - ix->m_str_off[t]);
        }
        return 0;
    }
    for (size_t k = 0; k < ix->dict.cap; k++) {
        if (!ix->dict.keys[k]) continue;
        int64_t t = ix->dict.values[k];
        if (t < 0 || (size_t)t >= ix->nterms) return -1;
        (*str)[t] = ix->dict.keys[k];
        (*len)[t] = ix->dict.key_lens[k];
    }
    return 0;
}

gorilla_status gorilla_retriever_save(const gorilla_retriever *r, const char *path, gorilla_error *err)
{
    const rt_index *ix = &r->ix;
    idx_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, IDX_MAGIC, 8);
    h.version = IDX_VERSION;
    h.kind = (uint32_t)r->kind;
    h.ndocs = ix->ndocs;
    h.nlive = ix->nlive;
    h.nterms = ix->nterms;
    h.ndomains = r->ndomains;
    h.total_len = ix->total_len;
    uint64_t nslots = 16;
    while (nslots < 2 * (uint64_t)ix->nterms + 1) nslots *= 2;
    h.nslots = nslots;

    const char **str = NULL;
    size_t *slen = NULL;
    uint32_t *slots = NULL;
    const char **dname = calloc(r->ndomains ? r->ndomains : 1, sizeof *dname);
    gorilla_status st = GORILLA_OK;
    if (!dname || term_strings(ix, &str, &slen) != 0 || !(slots = calloc(nslots, sizeof *slots))) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t t = 0; t < ix->nterms; t++) {
        uint64_t k = gorilla_hash_bytes(str[t], slen[t]) & (nslots - 1);
        while (slots[k]) k = (k + 1) & (nslots - 1);
        slots[k] = (uint32_t)(t + 1);
    }
    for (size_t k = 0; k < r->domains.cap; k++)
        if (r->domains.keys[k] && (size_t)r->domains.values[k] < r->ndomains)
            dname[r->domains.values[k]] = r->domains.keys[k];

    FILE *f = fopen(path, "wb");
    if (!f) {
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }
    writer w = {f, {0}, 0, 0};
    csum_init(&w.sum);
    /* header placeholder (not part of the payload checksum) */
    if (fwrite(&h, sizeof h, 1, f) != 1) w.bad = 1;
    w.pos = sizeof h;
    csum_init(&w.sum);

    uint64_t off = 0;
    w_begin(&w, &h, S_STR_OFF);
    for (size_t t = 0; t <= ix->nterms; t++) {
        w_put(&w, &off, 8);
        if (t < ix->nterms) off += slen[t];
    }
    w_end(&w, &h, S_STR_OFF);
    w_begin(&w, &h, S_STR);
    for (size_t t = 0; t < ix->nterms; t++) w_put(&w, str[t], slen[t]);
    w_end(&w, &h, S_STR);
    w_begin(&w, &h, S_POST_OFF);
    off = 0;
    for (size_t t = 0; t <= ix->nterms; t++) {
        w_put(&w, &off, 8);
        if (t < ix->nterms) off += rt_index_postings(ix, t, NULL, NULL);
    }
    h.npost = off;
    w_end(&w, &h, S_POST_OFF);
    w_begin(&w, &h, S_DOC);
    for (size_t t = 0; t < ix->nterms; t++) {
        const uint32_t *d;
        uint32_t n = rt_index_postings(ix, t, &d, NULL);
        w_put(&w, d, n * sizeof *d);
    }
    w_end(&w, &h, S_DOC);
    w_begin(&w, &h, S_TF);
    for (size_t t = 0; t < ix->nterms; t++) {
        const float *tf;
        uint32_t n = rt_index_postings(ix, t, NULL, &tf);
        w_put(&w, tf, n * sizeof *tf);
    }
    w_end(&w, &h, S_TF);
    w_begin(&w, &h, S_DL);
    w_put(&w, ix->dl, ix->ndocs * sizeof *ix->dl);
    w_end(&w, &h, S_DL);
    w_begin(&w, &h, S_LIVE);
    w_put(&w, ix->live, ix->ndocs);
    w_end(&w, &h, S_LIVE);
    w_begin(&w, &h, S_DOM);
    w_put(&w, r->dom, ix->ndocs * sizeof *r->dom);
    w_end(&w, &h, S_DOM);
    w_begin(&w, &h, S_SLOTS);
    w_put(&w, slots, nslots * sizeof *slots);
    w_end(&w, &h, S_SLOTS);
    w_begin(&w, &h, S_DNAME_OFF);
    off = 0;
    for (size_t d = 0; d <= r->ndomains; d++) {
        w_put(&w, &off, 8);
        if (d < r->ndomains) off += dname[d] ? strlen(dname[d]) : 0;
    }
    w_end(&w, &h, S_DNAME_OFF);
    w_begin(&w, &h, S_DNAME);
    for (size_t d = 0; d < r->ndomains; d++)
        if (dname[d]) w_put(&w, dname[d], strlen(dname[d]));
    w_end(&w, &h, S_DNAME);
    w_pad(&w);
    h.payload_sum = csum_final(&w.sum);
    h.header_sum = checksum(&h, offsetof(idx_header, header_sum));
    if (fseek(f, 0, SEEK_SET) != 0 || fwrite(&h, sizeof h, 1, f) != 1) w.bad = 1;
    if (fclose(f) != 0) w.bad = 1;
    if (w.bad) {
        unlink(path);
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: write error", path);
    }
done:
    free(str);
    free(slen);
    free(slots);
    free(dname);
    return st;
}

/* ---- open ---- */

/* A section's address (void *: converts to the section's element type). */
static const void *section(const unsigned char *base, uint64_t off) { return base + off; }

static gorilla_status bad_file(gorilla_error *err, const char *path, const char *what)
{
    return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: corrupted or truncated index file: %s", path, what);
}

gorilla_status gorilla_retriever_open(const char *path, gorilla_store *store, gorilla_retriever **out,
                                      gorilla_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    if (size < sizeof(idx_header)) {
        close(fd);
        return bad_file(err, path, "shorter than the header");
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
    gorilla_status st;
    const unsigned char *base = map;
    idx_header h;
    memcpy(&h, base, sizeof h);
    if (memcmp(h.magic, IDX_MAGIC, 8) != 0) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: not a gorilla index file", path);
        goto fail;
    }
    if (h.version != IDX_VERSION) {
        st = gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: index version %u, this build reads version %u", path,
                          h.version, IDX_VERSION);
        goto fail;
    }
    if (h.header_sum != checksum(&h, offsetof(idx_header, header_sum))) {
        st = bad_file(err, path, "header checksum mismatch");
        goto fail;
    }
    if (size % 8 || h.kind > RT_KIND_OFFICIAL || h.ndocs >= UINT32_MAX || h.nterms >= UINT32_MAX - 1 ||
        h.nlive > h.ndocs || h.nslots < 16 || (h.nslots & (h.nslots - 1)) || h.nslots <= h.nterms ||
        h.ndomains > h.ndocs + 1 || h.npost > ((uint64_t)1 << 40)) {
        st = bad_file(err, path, "inconsistent counts in the header");
        goto fail;
    }
    const uint64_t want[N_SECT] = {(h.nterms + 1) * 8, (uint64_t)-1, (h.nterms + 1) * 8, h.npost * 4, h.npost * 4,
                                   h.ndocs * 4,        h.ndocs,      h.ndocs * 4,        h.nslots * 4,
                                   (h.ndomains + 1) * 8, (uint64_t)-1};
    for (int s = 0; s < N_SECT; s++) {
        if (h.off[s] < sizeof h || h.off[s] % 8 || h.off[s] > size || h.len[s] > size - h.off[s] ||
            (want[s] != (uint64_t)-1 && h.len[s] != want[s])) {
            st = bad_file(err, path, "section out of bounds (truncated?)");
            goto fail;
        }
    }
    if (checksum(base + sizeof h, size - sizeof h) != h.payload_sum) {
        st = bad_file(err, path, "payload checksum mismatch");
        goto fail;
    }
    const uint64_t *str_off = (const uint64_t *)(base + h.off[S_STR_OFF]);
    const uint64_t *post_off = (const uint64_t *)(base + h.off[S_POST_OFF]);
    const uint64_t *dn_off = (const uint64_t *)(base + h.off[S_DNAME_OFF]);
    const uint32_t *doc = (const uint32_t *)(base + h.off[S_DOC]);
    const uint32_t *slots = (const uint32_t *)(base + h.off[S_SLOTS]);
    const uint32_t *dom = (const uint32_t *)(base + h.off[S_DOM]);
    const uint8_t *live = base + h.off[S_LIVE];
    int ok = str_off[0] == 0 && str_off[h.nterms] == h.len[S_STR] && post_off[0] == 0 &&
             post_off[h.nterms] == h.npost && dn_off[0] == 0 && dn_off[h.ndomains] == h.len[S_DNAME];
    for (uint64_t t = 0; ok && t < h.nterms; t++)
        ok = str_off[t] <= str_off[t + 1] && post_off[t] <= post_off[t + 1] && post_off[t + 1] - post_off[t] <= h.nlive;
    for (uint64_t d = 0; ok && d < h.ndomains; d++) ok = dn_off[d] <= dn_off[d + 1];
    for (uint64_t j = 0; ok && j < h.npost; j++) ok = doc[j] < h.ndocs && live[doc[j]];
    int unsorted = 0;
    for (uint64_t t = 0; ok && !unsorted && t < h.nterms; t++)
        for (uint64_t j = post_off[t] + 1; j < post_off[t + 1]; j++)
            if (doc[j - 1] > doc[j]) {
                unsorted = 1;
                break;
            }
    for (uint64_t k = 0; ok && k < h.nslots; k++) ok = slots[k] <= h.nterms;
    uint64_t nlive = 0;
    for (uint64_t d = 0; ok && d < h.ndocs; d++) {
        ok = live[d] <= 1 && (!live[d] || dom[d] < h.ndomains);
        nlive += live[d];
    }
    if (!ok || nlive != h.nlive) {
        st = bad_file(err, path, "offsets or ids out of range");
        goto fail;
    }
    if (store && gorilla_store_count(store) != h.ndocs) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: index of %llu documents, but the API store has %zu", path,
                          (unsigned long long)h.ndocs, gorilla_store_count(store));
        goto fail;
    }

    gorilla_retriever *r = calloc(1, sizeof *r);
    if (!r) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto fail;
    }
    r->store = store;
    r->kind = (int)h.kind;
    rt_index_init(&r->ix);
    gorilla_hashmap_init(&r->domains);
    rt_index *ix = &r->ix;
    ix->map = map;
    ix->map_len = size;
    ix->nterms = h.nterms;
    ix->ndocs = h.ndocs;
    ix->nlive = h.nlive;
    ix->total_len = h.total_len;
    ix->unsorted = unsorted;
    ix->dl = (float *)(uintptr_t)section(base, h.off[S_DL]); /* read-only until materialized */
    ix->live = (uint8_t *)live;
    ix->m_str_off = str_off;
    ix->m_str = (const char *)(base + h.off[S_STR]);
    ix->m_post_off = post_off;
    ix->m_doc = doc;
    ix->m_tf = section(base, h.off[S_TF]);
    ix->m_slots = slots;
    ix->m_nslots = h.nslots;
    r->dom = (uint32_t *)dom;
    r->dom_mapped = 1;
    r->domcap = h.ndocs;
    r->idf_dirty = 1;
    const char *dn = (const char *)(base + h.off[S_DNAME]);
    for (uint64_t d = 0; d < h.ndomains; d++) {
        if (gorilla_hashmap_put(&r->domains, dn + dn_off[d], (size_t)(dn_off[d + 1] - dn_off[d]), (int64_t)d) != 0) {
            gorilla_retriever_free(r);
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
    }
    r->ndomains = h.ndomains;
    *out = r;
    return GORILLA_OK;
fail:
    munmap(map, size);
    return st;
}
