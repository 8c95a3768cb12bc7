/* test_llm_quant.c — block layouts, (de)quantization and dot kernels. */
#include "testutil.h"

#include <math.h>

#include "llm/quant/quant.h"

static const uint32_t ALL[] = {QT_F32,  QT_F16,  QT_BF16, QT_Q4_0, QT_Q4_1, QT_Q5_0, QT_Q5_1,
                               QT_Q8_0, QT_Q2_K, QT_Q3_K, QT_Q4_K, QT_Q5_K, QT_Q6_K};
#define N_ALL (sizeof ALL / sizeof *ALL)

static uint64_t rng = 88172645463325252ull;
static double urand(void) /* [-1, 1) */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 4503599627370496.0 - 1.0;
}

static void test_traits(void **s)
{
    (void)s;
    struct { uint32_t t; const char *name; uint32_t bs, ts; } want[] = {
        {QT_F32, "F32", 1, 4},        {QT_F16, "F16", 1, 2},        {QT_BF16, "BF16", 1, 2},
        {QT_Q4_0, "Q4_0", 32, 18},    {QT_Q4_1, "Q4_1", 32, 20},    {QT_Q5_0, "Q5_0", 32, 22},
        {QT_Q5_1, "Q5_1", 32, 24},    {QT_Q8_0, "Q8_0", 32, 34},    {QT_Q2_K, "Q2_K", 256, 84},
        {QT_Q3_K, "Q3_K", 256, 110},  {QT_Q4_K, "Q4_K", 256, 144},  {QT_Q5_K, "Q5_K", 256, 176},
        {QT_Q6_K, "Q6_K", 256, 210},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const qtype_traits *t = qtype_get(want[i].t);
        assert_non_null(t);
        assert_string_equal(t->name, want[i].name);
        assert_int_equal(t->block_size, want[i].bs);
        assert_int_equal(t->type_size, want[i].ts);
        assert_non_null(qt_dot_kernel(want[i].t));
    }
    assert_null(qtype_get(4));
    assert_null(qtype_get(16));
    assert_null(qtype_get(1000));
    assert_string_equal(qtype_name(16), "IQ2_XXS");
    assert_int_equal(qtype_row_size(QT_Q4_0, 4096), 4096 / 32 * 18);
}

static void test_half_conversions(void **s)
{
    (void)s;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = qt_f16_to_f32((uint16_t)h), g = qt_h2f((uint16_t)h);
        uint32_t fb, gb;
        memcpy(&fb, &f, 4);
        memcpy(&gb, &g, 4);
        if (!isnan(f)) assert_int_equal(fb, gb);
        else assert_true(isnan(g));
        if (isnan(f)) continue;
        assert_int_equal(qt_f32_to_f16(f), h);
    }
    assert_true(qt_f16_to_f32(0x3C00) == 1.0f);
    assert_true(qt_f16_to_f32(0xC000) == -2.0f);
    assert_true(qt_f16_to_f32(0x0001) == 5.9604644775390625e-8f);
    assert_int_equal(qt_f32_to_f16(65520.0f), 0x7C00);
    assert_int_equal(qt_f32_to_f16(1.0f + 1.0f / 2048), 0x3C00); /* tie -> even */
    assert_int_equal(qt_f32_to_f16(1.0f + 3.0f / 2048), 0x3C02);
    assert_int_equal(qt_f32_to_bf16(1.0f), 0x3F80);
    assert_true(qt_bf16_to_f32(0xC040) == -3.0f);
    assert_true(isnan(qt_f16_to_f32(qt_f32_to_f16(NAN))));
}

/* Hand-built blocks decoded per the GGUF layout. */
static void test_known_blocks(void **s)
{
    (void)s;
    float out[256];
    uint8_t q4[18] = {0x00, 0x3C}; /* d = 1 */
    q4[2] = 0x21;                  /* x0 = 1-8, x16 = 2-8 */
    q4[17] = 0xF0;                 /* x15 = 0-8, x31 = 15-8 */
    dequantize_row(QT_Q4_0, q4, out, 32);
    assert_true(out[0] == -7 && out[16] == -6 && out[15] == -8 && out[31] == 7 && out[1] == -8);

    uint8_t q41[20] = {0x00, 0x38, 0x00, 0xBC}; /* d = 0.5, m = -1 */
    q41[4] = 0x3F;
    dequantize_row(QT_Q4_1, q41, out, 32);
    assert_true(out[0] == 6.5f && out[16] == 0.5f && out[1] == -1.0f);

    uint8_t q5[22] = {0x00, 0x3C, 0x01, 0x00, 0x01, 0x00}; /* qh bits 0 and 16 */
    q5[6] = 0x21;
    dequantize_row(QT_Q5_0, q5, out, 32);
    assert_true(out[0] == (float)(0x11 - 16) && out[16] == (float)(0x12 - 16) && out[1] == -16);

    uint8_t q51[24] = {0x00, 0x3C, 0x00, 0x40, 0x00, 0x00, 0x00, 0x80}; /* d 1, m 2, qh bit 31 */
    q51[8 + 15] = 0x30;
    dequantize_row(QT_Q5_1, q51, out, 32);
    assert_true(out[31] == 0x13 + 2.0f && out[15] == 2.0f);

    uint8_t q8[34] = {0x00, 0x40}; /* d = 2 */
    q8[2] = (uint8_t)-5;
    q8[33] = 127;
    dequantize_row(QT_Q8_0, q8, out, 32);
    assert_true(out[0] == -10 && out[31] == 254 && out[1] == 0);
}

/* Independent decoders written from the ggml reference loop structure. */
static void ref_q2_k(const uint8_t *b, float *y)
{
    const uint8_t *sc = b, *q = b + 16;
    float d = qt_f16_to_f32((uint16_t)(b[80] | b[81] << 8)), mn = qt_f16_to_f32((uint16_t)(b[82] | b[83] << 8));
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            uint8_t c = sc[is++];
            for (int l = 0; l < 16; l++) *y++ = d * (c & 0xF) * ((q[l] >> shift) & 3) - mn * (c >> 4);
            c = sc[is++];
            for (int l = 0; l < 16; l++) *y++ = d * (c & 0xF) * ((q[l + 16] >> shift) & 3) - mn * (c >> 4);
        }
        q += 32;
    }
}

static void ref_q3_k(const uint8_t *b, float *y)
{
    uint32_t aux[4];
    memcpy(aux, b + 96, 12);
    uint32_t tmp = aux[2];
    const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f;
    aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4);
    aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4);
    const int8_t *scales = (const int8_t *)aux;
    float dall = qt_f16_to_f32((uint16_t)(b[108] | b[109] << 8));
    const uint8_t *q = b + 32, *hm = b;
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            float dl = dall * (scales[is++] - 32);
            for (int l = 0; l < 16; l++) *y++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
            dl = dall * (scales[is++] - 32);
            for (int l = 0; l < 16; l++) *y++ = dl * (((q[l + 16] >> shift) & 3) - ((hm[l + 16] & m) ? 0 : 4));
            m <<= 1;
        }
        q += 32;
    }
}

static void ref_q6_k(const uint8_t *b, float *y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = qt_f16_to_f32((uint16_t)(b[208] | b[209] << 8));
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            y[l] = d * sc[is] * (((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32);
            y[l + 32] = d * sc[is + 2] * (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
            y[l + 64] = d * sc[is + 4] * (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
            y[l + 96] = d * sc[is + 6] * (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

static void random_block(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        b[i] = (uint8_t)(rng >> 40);
    }
}

/* Random bytes with sane f16 scales so every value is finite. */
static void test_kquant_layouts(void **s)
{
    (void)s;
    struct { uint32_t t; void (*ref)(const uint8_t *, float *); int d_off[2]; } cases[] = {
        {QT_Q2_K, ref_q2_k, {80, 82}}, {QT_Q3_K, ref_q3_k, {108, -1}}, {QT_Q6_K, ref_q6_k, {208, -1}}};
    uint8_t b[256];
    float a[256], r[256];
    for (size_t c = 0; c < 3; c++)
        for (int trial = 0; trial < 50; trial++) {
            random_block(b, qtype_get(cases[c].t)->type_size);
            for (int k = 0; k < 2; k++)
                if (cases[c].d_off[k] >= 0) {
                    b[cases[c].d_off[k]] = 0x66;
                    b[cases[c].d_off[k] + 1] = 0x2E; /* ~0.1 */
                }
            dequantize_row(cases[c].t, b, a, 256);
            cases[c].ref(b, r);
            for (int i = 0; i < 256; i++)
                if (fabsf(a[i] - r[i]) > 1e-5f * (1 + fabsf(r[i])))
                    fail_msg("%s element %d: %g vs reference %g", qtype_name(cases[c].t), i, a[i], r[i]);
        }
}

/* dot_row against dequantize-then-multiply in double, on random bytes
 * decoded to finite values and on quantized random data. */
static void test_dot_vs_dequant(void **s)
{
    (void)s;
    const size_t n = 1024;
    float *x = malloc(n * sizeof *x), *w = malloc(n * sizeof *w), *deq = malloc(n * sizeof *deq);
    uint8_t *row = malloc(n * 4);
    for (size_t k = 0; k < N_ALL; k++) {
        uint32_t t = ALL[k];
        for (int trial = 0; trial < 5; trial++) {
            for (size_t i = 0; i < n; i++) {
                x[i] = (float)urand();
                w[i] = (float)(urand() * (1 + trial));
            }
            quantize_row(t, w, row, n);
            dequantize_row(t, row, deq, n);
            double ref = 0, mag = 0;
            for (size_t i = 0; i < n; i++) {
                ref += (double)deq[i] * x[i];
                mag += fabs((double)deq[i] * x[i]);
            }
            float got = dot_row(t, row, x, n);
            if (fabs(got - ref) > 2e-6 * mag + 1e-9)
                fail_msg("%s: dot %.9g vs %.9g (mag %g)", qtype_name(t), got, ref, mag);
        }
        /* odd lengths for the float types */
        if (qtype_get(t)->block_size == 1) {
            size_t m = 37;
            quantize_row(t, w, row, m);
            dequantize_row(t, row, deq, m);
            double ref = 0;
            for (size_t i = 0; i < m; i++) ref += (double)deq[i] * x[i];
            assert_true(fabs(dot_row(t, row, x, m) - ref) < 1e-5);
        }
    }
    /* f32 rows off their natural alignment (general.alignment < 4) */
    uint8_t *un = malloc(n * 4 + 1);
    memcpy(un + 1, w, n * 4);
    /* Small integers times 0.5: every partial sum is exact in float, so
     * the dot product is exactly 0.5 * 256 * (0 + 1 + 2 + 3) = 768 in any
     * summation order, aligned or not. */
    float *wi = malloc(n * sizeof *wi), *half = malloc(n * sizeof *half);
    for (size_t i = 0; i < n; i++) {
        wi[i] = (float)(i % 4);
        half[i] = 0.5f;
    }
    uint8_t *uni = malloc(n * 4 + 1);
    memcpy(uni + 1, wi, n * 4);
    assert_float_equal(dot_row(QT_F32, wi, half, n), 768.0f, 0.0f);
    assert_float_equal(dot_row(QT_F32, uni + 1, half, n), 768.0f, 0.0f);
    free(uni);
    free(wi);
    free(half);
    double ref = 0;
    for (size_t i = 0; i < n; i++) ref += (double)w[i] * x[i];
    assert_true(fabs(dot_row(QT_F32, un + 1, x, n) - ref) < 1e-4);
    free(un);
    free(x);
    free(w);
    free(deq);
    free(row);
}

/* Round trip: RMS error relative to the data's RMS within a per-type bound. */
static void test_round_trip(void **s)
{
    (void)s;
    struct { uint32_t t; double bound; } b[] = {
        {QT_F32, 0},      {QT_F16, 1e-3},   {QT_BF16, 5e-3},  {QT_Q8_0, 0.01}, {QT_Q6_K, 0.03},
        {QT_Q5_0, 0.05},  {QT_Q5_1, 0.05},  {QT_Q5_K, 0.06},  {QT_Q4_0, 0.1},  {QT_Q4_1, 0.1},
        {QT_Q4_K, 0.12},  {QT_Q3_K, 0.25},  {QT_Q2_K, 0.5},
    };
    const size_t n = 4096;
    float *w = malloc(n * sizeof *w), *d = malloc(n * sizeof *d);
    uint8_t *row = malloc(n * 4);
    for (size_t k = 0; k < sizeof b / sizeof *b; k++) {
        double se = 0, ss = 0;
        for (size_t i = 0; i < n; i++) w[i] = (float)(urand() + 0.3 * urand() * urand());
        quantize_row(b[k].t, w, row, n);
        dequantize_row(b[k].t, row, d, n);
        for (size_t i = 0; i < n; i++) {
            se += ((double)d[i] - w[i]) * ((double)d[i] - w[i]);
            ss += (double)w[i] * w[i];
        }
        double rel = sqrt(se / ss);
        printf("  %-5s round-trip rms rel err %.4f (bound %.3f)\n", qtype_name(b[k].t), rel, b[k].bound);
        assert_true(rel <= b[k].bound);
    }
    /* all-zero and constant rows stay finite */
    for (size_t k = 0; k < N_ALL; k++) {
        for (size_t i = 0; i < 256; i++) w[i] = 0;
        quantize_row(ALL[k], w, row, 256);
        dequantize_row(ALL[k], row, d, 256);
        for (size_t i = 0; i < 256; i++) assert_true(d[i] == 0);
        for (size_t i = 0; i < 256; i++) w[i] = 0.75f;
        quantize_row(ALL[k], w, row, 256);
        dequantize_row(ALL[k], row, d, 256);
        for (size_t i = 0; i < 256; i++) assert_true(isfinite(d[i]) && fabsf(d[i] - 0.75f) < 0.1f);
    }
    free(w);
    free(d);
    free(row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traits),         cmocka_unit_test(test_half_conversions),
        cmocka_unit_test(test_known_blocks),   cmocka_unit_test(test_kquant_layouts),
        cmocka_unit_test(test_dot_vs_dequant), cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests_name("llm_quant", tests, NULL, NULL);
}
