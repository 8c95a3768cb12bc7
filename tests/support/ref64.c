/* ref64.c — the float64 reference forward and its checkpoint loaders. */
#include "support/ref64.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"

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

static void layernorm(double *y, const double *x, const double *w, const double *b, int n, double eps)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    double r = 1.0 / sqrt(var + eps);
    for (int i = 0; i < n; i++) y[i] = (x[i] - mean) * r * w[i] + (b ? b[i] : 0);
}

static double gelu(double x, int tanh_form)
{
    if (tanh_form) return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    return 0.5 * x * (1 + erf(x / sqrt(2.0)));
}

/* HF MPT's gen_slopes: for the next power of two P >= H, 2^-(8 (h+1) / P)
 * (8 = alibi_bias_max), interleaved odd-then-even when H < P. */
static double alibi_slope(const ref64 *m, int h)
{
    int H = m->n_head, P = 1;
    while (P < H) P *= 2;
    int idx = h;
    if (P != H) idx = h < P / 2 ? 2 * h + 1 : 2 * (h - P / 2);
    return 1.0 / pow(2.0, (idx + 1) * m->alibi_max / P);
}

/* MPT and Falcon. */
static void forward_ln(ref64 *m, int token, int pos, double *logits)
{
    int E = m->n_embd, F = m->n_ff, D = m->head_dim, H = m->n_head, KVH = m->n_head_kv, KV = KVH * D;
    if (KVH <= 0 || H % KVH || D <= 0) return;
    size_t QD = (size_t)H * (size_t)D;
    double *x = calloc((size_t)E, sizeof *x), *h = calloc((size_t)E, sizeof *h), *q = calloc(QD, sizeof *q);
    double *o = calloc(QD, sizeof *o), *u = calloc((size_t)F, sizeof *u), *t = calloc((size_t)E, sizeof *t);
    double *t2 = calloc((size_t)E, sizeof *t2), *att = calloc((size_t)pos + 1, sizeof *att);
    memcpy(x, m->emb + (size_t)token * E, (size_t)E * sizeof *x);
    for (int l = 0; l < m->n_layer; l++) {
        const ref64_layer *L = &m->L[l];
        double *kc = m->kc + ((size_t)l * m->n_ctx + (size_t)pos) * KV, *vc = m->vc + ((size_t)l * m->n_ctx + (size_t)pos) * KV;
        layernorm(h, x, L->att_norm, L->att_norm_b, E, m->eps);
        matvec(L->wq, h, q, H * D, E);
        matvec(L->wk, h, kc, KV, E);
        matvec(L->wv, h, vc, KV, E);
        if (m->clip_qkv > 0) {
            double c = m->clip_qkv;
            for (size_t i = 0; i < QD; i++) q[i] = q[i] > c ? c : q[i] < -c ? -c : q[i];
            for (int i = 0; i < KV; i++) {
                kc[i] = kc[i] > c ? c : kc[i] < -c ? -c : kc[i];
                vc[i] = vc[i] > c ? c : vc[i] < -c ? -c : vc[i];
            }
        }
        if (m->arch == REF64_FALCON) {
            rope(m, q, H, pos);
            rope(m, kc, KVH, pos);
        }
        for (int hh = 0; hh < H; hh++) {
            int kvh = hh / (H / KVH);
            double mx = -INFINITY, z = 0, slope = m->arch == REF64_MPT ? alibi_slope(m, hh) : 0;
            for (int p = 0; p <= pos; p++) {
                const double *k = m->kc + ((size_t)l * m->n_ctx + (size_t)p) * KV + (size_t)kvh * D;
                double s = 0;
                for (int d = 0; d < D; d++) s += q[hh * D + d] * k[d];
                att[p] = s / sqrt((double)D) - slope * (pos - p);
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
        /* Falcon-40B style: the MLP has its own LayerNorm */
        if (m->arch == REF64_FALCON && L->ffn_norm) layernorm(h, x, L->ffn_norm, L->ffn_norm_b, E, m->eps);
        if (m->arch == REF64_MPT) {
            for (int i = 0; i < E; i++) x[i] += t[i];
            layernorm(h, x, L->ffn_norm, L->ffn_norm_b, E, m->eps);
        }
        matvec(L->w_up, h, u, F, E);
        for (int i = 0; i < F; i++) u[i] = gelu(u[i], m->gelu_tanh);
        matvec(L->w_down, u, t2, E, F);
        for (int i = 0; i < E; i++) x[i] += t2[i] + (m->arch == REF64_FALCON ? t[i] : 0);
    }
    layernorm(h, x, m->out_norm, m->out_norm_b, E, m->eps);
    matvec(m->cls, h, logits, m->n_vocab, E);
    free(x); free(h); free(q); free(o); free(u); free(t); free(t2); free(att);
}

void ref64_forward(ref64 *m, int token, int pos, double *logits)
{
    if (m->arch != REF64_LLAMA) {
        forward_ln(m, token, pos, logits);
        return;
    }
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
    m->kc = calloc(n ? n : 1, sizeof *m->kc);
    m->vc = calloc(n ? n : 1, sizeof *m->vc);
    return m->kc && m->vc ? 0 : -1;
}

void ref64_free(ref64 *m)
{
    if (!m) return;
    if (m->cls != m->emb) free(m->cls);
    free(m->emb);
    free(m->out_norm);
    free(m->out_norm_b);
    for (int l = 0; m->L && l < m->n_layer; l++) {
        ref64_layer *L = &m->L[l];
        free(L->att_norm); free(L->ffn_norm); free(L->wq); free(L->wk); free(L->wv); free(L->wo);
        free(L->att_norm_b); free(L->ffn_norm_b);
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

static int load_hf_ln(ref64 *m, const char *dir, const json_t *cfg, const char *path, int n_ctx);

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
    const char *arch0 = json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0));
    if (arch0 && (!strcmp(arch0, "MPTForCausalLM") || !strcmp(arch0, "FalconForCausalLM"))) {
        int rc = load_hf_ln(m, dir, cfg, path, n_ctx);
        json_decref(cfg);
        return rc;
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
        m->L = calloc((size_t)m->n_layer + 1, sizeof *m->L);
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

/* ---- MPT and Falcon ------------------------------------------------------ */

static double *take_rows(const double *src, size_t row0, size_t rows, size_t cols)
{
    double *d = malloc((rows * cols + 1) * sizeof *d);
    memcpy(d, src + row0 * cols, rows * cols * sizeof *d);
    return d;
}

/* Splits a fused QKV [(H+2KV)*D][E]: grouped (Falcon's HF layout: per KV
 * group qpk query heads, then k, then v) or contiguous ([q|k|v]). */
static void split_qkv(ref64_layer *L, const double *w, int H, int KVH, int D, int E, int grouped)
{
    size_t e = (size_t)E, d = (size_t)D;
    if (!grouped) {
        L->wq = take_rows(w, 0, (size_t)H * d, e);
        L->wk = take_rows(w, (size_t)H * d, (size_t)KVH * d, e);
        L->wv = take_rows(w, (size_t)(H + KVH) * d, (size_t)KVH * d, e);
        return;
    }
    int qpk = H / KVH;
    L->wq = malloc(((size_t)H * d * e + 1) * sizeof(double));
    L->wk = malloc(((size_t)KVH * d * e + 1) * sizeof(double));
    L->wv = malloc(((size_t)KVH * d * e + 1) * sizeof(double));
    for (int g = 0; g < KVH; g++) {
        size_t base = (size_t)g * (size_t)(qpk + 2) * d;
        for (int j = 0; j < qpk; j++)
            memcpy(L->wq + ((size_t)(g * qpk + j) * d) * e, w + (base + (size_t)j * d) * e, d * e * sizeof(double));
        memcpy(L->wk + (size_t)g * d * e, w + (base + (size_t)qpk * d) * e, d * e * sizeof(double));
        memcpy(L->wv + (size_t)g * d * e, w + (base + (size_t)(qpk + 1) * d) * e, d * e * sizeof(double));
    }
}

static int ln_config(ref64 *m, const json_t *cfg, const char *path)
{
    const char *a = json_string_value(json_array_get(json_object_get(cfg, "architectures"), 0));
    if (a && !strcmp(a, "MPTForCausalLM")) {
        m->arch = REF64_MPT;
        m->n_embd = jint(cfg, "d_model", 0);
        m->n_head = jint(cfg, "n_heads", 0);
        m->n_layer = jint(cfg, "n_layers", 0);
        m->n_vocab = jint(cfg, "vocab_size", 0);
        m->n_ff = m->n_embd * jint(cfg, "expansion_ratio", 4);
        const json_t *ac = json_object_get(cfg, "attn_config");
        m->n_head_kv = jint(ac, "kv_n_heads", m->n_head);
        m->alibi_max = json_is_true(json_object_get(ac, "alibi")) ? json_number_value(json_object_get(ac, "alibi_bias_max")) : 0;
        const json_t *clip = json_object_get(ac, "clip_qkv");
        m->clip_qkv = json_is_number(clip) ? json_number_value(clip) : 0;
        m->eps = 1e-5;
    } else {
        m->arch = REF64_FALCON;
        m->n_embd = jint(cfg, "hidden_size", 0);
        m->n_head = jint(cfg, "num_attention_heads", 0);
        m->n_layer = jint(cfg, "num_hidden_layers", 0);
        m->n_vocab = jint(cfg, "vocab_size", 0);
        m->n_head_kv = jint(cfg, "num_kv_heads", 1);
        m->n_ff = 4 * m->n_embd;
        m->eps = json_number_value(json_object_get(cfg, "layer_norm_epsilon"));
        m->rope_theta = 10000.0;
        m->rope_factor = 1.0;
        m->rope_halves = 1;
    }
    if (m->n_head <= 0 || m->n_head_kv <= 0 || m->n_embd % m->n_head || m->n_head % m->n_head_kv) {
        fprintf(stderr, "ref64: %s: bad head counts\n", path);
        return -1;
    }
    m->head_dim = m->n_embd / m->n_head;
    return 0;
}

static double *st_opt(const st_refs *s, const char *name, size_t n)
{
    for (int i = 0; i < s->n; i++)
        if (json_object_get(s->s[i].hdr, name)) return st_get(s, name, n);
    return NULL;
}

static int load_hf_ln(ref64 *m, const char *dir, const json_t *cfg, const char *path, int n_ctx)
{
    if (ln_config(m, cfg, path)) return -1;
    st_refs s;
    int bad = st_refs_open(&s, dir);
    size_t E = (size_t)m->n_embd, F = (size_t)m->n_ff, V = (size_t)m->n_vocab, Q = (size_t)m->n_head * (size_t)m->head_dim,
           KV = (size_t)m->n_head_kv * (size_t)m->head_dim;
    int mpt = m->arch == REF64_MPT;
    m->L = calloc((size_t)m->n_layer + 1, sizeof *m->L);
    if (!bad) {
        bad |= !(m->emb = st_get(&s, mpt ? "transformer.wte.weight" : "transformer.word_embeddings.weight", V * E));
        bad |= !(m->out_norm = st_get(&s, mpt ? "transformer.norm_f.weight" : "transformer.ln_f.weight", E));
        m->out_norm_b = st_opt(&s, mpt ? "transformer.norm_f.bias" : "transformer.ln_f.bias", E);
        m->cls = mpt ? m->emb : st_get(&s, "lm_head.weight", V * E);
        bad |= !m->cls;
        for (int l = 0; l < m->n_layer && !bad; l++) {
            char nm[160];
            ref64_layer *L = &m->L[l];
            const char *pre = mpt ? "transformer.blocks" : "transformer.h";
#define N(what) (snprintf(nm, sizeof nm, "%s.%d.%s", pre, l, what), nm)
            bad |= !(L->att_norm = st_get(&s, N(mpt ? "norm_1.weight" : "input_layernorm.weight"), E));
            L->att_norm_b = st_opt(&s, N(mpt ? "norm_1.bias" : "input_layernorm.bias"), E);
            if (mpt) {
                bad |= !(L->ffn_norm = st_get(&s, N("norm_2.weight"), E));
                L->ffn_norm_b = st_opt(&s, N("norm_2.bias"), E);
            }
            double *qkv = st_get(&s, N(mpt ? "attn.Wqkv.weight" : "self_attention.query_key_value.weight"), (Q + 2 * KV) * E);
            bad |= !qkv;
            if (qkv) split_qkv(L, qkv, m->n_head, m->n_head_kv, m->head_dim, m->n_embd, !mpt);
            free(qkv);
            bad |= !(L->wo = st_get(&s, N(mpt ? "attn.out_proj.weight" : "self_attention.dense.weight"), E * Q));
            bad |= !(L->w_up = st_get(&s, N(mpt ? "ffn.up_proj.weight" : "mlp.dense_h_to_4h.weight"), F * E));
            bad |= !(L->w_down = st_get(&s, N(mpt ? "ffn.down_proj.weight" : "mlp.dense_4h_to_h.weight"), E * F));
#undef N
        }
    }
    st_refs_close(&s);
    if (bad || alloc_cache(m, n_ctx)) {
        ref64_free(m);
        return -1;
    }
    return 0;
}

/* ---- GGUF (LLaMA, MPT, Falcon) ------------------------------------------------------ */

static double *gg_get(const gguf_file *f, const char *name, size_t n)
{
    const gguf_tensor *t = gguf_find_tensor(f, name);
    if (!t || t->n_elems != n) {
        if (t || !strstr(name, ".bias")) fprintf(stderr, "ref64: no tensor %s of %zu elements\n", name, n);
        return NULL;
    }
    float *tmp = malloc((n + 1) * sizeof *tmp);
    double *d = malloc((n + 1) * sizeof *d);
    const qtype_traits *tr = qtype_get(t->type);
    size_t row = (size_t)t->ne[0], rb = qtype_row_size(t->type, row);
    for (size_t r = 0; r < n / row; r++) dequantize_row(t->type, (const uint8_t *)t->data + r * rb, tmp + r * row, row);
    (void)tr;
    for (size_t i = 0; i < n; i++) d[i] = tmp[i];
    free(tmp);
    return d;
}

static int gg_int(const gguf_file *f, const char *arch, const char *key, int def)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    uint32_t u;
    return gguf_get_u32(f, k, &u, NULL) == GORILLA_OK ? (int)u : def;
}

static double gg_f(const gguf_file *f, const char *arch, const char *key, double def)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    float x;
    return gguf_get_f32(f, k, &x, NULL) == GORILLA_OK ? x : def;
}

int ref64_load_gguf(ref64 *m, const char *path, int n_ctx)
{
    memset(m, 0, sizeof *m);
    gguf_file *f = NULL;
    gorilla_error err;
    if (gguf_open(path, &f, &err)) {
        fprintf(stderr, "ref64: %s\n", err.message);
        return -1;
    }
    gguf_str as;
    int bad = gguf_get_str(f, "general.architecture", &as, &err) != GORILLA_OK;
    const char *a = bad ? "" : gguf_str_eq(as, "mpt") ? "mpt" : gguf_str_eq(as, "falcon") ? "falcon" : "llama";
    bad |= !strcmp(a, "llama") && !gguf_str_eq(as, "llama");
    m->arch = !strcmp(a, "mpt") ? REF64_MPT : !strcmp(a, "falcon") ? REF64_FALCON : REF64_LLAMA;
    m->n_embd = gg_int(f, a, "embedding_length", 0);
    m->n_head = gg_int(f, a, "attention.head_count", 0);
    m->n_head_kv = gg_int(f, a, "attention.head_count_kv", m->n_head);
    m->n_layer = gg_int(f, a, "block_count", 0);
    m->n_ff = gg_int(f, a, "feed_forward_length", 0);
    m->eps = gg_f(f, a, "attention.layer_norm_epsilon", 1e-5);
    m->alibi_max = gg_f(f, a, "attention.max_alibi_bias", 0);
    m->clip_qkv = gg_f(f, a, "attention.clamp_kqv", 0);
    m->rope_theta = gg_f(f, a, "rope.freq_base", 10000.0);
    m->rope_factor = 1.0;
    m->rope_halves = 1;
    if (m->arch == REF64_LLAMA) {
        /* llama.cpp's LLaMA: RMSNorm, rotary on adjacent pairs (the
         * converter permuted HF's Q/K rows into that order) */
        m->eps = gg_f(f, a, "attention.layer_norm_rms_epsilon", 1e-5);
        m->rope_halves = 0;
        double lin = gg_f(f, a, "rope.scaling.factor", 1.0); /* linear scaling, the one the engine reads */
        if (lin > 0) m->rope_factor = lin;
    }
    const gguf_tensor *emb = gguf_find_tensor(f, "token_embd.weight");
    m->n_vocab = emb ? (int)emb->ne[1] : 0;
    if (bad || m->n_head <= 0 || m->n_head_kv <= 0 || m->n_embd % m->n_head || m->n_head % m->n_head_kv || !emb) {
        fprintf(stderr, "ref64: %s: bad metadata\n", path);
        gguf_close(f);
        return -1;
    }
    m->head_dim = m->n_embd / m->n_head;
    size_t E = (size_t)m->n_embd, F = (size_t)m->n_ff, V = (size_t)m->n_vocab, Q = (size_t)m->n_head * (size_t)m->head_dim,
           KV = (size_t)m->n_head_kv * (size_t)m->head_dim;
    m->L = calloc((size_t)m->n_layer + 1, sizeof *m->L);
    bad |= !(m->emb = gg_get(f, "token_embd.weight", V * E));
    bad |= !(m->out_norm = gg_get(f, "output_norm.weight", E));
    m->out_norm_b = gg_get(f, "output_norm.bias", E);
    m->cls = gguf_find_tensor(f, "output.weight") ? gg_get(f, "output.weight", V * E) : m->emb;
    bad |= !m->cls;
    for (int l = 0; l < m->n_layer && !bad; l++) {
        char nm[96];
        ref64_layer *L = &m->L[l];
#define N(what) (snprintf(nm, sizeof nm, "blk.%d.%s", l, what), nm)
        bad |= !(L->att_norm = gg_get(f, N("attn_norm.weight"), E));
        L->att_norm_b = gg_get(f, N("attn_norm.bias"), E);
        if (m->arch == REF64_LLAMA) {
            bad |= !(L->ffn_norm = gg_get(f, N("ffn_norm.weight"), E));
            bad |= !(L->wq = gg_get(f, N("attn_q.weight"), Q * E));
            bad |= !(L->wk = gg_get(f, N("attn_k.weight"), KV * E));
            bad |= !(L->wv = gg_get(f, N("attn_v.weight"), KV * E));
            bad |= !(L->wo = gg_get(f, N("attn_output.weight"), E * Q));
            bad |= !(L->w_gate = gg_get(f, N("ffn_gate.weight"), F * E));
            bad |= !(L->w_up = gg_get(f, N("ffn_up.weight"), F * E));
            bad |= !(L->w_down = gg_get(f, N("ffn_down.weight"), E * F));
            continue;
        }
        if (m->arch == REF64_MPT) {
            bad |= !(L->ffn_norm = gg_get(f, N("ffn_norm.weight"), E));
            L->ffn_norm_b = gg_get(f, N("ffn_norm.bias"), E);
        } else if (gguf_find_tensor(f, N("attn_norm_2.weight"))) {
            /* llama.cpp: attn_norm_2 (HF ln_attn) before the attention,
             * attn_norm (ln_mlp) before the MLP */
            L->ffn_norm = L->att_norm;
            L->ffn_norm_b = L->att_norm_b;
            bad |= !(L->att_norm = gg_get(f, N("attn_norm_2.weight"), E));
            L->att_norm_b = gg_get(f, N("attn_norm_2.bias"), E);
        }
        double *qkv = gg_get(f, N("attn_qkv.weight"), (Q + 2 * KV) * E);
        bad |= !qkv;
        if (qkv) split_qkv(L, qkv, m->n_head, m->n_head_kv, m->head_dim, m->n_embd, 0);
        free(qkv);
        bad |= !(L->wo = gg_get(f, N("attn_output.weight"), E * Q));
        bad |= !(L->w_up = gg_get(f, N("ffn_up.weight"), F * E));
        bad |= !(L->w_down = gg_get(f, N("ffn_down.weight"), E * F));
#undef N
    }
    gguf_close(f);
    if (bad || alloc_cache(m, n_ctx)) {
        ref64_free(m);
        return -1;
    }
    return 0;
}
