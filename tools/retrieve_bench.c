/* retrieve_bench.c — builds a synthetic API store of N documents and
 * reports index build time, index file size, open time and query latency
 * (p50, p99) of the default retriever, in memory and from the mapped file.
 *
 * usage: retrieve_bench [N=1000000] [QUERIES=1000] [INDEX=/tmp/gorilla-bench.gidx]
 *
 * Documents have the APIBench fields; words are drawn from a vocabulary of
 * 50,000 made-up words with Zipf(1) frequencies, 40 domains. Queries are 8
 * words: 6 from a random document's functionality and description, 2 from
 * the vocabulary. One core (no threads). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gorilla.h"

#define VOCAB 50000
#define DOMAINS 40

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char words[VOCAB][12];
static double cdf[VOCAB];

static void make_vocab(void)
{
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "xi", "ze", "pa", "qu", "so", "de", "fi", "gu", "ha"};
    for (int i = 0; i < VOCAB; i++) {
        int n = 2 + (int)(next_rand() % 3);
        words[i][0] = '\0';
        for (int k = 0; k < n; k++) strcat(words[i], syl[next_rand() % 16]);
        char suffix[8];
        snprintf(suffix, sizeof suffix, "%c", 'a' + i % 26);
        strcat(words[i], suffix);
    }
    double sum = 0;
    for (int i = 0; i < VOCAB; i++) sum += 1.0 / (i + 1);
    double acc = 0;
    for (int i = 0; i < VOCAB; i++) {
        acc += 1.0 / (i + 1) / sum;
        cdf[i] = acc;
    }
}

static const char *zipf_word(void)
{
    double u = (double)(next_rand() >> 11) / 9007199254740992.0;
    int lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return words[lo];
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->cap + l + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
}

static void put_words(sbuf *b, int n)
{
    for (int k = 0; k < n; k++) {
        if (k) put(b, " ");
        put(b, zipf_word());
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void latency(gorilla_retriever *r, char **queries, size_t nq, const char *label)
{
    double *t = malloc(nq * sizeof *t);
    gorilla_hit hits[5];
    size_t n;
    gorilla_error err;
    for (size_t q = 0; q < nq; q++) {
        double t0 = now_s();
        if (gorilla_retriever_search(r, queries[q], 5, hits, &n, &err) != GORILLA_OK) {
            fprintf(stderr, "search: %s\n", err.message);
            exit(1);
        }
        t[q] = (now_s() - t0) * 1e3;
    }
    qsort(t, nq, sizeof *t, cmp_double);
    printf("query latency (%s, k=5, %zu queries): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", label, nq, t[nq / 2],
           t[(size_t)(nq * 0.99)], t[nq - 1]);
    free(t);
}

/* A decimal count from the command line, or -1 when it is not a number. */
static long parse_count(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) return -1;
    return v;
}

int main(int argc, char **argv)
{
    long ndocs = argc > 1 ? parse_count(argv[1]) : 1000000;
    long nq = argc > 2 ? parse_count(argv[2]) : 1000;
    const char *path = argc > 3 ? argv[3] : "/tmp/gorilla-bench.gidx";
    if (ndocs < 1 || nq < 1) {
        fprintf(stderr, "usage: retrieve_bench [N] [QUERIES] [INDEX]\n");
        return 2;
    }
    make_vocab();
    double t0 = now_s();
    sbuf b = {0};
    char tmp[256];
    for (long i = 0; i < ndocs; i++) {
        const char *dom = words[1000 + (next_rand() % DOMAINS) * 7];
        snprintf(tmp, sizeof tmp, "{\"domain\": \"%s %s\", \"framework\": \"Synthetic\", \"functionality\": \"", dom,
                 words[2000 + (int)(next_rand() % DOMAINS)]);
        put(&b, tmp);
        put_words(&b, 4);
        snprintf(tmp, sizeof tmp, "\", \"api_name\": \"%s_%ld\", \"api_call\": \"load('org/%s_%ld')\", \"description\": \"",
                 zipf_word(), i, zipf_word(), i);
        put(&b, tmp);
        put_words(&b, 20 + (int)(next_rand() % 20));
        snprintf(tmp, sizeof tmp, "\", \"performance\": {\"dataset\": \"%s\", \"accuracy\": \"%.1f%%\"}}\n", words[next_rand() % 50],
                 50 + (double)(next_rand() % 500) / 10);
        put(&b, tmp);
    }
    double t_gen = now_s() - t0;
    t0 = now_s();
    gorilla_store *store;
    gorilla_error err;
    if (gorilla_store_load_buffer("synthetic", b.p, b.n, &store, &err) != GORILLA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double t_parse = now_s() - t0;
    printf("synthetic store: %ld documents, %.1f MB of JSON lines (generated in %.1f s, parsed in %.1f s)\n", ndocs,
           b.n / 1e6, t_gen, t_parse);
    free(b.p);

    t0 = now_s();
    gorilla_retriever *r;
    if (gorilla_retriever_new(store, NULL, &r, &err) != GORILLA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double t_build = now_s() - t0;
    printf("index build (default retriever): %.2f s\n", t_build);
    t0 = now_s();
    if (gorilla_retriever_save(r, path, &err) != GORILLA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    double t_save = now_s() - t0;
    struct stat sb;
    stat(path, &sb);
    printf("index file: %.1f MB (%s), written in %.2f s\n", (double)sb.st_size / 1e6, path, t_save);

    /* queries: words of random documents plus random words */
    char **queries = malloc((size_t)nq * sizeof *queries);
    for (long q = 0; q < nq; q++) {
        size_t d = (size_t)(next_rand() % (uint64_t)ndocs);
        const char *desc = gorilla_store_field(store, d, "description");
        const char *fn = gorilla_store_field(store, d, "functionality");
        sbuf qb = {0};
        const char *src[2] = {fn, desc};
        for (int k = 0; k < 6; k++) {
            const char *s = src[k % 2];
            size_t len = strlen(s), at = (size_t)(next_rand() % len);
            while (at > 0 && s[at - 1] != ' ') at--;
            size_t e = at;
            while (e < len && s[e] != ' ') e++;
            snprintf(tmp, sizeof tmp, "%.*s ", (int)(e - at), s + at);
            put(&qb, tmp);
        }
        put(&qb, words[next_rand() % VOCAB]);
        put(&qb, " ");
        put(&qb, words[next_rand() % VOCAB]);
        queries[q] = qb.p;
    }
    latency(r, queries, (size_t)nq, "in memory");
    gorilla_retriever_free(r);

    t0 = now_s();
    gorilla_retriever *m;
    if (gorilla_retriever_open(path, store, &m, &err) != GORILLA_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("index open (mmap + full check): %.3f s\n", now_s() - t0);
    latency(m, queries, (size_t)nq, "mapped file");
    gorilla_retriever_free(m);
    for (long q = 0; q < nq; q++) free(queries[q]);
    free(queries);
    gorilla_store_free(store);
    remove(path);
    return 0;
}
