/* test_llm_gguf.c — the GGUF reader: valid files, typed lookups, and every
 * kind of broken input giving a clear error (never a crash). */
#include "testutil.h"

#include <math.h>

#include "llm/gguf/gguf.h"
#include "llm/gguf/gguf_write.h"
#include "llm/model/model.h"
#include "llm/quant/quant.h"
#include "support/synth.h"

/* ---- a byte builder for hand-made files -------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} bb;

static void put(bb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void u32(bb *b, uint32_t v) { put(b, &v, 4); }
static void u64(bb *b, uint64_t v) { put(b, &v, 8); }
static void str(bb *b, const char *s)
{
    u64(b, strlen(s));
    put(b, s, strlen(s));
}

typedef struct {
    uint32_t magic, version;
    uint64_t n_kv_add;        /* added to the true counts */
    uint64_t n_t_add;
    uint32_t align;           /* general.alignment value */
    uint32_t align_type;
    uint32_t b_type;          /* type of tensor 'b' */
    uint32_t b_ndims;
    uint64_t b_ne[8];
    uint64_t b_offset;
    uint64_t str_len;         /* 0: true length of the architecture string */
    uint64_t arr_n;           /* 0: true count of test.arr */
    int dup_key, dup_tensor, nested, bad_bool, zero_dim;
    /* section ends, filled by build() */
    size_t end_header, end_kv, end_infos, data_start;
} knobs;

static knobs defaults(void)
{
    knobs k = {0};
    k.magic = GGUF_MAGIC;
    k.version = 3;
    k.align = 32;
    k.align_type = GGUF_T_UINT32;
    k.b_type = QT_Q8_0;
    k.b_ndims = 2;
    k.b_ne[0] = 32;
    k.b_ne[1] = 2;
    k.b_offset = 128;
    return k;
}

/* kv: general.architecture="llama", general.alignment, test.arr=[1,2,3] (i32),
 * test.names=["x","yz"], test.flag=true, test.f=0.5 (f32);
 * tensors: a F32 [32] at 0, b (Q8_0 [32,2]) at 128. */
static bb build(knobs *k)
{
    bb b = {0};
    u32(&b, k->magic);
    u32(&b, k->version);
    u64(&b, 2 + (k->dup_tensor ? 1 : 0) + k->n_t_add);
    u64(&b, 6 + (k->dup_key ? 1 : 0) + k->n_kv_add);
    k->end_header = b.n;
    str(&b, "general.architecture");
    u32(&b, GGUF_T_STRING);
    u64(&b, k->str_len ? k->str_len : 5);
    put(&b, "llama", 5);
    str(&b, "general.alignment");
    u32(&b, k->align_type);
    if (k->align_type == GGUF_T_UINT64) u64(&b, k->align);
    else u32(&b, k->align);
    str(&b, "test.arr");
    u32(&b, GGUF_T_ARRAY);
    u32(&b, k->nested ? GGUF_T_ARRAY : GGUF_T_INT32);
    u64(&b, k->arr_n ? k->arr_n : 3);
    u32(&b, 1), u32(&b, 2), u32(&b, (uint32_t)-3);
    str(&b, "test.names");
    u32(&b, GGUF_T_ARRAY);
    u32(&b, GGUF_T_STRING);
    u64(&b, 2);
    str(&b, "x");
    str(&b, "yz");
    str(&b, "test.flag");
    u32(&b, GGUF_T_BOOL);
    uint8_t flag = k->bad_bool ? 2 : 1;
    put(&b, &flag, 1);
    str(&b, "test.f");
    u32(&b, GGUF_T_FLOAT32);
    float f = 0.5f;
    put(&b, &f, 4);
    if (k->dup_key) {
        str(&b, "test.flag");
        u32(&b, GGUF_T_UINT8);
        put(&b, &flag, 1);
    }
    k->end_kv = b.n;
    str(&b, "a");
    u32(&b, 1);
    u64(&b, k->zero_dim ? 0 : 32);
    u32(&b, QT_F32);
    u64(&b, 0);
    str(&b, "b");
    u32(&b, k->b_ndims);
    for (uint32_t d = 0; d < k->b_ndims && d < 8; d++) u64(&b, k->b_ne[d]);
    u32(&b, k->b_type);
    u64(&b, k->b_offset);
    if (k->dup_tensor) {
        str(&b, "a");
        u32(&b, 1);
        u64(&b, 8);
        u32(&b, QT_F32);
        u64(&b, 256);
    }
    k->end_infos = b.n;
    while (b.n % 32) put(&b, "", 1);
    k->data_start = b.n;
    for (int i = 0; i < 32; i++) {
        float v = (float)i;
        put(&b, &v, 4);
    }
    uint8_t blk[34] = {0x00, 0x3C, 1, 2, 3};
    put(&b, blk, 34);
    put(&b, blk, 34);
    if (k->dup_tensor) {
        while (b.n < k->data_start + 256 + 32) put(&b, "", 1);
    }
    return b;
}

static gorilla_status open_k(knobs *k, gorilla_error *err, gguf_file **out)
{
    bb b = build(k);
    gguf_file *f = NULL;
    gorilla_status st = gguf_open_buffer("t.gguf", b.p, b.n, &f, err);
    if (out) *out = f;
    else gguf_close(f);
    if (!out) free(b.p);
    return st;
}

#define EXPECT_ERR(k, status, substr)                                                   \
    do {                                                                                \
        gorilla_error e_ = {0};                                                         \
        gorilla_status s_ = open_k(&(k), &e_, NULL);                                    \
        if (s_ != (status) || !strstr(e_.message, (substr)) || !strstr(e_.message, "t.gguf")) \
            fail_msg("want %d '%s', got %d '%s'", (int)(status), (substr), (int)s_, e_.message); \
    } while (0)

/* ---- tests --------------------------------------------------------------- */

static void test_valid_buffer(void **s)
{
    (void)s;
    knobs k = defaults();
    bb b = build(&k);
    gguf_file *f;
    gorilla_error err = {0};
    assert_int_equal(gguf_open_buffer("t.gguf", b.p, b.n, &f, &err), GORILLA_OK);
    assert_int_equal(gguf_version(f), 3);
    assert_int_equal(gguf_alignment(f), 32);
    assert_int_equal(gguf_n_kv(f), 6);
    assert_int_equal(gguf_n_tensors(f), 2);
    gguf_str sv;
    assert_int_equal(gguf_get_str(f, "general.architecture", &sv, &err), GORILLA_OK);
    assert_true(gguf_str_eq(sv, "llama"));
    uint32_t u;
    assert_int_equal(gguf_get_u32(f, "general.alignment", &u, &err), GORILLA_OK);
    assert_int_equal(u, 32);
    int flag;
    assert_int_equal(gguf_get_bool(f, "test.flag", &flag, &err), GORILLA_OK);
    assert_int_equal(flag, 1);
    float fv;
    assert_int_equal(gguf_get_f32(f, "test.f", &fv, &err), GORILLA_OK);
    assert_true(fv == 0.5f);
    const gguf_kv *arr;
    assert_int_equal(gguf_get_arr(f, "test.arr", GGUF_T_INT32, &arr, &err), GORILLA_OK);
    assert_int_equal(arr->arr_n, 3);
    assert_int_equal(gguf_arr_i32(arr, 2), -3);
    assert_int_equal(gguf_get_arr(f, "test.names", GGUF_T_STRING, &arr, &err), GORILLA_OK);
    assert_true(gguf_str_eq(gguf_arr_str(arr, 1), "yz"));
    /* type errors name the key */
    assert_int_equal(gguf_get_arr(f, "test.arr", GGUF_T_FLOAT32, &arr, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "test.arr"));
    assert_int_equal(gguf_get_u32(f, "test.f", &u, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "test.f"));
    assert_int_equal(gguf_get_str(f, "test.flag", &sv, &err), GORILLA_ERR_INVALID);
    assert_int_equal(gguf_get_u32(f, "nope", &u, &err), GORILLA_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
    const gguf_tensor *t = gguf_find_tensor(f, "b");
    assert_non_null(t);
    assert_int_equal(t->type, QT_Q8_0);
    assert_int_equal(t->ne[0], 32);
    assert_int_equal(t->ne[1], 2);
    assert_int_equal(t->n_bytes, 68);
    assert_ptr_equal(t->data, b.p + k.data_start + 128);
    t = gguf_find_tensor(f, "a");
    float a5;
    memcpy(&a5, (const uint8_t *)t->data + 20, 4);
    assert_true(a5 == 5.0f);
    assert_null(gguf_find_tensor(f, "c"));
    gguf_close(f);
    free(b.p);
}

/* Every proper prefix of a valid file fails cleanly. */
static void test_truncated_everywhere(void **s)
{
    (void)s;
    knobs k = defaults();
    bb b = build(&k);
    for (size_t len = 0; len < b.n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size so ASan catches over-reads */
        memcpy(copy, b.p, len);
        gguf_file *f = NULL;
        gorilla_error err = {0};
        gorilla_status st = gguf_open_buffer("t.gguf", copy, len, &f, &err);
        if (st == GORILLA_OK) fail_msg("prefix of %zu bytes (of %zu) accepted", len, b.n);
        assert_null(f);
        assert_non_null(strstr(err.message, "t.gguf"));
        if (len < 4 || (len > 4 && len < k.end_header) || (len >= k.end_header && len < k.end_kv))
            assert_non_null(strstr(err.message, "truncated"));
        free(copy);
    }
    /* boundaries name the section */
    struct { size_t len; const char *want; } cases[] = {
        {0, "header magic"},
        {k.end_header - 1, "header metadata count"},
        {k.end_header, "metadata count 6 cannot fit"},
        {k.end_header + 90, "metadata key 2"},
        {k.end_kv - 1, "value of key 'test.f'"},
        {k.end_kv, "tensor 0"},
        {k.end_infos - 1, "tensor 'b'"},
        {k.end_infos, "past end of file"},
        {k.data_start + 10, "tensor 'a': data ["},
        {b.n - 1, "tensor 'b': data ["},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        gguf_file *f = NULL;
        gorilla_error err = {0};
        assert_int_not_equal(gguf_open_buffer("t.gguf", b.p, cases[i].len, &f, &err), GORILLA_OK);
        if (!strstr(err.message, cases[i].want))
            fail_msg("at %zu: want '%s' in '%s'", cases[i].len, cases[i].want, err.message);
    }
    free(b.p);
}

static void test_header_errors(void **s)
{
    (void)s;
    knobs k = defaults();
    k.magic = 0x46554748;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "not a GGUF file");
    k = defaults();
    k.version = 1;
    EXPECT_ERR(k, GORILLA_ERR_UNSUPPORTED, "unsupported GGUF version 1");
    k.version = 4;
    EXPECT_ERR(k, GORILLA_ERR_UNSUPPORTED, "version 4");
    k.version = 0x03000000;
    EXPECT_ERR(k, GORILLA_ERR_UNSUPPORTED, "big-endian");
    k = defaults();
    k.version = 2;
    gorilla_error err = {0};
    assert_int_equal(open_k(&k, &err, NULL), GORILLA_OK);
    k = defaults();
    k.n_kv_add = (uint64_t)1 << 60;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "metadata count");
    k = defaults();
    k.n_t_add = UINT64_MAX - 5;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "tensor count");
}

static void test_metadata_errors(void **s)
{
    (void)s;
    knobs k = defaults();
    k.str_len = (uint64_t)1 << 62;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "truncated");
    k = defaults();
    k.arr_n = (uint64_t)1 << 62;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "test.arr");
    k = defaults();
    k.nested = 1;
    EXPECT_ERR(k, GORILLA_ERR_UNSUPPORTED, "nested");
    k = defaults();
    k.bad_bool = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "test.flag");
    k = defaults();
    k.dup_key = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "duplicate metadata key 'test.flag'");
    k = defaults();
    k.align = 24;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "general.alignment 24");
    k.align = 0;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "general.alignment 0");
    k = defaults();
    k.align_type = GGUF_T_UINT64;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "expected u32");
    /* unknown value type: patch the type of the first key */
    k = defaults();
    bb b = build(&k);
    uint32_t bad = 77;
    memcpy(b.p + k.end_header + 8 + strlen("general.architecture"), &bad, 4);
    gguf_file *f;
    gorilla_error err = {0};
    assert_int_equal(gguf_open_buffer("t.gguf", b.p, b.n, &f, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "unknown value type 77"));
    free(b.p);
}

static void test_tensor_errors(void **s)
{
    (void)s;
    knobs k = defaults();
    k.b_offset = 4096;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "tensor 'b': data [");
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "past end of file (size");
    k.b_offset = UINT64_MAX - 31;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "past end of file");
    k = defaults();
    k.b_offset = 130;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "not a multiple of the alignment");
    k = defaults();
    k.b_offset = 96; /* overlaps a [0, 128) */
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "overlap");
    k = defaults();
    k.b_ne[0] = (uint64_t)1 << 40;
    k.b_ne[1] = (uint64_t)1 << 40;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "overflows");
    k = defaults();
    k.b_ndims = 3;
    k.b_ne[0] = 32;
    k.b_ne[1] = UINT64_MAX / 16;
    k.b_ne[2] = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "tensor 'b'");
    k = defaults();
    k.b_ndims = 5;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "5 dimensions");
    k.b_ndims = 0;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "0 dimensions");
    k = defaults();
    k.zero_dim = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "dimension 0 is 0");
    k = defaults();
    k.b_type = 99;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "unknown tensor type 99");
    k.b_type = 16;
    EXPECT_ERR(k, GORILLA_ERR_UNSUPPORTED, "IQ2_XXS");
    k = defaults();
    k.b_ne[0] = 48;
    k.b_ne[1] = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "not a multiple of the Q8_0 block size");
    k = defaults();
    k.dup_tensor = 1;
    EXPECT_ERR(k, GORILLA_ERR_PARSE, "duplicate tensor 'a'");
}

static void test_file_errors(void **s)
{
    (void)s;
    gguf_file *f;
    gorilla_error err = {0};
    assert_int_equal(gguf_open("/nonexistent/m.gguf", &f, &err), GORILLA_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/m.gguf"));
    char *p = test_write_temp("", 0);
    assert_int_equal(gguf_open(p, &f, &err), GORILLA_ERR_PARSE);
    assert_non_null(strstr(err.message, "empty"));
    unlink(p);
    free(p);
    assert_int_equal(gguf_open("/tmp", &f, &err), GORILLA_ERR_IO);
}

/* A synthetic model through the file path (mmap) and the writer. */
static void test_synth_file(void **s)
{
    (void)s;
    char *p = test_write_temp("", 0);
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    sp.type = QT_Q4_K;
    sp.n_embd = 256;
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&sp, p, &err), GORILLA_OK);
    gguf_file *f;
    assert_int_equal(gguf_open(p, &f, &err), GORILLA_OK);
    uint32_t v;
    assert_int_equal(gguf_get_u32(f, "llama.embedding_length", &v, &err), GORILLA_OK);
    assert_int_equal(v, 256);
    float eps;
    assert_int_equal(gguf_get_f32(f, "llama.attention.layer_norm_rms_epsilon", &eps, &err), GORILLA_OK);
    assert_true(fabsf(eps - 1e-5f) < 1e-12f);
    const gguf_kv *toks;
    assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, &err), GORILLA_OK);
    assert_int_equal(toks->arr_n, 300);
    const gguf_tensor *t = gguf_find_tensor(f, "blk.1.ffn_down.weight");
    assert_non_null(t);
    assert_int_equal(t->type, QT_Q8_0); /* n_ff 128 is not a multiple of 256: fallback */
    t = gguf_find_tensor(f, "blk.1.attn_q.weight");
    assert_int_equal(t->type, QT_Q4_K);
    assert_int_equal((uintptr_t)t->data % 32, 0);
    gguf_close(f);
    unlink(p);
    free(p);
}

/* Model-level validation: missing metadata and tensors, wrong shapes. */
static void test_model_requirements(void **s)
{
    (void)s;
    struct { const char *drop_key; const char *drop_tensor; const char *want; gorilla_status st; } cases[] = {
        {"llama.embedding_length", NULL, "llama.embedding_length", GORILLA_ERR_INVALID},
        {"llama.block_count", NULL, "llama.block_count", GORILLA_ERR_INVALID},
        {"general.architecture", NULL, "general.architecture", GORILLA_ERR_INVALID},
        {NULL, "blk.0.attn_norm.weight", "missing tensor 'blk.0.attn_norm.weight'", GORILLA_ERR_INVALID},
        {NULL, "token_embd.weight", "token_embd.weight", GORILLA_ERR_INVALID},
        {NULL, NULL, "architecture 'gptx'", GORILLA_ERR_UNSUPPORTED},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        gguf_writer *w = gguf_writer_new();
        gguf_writer_str(w, "general.architecture", cases[c].drop_key || cases[c].drop_tensor ? "llama" : "gptx");
        const char *keys[] = {"llama.context_length", "llama.embedding_length", "llama.block_count",
                              "llama.feed_forward_length", "llama.attention.head_count"};
        uint32_t vals[] = {16, 32, 2, 64, 4};
        if (cases[c].drop_key && !strcmp(cases[c].drop_key, "general.architecture")) {
            gguf_writer_free(w);
            w = gguf_writer_new();
        }
        for (int i = 0; i < 5; i++)
            if (!cases[c].drop_key || strcmp(cases[c].drop_key, keys[i])) gguf_writer_u32(w, keys[i], vals[i]);
        float zeros[64 * 300] = {0};
        const char *names[] = {"token_embd.weight", "output_norm.weight", "blk.0.attn_norm.weight",
                               "blk.1.ffn_up.weight"};
        for (int i = 0; i < 4; i++) {
            if (cases[c].drop_tensor && !strcmp(cases[c].drop_tensor, names[i])) continue;
            uint64_t ne[2] = {32, i == 0 ? 300 : i == 3 ? 64 : 1};
            gguf_writer_tensor(w, names[i], QT_F32, ne[1] == 1 ? 1 : 2, ne, zeros);
        }
        char *p = test_write_temp("", 0);
        gorilla_error err = {0};
        assert_int_equal(gguf_writer_save(w, p, NULL, NULL, &err), GORILLA_OK);
        gguf_writer_free(w);
        gorilla_model *m = NULL;
        gorilla_status st = gorilla_model_load(p, NULL, &m, &err);
        assert_null(m);
        if (st != cases[c].st || !strstr(err.message, cases[c].want))
            fail_msg("case %zu: want %d '%s', got %d '%s'", c, (int)cases[c].st, cases[c].want, (int)st, err.message);
        unlink(p);
        free(p);
    }
    /* wrong shape */
    char *p = test_write_temp("", 0);
    llm_synth_params sp;
    llm_synth_defaults(&sp);
    gorilla_error err = {0};
    assert_int_equal(llm_synth_write(&sp, p, &err), GORILLA_OK);
    gguf_file *f;
    assert_int_equal(gguf_open(p, &f, &err), GORILLA_OK);
    /* rebuild with head_count_kv that mismatches attn_k's rows */
    gguf_writer *w = gguf_writer_new();
    for (size_t i = 0; i < gguf_n_kv(f); i++) {
        const gguf_kv *kv = gguf_kv_at(f, i);
        if (!strcmp(kv->key, "llama.attention.head_count_kv")) gguf_writer_u32(w, kv->key, 4);
        else if (kv->type == GGUF_T_UINT32) {
            uint32_t v;
            memcpy(&v, kv->data, 4);
            gguf_writer_u32(w, kv->key, v);
        } else if (kv->type == GGUF_T_FLOAT32) {
            float v;
            memcpy(&v, kv->data, 4);
            gguf_writer_f32(w, kv->key, v);
        }
        else if (kv->type == GGUF_T_STRING && !strcmp(kv->key, "general.architecture"))
            gguf_writer_str(w, kv->key, "llama");
    }
    for (size_t i = 0; i < gguf_n_tensors(f); i++) {
        const gguf_tensor *t = gguf_tensor_at(f, i);
        gguf_writer_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data);
    }
    gguf_close(f);
    assert_int_equal(gguf_writer_save(w, p, NULL, NULL, &err), GORILLA_OK);
    gguf_writer_free(w);
    gorilla_model *m = NULL;
    assert_int_equal(gorilla_model_load(p, NULL, &m, &err), GORILLA_ERR_INVALID);
    assert_non_null(strstr(err.message, "blk.0.attn_k.weight' has shape [64, 32"));
    unlink(p);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_buffer),    cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_header_errors),   cmocka_unit_test(test_metadata_errors),
        cmocka_unit_test(test_tensor_errors),   cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_synth_file),      cmocka_unit_test(test_model_requirements),
    };
    return cmocka_run_group_tests_name("llm_gguf", tests, NULL, NULL);
}
