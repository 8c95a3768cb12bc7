/* ref64.c — the float64 reference forward and its checkpoint loaders. */
#include "support/ref64.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- forward ---------------------------------------------------------- */

static void matvec(const double *W, const double *x, double *y, int rows, int cols)
{
    for (int i = 0; i < rows; i++) {
        double s = 0;
        const double *w = W + (size_t)i * (size_t)cols;
        for (int j = 0; j < cols; j++) s += w[j] * x[j];
        y[i] = s;
    }
}

static void rmsnorm(double *y, const double *x, const double *w, int n, double eps)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    double r = 1.0 / sqrt(ss / n + eps);
    for (int i = 0; i < n; i++) y[i] = x[i] * r * w[i];
}

static void rope(const ref64 *m, double *v, int n_heads, int pos)
{
    int D = m->head_dim;
    double t = pos / m->rope_factor;
    for (int h = 0; h < n_heads; h++) {
        double *x = v + (size_t)h * D;
        for (int i = 0; i < D / 2; i++) {
            double th = t * pow(m->rope_theta, -2.0 * i / D), c = cos(th), s = sin(th);
            int a = m->rope_halves ? i : 2 * i, b = m->rope_halves ? i + D / 2 : 2 * i + 1;
            double xa = x[a], xb = x[b];
            x[a] = xa * c - xb * s;
            x[b] = xb * c + xa * s;
        }
    }
}

void ref64_softmax(double *x, int n)
{
    double mx = x[0], z = 0;
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++) z += (x[i] = exp(x[i] - mx));
    for (int i = 0; i < n; i++) x[i] /= z;
}

void ref64_forward(ref64 *m, int token, int pos, double *logits)
{
    int E = m->n_embd, F = m->n_ff, D = m->head_dim, H = m->n_head, KVH = m->n_head_kv, KV = KVH * D;
    if (KVH <= 0 || H % KVH || D <= 0) return;
    size_t QD = (size_t)H * (size_t)D;
    double *x = calloc((size_t)E, sizeof *x), *h = calloc((size_t)E, sizeof *h), *q = calloc(QD, sizeof *q);
    double *o = calloc(QD, sizeof *o), *g = calloc((size_t)F, sizeof *g), *u = calloc((size_t)F, sizeof *u);
    double *att = calloc((size_t)pos + 1, sizeof *att), *t = calloc((size_t)E, sizeof *t);
    memcpy(x, m->emb + (size_t)token * E, (size_t)E * sizeof *x);
    for (int l = 0; l < m->n_layer; l++) {
        const ref64_layer *L = &m->L[l];
        double *kc = m->kc + ((size_t)l * m->n_ctx + (size_t)pos) * KV, *vc = m->vc + ((size_t)l * m->n_ctx + (size_t)pos) * KV;
        rmsnorm(h, x, L->att_norm, E, m->eps);
        matvec(L->wq, h, q, H * D, E);
        matvec(L->wk, h, kc, KV, E);
        matvec(L->wv, h, vc, KV, E);
        rope(m, q, H, pos);
        rope(m, kc, KVH, pos);
        for (int hh = 0; hh < H; hh++) {
            int kvh = hh / (H / KVH);
            double mx = -INFINITY, z = 0;
            for (int p = 0; p <= pos; p++) {
                const double *k = m->kc + ((size_t)l * m->n_ctx + (size_t)p) * KV + (size_t)kvh * D;
                double s = 0;
                for (int d = 0; d < D; d++) s += q[hh * D + d] * k[d];
                att[p] = s / sqrt((double)D);
                mx = att[p] > mx ? att[p] : mx;
            }
            for (int p = 0; p <= pos; p++) z += (att[p] = exp(att[p] - mx));
            for (int d = 0; d < D; d++) o[hh * D + d] = 0;
            for (int p = 0; p <= pos; p++) {
                const double *v = m->vc + ((size_t)l * m->n_ctx + (size_t)p) * KV + (size_t)kvh * D;
                for (int d = 0; d < D; d++) o[hh * D + d] += att[p] / z * v[d];
            }
        }
        matvec(L->wo, o, t, E, H * D);
        for (int i = 0; i < E; i++) x[i] += t[i];
        rmsnorm(h, x, L->ffn_norm, E, m->eps);
        matvec(L->w_gate, h, g, F, E);
        matvec(L->w_up, h, u, F, E);
        for (int i = 0; i < F; i++) g[i] = g[i] / (1.0 + exp(-g[i])) * u[i];
        matvec(L->w_down, g, t, E, F);
        for (int i = 0; i < E; i++) x[i] += t[i];
    }
    rmsnorm(h, x, m->out_norm, E, m->eps);
    matvec(m->cls, h, logits, m->n_vocab, E);
    free(x); free(h); free(q); free(o); free(g); free(u); free(att); free(t);
}

static int alloc_cache(ref64 *m, int n_ctx)
{
    m->n_ctx = n_ctx;
    size_t n = (size_t)m->n_layer * (size_t)n_ctx * (size_t)(m->n_head_kv * m->head_dim);
    m->kc = calloc(n, sizeof *m->kc);
    m->vc = calloc(n, sizeof *m->vc);
    return m->kc && m->vc ? 0 : -1;
}

void ref64_free(ref64 *m)
{
    if (!m) return;
    if (m->cls != m->emb) free(m->cls);
    free(m->emb);
    free(m->out_norm);
    for (int l = 0; m->L && l < m->n_layer; l++) {
        ref64_layer *L = &m->L[l];
        free(L->att_norm); free(L->ffn_norm); free(L->wq); free(L->wk); free(L->wv); free(L->wo);
        free(L->w_gate); free(L->w_up); free(L->w_down);
    }
    free(m->L);
    free(m->kc);
    free(m->vc);
    memset(m, 0, sizeof *m);
}

/* ---- Hugging Face ------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) s[n] = 0;
    if (len) *len = (size_t)n;
    return s;
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 31, mant = h & 1023;
    double v = e == 0 ? ldexp(mant, -24) : e == 31 ? (mant ? NAN : INFINITY) : ldexp(mant + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

typedef struct {
    char *file;
    size_t len;
    json_t *hdr;
    const uint8_t *buf;
} st_ref;

#define REF_MAX_SHARDS 16

typedef struct {
    st_ref s[REF_MAX_SHARDS];
    int n;
} st_refs;

/* The tensor `name` as doubles (n elements checked), or NULL. */
static double *st_get(const st_refs *ss, const char *name, size_t n)
{
    json_t *e = NULL;
    const st_ref *s = NULL;
    for (int i = 0; i < ss->n && !e; i++)
        if ((e = json_object_get(ss->s[i].hdr, name))) s = &ss->s[i];
    if (!e) {
        fprintf(stderr, "ref64: no tensor %s\n", name);
        return NULL;
    }
    const char *dt = json_string_value(json_object_get(e, "dtype"));
    json_t *off = json_object_get(e, "data_offsets");
    size_t b = (size_t)json_integer_value(json_array_get(off, 0)), end = (size_t)json_integer_value(json_array_get(off, 1));
    size_t es = !strcmp(dt, "F32") ? 4 : 2;
    if ((end - b) != n * es) {
        fprintf(stderr, "ref64: %s has %zu bytes, expected %zu\n", name, end - b, n * es);
        return NULL;
    }
    double *d = malloc(n * sizeof *d);
    const uint8_t *p = s->buf + b;
    for (size_t i = 0; i < n; i++) {
        if (es == 4) {
            float f;
            memcpy(&f, p + 4 * i, 4);
            d[i] = f;
        } else {
            uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
            if (!strcmp(dt, "F16")) {
                d[i] = half_to_double(h);
            } else {
                uint32_t u = (uint32_t)h << 16;
                float f;
                memcpy(&f, &u, 4);
                d[i] = f;
            }
        }
    }
    return d;
}

static int st_ref_open(st_ref *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->file = slurp(path, &s->len);
    if (!s->file || s->len < 8) {
        fprintf(stderr, "ref64: cannot read %s\n", path);
        free(s->file);
        s->file = NULL;
        return -1;
    }
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)s->file[i];
    s->hdr = json_loadb(s->file + 8, (size_t)hl, 0, NULL);
    s->buf = (const uint8_t *)s->file + 8 + hl;
    return s->hdr ? 0 : -1;
}

/* model.safetensors, or the shards model.safetensors.index.json names. */
static int st_refs_open(st_refs *ss, const char *dir)
{
    memset(ss, 0, sizeof *ss);
    char path[4096], names[REF_MAX_SHARDS][256];
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    char *text = slurp(path, NULL);
    if (!text) {
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        ss->n = 1;
        return st_ref_open(&ss->s[0], path);
    }
    json_t *idx = json_loads(text, 0, NULL);
    free(text);
    const char *key;
    json_t *v;
    int bad = !idx;
    json_object_foreach(json_object_get(idx, "weight_map"), key, v)
    {
        int seen = 0;
        snprintf(path, sizeof path, "%s/%s", dir, json_string_value(v));
        for (int i = 0; i < ss->n; i++) seen |= !strcmp(names[i], json_string_value(v));
        if (seen || ss->n == REF_MAX_SHARDS) continue;
        snprintf(names[ss->n], sizeof names[0], "%s", json_string_value(v));
        bad |= st_ref_open(&ss->s[ss->n++], path);
    }
    json_decref(idx);
    return bad ? -1 : 0;
}

static void st_refs_close(st_refs *ss)
{
    for (int i = 0; i < ss->n; i++) {
        json_decref(ss->s[i].hdr);
        free(ss->s[i].file);
    }
}

static int jint(const json_t *o, const char *k, int def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

int ref64_load_hf(ref64 *m, const char *dir, int n_ctx)
{
    memset(m, 0, sizeof *m);
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *text = slurp(path, NULL);
    json_t *cfg = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!cfg) {
        fprintf(stderr, "ref64: cannot read %s\n", path);
        return -1;
    }
    m->n_embd = jint(cfg, "hidden_size", 0);
    m->n_ff = jint(cfg, "intermediate_size", 0);
    m->n_layer = jint(cfg, "num_hidden_layers", 0);
    m->n_head = jint(cfg, "num_attention_heads", 0);
    m->n_head_kv = jint(cfg, "num_key_value_heads", m->n_head);
    m->n_vocab = jint(cfg, "vocab_size", 0);
    if (m->n_head <= 0 || m->n_head_kv <= 0 || m->n_embd % m->n_head) {
        fprintf(stderr, "ref64: %s: bad head counts\n", path);
        json_decref(cfg);
        return -1;
    }
    m->head_dim = m->n_embd / m->n_head;
    json_t *e = json_object_get(cfg, "rms_norm_eps");
    m->eps = e ? json_number_value(e) : 1e-6;
    e = json_object_get(cfg, "rope_theta");
    m->rope_theta = e ? json_number_value(e) : 10000.0;
    m->rope_factor = 1.0;
    json_t *rs = json_object_get(cfg, "rope_scaling");
    if (json_is_object(rs)) m->rope_factor = json_number_value(json_object_get(rs, "factor"));
    int tied = json_is_true(json_object_get(cfg, "tie_word_embeddings"));
    json_decref(cfg);
    m->rope_halves = 1;
    st_refs s;
    int bad = st_refs_open(&s, dir);
    size_t E = (size_t)m->n_embd, F = (size_t)m->n_ff, V = (size_t)m->n_vocab, Q = (size_t)m->n_head * (size_t)m->head_dim,
           KV = (size_t)m->n_head_kv * (size_t)m->head_dim;
    if (!bad) {
        bad |= !(m->emb = st_get(&s, "model.embed_tokens.weight", V * E));
        bad |= !(m->out_norm = st_get(&s, "model.norm.weight", E));
        m->cls = tied ? m->emb : st_get(&s, "lm_head.weight", V * E);
        bad |= !m->cls;
        m->L = calloc((size_t)m->n_layer, sizeof *m->L);
        for (int l = 0; l < m->n_layer && !bad; l++) {
            char nm[160];
            ref64_layer *L = &m->L[l];
#define G(field, what, n) (snprintf(nm, sizeof nm, "model.layers.%d.%s.weight", l, what), bad |= !(L->field = st_get(&s, nm, n)))
            G(att_norm, "input_layernorm", E);
            G(ffn_norm, "post_attention_layernorm", E);
            G(wq, "self_attn.q_proj", Q * E);
            G(wk, "self_attn.k_proj", KV * E);
            G(wv, "self_attn.v_proj", KV * E);
            G(wo, "self_attn.o_proj", E * Q);
            G(w_gate, "mlp.gate_proj", F * E);
            G(w_up, "mlp.up_proj", F * E);
            G(w_down, "mlp.down_proj", E * F);
#undef G
        }
    }
    st_refs_close(&s);
    if (bad || alloc_cache(m, n_ctx)) {
        ref64_free(m);
        return -1;
    }
    return 0;
}

/* ---- llama2.c legacy ------------------------------------------------------ */

int ref64_load_llama2c(ref64 *m, const char *path, int n_ctx)
{
    memset(m, 0, sizeof *m);
    size_t len;
    char *file = slurp(path, &len);
    if (!file || len < 28) {
        fprintf(stderr, "ref64: cannot read %s\n", path);
        free(file);
        return -1;
    }
    int32_t h[7];
    memcpy(h, file, sizeof h);
    m->n_embd = h[0];
    m->n_ff = h[1];
    m->n_layer = h[2];
    m->n_head = h[3];
    m->n_head_kv = h[4];
    if (m->n_head <= 0 || m->n_head_kv <= 0 || m->n_embd % m->n_head) {
        fprintf(stderr, "ref64: %s: bad head counts\n", path);
        free(file);
        return -1;
    }
    int shared = h[5] > 0;
    m->n_vocab = shared ? h[5] : -h[5];
    m->head_dim = m->n_embd / m->n_head;
    m->eps = 1e-5;
    m->rope_theta = 10000.0;
    m->rope_factor = 1.0;
    m->rope_halves = 0;
    size_t E = (size_t)m->n_embd, F = (size_t)m->n_ff, V = (size_t)m->n_vocab, L = (size_t)m->n_layer,
           KV = (size_t)m->n_head_kv * (size_t)m->head_dim, seq = (size_t)h[6];
    size_t need = 28 + 4 * (V * E + L * (2 * E + 2 * E * E + 2 * KV * E + 3 * F * E) + E + seq * (size_t)m->head_dim +
                            (shared ? 0 : V * E));
    if (need != len) {
        fprintf(stderr, "ref64: %s: %zu bytes, expected %zu\n", path, len, need);
        free(file);
        return -1;
    }
    const float *p = (const float *)(const void *)(file + 28);
#define TAKE(dst, n)                                                   \
    do {                                                               \
        (dst) = malloc((n) * sizeof(double));                          \
        for (size_t i_ = 0; i_ < (n); i_++) (dst)[i_] = p[i_];         \
        p += (n);                                                      \
    } while (0)
    m->L = calloc(L, sizeof *m->L);
    TAKE(m->emb, V * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].att_norm, E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].wq, E * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].wk, KV * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].wv, KV * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].wo, E * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].ffn_norm, E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].w_gate, F * E);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].w_down, E * F);
    for (size_t l = 0; l < L; l++) TAKE(m->L[l].w_up, F * E);
    TAKE(m->out_norm, E);
    p += seq * (size_t)m->head_dim;
    if (shared) m->cls = m->emb;
    else TAKE(m->cls, V * E);
#undef TAKE
    free(file);
    return alloc_cache(m, n_ctx);
}
