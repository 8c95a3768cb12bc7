/* kernels_scalar.c — portable kernels: a stored weight row times 8-bit
 * activations (llm_q8 blocks of 32), packed 16-row groups, f32 dots,
 * attention and SiLU. These loops are the definition of every kernel's
 * arithmetic (kernels.h); the SIMD sets reproduce them bit for bit. */
#include "llm/kernels/kernels.h"

#include <math.h>
#include <string.h>

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float dotq_q4_0(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float acc = 0;
    for (size_t i = 0; i < n / 32; i++, b += QB_Q4_0, x++) {
        const uint8_t *qs = b + 2;
        int s = 0;
        for (int j = 0; j < 16; j++) s += (qs[j] & 0xF) * x->q[j] + (qs[j] >> 4) * x->q[j + 16];
        s -= 8 * (x->s[0] + x->s[1]);
        acc = fmaf((float)s, qt_rd_f16(b) * x->d, acc);
    }
    return acc;
}

/* Q4_1, Q5_0, Q5_1 (kernels.h): eight lanes, block b into lane b % 8:
 * lane = fmaf((float)s_b, d_w * d_x, lane), then for the types with a min
 * lane = fmaf((float)(sum of q), m_w * d_x, lane); summed by llm_sum8. */
static float dotq_q4_1(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float lane[8] = {0};
    for (size_t i = 0; i < n / 32; i++, b += QB_Q4_1, x++) {
        const uint8_t *qs = b + 4;
        int s = 0;
        for (int j = 0; j < 16; j++) s += (qs[j] & 0xF) * x->q[j] + (qs[j] >> 4) * x->q[j + 16];
        float *l = &lane[i % 8];
        *l = fmaf((float)s, qt_rd_f16(b) * x->d, *l);
        *l = fmaf((float)(x->s[0] + x->s[1]), qt_rd_f16(b + 2) * x->d, *l);
    }
    return llm_sum8(lane);
}

/* The exact sum of w * q over a Q5 block, w = low nibble | bit j of qh << 4
 * (0..31). */
static inline int q5_sum(const uint8_t *qs, uint32_t qh, const int8_t *q)
{
    int s = 0;
    for (int j = 0; j < 16; j++) {
        int lo = (qs[j] & 0xF) | (int)((qh >> j) & 1) << 4;
        int hi = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
        s += lo * q[j] + hi * q[j + 16];
    }
    return s;
}

static float dotq_q5_0(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float lane[8] = {0};
    for (size_t i = 0; i < n / 32; i++, b += QB_Q5_0, x++) {
        int s = q5_sum(b + 6, rd32(b + 2), x->q) - 16 * (x->s[0] + x->s[1]);
        lane[i % 8] = fmaf((float)s, qt_rd_f16(b) * x->d, lane[i % 8]);
    }
    return llm_sum8(lane);
}

static float dotq_q5_1(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float lane[8] = {0};
    for (size_t i = 0; i < n / 32; i++, b += QB_Q5_1, x++) {
        int s = q5_sum(b + 8, rd32(b + 4), x->q);
        float *l = &lane[i % 8];
        *l = fmaf((float)s, qt_rd_f16(b) * x->d, *l);
        *l = fmaf((float)(x->s[0] + x->s[1]), qt_rd_f16(b + 2) * x->d, *l);
    }
    return llm_sum8(lane);
}

static float dotq_q8_0(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float acc = 0;
    for (size_t i = 0; i < n / 32; i++, b += QB_Q8_0, x++) {
        const int8_t *qs = (const int8_t *)(b + 2);
        int s = 0;
        for (int j = 0; j < 32; j++) s += qs[j] * x->q[j];
        acc = fmaf((float)s, qt_rd_f16(b) * x->d, acc);
    }
    return acc;
}

/* ---- K-quants: a super-block of 256 decoded to integers -------------- *
 * q[256] small integers, and per 16-element sub-block an integer scale and
 * min: value e = d * sc[e/16] * q[e] - dmin * mn[e/16]. */
typedef struct {
    int8_t q[256];
    int sc[16], mn[16];
    float d, dmin;
} kblock;

static void decode_q2_k(const uint8_t *b, kblock *k)
{
    const uint8_t *qs = b + 16;
    for (int s = 0; s < 16; s++) {
        k->sc[s] = b[s] & 0xF;
        k->mn[s] = b[s] >> 4;
    }
    for (int e = 0; e < 256; e++) k->q[e] = (int8_t)((qs[32 * (e >> 7) + (e & 31)] >> (2 * ((e >> 5) & 3))) & 3);
    k->d = qt_rd_f16(b + 80);
    k->dmin = qt_rd_f16(b + 82);
}

static void decode_q3_k(const uint8_t *b, kblock *k)
{
    const uint8_t *hm = b, *qs = b + 32, *s = b + 96;
    for (int i = 0; i < 16; i++) {
        int lo = i < 8 ? (s[i] & 0xF) : (s[i - 8] >> 4);
        int hi = (s[8 + (i & 3)] >> (2 * (i >> 2))) & 3;
        k->sc[i] = (lo | hi << 4) - 32;
        k->mn[i] = 0;
    }
    for (int e = 0; e < 256; e++) {
        int j = (e >> 5) & 3, nn = e >> 7;
        int v = (qs[32 * nn + (e & 31)] >> (2 * j)) & 3;
        k->q[e] = (int8_t)(v - (((hm[e & 31] >> (4 * nn + j)) & 1) ? 0 : 4));
    }
    k->d = qt_rd_f16(b + 108);
    k->dmin = 0;
}

static void decode_q6_k(const uint8_t *b, kblock *k)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    for (int i = 0; i < 16; i++) {
        k->sc[i] = (int)sc[i];
        k->mn[i] = 0;
    }
    for (int e = 0; e < 256; e++) {
        int nn = e >> 7, r = e & 127, kk = r >> 5, l = r & 31;
        int lo = (ql[64 * nn + l + 32 * (kk & 1)] >> (4 * (kk >> 1))) & 0xF;
        int hi = (qh[32 * nn + l] >> (2 * kk)) & 3;
        k->q[e] = (int8_t)((lo | hi << 4) - 32);
    }
    k->d = qt_rd_f16(b + 208);
    k->dmin = 0;
}

/* One super-block into the eight lanes (lane j: activation block j). */
static inline void kblock_dot(const kblock *k, const llm_q8 *x, float *lane, int mins)
{
    for (size_t j = 0; j < 8; j++, x++) {
        int s1 = 0, s2 = 0;
        for (size_t h = 0; h < 2; h++) {
            size_t sub = 2 * j + h;
            int s = 0;
            const int8_t *q = k->q + 16 * sub, *a = x->q + 16 * h;
            for (int l = 0; l < 16; l++) s += q[l] * a[l];
            s1 += k->sc[sub] * s;
            s2 += k->mn[sub] * x->s[h];
        }
        lane[j] = fmaf((float)s1, k->d * x->d, lane[j]);
        if (mins) lane[j] = fmaf((float)-s2, k->dmin * x->d, lane[j]);
    }
}

#define KDOT(name, decode, bytes, mins)                                        \
    static float name(const void *row, const llm_q8 *x, size_t n)              \
    {                                                                          \
        const uint8_t *b = row;                                                \
        float lane[8] = {0};                                                   \
        kblock k;                                                              \
        for (size_t i = 0; i < n / QK_K; i++, b += (bytes), x += 8) {          \
            decode(b, &k);                                                     \
            kblock_dot(&k, x, lane, mins);                                     \
        }                                                                      \
        return llm_sum8(lane);                                                 \
    }

KDOT(dotq_q2_k, decode_q2_k, QB_Q2_K, 1)
KDOT(dotq_q3_k, decode_q3_k, QB_Q3_K, 0)

/* Q4_K, Q5_K: one accumulator over the 32-blocks in order (kernels.h). */
static inline float dotq_q45_k(const void *row, const llm_q8 *x, size_t n, int five)
{
    const uint8_t *b = row;
    float acc = 0;
    size_t bytes = five ? QB_Q5_K : QB_Q4_K;
    for (size_t i = 0; i < n / QK_K; i++, b += bytes) {
        float d = qt_rd_f16(b), dmin = qt_rd_f16(b + 2);
        const uint8_t *qh = b + 16;
        for (int j = 0; j < 8; j++, x++) {
            int sc, m, s = 0;
            qt_k4_scale_min(b + 4, j, &sc, &m);
            const uint8_t *qs = b + (five ? 48 : 16) + (size_t)32 * (j / 2);
            for (int l = 0; l < 32; l++) {
                int v = (qs[l] >> (4 * (j & 1))) & 0xF;
                if (five) v |= ((qh[l] >> j) & 1) << 4;
                s += v * x->q[l];
            }
            acc = fmaf((float)(sc * s), d * x->d, acc);
            acc = fmaf((float)(-m * (x->s[0] + x->s[1])), dmin * x->d, acc);
        }
    }
    return acc;
}

static float dotq_q4_k(const void *row, const llm_q8 *x, size_t n) { return dotq_q45_k(row, x, n, 0); }
static float dotq_q5_k(const void *row, const llm_q8 *x, size_t n) { return dotq_q45_k(row, x, n, 1); }

/* Q6_K: one accumulator over the 32-blocks in order (kernels.h). */
static float dotq_q6_k(const void *row, const llm_q8 *x, size_t n)
{
    const uint8_t *b = row;
    float acc = 0;
    kblock k;
    for (size_t i = 0; i < n / QK_K; i++, b += QB_Q6_K) {
        decode_q6_k(b, &k);
        for (int j = 0; j < 8; j++, x++) {
            int sa = 0, sb = 0;
            for (int l = 0; l < 16; l++) {
                sa += k.q[32 * j + l] * x->q[l];
                sb += k.q[32 * j + 16 + l] * x->q[16 + l];
            }
            acc = fmaf((float)(k.sc[(size_t)2 * j] * sa + k.sc[2 * j + 1] * sb), k.d * x->d, acc);
        }
    }
    return acc;
}

/* ---- packed 16-row groups (layout in kernels.h) ----------------------- */

static void gemv16_q4_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    size_t bb = llm_pack_block_bytes(QT_Q4_0);
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *o = group;
        float acc = 0;
        for (size_t b = 0; b < n / 32; b++, o += bb) {
            const llm_q8 *xb = x + b;
            int s = -8 * (xb->s[0] + xb->s[1]);
            for (int k = 0; k < 4; k++)
                for (int i = 0; i < 4; i++) {
                    int v = o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i];
                    s += (v & 0xF) * xb->q[4 * k + i] + (v >> 4) * xb->q[16 + 4 * k + i];
                }
            acc = fmaf((float)s, qt_rd_f16(o + (size_t)2 * r) * xb->d, acc);
        }
        out[r] = acc;
    }
}

static void gemv16_q8_0(const uint8_t *group, const llm_q8 *x, size_t n, float *out)
{
    size_t bb = llm_pack_block_bytes(QT_Q8_0);
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *o = group;
        float acc = 0;
        for (size_t b = 0; b < n / 32; b++, o += bb) {
            const llm_q8 *xb = x + b;
            int s = 0;
            for (int k = 0; k < 8; k++)
                for (int i = 0; i < 4; i++)
                    s += (o[2 * LLM_PACK_ROWS + 64 * k + 4 * r + i] - 128) * xb->q[4 * k + i];
            acc = fmaf((float)s, qt_rd_f16(o + (size_t)2 * r) * xb->d, acc);
        }
        out[r] = acc;
    }
}

static void gemv16_q4_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        float acc = 0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q4K_BYTES) {
            float d = qt_rd_f16(o + (size_t)2 * r), dmin = qt_rd_f16(o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r);
            for (int j = 0; j < 8; j++, x++) {
                int sc = o[LLM_PACK_Q4K_SC + 16 * j + r], m = o[LLM_PACK_Q4K_MIN + 16 * j + r], s = 0;
                const uint8_t *qs = o + LLM_PACK_Q4K_QS + (size_t)512 * (j / 2) + (size_t)4 * r;
                for (int k = 0; k < 8; k++)
                    for (int t = 0; t < 4; t++) s += ((qs[64 * k + t] >> (4 * (j & 1))) & 0xF) * x->q[4 * k + t];
                acc = fmaf((float)(sc * s), d * x->d, acc);
                acc = fmaf((float)(-m * (x->s[0] + x->s[1])), dmin * x->d, acc);
            }
        }
        out[r] = acc;
    }
}

static void gemv16_q5_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        float acc = 0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q5K_BYTES) {
            float d = qt_rd_f16(o + (size_t)2 * r), dmin = qt_rd_f16(o + (size_t)2 * LLM_PACK_ROWS + (size_t)2 * r);
            for (int j = 0; j < 8; j++, x++) {
                int sc = o[LLM_PACK_Q5K_SC + 16 * j + r], m = o[LLM_PACK_Q5K_MIN + 16 * j + r], s = 0;
                const uint8_t *qs = o + llm_q5k_qs((size_t)(j / 2)) + (size_t)4 * r;
                const uint8_t *qh = o + llm_q5k_qh() + (size_t)4 * r;
                for (int k = 0; k < 8; k++)
                    for (int t = 0; t < 4; t++) {
                        size_t at = (size_t)LLM_PACK_Q5K_LINE * k + (size_t)t;
                        int v = ((qs[at] >> (4 * (j & 1))) & 0xF) | ((qh[at] >> j) & 1) << 4;
                        s += v * x->q[4 * k + t];
                    }
                acc = fmaf((float)(sc * s), d * x->d, acc);
                acc = fmaf((float)(-m * (x->s[0] + x->s[1])), dmin * x->d, acc);
            }
        }
        out[r] = acc;
    }
}

static void gemv16_q6_k(const uint8_t *group, const llm_q8 *x0, size_t n, float *out)
{
    for (int r = 0; r < LLM_PACK_ROWS; r++) {
        const uint8_t *o = group;
        const llm_q8 *x = x0;
        float acc = 0;
        for (size_t i = 0; i < n / QK_K; i++, o += LLM_PACK_Q6K_BYTES) {
            float d = qt_rd_f16(o + (size_t)2 * r);
            for (int j = 0; j < 8; j++, x++) {
                int nn = j >> 2, kk = j & 3, half[2] = {0, 0};
                const uint8_t *ql = o + llm_q6k_ql((size_t)2 * nn + (size_t)(kk & 1)) + (size_t)4 * r;
                const uint8_t *qh = o + llm_q6k_qh((size_t)nn) + (size_t)4 * r;
                for (int k = 0; k < 8; k++)
                    for (int t = 0; t < 4; t++) {
                        size_t at = (size_t)LLM_PACK_Q6K_LINE * k + (size_t)t;
                        int u = ((ql[at] >> (4 * (kk >> 1))) & 0xF) | ((qh[at] >> (2 * kk)) & 3) << 4;
                        half[k / 4] += (u - 32) * x->q[4 * k + t];
                    }
                const int8_t *sc = (const int8_t *)(o + LLM_PACK_Q6K_SC);
                int sa = (int)sc[16 * (2 * j) + r], sb = (int)sc[16 * (2 * j + 1) + r];
                acc = fmaf((float)(sa * half[0] + sb * half[1]), d * x->d, acc);
            }
        }
        out[r] = acc;
    }
}

/* ---- f32 dots: sixteen lanes, llm_sum16, then the tail ---------------- */

#define FDOT(name, load)                                                       \
    static float name(const void *row, const float *x, size_t n)               \
    {                                                                          \
        const uint8_t *w = row;                                                \
        float lane[16] = {0};                                                  \
        size_t i = 0;                                                          \
        for (; i + 16 <= n; i += 16)                                           \
            for (int l = 0; l < 16; l++) lane[l] = fmaf(load(w, i + l), x[i + l], lane[l]); \
        float s = llm_sum16(lane);                                             \
        for (; i < n; i++) s = fmaf(load(w, i), x[i], s);                      \
        return s;                                                              \
    }

static inline float ld_f32(const uint8_t *w, size_t i)
{
    float v;
    memcpy(&v, w + 4 * i, 4);
    return v;
}
static inline float ld_f16(const uint8_t *w, size_t i) { return qt_rd_f16(w + 2 * i); }
static inline float ld_bf16(const uint8_t *w, size_t i)
{
    return qt_bf16_to_f32((uint16_t)(w[2 * i] | w[2 * i + 1] << 8));
}

FDOT(dotf_f32, ld_f32)
FDOT(dotf_f16, ld_f16)
FDOT(dotf_bf16, ld_bf16)

static float vdot(const float *a, const float *b, int n) { return dotf_f32(a, b, (size_t)n); }

static void axpy(float a, const float *v, float *out, int n)
{
    for (int i = 0; i < n; i++) out[i] = fmaf(a, v[i], out[i]);
}

float llm_expf(float x)
{
    /* NaN and the ends clamp as vmaxps/vminps do: exp(-104) is 0 in
     * float, exp(89) is inf. */
    x = x > -104.0f ? x : -104.0f;
    x = x < 89.0f ? x : 89.0f;
    float n = rintf(x * 1.44269504088896341f);
    float r = fmaf(-n, 0.693145751953125f, x); /* ln 2 in two parts */
    r = fmaf(-n, 1.428606765330187045e-06f, r);
    float p = 1.0f / 5040;
    p = fmaf(p, r, 1.0f / 720);
    p = fmaf(p, r, 1.0f / 120);
    p = fmaf(p, r, 1.0f / 24);
    p = fmaf(p, r, 1.0f / 6);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    return ldexpf(p, (int)n);
}

static void silu(float *g, const float *u, size_t n)
{
    for (size_t i = 0; i < n; i++) g[i] = g[i] / (1.0f + llm_expf(-g[i])) * u[i];
}

/* Softmax attention of one query from the set's vdot and axpy: the
 * weighted sum of values first, then one division by the softmax sum. */
void llm_attn_generic(const llm_kernels *kn, const float *q, const float *k, const float *v, size_t stride, int npos,
                      int hd, float scale, float slope, float *att, float *out)
{
    float mx = -INFINITY;
    for (int p = 0; p < npos; p++) {
        float d = kn->vdot(q, k + (size_t)p * stride, hd) * scale;
        if (slope != 0) d -= slope * (float)(npos - 1 - p);
        att[p] = d;
        mx = d > mx ? d : mx;
    }
    float sum = 0;
    for (int p = 0; p < npos; p++) {
        att[p] = expf(att[p] - mx);
        sum += att[p];
    }
    memset(out, 0, (size_t)hd * sizeof *out);
    for (int p = 0; p < npos; p++) kn->axpy(att[p], v + (size_t)p * stride, out, hd);
    float inv = 1.0f / sum;
    for (int i = 0; i < hd; i++) out[i] *= inv;
}

void llm_kernels_init_scalar(llm_kernels *k)
{
    memset(k, 0, sizeof *k);
    k->level = LLM_CPU_SCALAR;
    k->name = "scalar";
    k->dotq[QT_Q4_0] = dotq_q4_0;
    k->dotq[QT_Q4_1] = dotq_q4_1;
    k->dotq[QT_Q5_0] = dotq_q5_0;
    k->dotq[QT_Q5_1] = dotq_q5_1;
    k->dotq[QT_Q8_0] = dotq_q8_0;
    k->dotq[QT_Q2_K] = dotq_q2_k;
    k->dotq[QT_Q3_K] = dotq_q3_k;
    k->dotq[QT_Q4_K] = dotq_q4_k;
    k->dotq[QT_Q5_K] = dotq_q5_k;
    k->dotq[QT_Q6_K] = dotq_q6_k;
    k->dotf[QT_F32] = dotf_f32;
    k->dotf[QT_F16] = dotf_f16;
    k->dotf[QT_BF16] = dotf_bf16;
    k->gemv16[QT_Q4_0] = gemv16_q4_0;
    k->gemv16[QT_Q8_0] = gemv16_q8_0;
    k->gemv16[QT_Q4_K] = gemv16_q4_k;
    k->gemv16[QT_Q5_K] = gemv16_q5_k;
    k->gemv16[QT_Q6_K] = gemv16_q6_k;
    k->quantize = llm_quantize_q8;
    k->vdot = vdot;
    k->axpy = axpy;
    k->attn = llm_attn_generic;
    k->silu = silu;
}
