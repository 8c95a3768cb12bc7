/* test_convert_hf.c — Hugging Face checkpoints to GGUF: round trips on
 * small random checkpoints this test writes (our GGUF in our engine against
 * a float64 forward straight from the safetensors in HF's conventions),
 * MPT/Falcon layouts, tokenizers, quantize, and bad inputs. */
#include "testutil.h"

#include <math.h>
#include <jansson.h>
#include <sys/stat.h>

#include "convert/convert.h"
#include "convert/safetensors.h"
#include "convert/spm_model.h"
#include "llm/gguf/gguf.h"
#include "llm/quant/quant.h"
#include "support/hf_fixture.h"
#include "support/ref64.h"

static char *tmp_name(const char *what)
{
    static int n;
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/gorilla-test-hf-%d-%d-%s", (int)getpid(), n++, what);
    return p;
}

static gorilla_status convert(const char *dir, const char *out, int type, gorilla_error *err)
{
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.type = type;
    return gorilla_convert(dir, out, &o, NULL, err);
}

/* With GORILLA_HF_GGUF_DIR set, the converted file is kept there as NAME
 * (for tools/check-llamacpp.mjs, which loads it in llama.cpp). */
static void keep_converted(const char *out, const char *name)
{
    const char *d = getenv("GORILLA_HF_GGUF_DIR");
    if (!d || !*d) return;
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", d, name);
    FILE *in = fopen(out, "rb"), *o = fopen(p, "wb");
    char buf[65536];
    size_t n;
    while (in && o && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, o);
    if (in) fclose(in);
    if (o) fclose(o);
}

static const int32_t SEQ[] = {0, 17, 200, 258, 3, 99, 299, 1, 45, 120, 7, 64, 250, 33};
#define NSEQ ((int)(sizeof SEQ / sizeof *SEQ))

/* max |p_engine - p_ref| along SEQ; *wrong_rope: the same against a
 * reference that (wrongly) rotates adjacent pairs on the HF weights. */
static double compare_with_ref(const char *gguf, const char *dir, double *wrong_rope)
{
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    gorilla_model *m = NULL;
    if (gorilla_model_load(gguf, &mo, &m, &err)) fail_msg("%s", err.message);
    ref64 r, w;
    assert_int_equal(ref64_load_hf(&r, dir, NSEQ), 0);
    assert_int_equal(ref64_load_hf(&w, dir, NSEQ), 0);
    w.rope_halves = 0;
    int V = gorilla_model_n_vocab(m);
    assert_int_equal(V, r.n_vocab);
    float *lg = malloc((size_t)V * sizeof *lg);
    double *p = malloc((size_t)V * sizeof *p), *q = malloc((size_t)V * sizeof *q), *z = malloc((size_t)V * sizeof *z);
    double mx = 0, mw = 0;
    for (int i = 0; i < NSEQ; i++) {
        assert_int_equal(gorilla_model_forward(m, SEQ[i], i, lg, &err), GORILLA_OK);
        ref64_forward(&r, SEQ[i], i, q);
        ref64_forward(&w, SEQ[i], i, z);
        for (int j = 0; j < V; j++) p[j] = lg[j];
        ref64_softmax(p, V);
        ref64_softmax(q, V);
        ref64_softmax(z, V);
        for (int j = 0; j < V; j++) {
            mx = fmax(mx, fabs(p[j] - q[j]));
            mw = fmax(mw, fabs(p[j] - z[j]));
        }
    }
    free(lg); free(p); free(q); free(z);
    ref64_free(&r);
    ref64_free(&w);
    gorilla_model_free(m);
    if (wrong_rope) *wrong_rope = mw;
    return mx;
}

static void round_trip(hf_fixture *f, int type, double tol, const char *label)
{
    char *dir = tmp_name("ckpt"), *out = tmp_name("out.gguf");
    assert_int_equal(hf_fixture_write(f, dir), 0);
    gorilla_error err = {0};
    if (convert(dir, out, type, &err)) fail_msg("%s", err.message);
    double wrong;
    double d = compare_with_ref(out, dir, &wrong);
    printf("%s: max |p - p_ref64| = %.3g (against the wrong rotary order: %.3g)\n", label, d, wrong);
    assert_true(d < tol);
    assert_true(wrong > 1e-3); /* the comparison sees a Q/K order mistake */
    char keep[96];
    snprintf(keep, sizeof keep, "hf-%s.gguf", label);
    for (char *c = keep; *c; c++)
        if (*c == ' ' || *c == '/') *c = '_';
    keep_converted(out, keep);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

static void test_llama_f32_gqa(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    round_trip(&f, -1, 1e-4, "llama F32 GQA 4/2 heads");
}

/* A Mistral-style config (MistralForCausalLM, sliding_window, head_dim)
 * converts as a LLaMA. */
static void test_mistral_config(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.seed = 9;
    char *dir = tmp_name("mistral"), *out = tmp_name("out.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    char p[4200];
    snprintf(p, sizeof p, "%s/config.json", dir);
    json_t *c = json_load_file(p, 0, NULL);
    json_object_set_new(c, "architectures", json_pack("[s]", "MistralForCausalLM"));
    json_object_set_new(c, "model_type", json_string("mistral"));
    json_object_set_new(c, "sliding_window", json_integer(4096));
    json_object_set_new(c, "head_dim", json_integer(8));
    assert_int_equal(json_dump_file(c, p, 0), 0);
    json_decref(c);
    gorilla_error err = {0};
    if (convert(dir, out, -1, &err)) fail_msg("%s", err.message);
    double d = compare_with_ref(out, dir, NULL);
    printf("mistral-style config: max |p - p_ref64| = %.3g\n", d);
    assert_true(d < 1e-4);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

static void test_llama_bf16_sharded_tied_scaled(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.dtype = "BF16";
    f.sharded = 1;
    f.tied = 1;
    f.rope_theta = 50000.0;
    f.rope_factor = 2.0;
    f.n_head = 8;
    f.n_head_kv = 8;
    f.n_embd = 64;
    f.seed = 2;
    round_trip(&f, 0 /* F32 */, 1e-4, "llama BF16 sharded, tied, theta 5e4, linear x2 -> F32");
}

static void test_llama_f16_spm(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.dtype = "F16";
    f.spm = 1;
    f.seed = 3;
    round_trip(&f, 0, 1e-4, "llama F16 with tokenizer.model -> F32");
    /* kept F16 (the default): the engine's F16 path */
    char *dir = tmp_name("ckpt"), *out = tmp_name("out.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    gorilla_error err = {0};
    if (convert(dir, out, -1, &err)) fail_msg("%s", err.message);
    gguf_file *g = NULL;
    assert_int_equal(gguf_open(out, &g, &err), GORILLA_OK);
    assert_int_equal(gguf_find_tensor(g, "blk.0.attn_q.weight")->type, QT_F16);
    assert_int_equal(gguf_find_tensor(g, "blk.0.attn_norm.weight")->type, QT_F32);
    /* SentencePiece metadata */
    gguf_str s;
    assert_int_equal(gguf_get_str(g, "tokenizer.ggml.model", &s, &err), GORILLA_OK);
    assert_true(gguf_str_eq(s, "llama"));
    const gguf_kv *toks = NULL, *types = NULL, *scores = NULL;
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, &err), GORILLA_OK);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_T_INT32, &types, &err), GORILLA_OK);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &scores, &err), GORILLA_OK);
    assert_int_equal(toks->arr_n, 300);
    assert_true(gguf_str_eq(gguf_arr_str(toks, 0), "<unk>"));
    assert_true(gguf_str_eq(gguf_arr_str(toks, 13), "<0x0A>"));
    assert_true(gguf_str_eq(gguf_arr_str(toks, 260), "\xe2\x96\x81" "ba"));
    assert_int_equal(gguf_arr_i32(types, 0), 2);
    assert_int_equal(gguf_arr_i32(types, 1), 3);
    assert_int_equal(gguf_arr_i32(types, 100), 6);
    assert_int_equal(gguf_arr_i32(types, 260), 1);
    assert_true(gguf_arr_f32(scores, 261) == -2.0f);
    int b = 0;
    assert_int_equal(gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b, &err), GORILLA_OK);
    assert_int_equal(b, 1);
    gguf_close(g);
    double d = compare_with_ref(out, dir, NULL);
    printf("llama F16 kept F16: max |p - p_ref64| = %.3g\n", d);
    assert_true(d < 1e-3);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

/* The GGUF's metadata and BPE vocabulary of a llama checkpoint with tokenizer.json. */
static void test_llama_metadata_bpe(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.rope_factor = 4.0;
    char *dir = tmp_name("ckpt"), *out = tmp_name("out.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    gorilla_error err = {0};
    gorilla_convert_info info;
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    if (gorilla_convert_hf(dir, out, &o, &info, &err)) fail_msg("%s", err.message);
    assert_string_equal(info.arch, "llama");
    assert_int_equal(info.n_tensors, 3 + 9 * 2);
    gguf_file *g = NULL;
    assert_int_equal(gguf_open(out, &g, &err), GORILLA_OK);
    uint32_t u;
    float x;
    gguf_str s;
    assert_int_equal(gguf_get_u32(g, "llama.attention.head_count_kv", &u, &err), 0);
    assert_int_equal(u, 2);
    assert_int_equal(gguf_get_u32(g, "llama.rope.dimension_count", &u, &err), 0);
    assert_int_equal(u, 8);
    assert_int_equal(gguf_get_u32(g, "llama.context_length", &u, &err), 0);
    assert_int_equal(u, 64);
    assert_int_equal(gguf_get_f32(g, "llama.rope.scaling.factor", &x, &err), 0);
    assert_true(x == 4.0f);
    assert_int_equal(gguf_get_f32(g, "llama.attention.layer_norm_rms_epsilon", &x, &err), 0);
    assert_true(x == 1e-5f);
    assert_int_equal(gguf_get_str(g, "tokenizer.ggml.model", &s, &err), 0);
    assert_true(gguf_str_eq(s, "gpt2"));
    assert_int_equal(gguf_get_str(g, "tokenizer.ggml.pre", &s, &err), 0);
    assert_true(gguf_str_eq(s, "gpt-2"));
    const gguf_kv *toks = NULL, *types = NULL, *merges = NULL;
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, &err), 0);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_T_INT32, &types, &err), 0);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.merges", GGUF_T_STRING, &merges, &err), 0);
    assert_null(gguf_find_kv(g, "tokenizer.ggml.scores"));
    assert_true(gguf_str_eq(gguf_arr_str(toks, 0), "<|endoftext|>"));
    assert_int_equal(gguf_arr_i32(types, 0), 3);
    char c[4];
    hf_fixture_byte_char(' ', c);
    assert_true(gguf_str_eq(gguf_arr_str(toks, 1 + ' '), c)); /* "Ġ" */
    assert_true(gguf_str_eq(gguf_arr_str(toks, 258), "ba"));
    assert_true(gguf_str_eq(gguf_arr_str(merges, 1), "b a"));
    assert_int_equal(merges->arr_n, 300 - 257);
    assert_int_equal(gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &u, &err), 0);
    assert_int_equal(u, 0);
    int b = 1;
    assert_int_equal(gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b, &err), 0);
    assert_int_equal(b, 0);
    /* the engine's tokenizer reads it */
    gorilla_tokenizer *tk = NULL;
    assert_int_equal(gorilla_tokenizer_load_gguf(out, &tk, &err), GORILLA_OK);
    int32_t *ids = NULL;
    size_t n = 0;
    assert_int_equal(gorilla_tokenizer_encode(tk, "ab ba", 5, 0, 0, &ids, &n, &err), GORILLA_OK);
    assert_int_equal(n, 3); /* "ab", "Ġ", "ba" */
    assert_int_equal(ids[0], 257 + 26); /* "ab" is merge 26 */
    assert_int_equal(ids[2], 258);
    free(ids);
    gorilla_tokenizer_free(tk);
    gguf_close(g);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

/* The expected GGUF row r of Falcon's regrouped fused QKV. */
static uint64_t falcon_src_row(uint64_t r, uint64_t H, uint64_t KV, uint64_t D)
{
    uint64_t qpk = H / KV, head = r / D, d = r % D;
    if (head < H) return ((head / qpk) * (qpk + 2) + head % qpk) * D + d;
    if (head < H + KV) return ((head - H) * (qpk + 2) + qpk) * D + d;
    return ((head - H - KV) * (qpk + 2) + qpk + 1) * D + d;
}

static void check_arch(const char *arch, int kv, int bias)
{
    hf_fixture f;
    hf_fixture_init(&f);
    f.arch = arch;
    f.n_ff = 4 * f.n_embd;
    f.n_head_kv = kv;
    f.bias = bias;
    char *dir = tmp_name("ckpt"), *out = tmp_name("out.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    gorilla_error err = {0};
    if (convert(dir, out, -1, &err)) fail_msg("%s", err.message);
    gguf_file *g = NULL;
    assert_int_equal(gguf_open(out, &g, &err), GORILLA_OK);
    gguf_str s;
    assert_int_equal(gguf_get_str(g, "general.architecture", &s, &err), 0);
    assert_true(gguf_str_eq(s, arch));
    char key[96];
    uint32_t u;
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    assert_int_equal(gguf_get_u32(g, key, &u, &err), 0);
    assert_int_equal(u, (uint32_t)kv);
    snprintf(key, sizeof key, "%s.feed_forward_length", arch);
    assert_int_equal(gguf_get_u32(g, key, &u, &err), 0);
    assert_int_equal(u, 128);
    float x;
    snprintf(key, sizeof key, "%s.attention.layer_norm_epsilon", arch);
    assert_int_equal(gguf_get_f32(g, key, &x, &err), 0);
    assert_int_equal(gguf_get_str(g, "tokenizer.ggml.pre", &s, &err), 0);
    assert_true(gguf_str_eq(s, arch));
    if (!strcmp(arch, "mpt")) {
        assert_int_equal(gguf_get_f32(g, "mpt.attention.max_alibi_bias", &x, &err), 0);
        assert_true(x == 8.0f);
        assert_null(gguf_find_kv(g, "mpt.attention.clamp_kqv"));
    } else {
        assert_int_equal(gguf_get_str(g, "falcon.tensor_data_layout", &s, &err), 0);
        assert_true(gguf_str_eq(s, "jploski"));
        assert_non_null(gguf_find_tensor(g, "output.weight"));
    }
    static const char *const names[] = {"token_embd.weight", "output_norm.weight", "blk.0.attn_norm.weight",
                                        "blk.1.attn_qkv.weight", "blk.1.attn_output.weight", "blk.0.ffn_up.weight",
                                        "blk.0.ffn_down.weight"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!gguf_find_tensor(g, names[i])) fail_msg("%s: no %s", arch, names[i]);
    if (bias) assert_non_null(gguf_find_tensor(g, "blk.0.attn_norm.bias"));
    /* the fused QKV rows: MPT as is, Falcon regrouped */
    const gguf_tensor *qkv = gguf_find_tensor(g, "blk.1.attn_qkv.weight");
    uint64_t E = 32, D = 8, H = 4, rows = (H + 2 * (uint64_t)kv) * D;
    assert_int_equal(qkv->ne[0], E);
    assert_int_equal(qkv->ne[1], rows);
    st_set *src = NULL;
    assert_int_equal(st_open_dir(dir, &src, &err), GORILLA_OK);
    const st_tensor *t = st_find(src, !strcmp(arch, "mpt") ? "transformer.blocks.1.attn.Wqkv.weight"
                                                          : "transformer.h.1.self_attention.query_key_value.weight");
    assert_non_null(t);
    for (uint64_t r = 0; r < rows; r++) {
        uint64_t sr = !strcmp(arch, "mpt") ? r : falcon_src_row(r, H, (uint64_t)kv, D);
        assert_memory_equal((const uint8_t *)qkv->data + r * E * 4, t->data + sr * E * 4, E * 4);
    }
    st_close(src);
    gguf_close(g);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

static void test_mpt(void **state)
{
    (void)state;
    check_arch("mpt", 4, 0);
    check_arch("mpt", 4, 1);
}

static void test_falcon(void **state)
{
    (void)state;
    check_arch("falcon", 1, 1); /* Falcon-7B: multi-query */
    check_arch("falcon", 2, 1);
}


/* max |p_engine - p_ref| along SEQ for the engine on gguf against r. */
static double engine_vs(const char *gguf, ref64 *r)
{
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    gorilla_model *m = NULL;
    if (gorilla_model_load(gguf, &mo, &m, &err)) fail_msg("%s", err.message);
    int V = gorilla_model_n_vocab(m);
    assert_int_equal(V, r->n_vocab);
    float *lg = malloc((size_t)V * sizeof *lg);
    double *p = malloc((size_t)V * sizeof *p), *q = malloc((size_t)V * sizeof *q), mx = 0;
    for (int i = 0; i < NSEQ; i++) {
        assert_int_equal(gorilla_model_forward(m, SEQ[i], i, lg, &err), GORILLA_OK);
        ref64_forward(r, SEQ[i], i, q);
        for (int j = 0; j < V; j++) p[j] = lg[j];
        ref64_softmax(p, V);
        ref64_softmax(q, V);
        for (int j = 0; j < V; j++) mx = fmax(mx, fabs(p[j] - q[j]));
    }
    free(lg);
    free(p);
    free(q);
    gorilla_model_free(m);
    return mx;
}

/* MPT and Falcon: a float64 forward of the converted GGUF read in
 * llama.cpp's layout ([q|k|v] fused rows, metadata for ALiBi/clamp/eps)
 * equals the float64 forward of the Hugging Face checkpoint in its own
 * layout and conventions; and the engine on the converted GGUF equals the
 * Hugging Face float64 forward with GELU's tanh form (what the engine and
 * ggml compute) within 1e-4 (printed too: against HF's exact erf GELU). */
static void check_ln_semantics(const char *arch, int kv, int bias, double clip)
{
    hf_fixture f;
    hf_fixture_init(&f);
    f.arch = arch;
    f.n_ff = 4 * f.n_embd;
    f.n_head_kv = kv;
    f.bias = bias;
    f.seed = 11;
    char *dir = tmp_name("ln"), *out = tmp_name("ln.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    if (clip > 0) {
        char p[4200];
        snprintf(p, sizeof p, "%s/config.json", dir);
        json_t *c = json_load_file(p, 0, NULL);
        json_object_set_new(json_object_get(c, "attn_config"), "clip_qkv", json_real(clip));
        if (kv != 4) json_object_set_new(json_object_get(c, "attn_config"), "kv_n_heads", json_integer(kv));
        assert_int_equal(json_dump_file(c, p, 0), 0);
        json_decref(c);
    } else if (!strcmp(arch, "mpt") && kv != 4) {
        char p[4200];
        snprintf(p, sizeof p, "%s/config.json", dir);
        json_t *c = json_load_file(p, 0, NULL);
        json_object_set_new(json_object_get(c, "attn_config"), "kv_n_heads", json_integer(kv));
        assert_int_equal(json_dump_file(c, p, 0), 0);
        json_decref(c);
    }
    gorilla_error err = {0};
    if (convert(dir, out, -1, &err)) fail_msg("%s", err.message);
    ref64 a, b;
    assert_int_equal(ref64_load_hf(&a, dir, NSEQ), 0);
    assert_int_equal(ref64_load_gguf(&b, out, NSEQ), 0);
    assert_int_equal(a.n_vocab, b.n_vocab);
    int V = a.n_vocab;
    double *x = malloc((size_t)V * sizeof *x), *y = malloc((size_t)V * sizeof *y);
    double md = 0, top = 0;
    for (int i = 0; i < NSEQ; i++) {
        ref64_forward(&a, SEQ[i], i, x);
        ref64_forward(&b, SEQ[i], i, y);
        ref64_softmax(x, V);
        ref64_softmax(y, V);
        for (int j = 0; j < V; j++) {
            md = fmax(md, fabs(x[j] - y[j]));
            top = fmax(top, x[j]);
        }
    }
    printf("%s kv %d%s%s: HF-layout vs GGUF-layout float64 forward: max |dp| = %.3g (top p %.3f)\n", arch, kv,
           bias ? ", norm biases" : "", clip > 0 ? ", clip_qkv" : "", md, top);
    assert_true(md < 1e-12);
    assert_true(top > 5.0 / V); /* not a flat distribution */
    double erf_d = engine_vs(out, &a);
    a.gelu_tanh = 1;
    double tanh_d = engine_vs(out, &a);
    printf("%s kv %d%s%s: engine on the GGUF vs HF float64 forward: max |dp| = %.3g (tanh GELU), %.3g (erf GELU)\n",
           arch, kv, bias ? ", norm biases" : "", clip > 0 ? ", clip_qkv" : "", tanh_d, erf_d);
    assert_true(tanh_d < 1e-4);
    char keep[64];
    snprintf(keep, sizeof keep, "hf-%s-kv%d%s.gguf", arch, kv, bias ? "-bias" : "");
    keep_converted(out, keep);
    free(x);
    free(y);
    ref64_free(&a);
    ref64_free(&b);
    remove(out);
    hf_fixture_remove(dir);
    free(dir);
    free(out);
}

static void test_mpt_falcon_semantics(void **state)
{
    (void)state;
    check_ln_semantics("mpt", 4, 0, 0);
    check_ln_semantics("mpt", 2, 1, 0.5);
    check_ln_semantics("falcon", 1, 1, 0);
    check_ln_semantics("falcon", 2, 1, 0);
}

/* gorilla_quantize: every weight type, metadata copied, probabilities close. */
static void test_quantize(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.n_embd = 256; /* a multiple of 256: K-quants apply */
    f.n_ff = 512;
    f.n_head = 8;
    f.n_head_kv = 4;
    f.n_layer = 1;
    char *dir = tmp_name("ckpt"), *f32 = tmp_name("f32.gguf"), *q = tmp_name("q.gguf");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    gorilla_error err = {0};
    if (convert(dir, f32, -1, &err)) fail_msg("%s", err.message);
    static const char *const types[] = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
                                        "Q5_K", "Q6_K"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        int t = gorilla_type_from_name(types[i]);
        gorilla_convert_info info;
        if (gorilla_quantize(f32, q, t, &info, &err)) fail_msg("%s: %s", types[i], err.message);
        assert_int_equal(info.n_tensors, 3 + 9);
        gguf_file *g = NULL;
        assert_int_equal(gguf_open(q, &g, &err), GORILLA_OK);
        assert_int_equal(gguf_find_tensor(g, "blk.0.attn_q.weight")->type, (uint32_t)t);
        assert_int_equal(gguf_find_tensor(g, "blk.0.ffn_norm.weight")->type, QT_F32);
        const gguf_kv *merges = NULL;
        assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.merges", GGUF_T_STRING, &merges, &err), 0);
        assert_int_equal(merges->arr_n, 300 - 257);
        uint32_t ft;
        assert_int_equal(gguf_get_u32(g, "general.file_type", &ft, &err), 0);
        gguf_close(g);
        double d = compare_with_ref(q, dir, NULL);
        printf("quantize %-5s: max |p - p_ref64| = %.3g\n", types[i], d);
        assert_true(d < 0.05);
    }
    remove(f32);
    remove(q);
    hf_fixture_remove(dir);
    free(dir);
    free(f32);
    free(q);
}

static void test_fallback_types(void **state)
{
    (void)state;
    /* the fallback rules themselves */
    assert_int_equal(cv_pick_type(QT_Q4_K, 2, 64), QT_Q5_0);
    assert_int_equal(cv_pick_type(QT_Q5_K, 2, 96), QT_Q5_1);
    assert_int_equal(cv_pick_type(QT_Q6_K, 2, 32), QT_Q8_0);
    assert_int_equal(cv_pick_type(QT_Q4_0, 2, 172), QT_F16);
    assert_int_equal(cv_pick_type(QT_Q4_K, 2, 512), QT_Q4_K);
    assert_int_equal(cv_pick_type(QT_Q8_0, 1, 64), QT_F32);
}


/* gorilla quantize on llama.cpp's own vocabulary GGUF files copies every
 * metadata key (type and value) but the three it rewrites. */
static int kv_equal(const gguf_kv *a, const gguf_kv *b)
{
    if (a->type != b->type) return 0;
    if (a->type == GGUF_T_STRING) return a->str.len == b->str.len && !memcmp(a->str.ptr, b->str.ptr, a->str.len);
    if (a->type != GGUF_T_ARRAY) {
        static const size_t sz[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
        return !memcmp(a->data, b->data, sz[a->type]);
    }
    if (a->arr_type != b->arr_type || a->arr_n != b->arr_n) return 0;
    for (uint64_t i = 0; i < a->arr_n; i++) {
        if (a->arr_type == GGUF_T_STRING) {
            gguf_str x = gguf_arr_str(a, i), y = gguf_arr_str(b, i);
            if (x.len != y.len || memcmp(x.ptr, y.ptr, x.len)) return 0;
        } else if (gguf_arr_i32(a, i) != gguf_arr_i32(b, i)) {
            return 0;
        }
    }
    return 1;
}

static void test_quantize_copies_real_metadata(void **state)
{
    (void)state;
    static const char *const names[] = {"llama-spm", "deepseek-coder", "mpt", "falcon", "gpt-2"};
    int done = 0;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        char in[256];
        snprintf(in, sizeof in, "../shared/models/vocab/ggml-vocab-%s.gguf", names[k]);
        struct stat sb;
        if (stat(in, &sb)) continue;
        char *out = tmp_name("vocab.gguf");
        gorilla_error err = {0};
        if (gorilla_quantize(in, out, QT_Q4_K, NULL, &err)) fail_msg("%s", err.message);
        gguf_file *a = NULL, *b = NULL;
        assert_int_equal(gguf_open(in, &a, &err), GORILLA_OK);
        assert_int_equal(gguf_open(out, &b, &err), GORILLA_OK);
        size_t n = 0;
        for (size_t i = 0; i < gguf_n_kv(a); i++) {
            const gguf_kv *x = gguf_kv_at(a, i);
            if (!strcmp(x->key, "general.file_type") || !strcmp(x->key, "general.alignment") ||
                !strcmp(x->key, "general.quantization_version"))
                continue;
            const gguf_kv *y = gguf_find_kv(b, x->key);
            if (!y || !kv_equal(x, y)) fail_msg("%s: key %s not copied as is", in, x->key);
            n++;
        }
        printf("%s: %zu keys copied\n", in, n);
        gguf_close(a);
        gguf_close(b);
        remove(out);
        free(out);
        done++;
    }
    if (!done) {
        printf("[ SKIPPED  ] no ../shared/models/vocab\n");
        skip();
    }
}

/* ---- bad input ------------------------------------------------------------ */

/* A conversion that must fail naming `w1` (and `w2`), writing nothing. */
static void expect_fail(const char *dir, const char *w1, const char *w2)
{
    char *out = tmp_name("bad.gguf");
    gorilla_error err = {0};
    assert_int_not_equal(convert(dir, out, -1, &err), GORILLA_OK);
    if (!strstr(err.message, w1) || (w2 && !strstr(err.message, w2)))
        fail_msg("message '%s' lacks '%s' / '%s'", err.message, w1, w2 ? w2 : "");
    printf("  rejected: %s\n", err.message);
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0);
    free(out);
}

static char *file_in(const char *dir, const char *name)
{
    char *p = malloc(4200);
    snprintf(p, 4200, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return s;
}

static void spit(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    fclose(f);
}

/* Rewrites model.safetensors with a header edited by replacing `from` by `to`. */
static void edit_header(const char *dir, const char *from, const char *to)
{
    char *p = file_in(dir, "model.safetensors");
    size_t n;
    char *s = slurp(p, &n);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)s[i];
    char *hdr = strndup(s + 8, (size_t)hl);
    char *at = strstr(hdr, from);
    assert_non_null(at);
    size_t a = (size_t)(at - hdr), fl = strlen(from), tl = strlen(to);
    char *nh = malloc(hl + tl + 1);
    memcpy(nh, hdr, a);
    memcpy(nh + a, to, tl);
    memcpy(nh + a + tl, at + fl, hl - a - fl + 1);
    assert_int_equal(hf_fixture_write_raw(p, nh, s + 8 + hl, n - 8 - hl), 0);
    free(nh);
    free(hdr);
    free(s);
    free(p);
}

static char *fresh(hf_fixture *f)
{
    char *dir = tmp_name("bad");
    assert_int_equal(hf_fixture_write(f, dir), 0);
    return dir;
}

static void test_bad_safetensors(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.n_layer = 1;
    /* truncated: the data ends early */
    char *dir = fresh(&f), *p = file_in(dir, "model.safetensors");
    size_t n;
    char *s = slurp(p, &n);
    spit(p, s, n - 100);
    expect_fail(dir, "model.safetensors", "past the end");
    /* truncated inside the header */
    spit(p, s, 40);
    expect_fail(dir, "model.safetensors", "header length");
    spit(p, s, 5);
    expect_fail(dir, "model.safetensors", "too short");
    free(s);
    hf_fixture_remove(dir);
    free(dir);
    free(p);

    /* offsets past the end of the data */
    dir = fresh(&f);
    edit_header(dir, "\"data_offsets\":[0,", "\"data_offsets\":[0,99999999],\"x\":[");
    expect_fail(dir, "model.safetensors", "data_offsets");
    hf_fixture_remove(dir);
    free(dir);

    /* two tensors overlapping: lm_head (sorted first) and its neighbour share bytes */
    dir = fresh(&f);
    {
        /* give model.embed_tokens the same offsets as lm_head (both [V, E] F32) */
        char *pp = file_in(dir, "model.safetensors");
        size_t nn;
        char *ss = slurp(pp, &nn);
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)ss[i];
        char *hdr = strndup(ss + 8, (size_t)hl);
        const char *lm = strstr(hdr, "\"lm_head.weight\"");
        assert_non_null(lm);
        const char *lo = strstr(lm, "data_offsets\":[");
        char lm_off[64];
        const char *e = strchr(lo, ']');
        snprintf(lm_off, sizeof lm_off, "%.*s", (int)(e - lo + 1), lo);
        const char *em = strstr(hdr, "\"model.embed_tokens.weight\"");
        const char *eo = strstr(em, "data_offsets\":[");
        const char *ee = strchr(eo, ']');
        char em_off[64];
        snprintf(em_off, sizeof em_off, "%.*s", (int)(ee - eo + 1), eo);
        free(hdr);
        free(ss);
        free(pp);
        /* replace embed's offsets by lm_head's */
        char from[200], to[200];
        snprintf(from, sizeof from, "\"model.embed_tokens.weight\":{\"data_offsets\":%s", em_off + strlen("data_offsets\":"));
        snprintf(to, sizeof to, "\"model.embed_tokens.weight\":{\"data_offsets\":%s", lm_off + strlen("data_offsets\":"));
        edit_header(dir, from, to);
    }
    expect_fail(dir, "overlap", "model.embed_tokens.weight");
    hf_fixture_remove(dir);
    free(dir);

    /* unknown and unsupported dtypes */
    dir = fresh(&f);
    edit_header(dir, "\"dtype\":\"F32\"", "\"dtype\":\"F7\"");
    expect_fail(dir, "unknown dtype 'F7'", "model.safetensors");
    hf_fixture_remove(dir);
    free(dir);
    dir = fresh(&f);
    edit_header(dir, "\"dtype\":\"F32\"", "\"dtype\":\"I32\"");
    expect_fail(dir, "dtype I32 is not supported", "tensor '");
    hf_fixture_remove(dir);
    free(dir);

    /* a size that disagrees with shape and dtype */
    dir = fresh(&f);
    edit_header(dir, "\"shape\":[32]", "\"shape\":[31]");
    expect_fail(dir, "need", "model.safetensors");
    hf_fixture_remove(dir);
    free(dir);

    /* not JSON */
    dir = fresh(&f);
    edit_header(dir, "{", "[");
    expect_fail(dir, "model.safetensors", "header");
    hf_fixture_remove(dir);
    free(dir);
}

static void test_bad_checkpoint(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.n_layer = 1;
    /* a missing tensor */
    char *dir = fresh(&f);
    edit_header(dir, "\"model.layers.0.mlp.up_proj.weight\"", "\"model.layers.0.mlp.up_proj.weigh\"");
    expect_fail(dir, "missing tensor 'model.layers.0.mlp.up_proj.weight'", NULL);
    hf_fixture_remove(dir);
    free(dir);
    /* an unexpected tensor */
    dir = fresh(&f);
    edit_header(dir, "\"lm_head.weight\"", "\"lm_head.extra\"");
    expect_fail(dir, "lm_head", NULL);
    hf_fixture_remove(dir);
    free(dir);
    /* a shape that disagrees with config.json: k_proj [16, 32] stated as [32, 16] */
    dir = fresh(&f);
    {
        char *p = file_in(dir, "config.json");
        size_t n;
        char *s = slurp(p, &n);
        char *at = strstr(s, "\"num_key_value_heads\": 2");
        assert_non_null(at);
        at[strlen("\"num_key_value_heads\": ")] = '4';
        spit(p, s, n);
        free(s);
        free(p);
    }
    expect_fail(dir, "model.layers.0.self_attn.k_proj.weight", "config.json implies [32, 32]");
    hf_fixture_remove(dir);
    free(dir);
    /* a config without a required key */
    dir = fresh(&f);
    {
        char *p = file_in(dir, "config.json");
        size_t n;
        char *s = slurp(p, &n);
        char *at = strstr(s, "\"intermediate_size\"");
        assert_non_null(at);
        memcpy(at, "\"intermediate_sizX\"", 19);
        spit(p, s, n);
        free(s);
        free(p);
    }
    expect_fail(dir, "config.json", "missing required key 'intermediate_size'");
    hf_fixture_remove(dir);
    free(dir);
    /* an unsupported architecture */
    dir = fresh(&f);
    {
        char *p = file_in(dir, "config.json");
        size_t n;
        char *s = slurp(p, &n);
        char *at = strstr(s, "LlamaForCausalLM");
        memcpy(at, "GemmaForCausalLM", 16);
        spit(p, s, n);
        free(s);
        free(p);
    }
    expect_fail(dir, "config.json", "GemmaForCausalLM");
    hf_fixture_remove(dir);
    free(dir);
    /* PyTorch pickle weights only */
    dir = fresh(&f);
    {
        char *p = file_in(dir, "model.safetensors"), *q = file_in(dir, "pytorch_model.bin");
        assert_int_equal(rename(p, q), 0);
        expect_fail(dir, "pytorch_model.bin", "safetensors");
        unlink(q);
        free(p);
        free(q);
    }
    hf_fixture_remove(dir);
    free(dir);
    /* no tokenizer */
    dir = fresh(&f);
    {
        char *p = file_in(dir, "tokenizer.json");
        unlink(p);
        free(p);
    }
    expect_fail(dir, "no tokenizer.model or tokenizer.json", NULL);
    hf_fixture_remove(dir);
    free(dir);
    /* Falcon without its LayerNorm biases */
    {
        hf_fixture ff;
        hf_fixture_init(&ff);
        ff.arch = "falcon";
        ff.n_ff = 4 * ff.n_embd;
        ff.n_head_kv = 1;
        ff.n_layer = 1;
        dir = fresh(&ff);
        edit_header(dir, "\"transformer.ln_f.bias\"", "\"transformer.ln_f.bia\"");
        expect_fail(dir, "missing tensor 'transformer.ln_f.bias'", "FalconForCausalLM");
        hf_fixture_remove(dir);
        free(dir);
    }
    /* a sharded index naming a missing shard */
    f.sharded = 1;
    dir = fresh(&f);
    {
        char *p = file_in(dir, "model-00002-of-00002.safetensors");
        unlink(p);
        free(p);
    }
    expect_fail(dir, "model-00002-of-00002.safetensors", NULL);
    hf_fixture_remove(dir);
    free(dir);
}


/* tokenizer.ggml.pre from tokenizer.json's pre-tokenizer definition. */
static void set_pre_tokenizer(const char *dir, const char *json)
{
    char *p = file_in(dir, "tokenizer.json");
    json_t *tj = json_load_file(p, 0, NULL);
    assert_non_null(tj);
    json_object_set_new(tj, "pre_tokenizer", json_loads(json, 0, NULL));
    assert_int_equal(json_dump_file(tj, p, 0), 0);
    json_decref(tj);
    free(p);
}

static void expect_pre(const char *dir, const char *pre_opt, const char *want)
{
    char *out = tmp_name("pre.gguf");
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.pre = pre_opt;
    gorilla_error err = {0};
    gorilla_status st = gorilla_convert_hf(dir, out, &o, NULL, &err);
    if (!want) {
        assert_int_not_equal(st, GORILLA_OK);
        assert_non_null(strstr(err.message, "--pre"));
        assert_non_null(strstr(err.message, "tokenizer.json"));
        free(out);
        return;
    }
    if (st) fail_msg("%s", err.message);
    gguf_file *g = NULL;
    assert_int_equal(gguf_open(out, &g, &err), GORILLA_OK);
    gguf_str s;
    assert_int_equal(gguf_get_str(g, "tokenizer.ggml.pre", &s, &err), 0);
    if (!gguf_str_eq(s, want)) fail_msg("pre '%.*s', want '%s'", (int)s.len, s.ptr, want);
    gguf_close(g);
    remove(out);
    free(out);
}

static void test_pre_tokenizer_detection(void **state)
{
    (void)state;
    hf_fixture f;
    hf_fixture_init(&f);
    f.n_layer = 1;
    char *dir = tmp_name("pre");
    assert_int_equal(hf_fixture_write(&f, dir), 0);
    set_pre_tokenizer(dir, "{\"type\": \"Sequence\", \"pretokenizers\": ["
                           "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[\\r\\n]\"}, \"behavior\": \"Isolated\"},"
                           "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s?\\\\p{L}+\"}, \"behavior\": \"Isolated\"},"
                           "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s?\\\\p{P}+\"}, \"behavior\": \"Isolated\"},"
                           "{\"type\": \"Digits\", \"individual_digits\": true},"
                           "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}");
    expect_pre(dir, NULL, "deepseek-coder");
    set_pre_tokenizer(dir, "{\"type\": \"Sequence\", \"pretokenizers\": ["
                           "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(?i:'s|'t|'re|'ve|'m|'ll|'d)|"
                           "[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|"
                           "\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"}, \"behavior\": \"Isolated\"},"
                           "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}");
    expect_pre(dir, NULL, "llama-bpe");
    set_pre_tokenizer(dir, "{\"type\": \"Sequence\", \"pretokenizers\": ["
                           "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"x+\"}, \"behavior\": \"Isolated\"}]}");
    expect_pre(dir, NULL, NULL);
    expect_pre(dir, "refact", "refact");
    hf_fixture_remove(dir);
    free(dir);
}

/* The real LLaMA 2 tokenizer.model read by our protobuf reader equals
 * llama.cpp's vocabulary GGUF of it (pieces, scores, types). */
static void test_spm_real(void **state)
{
    (void)state;
    const char *spm = "../shared/models/sentencepiece/llama2-tokenizer.model";
    const char *ref = "../shared/models/vocab/ggml-vocab-llama-spm.gguf";
    struct stat sb;
    if (stat(spm, &sb) || stat(ref, &sb)) {
        printf("[ SKIPPED  ] no %s or %s\n", spm, ref);
        skip();
    }
    size_t n;
    char *data = slurp(spm, &n);
    spm_model m;
    gorilla_error err = {0};
    assert_int_equal(spm_model_parse(spm, (const uint8_t *)data, n, &m, &err), GORILLA_OK);
    gguf_file *g = NULL;
    assert_int_equal(gguf_open(ref, &g, &err), GORILLA_OK);
    const gguf_kv *toks = NULL, *scores = NULL, *types = NULL;
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, &err), 0);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &scores, &err), 0);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.token_type", GGUF_T_INT32, &types, &err), 0);
    assert_int_equal(m.n, toks->arr_n);
    size_t same = 0;
    for (size_t i = 0; i < m.n; i++)
        same += gguf_str_eq(gguf_arr_str(toks, i), m.pieces[i]) && gguf_arr_f32(scores, i) == m.scores[i] &&
                gguf_arr_i32(types, i) == m.types[i];
    printf("llama2 tokenizer.model: %zu of %zu pieces identical to ggml-vocab-llama-spm.gguf\n", same, m.n);
    assert_int_equal(same, m.n);
    assert_int_equal(m.bos_id, 1);
    assert_int_equal(m.eos_id, 2);
    assert_int_equal(m.add_dummy_prefix, 1);
    gguf_close(g);
    spm_model_free(&m);
    free(data);
    /* and malformed models are refused */
    static const uint8_t bad1[] = {0x0A, 0x05, 0x0A, 0x10, 'a'}; /* piece length past the end */
    static const uint8_t bad2[] = {0x0B};                        /* group wire type */
    static const uint8_t bad3[] = {0x12, 0x00};                  /* no pieces */
    assert_int_not_equal(spm_model_parse("bad1", bad1, sizeof bad1, &m, &err), GORILLA_OK);
    assert_int_not_equal(spm_model_parse("bad2", bad2, sizeof bad2, &m, &err), GORILLA_OK);
    assert_int_not_equal(spm_model_parse("bad3", bad3, sizeof bad3, &m, &err), GORILLA_OK);
    assert_non_null(strstr(err.message, "bad3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_f32_gqa),
        cmocka_unit_test(test_mistral_config),
        cmocka_unit_test(test_llama_bf16_sharded_tied_scaled),
        cmocka_unit_test(test_llama_f16_spm),
        cmocka_unit_test(test_llama_metadata_bpe),
        cmocka_unit_test(test_mpt),
        cmocka_unit_test(test_falcon),
        cmocka_unit_test(test_mpt_falcon_semantics),
        cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_fallback_types),
        cmocka_unit_test(test_quantize_copies_real_metadata),
        cmocka_unit_test(test_bad_safetensors),
        cmocka_unit_test(test_bad_checkpoint),
        cmocka_unit_test(test_pre_tokenizer_detection),
        cmocka_unit_test(test_spm_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
