/* test_train_grad.c — every layer's backward and the whole model's loss
 * gradient against central finite differences in double, on tiny shapes
 * (relative error < 1e-4); the float path against the double one; the
 * trainer's product on every kernel set. */
#include "testutil.h"

#include <math.h>

#include "base/rng.h"
#include "train/train_model.h"

#define EPS 1e-5
#define TOL 1e-4

static void fill(double *x, size_t n, uint64_t seed, double scale)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) x[i] = ((double)(gorilla_splitmix64(&s) >> 11) / 9007199254740992.0 * 2 - 1) * scale;
}

/* The probe: a scalar loss of the array `x` (n values) for central
 * differences. */
typedef double (*loss_fn)(void *ctx);

/* ||analytic - numeric|| / (||analytic|| + ||numeric||) over x. */
static double check(loss_fn f, void *ctx, double *x, size_t n, const double *analytic)
{
    double diff = 0, na = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = x[i];
        x[i] = keep + EPS;
        double lp = f(ctx);
        x[i] = keep - EPS;
        double lm = f(ctx);
        x[i] = keep;
        double num = (lp - lm) / (2 * EPS);
        diff += (num - analytic[i]) * (num - analytic[i]);
        na += analytic[i] * analytic[i];
        nn += num * num;
    }
    assert_true(na > 0);
    return sqrt(diff) / (sqrt(na) + sqrt(nn));
}

static double dotsum(const double *a, const double *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * r[i];
    return s;
}

/* ---- embedding ---- */
typedef struct {
    double *wte, *out, *r;
    int32_t tok[5];
    size_t N, C;
} emb_ctx;

static double emb_loss(void *p)
{
    emb_ctx *c = p;
    tr_embed_forward_f64(c->out, c->tok, c->wte, c->N, c->C);
    return dotsum(c->out, c->r, c->N * c->C);
}

static void test_embed(void **state)
{
    (void)state;
    double wte[4 * 3], out[5 * 3], r[5 * 3], g[4 * 3] = {0};
    emb_ctx c = {wte, out, r, {1, 3, 1, 0, 2}, 5, 3};
    fill(wte, 12, 1, 1);
    fill(r, 15, 2, 1);
    tr_embed_backward_f64(g, r, c.tok, 5, 3);
    assert_true(check(emb_loss, &c, wte, 12, g) < TOL);
}

/* ---- RMSNorm ---- */
typedef struct {
    double *x, *w, *out, *rstd, *r;
    size_t N, C;
} rms_ctx;

static double rms_loss(void *p)
{
    rms_ctx *c = p;
    tr_rmsnorm_forward_f64(c->out, c->rstd, c->x, c->w, c->N, c->C, 1e-5f);
    return dotsum(c->out, c->r, c->N * c->C);
}

static void test_rmsnorm(void **state)
{
    (void)state;
    enum { N = 3, C = 7 };
    double x[N * C], w[C], out[N * C], rstd[N], r[N * C], dx[N * C] = {0}, dw[C] = {0};
    fill(x, N * C, 3, 1);
    fill(w, C, 4, 1);
    fill(r, N * C, 5, 1);
    rms_ctx c = {x, w, out, rstd, r, N, C};
    rms_loss(&c);
    tr_rmsnorm_backward_f64(dx, dw, r, x, w, rstd, N, C);
    assert_true(check(rms_loss, &c, x, N * C, dx) < TOL);
    assert_true(check(rms_loss, &c, w, C, dw) < TOL);
}

/* ---- linear ---- */
typedef struct {
    double *x, *w, *out, *r;
    size_t N, C, OC;
} mm_ctx;

static double mm_loss(void *p)
{
    mm_ctx *c = p;
    tr_matmul_forward_f64(NULL, c->out, c->x, c->w, c->N, c->C, c->OC);
    return dotsum(c->out, c->r, c->N * c->OC);
}

static void test_matmul(void **state)
{
    (void)state;
    enum { N = 4, C = 5, OC = 3 };
    double x[N * C], w[OC * C], out[N * OC], r[N * OC], dx[N * C], dw[OC * C] = {0};
    fill(x, N * C, 6, 1);
    fill(w, OC * C, 7, 1);
    fill(r, N * OC, 8, 1);
    mm_ctx c = {x, w, out, r, N, C, OC};
    tr_matmul_backward_f64(NULL, dx, dw, r, x, w, N, C, OC, 0);
    assert_true(check(mm_loss, &c, x, N * C, dx) < TOL);
    assert_true(check(mm_loss, &c, w, OC * C, dw) < TOL);
}

/* ---- RoPE ---- */
typedef struct {
    double *x, *y, *cs, *r;
    size_t N;
    int T, nh, hd;
} rope_ctx;

static double rope_loss(void *p)
{
    rope_ctx *c = p;
    size_t n = c->N * (size_t)c->nh * c->hd;
    memcpy(c->y, c->x, n * sizeof *c->y);
    tr_rope_forward_f64(c->y, c->cs, c->N, c->T, c->nh, c->hd);
    return dotsum(c->y, c->r, n);
}

static void test_rope(void **state)
{
    (void)state;
    enum { T = 5, B = 2, NH = 2, HD = 6, N = B * T, S = N * NH * HD };
    double x[S], y[S], r[S], d[S], cs[T * HD];
    fill(x, S, 9, 1);
    fill(r, S, 10, 1);
    tr_rope_table_f64(cs, T, HD, 10000.0f);
    /* position 1, pair 0: rotated by exactly 1 radian */
    assert_true(fabs(cs[(1 * HD / 2 + 0) * 2] - cos(1.0)) < 1e-15);
    rope_ctx c = {x, y, cs, r, N, T, NH, HD};
    memcpy(d, r, sizeof d);
    tr_rope_backward_f64(d, cs, N, T, NH, HD);
    assert_true(check(rope_loss, &c, x, S, d) < TOL);
}

/* ---- attention ---- */
typedef struct {
    double *q, *k, *v, *out, *att, *r, *scratch;
    int B, T, NH, NKV, hd;
} att_ctx;

static double att_loss(void *p)
{
    att_ctx *c = p;
    tr_attention_forward_f64(NULL, c->out, c->att, c->scratch, c->q, c->k, c->v, c->B, c->T, c->NH, c->NKV, c->hd);
    return dotsum(c->out, c->r, (size_t)c->B * c->T * c->NH * c->hd);
}

static void test_attention(void **state)
{
    (void)state;
    enum { B = 2, T = 5, NH = 4, NKV = 2, HD = 3, C = NH * HD, KV = NKV * HD };
    double q[B * T * C], k[B * T * KV], v[B * T * KV], out[B * T * C], att[B * NH * T * T], r[B * T * C];
    double dq[B * T * C], dk[B * T * KV], dv[B * T * KV], datt[B * NH * T * T], scratch[B * T * C];
    fill(q, B * T * C, 11, 1);
    fill(k, B * T * KV, 12, 1);
    fill(v, B * T * KV, 13, 1);
    fill(r, B * T * C, 14, 1);
    att_ctx c = {q, k, v, out, att, r, scratch, B, T, NH, NKV, HD};
    att_loss(&c);
    /* causal: row t = 0 attends only to itself */
    assert_true(fabs(att[0] - 1.0) < 1e-15 && att[1] == 0.0);
    tr_attention_backward_f64(NULL, dq, dk, dv, datt, scratch, r, att, q, k, v, B, T, NH, NKV, HD);
    assert_true(check(att_loss, &c, q, B * T * C, dq) < TOL);
    assert_true(check(att_loss, &c, k, B * T * KV, dk) < TOL);
    assert_true(check(att_loss, &c, v, B * T * KV, dv) < TOL);
}

/* ---- SwiGLU ---- */
typedef struct {
    double *g, *u, *out, *r;
    size_t n;
} sw_ctx;

static double sw_loss(void *p)
{
    sw_ctx *c = p;
    tr_swiglu_forward_f64(c->out, c->g, c->u, c->n);
    return dotsum(c->out, c->r, c->n);
}

static void test_swiglu(void **state)
{
    (void)state;
    enum { N = 17 };
    double g[N], u[N], out[N], r[N], dg[N], du[N];
    fill(g, N, 15, 3);
    fill(u, N, 16, 1);
    fill(r, N, 17, 1);
    sw_ctx c = {g, u, out, r, N};
    tr_swiglu_backward_f64(dg, du, r, g, u, N);
    assert_true(check(sw_loss, &c, g, N, dg) < TOL);
    assert_true(check(sw_loss, &c, u, N, du) < TOL);
}

/* ---- cross-entropy over masked rows ---- */
typedef struct {
    double *logits, *work;
    int32_t tgt[4];
    uint8_t mask[4];
    size_t N, V;
} ce_ctx;

static double ce_loss(void *p)
{
    ce_ctx *c = p;
    memcpy(c->work, c->logits, c->N * c->V * sizeof *c->work);
    return tr_crossentropy_forward_f64(NULL, c->work, c->tgt, c->mask, c->N, c->V) * 0.5;
}

static void test_crossentropy(void **state)
{
    (void)state;
    enum { N = 4, V = 6 };
    double logits[N * V], work[N * V];
    fill(logits, N * V, 18, 2);
    ce_ctx c = {logits, work, {1, 5, 0, 2}, {1, 0, 1, 1}, N, V};
    double loss = ce_loss(&c);
    /* by hand: row 0 */
    double mx = -1e9, s = 0;
    for (int i = 0; i < V; i++) mx = fmax(mx, logits[i]);
    for (int i = 0; i < V; i++) s += exp(logits[i] - mx);
    double row0 = -(logits[1] - mx - log(s));
    assert_true(loss > 0.5 * row0);
    tr_crossentropy_backward_f64(NULL, work, c.tgt, c.mask, N, V, 0.5);
    double g[N * V];
    memcpy(g, work, sizeof g);
    for (int i = 0; i < V; i++) assert_true(g[V + i] == 0.0); /* masked row */
    assert_true(check(ce_loss, &c, logits, N * V, g) < TOL);
}

/* ---- the whole model ---- */
typedef struct {
    tr_acts_f64 a;
    double *params;
    int32_t tokens[12], targets[12];
    uint8_t mask[12];
} model_ctx;

static double model_loss(void *p)
{
    model_ctx *c = p;
    return tr_model_forward_f64(NULL, &c->a, c->params, c->tokens, c->targets, c->mask) / 7.0;
}

static void model_check(int tied, int n_head_kv, int lora_rank)
{
    tr_config cfg = {.n_vocab = 11, .n_embd = 8, .n_layer = 2, .n_head = 4, .n_head_kv = n_head_kv, .n_ff = 12,
                     .n_ctx = 6, .tied = tied, .rms_eps = 1e-5f, .rope_base = 10000.0f, .lora_rank = lora_rank,
                     .lora_alpha = 4.0f, .lora_targets = lora_rank ? 0x1DEu : 0};
    tr_layout lay;
    gorilla_error err;
    assert_int_equal(tr_layout_build(&cfg, &lay, &err), GORILLA_OK);
    model_ctx c;
    memset(&c, 0, sizeof c);
    assert_int_equal(tr_acts_new_f64(&c.a, &lay, 2, 6, &err), GORILLA_OK);
    float *p32 = malloc(lay.n_params * sizeof *p32);
    c.params = malloc(lay.n_params * sizeof *c.params);
    double *grads = calloc(lay.n_params, sizeof *grads);
    /* larger weights than the training init, so every path matters */
    tr_init_params(&lay, 5, p32);
    for (size_t i = 0; i < lay.n_params; i++) c.params[i] = (double)p32[i] * 20.0;
    for (size_t t = 0; t < lay.n_tensors; t++)
        if (lay.t[t].is_norm) fill(c.params + lay.t[t].off, lay.t[t].cols, 100 + t, 1);
        else if (t >= lay.n_base) fill(c.params + lay.t[t].off, lay.t[t].rows * lay.t[t].cols, 200 + t, 1);
    uint64_t s = 42;
    int n_mask = 0;
    for (int i = 0; i < 12; i++) {
        c.tokens[i] = (int32_t)(gorilla_splitmix64(&s) % 11);
        c.targets[i] = (int32_t)(gorilla_splitmix64(&s) % 11);
        c.mask[i] = (uint8_t)(i % 3 != 0);
        n_mask += c.mask[i];
    }
    assert_int_equal(n_mask, 8);
    model_loss(&c);
    tr_model_backward_f64(NULL, &c.a, c.params, grads, c.tokens, c.targets, c.mask, 1.0 / 7.0);
    size_t first = lora_rank ? lay.n_base : 0, off = lay.t[first].off;
    double rel = check(model_loss, &c, c.params + off, lay.n_params - off, grads + off);
    printf("model (tied %d, kv heads %d, lora rank %d): %zu parameters checked, relative error %.3g\n", tied,
           n_head_kv, lora_rank, lay.n_params - off, rel);
    assert_true(rel < TOL);
    /* with LoRA the base is frozen: no gradient reaches it */
    for (size_t i = 0; i < off; i++)
        if (lay.t[1 + TR_WQ].off <= i && i < lay.t[1 + TR_WQ].off + 64) assert_true(grads[i] == 0.0);
    assert_true(lora_rank == 0 || lay.n_tensors == lay.n_base + 2 * 2 * 7);
    /* and per tensor, so no small tensor hides in the total */
    for (size_t t = first; t < lay.n_tensors; t++) {
        size_t n = lay.t[t].rows * lay.t[t].cols;
        double r = check(model_loss, &c, c.params + lay.t[t].off, n, grads + lay.t[t].off);
        if (r >= TOL) printf("  %s: %.3g\n", lay.t[t].name, r);
        assert_true(r < TOL);
    }
    free(p32);
    free(c.params);
    free(grads);
    tr_acts_free_f64(&c.a);
    tr_layout_free(&lay);
}

static void test_model_untied_gqa(void **state)
{
    (void)state;
    model_check(0, 2, 0);
}

/* LoRA on q, k, v, o, gate, up, down (rank 3): A and B against finite
 * differences, the base frozen. */
static void test_model_lora(void **state)
{
    (void)state;
    model_check(0, 2, 3);
    model_check(1, 4, 2);
}

static void test_model_tied_mha(void **state)
{
    (void)state;
    model_check(1, 4, 0);
}

/* The float path (kernels, pool) gives the double path's loss and
 * gradients to float precision. */
static void test_float_matches_double(void **state)
{
    (void)state;
    tr_config cfg = {.n_vocab = 37, .n_embd = 32, .n_layer = 2, .n_head = 4, .n_head_kv = 2, .n_ff = 40,
                     .n_ctx = 16, .tied = 0, .rms_eps = 1e-5f, .rope_base = 10000.0f};
    tr_layout lay;
    gorilla_error err;
    assert_int_equal(tr_layout_build(&cfg, &lay, &err), GORILLA_OK);
    tr_acts_f32 a32;
    tr_acts_f64 a64;
    assert_int_equal(tr_acts_new_f32(&a32, &lay, 2, 16, &err), GORILLA_OK);
    assert_int_equal(tr_acts_new_f64(&a64, &lay, 2, 16, &err), GORILLA_OK);
    size_t P = lay.n_params;
    float *p32 = malloc(P * sizeof *p32), *g32 = calloc(P, sizeof *g32);
    double *p64 = malloc(P * sizeof *p64), *g64 = calloc(P, sizeof *g64);
    tr_init_params(&lay, 9, p32);
    for (size_t i = 0; i < P; i++) {
        p32[i] *= 5.0f;
        p64[i] = p32[i];
    }
    int32_t tok[32], tgt[32];
    uint8_t mask[32];
    uint64_t s = 3;
    for (int i = 0; i < 32; i++) {
        tok[i] = (int32_t)(gorilla_splitmix64(&s) % 37);
        tgt[i] = (int32_t)(gorilla_splitmix64(&s) % 37);
        mask[i] = 1;
    }
    llm_pool *pool = llm_pool_new(2);
    tr_ctx cx = {.pool = pool, .k = tr_kernels_active(), .wt = malloc(40 * 37 * sizeof(float))};
    double l32 = tr_model_forward_f32(&cx, &a32, p32, tok, tgt, mask);
    double l64 = tr_model_forward_f64(NULL, &a64, p64, tok, tgt, mask);
    assert_true(fabs(l32 - l64) < 1e-4 * fabs(l64));
    tr_model_backward_f32(&cx, &a32, p32, g32, tok, tgt, mask, 1.0 / 32);
    tr_model_backward_f64(NULL, &a64, p64, g64, tok, tgt, mask, 1.0 / 32);
    double diff = 0, norm = 0;
    for (size_t i = 0; i < P; i++) {
        diff += (g32[i] - g64[i]) * (g32[i] - g64[i]);
        norm += g64[i] * g64[i];
    }
    printf("float vs double: loss %.9g vs %.9g, gradient relative difference %.3g\n", l32, l64, sqrt(diff / norm));
    assert_true(sqrt(diff / norm) < 1e-4);
    llm_pool_free(pool);
    free(cx.wt);
    free(p32);
    free(g32);
    free(p64);
    free(g64);
    tr_acts_free_f32(&a32);
    tr_acts_free_f64(&a64);
    tr_layout_free(&lay);
}

/* The product on every kernel set: bit-identical to the scalar set, close
 * to a double reference, for edge sizes and both A layouts. */
static void test_gemm_kernel_sets(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{1, 1, 1}, {7, 13, 5}, {13, 64, 17}, {6, 70, 33}, {25, 129, 8}};
    const char *names[] = {"scalar", "avx2", "avx512"};
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        size_t M = shapes[si][0], N = shapes[si][1], K = shapes[si][2];
        float *a = malloc(M * K * sizeof *a), *b = malloc(K * N * sizeof *b);
        float *ref = malloc(M * N * sizeof *ref), *c = malloc(M * N * sizeof *c);
        uint64_t s = si + 1;
        for (size_t i = 0; i < M * K; i++) a[i] = (float)((double)(gorilla_splitmix64(&s) >> 40) / 16777216.0 - 0.5);
        for (size_t i = 0; i < K * N; i++) b[i] = (float)((double)(gorilla_splitmix64(&s) >> 40) / 16777216.0 - 0.5);
        for (int trans = 0; trans < 2; trans++) {
            tr_gemm_args g = {.N = N, .K = K, .a = a, .sam = trans ? 1 : K, .sak = trans ? M : 1, .b = b, .ldb = N,
                              .c = ref, .ldc = N, .accumulate = 0};
            tr_kernels_named("scalar")->gemm(&g, 0, M);
            for (size_t m = 0; m < M; m++)
                for (size_t n = 0; n < N; n++) {
                    double d = 0;
                    for (size_t k = 0; k < K; k++) d += (double)a[m * g.sam + k * g.sak] * b[k * N + n];
                    assert_true(fabs(d - ref[m * N + n]) < 1e-5 * (double)K);
                }
            for (int ki = 1; ki < 3; ki++) {
                const tr_kernels *ks = tr_kernels_named(names[ki]);
                if (!ks) continue;
                for (size_t i = 0; i < M * N; i++) c[i] = 1.0f;
                g.c = c;
                g.accumulate = 1;
                /* in two row ranges, as two threads would */
                ks->gemm(&g, 0, M / 2);
                ks->gemm(&g, M / 2, M);
                for (size_t i = 0; i < M * N; i++) assert_true(c[i] == 1.0f + ref[i]);
                g.c = ref;
                g.accumulate = 0;
            }
        }
        free(a);
        free(b);
        free(ref);
        free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embed),         cmocka_unit_test(test_rmsnorm),
        cmocka_unit_test(test_matmul),        cmocka_unit_test(test_rope),
        cmocka_unit_test(test_attention),     cmocka_unit_test(test_swiglu),
        cmocka_unit_test(test_crossentropy),  cmocka_unit_test(test_model_untied_gqa),
        cmocka_unit_test(test_model_tied_mha), cmocka_unit_test(test_model_lora), cmocka_unit_test(test_float_matches_double),
        cmocka_unit_test(test_gemm_kernel_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
