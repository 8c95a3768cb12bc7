/* sampler.c — picking the next token from a logits vector.
 *
 * The chain follows llama.cpp's default order: repetition / frequency /
 * presence penalties over the last N accepted tokens, then (temperature > 0)
 * top-k, top-p, min-p, temperature and a draw from the softmax; with
 * temperature <= 0 the argmax after penalties (lowest id on ties).
 *
 *  - repeat penalty (once per distinct token in the window): a logit > 0 is
 *    divided by the penalty, a logit <= 0 multiplied by it.
 *  - frequency / presence: logit -= count * frequency + (count > 0) * presence.
 *  - top-k: the k highest logits (ties: lower id first).
 *  - top-p: the shortest prefix (by probability, before temperature) whose
 *    cumulative probability reaches p; at least one token.
 *  - min-p: tokens whose probability is at least min_p times the largest,
 *    i.e. logit >= max_logit + log(min_p).
 *  - the draw uses xorshift64* seeded through splitmix64: the same seed and
 *    inputs give the same tokens on every platform with IEEE floats.
 */
#include "base/rng.h"
#include "llm/sample/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define MAX_VOCAB ((size_t)1 << 24)
#define MAX_HISTORY 1048576

typedef struct {
    int32_t id;
    float logit;
    float p;
} cand;

struct gorilla_sampler {
    gorilla_sampler_params p;
    size_t n_vocab;
    uint64_t rng;
    int32_t *hist;       /* ring buffer of the last hist_cap accepted tokens */
    size_t hist_cap, hist_n, hist_pos;
    uint32_t *counts;    /* n_vocab scratch counters, all zero between calls */
    cand *c;
};

void gorilla_sampler_params_init(gorilla_sampler_params *p)
{
    memset(p, 0, sizeof *p);
    p->temperature = 0.8f;
    p->top_k = 40;
    p->top_p = 0.95f;
    p->min_p = 0.05f;
    p->repeat_penalty = 1.0f;
    p->frequency_penalty = 0.0f;
    p->presence_penalty = 0.0f;
    p->repeat_last_n = 64;
    p->seed = 42;
}

void gorilla_sampler_reset(gorilla_sampler *s)
{
    if (!s) return;
    s->rng = gorilla_rng_seed(s->p.seed);
    s->hist_n = s->hist_pos = 0;
}

void gorilla_sampler_free(gorilla_sampler *s)
{
    if (!s) return;
    free(s->hist);
    free(s->counts);
    free(s->c);
    free(s);
}

gorilla_status gorilla_sampler_new(const gorilla_sampler_params *p, size_t n_vocab,
                                   gorilla_sampler **out, gorilla_error *err)
{
    *out = NULL;
    if (!p) return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: no parameters");
    if (n_vocab == 0 || n_vocab > MAX_VOCAB)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: vocabulary size %zu is out of range (1..%zu)",
                            n_vocab, MAX_VOCAB);
    if (!(p->temperature == p->temperature) || !(p->top_p == p->top_p) || !(p->min_p == p->min_p))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: a parameter is NaN");
    if (!(p->repeat_penalty > 0.0f) || !isfinite(p->repeat_penalty))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: repeat penalty must be > 0 (got %g)",
                            (double)p->repeat_penalty);
    if (!isfinite(p->frequency_penalty) || !isfinite(p->presence_penalty))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: frequency/presence penalties must be finite");
    if (p->repeat_last_n < 0 || p->repeat_last_n > MAX_HISTORY)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sampler: repeat_last_n %ld is out of range (0..%d)",
                            (long)p->repeat_last_n, MAX_HISTORY);
    gorilla_sampler *s = calloc(1, sizeof *s);
    if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "sampler: out of memory");
    s->p = *p;
    s->n_vocab = n_vocab;
    s->hist_cap = (size_t)p->repeat_last_n;
    s->hist = malloc((s->hist_cap ? s->hist_cap : 1) * sizeof *s->hist);
    s->counts = calloc(n_vocab, sizeof *s->counts);
    s->c = malloc(n_vocab * sizeof *s->c);
    if (!s->hist || !s->counts || !s->c) {
        gorilla_sampler_free(s);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "sampler: out of memory");
    }
    gorilla_sampler_reset(s);
    *out = s;
    return GORILLA_OK;
}

void gorilla_sampler_accept(gorilla_sampler *s, int32_t token)
{
    if (!s || s->hist_cap == 0) return;
    s->hist[s->hist_pos] = token;
    s->hist_pos = (s->hist_pos + 1) % s->hist_cap;
    if (s->hist_n < s->hist_cap) s->hist_n++;
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void apply_penalties(gorilla_sampler *s)
{
    const gorilla_sampler_params *p = &s->p;
    if (s->hist_n == 0) return;
    if (p->repeat_penalty == 1.0f && p->frequency_penalty == 0.0f && p->presence_penalty == 0.0f) return;
    for (size_t i = 0; i < s->hist_n; i++) {
        int32_t t = s->hist[i];
        if (t >= 0 && (size_t)t < s->n_vocab) s->counts[t]++;
    }
    for (size_t i = 0; i < s->hist_n; i++) {
        int32_t t = s->hist[i];
        if (t < 0 || (size_t)t >= s->n_vocab || s->counts[t] == 0) continue;
        cand *c = &s->c[t]; /* candidates are still in id order here */
        if (c->logit <= 0.0f) c->logit *= p->repeat_penalty;
        else c->logit /= p->repeat_penalty;
        c->logit -= (float)s->counts[t] * p->frequency_penalty + p->presence_penalty;
        s->counts[t] = 0; /* once per distinct token; also clears the scratch */
    }
}

/* Softmax of logit / temp over c[0..n) (sorted descending, so c[0] is the
 * largest): fills p. Computed on differences from the largest, in double,
 * so that a tiny temperature cannot overflow. */
static void softmax(cand *c, size_t n, double temp)
{
    double mx = c[0].logit;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = exp(((double)c[i].logit - mx) / temp);
        c[i].p = (float)e;
        sum += e;
    }
    for (size_t i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);
}

gorilla_status gorilla_sampler_sample(gorilla_sampler *s, const float *logits, size_t n_vocab,
                                      int32_t *token, gorilla_error *err)
{
    if (!s || !logits || !token) return gorilla_fail(err, GORILLA_ERR_INVALID, "sample: missing argument");
    if (n_vocab != s->n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "sample: %zu logits for a sampler of %zu tokens",
                            n_vocab, s->n_vocab);
    const gorilla_sampler_params *p = &s->p;
    int any = 0;
    for (size_t i = 0; i < n_vocab; i++) {
        float l = logits[i];
        if (l != l) l = -INFINITY; /* NaN never wins */
        if (l > -INFINITY) any = 1;
        s->c[i] = (cand){(int32_t)i, l, 0.0f};
    }
    if (!any) return gorilla_fail(err, GORILLA_ERR_INVALID, "sample: every logit is -inf or NaN");
    apply_penalties(s);

    if (!(p->temperature > 0.0f)) {
        size_t best = 0;
        for (size_t i = 1; i < n_vocab; i++)
            if (s->c[i].logit > s->c[best].logit) best = i;
        *token = s->c[best].id;
        return GORILLA_OK;
    }

    size_t n = n_vocab;
    /* drop -inf candidates, then sort descending */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s->c[i].logit > -INFINITY) s->c[k++] = s->c[i];
    n = k;
    qsort(s->c, n, sizeof *s->c, cand_cmp);

    if (p->top_k > 0 && (size_t)p->top_k < n) n = (size_t)p->top_k;

    if (p->top_p < 1.0f) {
        softmax(s->c, n, 1.0);
        double cum = 0.0;
        size_t keep = n;
        for (size_t i = 0; i < n; i++) {
            cum += s->c[i].p;
            if (cum >= p->top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
    }

    if (p->min_p > 0.0f) {
        float thr = s->c[0].logit + logf(p->min_p);
        size_t keep = 1;
        while (keep < n && s->c[keep].logit >= thr) keep++;
        n = keep;
    }

    softmax(s->c, n, (double)p->temperature);

    double r = (double)(gorilla_rng_next(&s->rng) >> 11) * 0x1.0p-53;
    double cum = 0.0;
    for (size_t i = 0; i < n; i++) {
        cum += s->c[i].p;
        if (r < cum) {
            *token = s->c[i].id;
            return GORILLA_OK;
        }
    }
    *token = s->c[n - 1].id; /* rounding: r beyond the summed probabilities */
    return GORILLA_OK;
}

/* ------------------------------------------------------------------ */
/* Stop strings                                                        */
/* ------------------------------------------------------------------ */

long gorilla_stop_find(const char *text, size_t len, const char *const *stops, size_t n_stops,
                       size_t *which, size_t *hold)
{
    long best = -1;
    size_t best_i = 0, h = 0;
    for (size_t i = 0; i < n_stops; i++) {
        const char *st = stops[i];
        if (!st || !*st) continue;
        size_t sl = strlen(st);
        const char *hit = len >= sl ? memmem(text, len, st, sl) : NULL;
        if (hit) {
            long off = (long)(hit - text);
            if (best < 0 || off < best) {
                best = off;
                best_i = i;
            }
            continue;
        }
        /* the longest proper prefix of st that text ends with */
        size_t maxk = sl - 1 < len ? sl - 1 : len;
        for (size_t k = maxk; k > h; k--) {
            if (memcmp(text + len - k, st, k) == 0) {
                h = k;
                break;
            }
        }
    }
    if (best >= 0) {
        if (which) *which = best_i;
        if (hold) *hold = 0;
        return best;
    }
    if (hold) *hold = h;
    return -1;
}
