/* synth.c — random LLaMA, MPT and Falcon models as GGUF v3. Weights are uniform with the
 * variance that keeps activations near unit variance: 1/fan_in for the
 * matrices, 1 for the embeddings; norm weights are 1 ± 0.1. */
#include "base/rng.h"
#include "support/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/gguf/gguf_write.h"
#include "llm/quant/quant.h"

void llm_synth_defaults(llm_synth_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_embd = 64;
    p->n_layer = 2;
    p->n_head = 4;
    p->n_head_kv = 2;
    p->n_ff = 128;
    p->n_vocab = 300;
    p->n_ctx = 64;
    p->type = QT_F32;
    p->seed = 1;
    p->rope_base = 10000.0f;
    p->rms_eps = 1e-5f;
    p->with_vocab = 1;
    p->alibi_max = 8.0f;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

void llm_synth_values(uint64_t seed, const char *name, float scale, int is_norm, float *out, size_t n)
{
    uint64_t s = seed ^ fnv(name);
    for (size_t i = 0; i < n; i++) {
        double u = (double)(gorilla_splitmix64(&s) >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0; /* [-1, 1) */
        out[i] = is_norm ? (float)(1.0 + 0.1 * u) : (float)(u * scale * 1.7320508075688772);
    }
}

/* ---- vocabulary ------------------------------------------------------- */

static const char *const WORDS[] = {
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "with", "as", "on", "be", "this", "by",
    "from", "or", "an", "are", "can", "use", "you", "model", "api", "call", "load", "import", "torch", "hub",
    "pipeline", "image", "text", "classification", "def", "return", "task", "data", "input", "output",
    "pretrained", "transformers", "tensorflow", "dataset", "question", "answer", "provider", "domain",
    "code", "python", "function", "name", "arguments", "example", "performance", "description", "detection",
    "object", "segmentation", "translation", "summarization", "generation", "audio", "speech", "video",
    "language", "vision", "token", "embedding", "feature", "extraction", "zero", "shot", "fill", "mask",
    "sentence", "similarity", "gorilla", "llama", "hello", "world", "I", "want", "need", "help", "me",
    "find", "please", "what", "how", "which", "will", "write", "get", "make",
};

static const char PUNCT[] = ".,:;!?()[]{}'\"=_-+*/<>#@$%&|~`^0123456789";

typedef struct {
    char **v;
    int n, cap;
    const char **set; /* open addressing, size setcap */
    size_t setcap;
} vocab_builder;

static int vocab_add(vocab_builder *vb, const char *s)
{
    if (vb->n >= vb->cap) return 0;
    size_t h = (size_t)fnv(s) & (vb->setcap - 1);
    while (vb->set[h]) {
        if (strcmp(vb->set[h], s) == 0) return 0;
        h = (h + 1) & (vb->setcap - 1);
    }
    char *c = strdup(s);
    if (!c) return -1;
    vb->set[h] = c;
    vb->v[vb->n++] = c;
    return 1;
}

char **llm_synth_vocab(int n)
{
    if (n < 259) return NULL;
    vocab_builder vb = {0};
    vb.cap = n;
    vb.setcap = 1;
    while (vb.setcap < (size_t)n * 2) vb.setcap <<= 1;
    vb.v = calloc((size_t)n, sizeof *vb.v);
    vb.set = calloc(vb.setcap, sizeof *vb.set);
    if (!vb.v || !vb.set) goto oom;
    char tmp[64];
    const char *lead = "\xe2\x96\x81"; /* U+2581 */
    if (vocab_add(&vb, "<unk>") < 0 || vocab_add(&vb, "<s>") < 0 || vocab_add(&vb, "</s>") < 0) goto oom;
    for (int b = 0; b < 256; b++) {
        snprintf(tmp, sizeof tmp, "<0x%02X>", b);
        if (vocab_add(&vb, tmp) < 0) goto oom;
    }
    if (vocab_add(&vb, lead) < 0) goto oom;
    for (int c = 'a'; c <= 'z'; c++) {
        snprintf(tmp, sizeof tmp, "%c", c);
        if (vocab_add(&vb, tmp) < 0) goto oom;
    }
    for (const char *p = PUNCT; *p; p++) {
        snprintf(tmp, sizeof tmp, "%c", *p);
        if (vocab_add(&vb, tmp) < 0) goto oom;
    }
    /* Each word with its prefixes, so that SentencePiece-style pairwise
     * merges can reach it: "▁h", "▁he", ..., "▁hello". */
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++)
        for (size_t len = 1; len <= strlen(WORDS[i]); len++) {
            snprintf(tmp, sizeof tmp, "%s%.*s", lead, (int)len, WORDS[i]);
            if (vocab_add(&vb, tmp) < 0) goto oom;
        }
    for (int c = 'A'; c <= 'Z'; c++) {
        snprintf(tmp, sizeof tmp, "%c", c);
        if (vocab_add(&vb, tmp) < 0) goto oom;
    }
    /* Then letter pairs, triples, ... with and without the word mark. */
    for (unsigned long k = 0; vb.n < n; k++) {
        char s[16];
        int len = 0;
        unsigned long x = k + 26UL * 27; /* skip 0- and 1-letter strings */
        while (x && len < 12) {
            s[len++] = (char)('a' + x % 26);
            x /= 26;
        }
        s[len] = 0;
        snprintf(tmp, sizeof tmp, "%s%s", lead, s);
        if (vocab_add(&vb, tmp) < 0 || vocab_add(&vb, s) < 0) goto oom;
    }
    free(vb.set);
    return vb.v;
oom:
    for (int i = 0; i < vb.n; i++) free(vb.v[i]);
    free(vb.v);
    free(vb.set);
    return NULL;
}

void llm_synth_vocab_free(char **v, int n)
{
    if (!v) return;
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* ---- tensors ---------------------------------------------------------- */

typedef struct {
    char name[64];
    uint32_t type;
    uint64_t cols, rows;
    float scale;
    int is_norm; /* 1: a norm weight (1 +- 0.1), F32; 2: a bias (scale), F32 */
} spec;

typedef struct {
    const llm_synth_params *p;
    spec *specs;
} fill_ctx;

static gorilla_status fill(void *vctx, size_t index, void *out, size_t n_bytes, gorilla_error *err)
{
    const fill_ctx *c = vctx;
    const spec *s = &c->specs[index];
    (void)n_bytes;
    float *row = malloc(s->cols * sizeof *row);
    if (!row) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t rb = qtype_row_size(s->type, s->cols);
    char key[96];
    for (uint64_t r = 0; r < s->rows; r++) {
        snprintf(key, sizeof key, "%s#%llu", s->name, (unsigned long long)r);
        llm_synth_values(c->p->seed, key, s->scale, s->is_norm == 1, row, s->cols);
        quantize_row(s->type, row, (uint8_t *)out + r * rb, s->cols);
    }
    free(row);
    return GORILLA_OK;
}

static const char *layer_name(char *buf, size_t cap, int layer, const char *what)
{
    snprintf(buf, cap, "blk.%d.%s.weight", layer, what);
    return buf;
}

static const char *layer_bias_name(char *buf, size_t cap, int layer, const char *what)
{
    snprintf(buf, cap, "blk.%d.%s.bias", layer, what);
    return buf;
}

static uint32_t pick_type(uint32_t want, uint64_t cols)
{
    const qtype_traits *t = qtype_get(want);
    if (cols % t->block_size == 0) return want;
    return cols % QK8_0 == 0 ? QT_Q8_0 : QT_F16;
}

gorilla_status llm_synth_write(const llm_synth_params *p, const char *path, gorilla_error *err)
{
    if (!qtype_get(p->type))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "unsupported weight type %u", p->type);
    if (p->n_embd < 2 || p->n_layer < 1 || p->n_head < 1 || p->n_head_kv < 1 || p->n_ff < 1 || p->n_ctx < 1 ||
        p->n_embd % p->n_head || p->n_head % p->n_head_kv || (p->n_embd / p->n_head) % 2)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "bad shape: need n_embd a multiple of n_head with an even head size, n_head a multiple of n_head_kv");
    if (p->n_vocab < 259)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "vocabulary size %d is below 259 (3 special + 256 byte tokens)",
                            p->n_vocab);
    int hd = p->n_embd / p->n_head, kv = hd * p->n_head_kv;
    size_t n_specs = 4 + (p->tied ? 0 : 1) + 14 * (size_t)p->n_layer;
    spec *specs = calloc(n_specs, sizeof *specs);
    gguf_writer *w = gguf_writer_new();
    char **vocab = p->with_vocab ? llm_synth_vocab(p->n_vocab) : NULL;
    float *scores = p->with_vocab ? calloc((size_t)p->n_vocab, sizeof *scores) : NULL;
    int32_t *types = p->with_vocab ? calloc((size_t)p->n_vocab, sizeof *types) : NULL;
    gorilla_status st = GORILLA_OK;
    if (!specs || !w || (p->with_vocab && (!vocab || !scores || !types))) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t k = 0;
    const float E = (float)p->n_embd, F = (float)p->n_ff;
    const int mpt = p->arch == LLM_SYNTH_MPT, falcon = p->arch == LLM_SYNTH_FALCON;
    const int mpt_b = mpt && p->biases;
#define SPEC(nm, c, r, sc, norm)                                                              \
    do {                                                                                      \
        spec *s_ = &specs[k++];                                                               \
        snprintf(s_->name, sizeof s_->name, "%s", nm);                                        \
        s_->cols = (uint64_t)(c);                                                             \
        s_->rows = (uint64_t)(r);                                                             \
        s_->type = (norm) ? QT_F32 : pick_type(p->type, s_->cols);                            \
        s_->scale = (sc);                                                                     \
        s_->is_norm = (norm);                                                                 \
    } while (0)
    SPEC("token_embd.weight", p->n_embd, p->n_vocab, 1.0f, 0);
    SPEC("output_norm.weight", p->n_embd, 1, 1.0f, 1);
    if (falcon || mpt_b) SPEC("output_norm.bias", p->n_embd, 1, 0.1f, 2);
    if (!p->tied) SPEC("output.weight", p->n_embd, p->n_vocab, 1.0f / sqrtf(E), 0);
    if (p->rope_freqs && !p->arch) SPEC("rope_freqs.weight", hd / 2, 1, 1.0f, 1);
    for (int l = 0; l < p->n_layer; l++) {
        char nm[64];
#define L(x) layer_name(nm, sizeof nm, l, x)
#define LB(x) layer_bias_name(nm, sizeof nm, l, x)
        SPEC(L("attn_norm"), p->n_embd, 1, 1.0f, 1);
        if (!p->arch) {
            SPEC(L("attn_q"), p->n_embd, p->n_embd, 1.0f / sqrtf(E), 0);
            SPEC(L("attn_k"), p->n_embd, kv, 1.0f / sqrtf(E), 0);
            SPEC(L("attn_v"), p->n_embd, kv, 1.0f / sqrtf(E), 0);
            SPEC(L("attn_output"), p->n_embd, p->n_embd, 1.0f / sqrtf(E), 0);
            SPEC(L("ffn_norm"), p->n_embd, 1, 1.0f, 1);
            SPEC(L("ffn_gate"), p->n_embd, p->n_ff, 1.0f / sqrtf(E), 0);
            SPEC(L("ffn_up"), p->n_embd, p->n_ff, 1.0f / sqrtf(E), 0);
            SPEC(L("ffn_down"), p->n_ff, p->n_embd, 1.0f / sqrtf(F), 0);
        } else {
            if (falcon || mpt_b) SPEC(LB("attn_norm"), p->n_embd, 1, 0.1f, 2);
            if (falcon && p->biases) {
                SPEC(L("attn_norm_2"), p->n_embd, 1, 1.0f, 1);
                SPEC(LB("attn_norm_2"), p->n_embd, 1, 0.1f, 2);
            }
            SPEC(L("attn_qkv"), p->n_embd, p->n_embd + 2 * kv, 1.0f / sqrtf(E), 0);
            if (mpt_b) SPEC(LB("attn_qkv"), p->n_embd + 2 * kv, 1, 0.1f, 2);
            SPEC(L("attn_output"), p->n_embd, p->n_embd, 1.0f / sqrtf(E), 0);
            if (mpt_b) SPEC(LB("attn_output"), p->n_embd, 1, 0.1f, 2);
            if (mpt) {
                SPEC(L("ffn_norm"), p->n_embd, 1, 1.0f, 1);
                if (mpt_b) SPEC(LB("ffn_norm"), p->n_embd, 1, 0.1f, 2);
            }
            SPEC(L("ffn_up"), p->n_embd, p->n_ff, 1.0f / sqrtf(E), 0);
            if (mpt_b) SPEC(LB("ffn_up"), p->n_ff, 1, 0.1f, 2);
            SPEC(L("ffn_down"), p->n_ff, p->n_embd, 1.0f / sqrtf(F), 0);
            if (mpt_b) SPEC(LB("ffn_down"), p->n_embd, 1, 0.1f, 2);
        }
#undef L
#undef LB
    }
#undef SPEC
    int bad = 0;
    const char *a = mpt ? "mpt" : falcon ? "falcon" : "llama";
    char key[96], gname[64];
#define KEY(x) (snprintf(key, sizeof key, "%s." x, a), key)
    snprintf(gname, sizeof gname, "gorilla synthetic %s", a);
    bad |= gguf_writer_str(w, "general.architecture", a);
    bad |= gguf_writer_str(w, "general.name", gname);
    bad |= gguf_writer_alignment(w, 32);
    bad |= gguf_writer_u32(w, KEY("context_length"), (uint32_t)p->n_ctx);
    bad |= gguf_writer_u32(w, KEY("embedding_length"), (uint32_t)p->n_embd);
    bad |= gguf_writer_u32(w, KEY("block_count"), (uint32_t)p->n_layer);
    bad |= gguf_writer_u32(w, KEY("feed_forward_length"), (uint32_t)p->n_ff);
    bad |= gguf_writer_u32(w, KEY("attention.head_count"), (uint32_t)p->n_head);
    bad |= gguf_writer_u32(w, KEY("attention.head_count_kv"), (uint32_t)p->n_head_kv);
    if (!p->arch) {
        bad |= gguf_writer_f32(w, "llama.attention.layer_norm_rms_epsilon", p->rms_eps);
        bad |= gguf_writer_u32(w, "llama.rope.dimension_count", (uint32_t)hd);
        bad |= gguf_writer_f32(w, "llama.rope.freq_base", p->rope_base);
        if (p->rope_scale_linear > 0) {
            bad |= gguf_writer_str(w, "llama.rope.scaling.type", "linear");
            bad |= gguf_writer_f32(w, "llama.rope.scaling.factor", p->rope_scale_linear);
        }
    } else {
        bad |= gguf_writer_f32(w, KEY("attention.layer_norm_epsilon"), p->rms_eps);
    }
    if (mpt) {
        bad |= gguf_writer_f32(w, "mpt.attention.max_alibi_bias", p->alibi_max);
        if (p->clamp_kqv > 0) bad |= gguf_writer_f32(w, "mpt.attention.clamp_kqv", p->clamp_kqv);
    }
    if (falcon) bad |= gguf_writer_f32(w, "falcon.rope.freq_base", p->rope_base);
    bad |= gguf_writer_u32(w, KEY("vocab_size"), (uint32_t)p->n_vocab);
#undef KEY
    if (p->with_vocab) {
        for (int i = 0; i < p->n_vocab; i++) {
            types[i] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;
            scores[i] = i < 259 ? 0.0f : -(float)(i - 259);
        }
        bad |= gguf_writer_str(w, "tokenizer.ggml.model", "llama");
        bad |= gguf_writer_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)vocab, (size_t)p->n_vocab);
        bad |= gguf_writer_arr_f32(w, "tokenizer.ggml.scores", scores, (size_t)p->n_vocab);
        bad |= gguf_writer_arr_i32(w, "tokenizer.ggml.token_type", types, (size_t)p->n_vocab);
        bad |= gguf_writer_u32(w, "tokenizer.ggml.unknown_token_id", 0);
        bad |= gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", 1);
        bad |= gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", 2);
        bad |= gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", 1);
        bad |= gguf_writer_bool(w, "tokenizer.ggml.add_eos_token", 0);
    }
    for (size_t i = 0; i < k; i++) {
        uint64_t ne[2] = {specs[i].cols, specs[i].rows};
        bad |= gguf_writer_tensor(w, specs[i].name, specs[i].type, specs[i].is_norm ? 1 : 2, ne, NULL);
    }
    if (bad) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto done;
    }
    fill_ctx fc = {p, specs};
    st = gguf_writer_save(w, path, fill, &fc, err);
done:
    gguf_writer_free(w);
    llm_synth_vocab_free(vocab, p->n_vocab);
    free(scores);
    free(types);
    free(specs);
    return st;
}
