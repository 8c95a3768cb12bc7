/* test_convert_llama2c.c — llama2.c checkpoints to GGUF: the real
 * stories260K (greedy text equal to llama2.c's run.c), and small random
 * checkpoints in every export format this test writes itself. */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "llm/gguf/gguf.h"
#include "support/ref64.h"

#define MODELS_DIR "../shared/models/llama2c"

static const char *models_dir(void)
{
    const char *d = getenv("GORILLA_MODELS");
    static char buf[4096];
    if (d && *d) {
        snprintf(buf, sizeof buf, "%s/llama2c", d);
        d = buf;
    } else {
        d = MODELS_DIR;
    }
    struct stat sb;
    if (stat(d, &sb) != 0) {
        printf("[ SKIPPED  ] no %s (the real llama2.c model; set GORILLA_MODELS or put it at ../shared/models)\n", d);
        return NULL;
    }
    return d;
}

static char *tmp_path(const char *suffix)
{
    char *p = malloc(256);
    static int n;
    snprintf(p, 256, "/tmp/gorilla-test-l2c-%d-%d%s", (int)getpid(), n++, suffix);
    return p;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    s[n] = 0;
    fclose(f);
    if (len) *len = (size_t)n;
    return s;
}

static int32_t argmax(const float *x, int n)
{
    int32_t b = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

/* stories260K.greedy.txt is run.c's output at temperature 0 from BOS for
 * 200 steps: 200 generated tokens (stopping early only at BOS), the leading
 * space of the first piece after BOS stripped, then a newline. */
static void test_stories260k_greedy(void **state)
{
    (void)state;
    const char *dir = models_dir();
    if (!dir) skip();
    char ckpt[4200], tok[4200], want_path[4200];
    snprintf(ckpt, sizeof ckpt, "%s/stories260K.bin", dir);
    snprintf(tok, sizeof tok, "%s/tok512.bin", dir);
    snprintf(want_path, sizeof want_path, "%s/stories260K.greedy.txt", dir);
    char *out = tmp_path(".gguf");
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.tokenizer = tok;
    gorilla_convert_info info;
    gorilla_error err = {0};
    assert_int_equal(gorilla_convert(ckpt, out, &o, &info, &err), GORILLA_OK);
    assert_string_equal(info.format, "llama2.c legacy");
    assert_int_equal(info.n_vocab, 512);
    assert_int_equal(info.n_tensors, 2 + 9 * 5); /* shared classifier: no output.weight */

    /* metadata llama.cpp reads */
    gguf_file *f = NULL;
    assert_int_equal(gguf_open(out, &f, &err), GORILLA_OK);
    uint32_t u = 0;
    assert_int_equal(gguf_get_u32(f, "llama.embedding_length", &u, &err), GORILLA_OK);
    assert_int_equal(u, 64);
    assert_int_equal(gguf_get_u32(f, "llama.feed_forward_length", &u, &err), GORILLA_OK);
    assert_int_equal(u, 172);
    assert_int_equal(gguf_get_u32(f, "llama.attention.head_count_kv", &u, &err), GORILLA_OK);
    assert_int_equal(u, 4);
    assert_int_equal(gguf_get_u32(f, "llama.context_length", &u, &err), GORILLA_OK);
    assert_int_equal(u, 512);
    assert_int_equal(gguf_get_u32(f, "llama.rope.dimension_count", &u, &err), GORILLA_OK);
    assert_int_equal(u, 8);
    const gguf_kv *toks = NULL;
    assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, &err), GORILLA_OK);
    assert_true(gguf_str_eq(gguf_arr_str(toks, 1), "<s>"));
    assert_true(gguf_str_eq(gguf_arr_str(toks, 13), "<0x0A>"));
    assert_true(gguf_str_eq(gguf_arr_str(toks, 259), "\xe2\x96\x81t"));
    const gguf_kv *types = NULL;
    assert_int_equal(gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &types, &err), GORILLA_OK);
    assert_int_equal(gguf_arr_i32(types, 0), 2);
    assert_int_equal(gguf_arr_i32(types, 2), 3);
    assert_int_equal(gguf_arr_i32(types, 13), 6);
    assert_int_equal(gguf_arr_i32(types, 300), 1);
    assert_null(gguf_find_tensor(f, "output.weight"));
    const gguf_tensor *wk = gguf_find_tensor(f, "blk.4.attn_k.weight");
    assert_non_null(wk);
    assert_int_equal(wk->ne[0], 64);
    assert_int_equal(wk->ne[1], 32);
    gguf_close(f);

    gorilla_model_opts mo = {1, 0};
    gorilla_model *m = NULL;
    assert_int_equal(gorilla_model_load(out, &mo, &m, &err), GORILLA_OK);
    gorilla_tokenizer *tk = NULL;
    assert_int_equal(gorilla_tokenizer_load_gguf(out, &tk, &err), GORILLA_OK);
    int V = gorilla_model_n_vocab(m);
    float *logits = malloc((size_t)V * sizeof *logits);
    int32_t ids[200];
    size_t n = 0;
    int32_t t = 1;
    for (int pos = 0; pos < 200; pos++) {
        assert_int_equal(gorilla_model_forward(m, t, pos, logits, &err), GORILLA_OK);
        t = argmax(logits, V);
        if (t == 1) break;
        ids[n++] = t;
    }
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(gorilla_tokenizer_decode(tk, ids, n, GORILLA_DECODE_STRIP_SPACE, &text, &len, &err), GORILLA_OK);
    size_t want_len = 0;
    char *want = read_all(want_path, &want_len);
    assert_non_null(want);
    assert_true(want_len > 0 && want[want_len - 1] == '\n');
    want[--want_len] = 0;
    if (strcmp(text, want) != 0) printf("got:\n%s\nwant:\n%s\n", text, want);
    assert_string_equal(text, want);
    free(want);
    free(text);
    free(logits);
    gorilla_tokenizer_free(tk);
    gorilla_model_free(m);
    remove(out);
    free(out);
}


/* stories260K's F32 next-token probabilities against a float64 forward of
 * the llama2.c file itself (tests/support/ref64.c), along its greedy text. */
static void test_stories260k_probabilities(void **state)
{
    (void)state;
    const char *dir = models_dir();
    if (!dir) skip();
    char ckpt[4200], tok[4200];
    snprintf(ckpt, sizeof ckpt, "%s/stories260K.bin", dir);
    snprintf(tok, sizeof tok, "%s/tok512.bin", dir);
    char *out = tmp_path(".gguf");
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.tokenizer = tok;
    o.type = 0; /* F32 */
    gorilla_error err = {0};
    assert_int_equal(gorilla_convert_llama2c(ckpt, out, &o, NULL, &err), GORILLA_OK);
    enum { N = 96 };
    ref64 r;
    assert_int_equal(ref64_load_llama2c(&r, ckpt, N), 0);
    gorilla_model_opts mo = {1, 0};
    gorilla_model *m = NULL;
    assert_int_equal(gorilla_model_load(out, &mo, &m, &err), GORILLA_OK);
    int V = gorilla_model_n_vocab(m);
    assert_int_equal(V, r.n_vocab);
    float *logits = malloc((size_t)V * sizeof *logits);
    double *ref = malloc((size_t)V * sizeof *ref), *p = malloc((size_t)V * sizeof *p);
    double max_diff = 0, max_p = 0;
    int32_t t = 1;
    for (int pos = 0; pos < N; pos++) {
        assert_int_equal(gorilla_model_forward(m, t, pos, logits, &err), GORILLA_OK);
        ref64_forward(&r, t, pos, ref);
        for (int i = 0; i < V; i++) p[i] = logits[i];
        ref64_softmax(p, V);
        ref64_softmax(ref, V);
        int32_t best = 0;
        for (int i = 0; i < V; i++) {
            double d = fabs(p[i] - ref[i]);
            if (d > max_diff) max_diff = d;
            if (ref[i] > ref[best]) best = i;
        }
        if (ref[best] > max_p) max_p = ref[best];
        t = best; /* follow the reference's greedy path */
    }
    printf("stories260K F32: max |p - p_ref| over %d positions x %d tokens = %.3g\n", N, V, max_diff);
    assert_true(max_diff < 1e-4);
    assert_true(max_p > 0.5); /* the model is confident somewhere: the check has power */
    free(logits);
    free(ref);
    free(p);
    gorilla_model_free(m);
    ref64_free(&r);
    remove(out);
    free(out);
}

/* ---- synthetic checkpoints ------------------------------------------- */

typedef struct {
    int32_t dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len;
    int shared;
} cfg;

/* The weights of a small model, in llama2.c's tensor kinds. */
typedef struct {
    cfg c;
    float *emb, *att, *wq, *wk, *wv, *wo, *ffn, *w1, *w2, *w3, *fin, *cls;
    size_t n_emb, n_att, n_wq, n_wk, n_wv, n_wo, n_ffn, n_w1, n_w2, n_w3, n_fin, n_cls;
} weights;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float frand(float scale)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return scale * ((float)((rng_state >> 11) & 0xFFFFFF) / (float)0x1000000 * 2.0f - 1.0f);
}

static float *rnd(size_t n, float scale, float bias)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = bias + frand(scale);
    return x;
}

static void build_weights(weights *w, cfg c)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    size_t D = (size_t)c.dim, H = (size_t)c.hidden, L = (size_t)c.n_layers, V = (size_t)c.vocab;
    size_t KV = D / (size_t)c.n_heads * (size_t)c.n_kv_heads;
    float s = 1.0f / sqrtf((float)D);
    w->emb = rnd(w->n_emb = V * D, 1.0f, 0);
    w->att = rnd(w->n_att = L * D, 0.2f, 1.0f);
    w->wq = rnd(w->n_wq = L * D * D, s, 0);
    w->wk = rnd(w->n_wk = L * KV * D, s, 0);
    w->wv = rnd(w->n_wv = L * KV * D, s, 0);
    w->wo = rnd(w->n_wo = L * D * D, s, 0);
    w->ffn = rnd(w->n_ffn = L * D, 0.2f, 1.0f);
    w->w1 = rnd(w->n_w1 = L * H * D, s, 0);
    w->w2 = rnd(w->n_w2 = L * D * H, 1.0f / sqrtf((float)H), 0);
    w->w3 = rnd(w->n_w3 = L * H * D, s, 0);
    w->fin = rnd(w->n_fin = D, 0.2f, 1.0f);
    if (!c.shared) w->cls = rnd(w->n_cls = V * D, s, 0);
}

static void free_weights(weights *w)
{
    free(w->emb); free(w->att); free(w->wq); free(w->wk); free(w->wv); free(w->wo);
    free(w->ffn); free(w->w1); free(w->w2); free(w->w3); free(w->fin); free(w->cls);
}

static void put(FILE *f, const void *p, size_t n) { assert_int_equal(fwrite(p, 1, n, f), n); }
static void put_f(FILE *f, const float *x, size_t n) { put(f, x, n * 4); }
static void put_i(FILE *f, int32_t v) { put(f, &v, 4); }

static void write_header7(FILE *f, const cfg *c, int32_t vocab)
{
    put_i(f, c->dim); put_i(f, c->hidden); put_i(f, c->n_layers); put_i(f, c->n_heads);
    put_i(f, c->n_kv_heads); put_i(f, vocab); put_i(f, c->seq_len);
}

static void write_legacy(const char *path, const weights *w)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    write_header7(f, &w->c, w->c.shared ? w->c.vocab : -w->c.vocab);
    put_f(f, w->emb, w->n_emb);
    put_f(f, w->att, w->n_att);
    put_f(f, w->wq, w->n_wq);
    put_f(f, w->wk, w->n_wk);
    put_f(f, w->wv, w->n_wv);
    put_f(f, w->wo, w->n_wo);
    put_f(f, w->ffn, w->n_ffn);
    put_f(f, w->w1, w->n_w1);
    put_f(f, w->w2, w->n_w2);
    put_f(f, w->w3, w->n_w3);
    put_f(f, w->fin, w->n_fin);
    size_t nf = (size_t)w->c.seq_len * (size_t)(w->c.dim / w->c.n_heads); /* rope tables: never read */
    float *junk = rnd(nf, 1.0f, 0);
    put_f(f, junk, nf);
    free(junk);
    if (!w->c.shared) put_f(f, w->cls, w->n_cls);
    fclose(f);
}

static void write_v_header(FILE *f, const cfg *c, int version, int32_t group)
{
    uint32_t magic = 0x616b3432u;
    put(f, &magic, 4);
    put_i(f, version);
    write_header7(f, c, c->vocab);
    uint8_t shared = (uint8_t)c->shared;
    put(f, &shared, 1);
    long pos = 37;
    if (version == 2) {
        put_i(f, group);
        pos += 4;
    }
    while (pos++ < 256) put(f, "", 1);
}

static void write_v1(const char *path, const weights *w)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    write_v_header(f, &w->c, 1, 0);
    put_f(f, w->att, w->n_att);
    put_f(f, w->ffn, w->n_ffn);
    put_f(f, w->fin, w->n_fin);
    put_f(f, w->emb, w->n_emb);
    put_f(f, w->wq, w->n_wq);
    put_f(f, w->wk, w->n_wk);
    put_f(f, w->wv, w->n_wv);
    put_f(f, w->wo, w->n_wo);
    put_f(f, w->w1, w->n_w1);
    put_f(f, w->w2, w->n_w2);
    put_f(f, w->w3, w->n_w3);
    if (!w->c.shared) put_f(f, w->cls, w->n_cls);
    fclose(f);
}

/* Quantizes x[0..n) as export.py's quantize_q80 does, writes q then the
 * scales, and replaces x by its dequantized values. */
static void put_q80(FILE *f, float *x, size_t n, size_t g)
{
    int8_t *q = malloc(n);
    float *s = malloc(n / g * sizeof *s);
    for (size_t b = 0; b < n / g; b++) {
        float mx = 0;
        for (size_t j = 0; j < g; j++) mx = fmaxf(mx, fabsf(x[b * g + j]));
        s[b] = mx / 127.0f;
        for (size_t j = 0; j < g; j++) {
            float v = s[b] > 0 ? x[b * g + j] / s[b] : 0;
            q[b * g + j] = (int8_t)lrintf(v);
            x[b * g + j] = (float)q[b * g + j] * s[b];
        }
    }
    put(f, q, n);
    put_f(f, s, n / g);
    free(q);
    free(s);
}

static void write_v2(const char *path, weights *w, size_t g)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    write_v_header(f, &w->c, 2, (int32_t)g);
    put_f(f, w->att, w->n_att);
    put_f(f, w->ffn, w->n_ffn);
    put_f(f, w->fin, w->n_fin);
    size_t L = (size_t)w->c.n_layers;
    put_q80(f, w->emb, w->n_emb, g);
    float *per_layer[] = {w->wq, w->wk, w->wv, w->wo, w->w1, w->w2, w->w3};
    size_t sizes[] = {w->n_wq, w->n_wk, w->n_wv, w->n_wo, w->n_w1, w->n_w2, w->n_w3};
    for (size_t k = 0; k < 7; k++)
        for (size_t l = 0; l < L; l++) put_q80(f, per_layer[k] + l * (sizes[k] / L), sizes[k] / L, g);
    if (!w->c.shared) put_q80(f, w->cls, w->n_cls, g);
    fclose(f);
}

/* A tokenizer .bin: <unk>, <s>, </s>, 256 byte tokens, then words. */
static void write_tokenizer(const char *path, int vocab)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    put_i(f, 16);
    for (int i = 0; i < vocab; i++) {
        char t[32];
        if (i == 0) snprintf(t, sizeof t, "<unk>");
        else if (i == 1) snprintf(t, sizeof t, "\n<s>\n");
        else if (i == 2) snprintf(t, sizeof t, "\n</s>\n");
        else if (i < 259) snprintf(t, sizeof t, "<0x%02X>", i - 3);
        else snprintf(t, sizeof t, " w%d", i);
        float score = i < 259 ? 0.0f : -(float)(i - 259);
        put(f, &score, 4);
        put_i(f, (int32_t)strlen(t));
        put(f, t, strlen(t));
    }
    fclose(f);
}

/* Logits at each of n positions for a token sequence. */
static float *run_tokens(const char *gguf, const int32_t *toks, int n, int *V_out)
{
    gorilla_error err = {0};
    gorilla_model_opts mo = {1, 0};
    gorilla_model *m = NULL;
    if (gorilla_model_load(gguf, &mo, &m, &err) != GORILLA_OK) fail_msg("%s", err.message);
    int V = gorilla_model_n_vocab(m);
    float *out = malloc((size_t)V * (size_t)n * sizeof *out);
    for (int i = 0; i < n; i++) assert_int_equal(gorilla_model_forward(m, toks[i], i, out + (size_t)i * V, &err), 0);
    gorilla_model_free(m);
    *V_out = V;
    return out;
}

static const int32_t SEQ[] = {1, 300, 301, 17, 259, 290, 280, 3, 310};
#define NSEQ ((int)(sizeof SEQ / sizeof *SEQ))

static char *convert_ok(const char *ckpt, const char *tok, int type)
{
    char *out = tmp_path(".gguf");
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.tokenizer = tok;
    o.type = type;
    gorilla_error err = {0};
    if (gorilla_convert_llama2c(ckpt, out, &o, NULL, &err) != GORILLA_OK) fail_msg("%s", err.message);
    return out;
}

/* legacy and v1 of the same weights give identical files' logits; v2 gives
 * the logits of a legacy file holding its dequantized weights. */
static void check_formats(cfg c, size_t group)
{
    weights w;
    build_weights(&w, c);
    char *tok = tmp_path(".tok"), *leg = tmp_path(".bin"), *v1 = tmp_path(".bin"), *v2 = tmp_path(".bin"),
         *leg2 = tmp_path(".bin");
    write_tokenizer(tok, c.vocab);
    write_legacy(leg, &w);
    write_v1(v1, &w);
    write_v2(v2, &w, group); /* w now holds the dequantized values */
    write_legacy(leg2, &w);
    char *g_leg = convert_ok(leg, tok, -1), *g_v1 = convert_ok(v1, tok, -1), *g_v2 = convert_ok(v2, tok, -1),
         *g_leg2 = convert_ok(leg2, tok, -1);
    int V;
    float *a = run_tokens(g_leg, SEQ, NSEQ, &V), *b = run_tokens(g_v1, SEQ, NSEQ, &V);
    float *c2 = run_tokens(g_v2, SEQ, NSEQ, &V), *d = run_tokens(g_leg2, SEQ, NSEQ, &V);
    assert_int_equal(V, c.vocab);
    assert_memory_equal(a, b, (size_t)V * NSEQ * sizeof *a);
    assert_memory_equal(c2, d, (size_t)V * NSEQ * sizeof *a);
    /* and quantization changed something (the test can fail) */
    assert_true(memcmp(a, c2, (size_t)V * NSEQ * sizeof *a) != 0);
    free(a); free(b); free(c2); free(d);
    const char *all[] = {tok, leg, v1, v2, leg2, g_leg, g_v1, g_v2, g_leg2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        remove(all[i]);
        free((void *)all[i]);
    }
    free_weights(&w);
}

static void test_formats_shared(void **state)
{
    (void)state;
    cfg c = {32, 48, 2, 4, 2, 320, 64, 1};
    check_formats(c, 16);
}

static void test_formats_separate_classifier(void **state)
{
    (void)state;
    cfg c = {32, 40, 3, 4, 4, 330, 32, 0};
    check_formats(c, 8);
}

/* Expects a conversion failure whose message contains every given word. */
static void expect_fail(const char *ckpt, const char *tok, const char *w1, const char *w2)
{
    char *out = tmp_path(".gguf");
    gorilla_convert_opts o;
    gorilla_convert_opts_init(&o);
    o.tokenizer = tok;
    gorilla_error err = {0};
    assert_int_not_equal(gorilla_convert_llama2c(ckpt, out, &o, NULL, &err), GORILLA_OK);
    if (!strstr(err.message, w1) || (w2 && !strstr(err.message, w2)))
        fail_msg("message '%s' lacks '%s' / '%s'", err.message, w1, w2 ? w2 : "");
    struct stat sb;
    assert_int_not_equal(stat(out, &sb), 0); /* nothing written */
    free(out);
}

static void truncate_file(const char *path, long drop)
{
    size_t n = 0;
    char *s = read_all(path, &n);
    FILE *f = fopen(path, "wb");
    put(f, s, n - (size_t)drop);
    fclose(f);
    free(s);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    cfg c = {32, 48, 2, 4, 2, 320, 64, 1};
    weights w;
    build_weights(&w, c);
    char *tok = tmp_path(".tok"), *leg = tmp_path(".bin"), *v2 = tmp_path(".bin");
    write_tokenizer(tok, c.vocab);
    write_legacy(leg, &w);
    truncate_file(leg, 4);
    expect_fail(leg, tok, leg, "wrong size");
    write_v2(v2, &w, 16);
    truncate_file(v2, 1);
    expect_fail(v2, tok, "wrong size", "v2");
    /* a header that is not a checkpoint */
    FILE *f = fopen(leg, "wb");
    put(f, "this is a text file, not a checkpoint at all", 44);
    fclose(f);
    expect_fail(leg, tok, leg, "implausible");
    /* a group size that does not divide a tensor */
    write_v2(v2, &w, 16);
    f = fopen(v2, "r+b");
    fseek(f, 37, SEEK_SET);
    put_i(f, 7);
    fclose(f);
    expect_fail(v2, tok, "group size", "token_embd");
    /* a tokenizer smaller than the vocabulary */
    write_legacy(leg, &w);
    write_tokenizer(tok, 100);
    expect_fail(leg, tok, tok, "truncated");
    expect_fail(leg, "/nonexistent/tok.bin", "/nonexistent/tok.bin", NULL);
    expect_fail("/nonexistent/model.bin", tok, "/nonexistent/model.bin", NULL);
    remove(tok); remove(leg); remove(v2);
    free(tok); free(leg); free(v2);
    free_weights(&w);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_int_equal(gorilla_type_from_name("Q4_0"), 2);
    assert_int_equal(gorilla_type_from_name("q8_0"), 8);
    assert_int_equal(gorilla_type_from_name("BF16"), 30);
    assert_int_equal(gorilla_type_from_name("Q7_0"), -1);
    assert_string_equal(gorilla_type_name(12), "Q4_K");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stories260k_greedy),
        cmocka_unit_test(test_stories260k_probabilities),
        cmocka_unit_test(test_formats_shared),
        cmocka_unit_test(test_formats_separate_classifier),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
