/* hf_fixture.c — writing small random Hugging Face checkpoints. */
#include "support/hf_fixture.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void hf_fixture_init(hf_fixture *f)
{
    memset(f, 0, sizeof *f);
    f->arch = "llama";
    f->n_embd = 32;
    f->n_ff = 64;
    f->n_layer = 2;
    f->n_head = 4;
    f->n_head_kv = 2;
    f->n_vocab = 300;
    f->n_ctx = 64;
    f->dtype = "F32";
    f->rope_theta = 10000.0;
    f->seed = 1;
}

/* ---- values ------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t name_hash(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* uniform in [-1, 1) */
static float uni(uint64_t *st)
{
    *st = mix(*st + 0x9E3779B97F4A7C15ull);
    return (float)((*st >> 40) & 0xFFFFFF) / (float)0x800000 - 1.0f;
}

static uint16_t to_f16(float f)
{
    /* round to nearest even via double arithmetic on normal range */
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    float a = fabsf(f);
    if (a < 6.103515625e-05f) return (uint16_t)(sign | (uint16_t)lrintf(a * 16777216.0f));
    int e;
    double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    long q = lrint(ldexp(m, 11)); /* 11 significant bits */
    if (q == 2048) {
        q = 1024;
        e++;
    }
    return (uint16_t)(sign | (uint16_t)((e + 14) << 10) | (uint16_t)(q - 1024));
}

static uint16_t to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    return (uint16_t)((x + 0x7FFFu + ((x >> 16) & 1)) >> 16);
}

/* ---- safetensors ----------------------------------------------------------- */

typedef struct {
    char name[128];
    int n_dims;
    long shape[2];
    int norm;      /* values around 1 (norm weights) or around 0 (biases: norm 2) */
    int shard;
} tdesc;

typedef struct {
    tdesc *t;
    size_t n, cap;
} tlist;

static void add(tlist *l, const char *name, long rows, long cols, int norm)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->t = realloc(l->t, l->cap * sizeof *l->t);
    }
    tdesc *t = &l->t[l->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->norm = norm;
}

static void build_list(const hf_fixture *f, tlist *l)
{
    long E = f->n_embd, F = f->n_ff, V = f->n_vocab, D = f->n_embd / f->n_head, Q = f->n_head * D,
         KV = f->n_head_kv * D;
    char nm[128];
    if (!strcmp(f->arch, "llama")) {
        add(l, "model.embed_tokens.weight", V, E, 0);
        for (int i = 0; i < f->n_layer; i++) {
#define A(what, r, c, norm) (snprintf(nm, sizeof nm, "model.layers.%d.%s.weight", i, what), add(l, nm, r, c, norm))
            A("input_layernorm", E, 0, 1);
            A("self_attn.q_proj", Q, E, 0);
            A("self_attn.k_proj", KV, E, 0);
            A("self_attn.v_proj", KV, E, 0);
            A("self_attn.o_proj", E, Q, 0);
            A("post_attention_layernorm", E, 0, 1);
            A("mlp.gate_proj", F, E, 0);
            A("mlp.up_proj", F, E, 0);
            A("mlp.down_proj", E, F, 0);
#undef A
        }
        add(l, "model.norm.weight", E, 0, 1);
        if (!f->tied) add(l, "lm_head.weight", V, E, 0);
    } else if (!strcmp(f->arch, "mpt")) {
        add(l, "transformer.wte.weight", V, E, 0);
        for (int i = 0; i < f->n_layer; i++) {
#define A(what, r, c, norm) (snprintf(nm, sizeof nm, "transformer.blocks.%d.%s", i, what), add(l, nm, r, c, norm))
            A("norm_1.weight", E, 0, 1);
            if (f->bias) A("norm_1.bias", E, 0, 2);
            A("attn.Wqkv.weight", Q + 2 * KV, E, 0);
            A("attn.out_proj.weight", E, Q, 0);
            A("norm_2.weight", E, 0, 1);
            if (f->bias) A("norm_2.bias", E, 0, 2);
            A("ffn.up_proj.weight", F, E, 0);
            A("ffn.down_proj.weight", E, F, 0);
#undef A
        }
        add(l, "transformer.norm_f.weight", E, 0, 1);
        if (f->bias) add(l, "transformer.norm_f.bias", E, 0, 2);
    } else {
        add(l, "transformer.word_embeddings.weight", V, E, 0);
        for (int i = 0; i < f->n_layer; i++) {
#define A(what, r, c, norm) (snprintf(nm, sizeof nm, "transformer.h.%d.%s", i, what), add(l, nm, r, c, norm))
            A("input_layernorm.weight", E, 0, 1);
            A("input_layernorm.bias", E, 0, 2); /* Falcon's LayerNorms always have one */
            A("self_attention.query_key_value.weight", Q + 2 * KV, E, 0);
            A("self_attention.dense.weight", E, Q, 0);
            A("mlp.dense_h_to_4h.weight", F, E, 0);
            A("mlp.dense_4h_to_h.weight", E, F, 0);
#undef A
        }
        add(l, "transformer.ln_f.weight", E, 0, 1);
        add(l, "transformer.ln_f.bias", E, 0, 2);
        add(l, "lm_head.weight", V, E, 0);
    }
}

static size_t esize(const char *dtype) { return !strcmp(dtype, "F32") ? 4 : 2; }

/* Writes the tensors with shard == s (or all when s < 0) to path. */
static int write_st(const hf_fixture *f, const tlist *l, int s, const char *path)
{
    size_t es = esize(f->dtype), off = 0;
    json_t *hdr = json_object();
    for (size_t i = 0; i < l->n; i++) {
        const tdesc *t = &l->t[i];
        if (s >= 0 && t->shard != s) continue;
        size_t n = (size_t)t->shape[0] * (size_t)(t->n_dims == 2 ? t->shape[1] : 1);
        json_t *e = json_object(), *shape = json_array();
        json_object_set_new(e, "dtype", json_string(f->dtype));
        for (int d = 0; d < t->n_dims; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        json_object_set_new(e, "shape", shape);
        json_int_t b = (json_int_t)off, len = (json_int_t)n * (json_int_t)es;
        json_object_set_new(e, "data_offsets", json_pack("[I, I]", b, b + len));
        json_object_set_new(hdr, t->name, e);
        off += n * es;
    }
    json_object_set_new(hdr, "__metadata__", json_pack("{s:s}", "format", "pt"));
    char *text = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(hdr);
    uint8_t *buf = malloc(off ? off : 1);
    /* data in the header's order (sorted keys): recompute offsets in sorted order */
    json_t *h2 = json_loads(text, 0, NULL);
    free(text);
    const char *key;
    json_t *val;
    off = 0;
    json_object_foreach(h2, key, val)
    {
        if (!strcmp(key, "__metadata__")) continue;
        const tdesc *t = NULL;
        for (size_t i = 0; i < l->n && !t; i++)
            if (!strcmp(l->t[i].name, key)) t = &l->t[i];
        size_t n = (size_t)t->shape[0] * (size_t)(t->n_dims == 2 ? t->shape[1] : 1);
        json_int_t b = (json_int_t)off, len = (json_int_t)n * (json_int_t)es;
        json_object_set_new(val, "data_offsets", json_pack("[I, I]", b, b + len));
        uint64_t st = name_hash(t->name, f->seed);
        float scale = t->norm ? 0.2f : 1.0f / sqrtf((float)(t->n_dims == 2 ? t->shape[1] : 1));
        /* sharper attention, so that the rotary order matters */
        if (strstr(t->name, "q_proj") || strstr(t->name, "k_proj") || strstr(t->name, "Wqkv") ||
            strstr(t->name, "query_key_value"))
            scale *= 4.0f;
        for (size_t j = 0; j < n; j++) {
            int emb = strstr(t->name, "embed") || strstr(t->name, "wte") || strstr(t->name, "word_embeddings");
            /* tied: the embedding is the classifier too; keep its logits moderate */
            float v = emb ? (f->tied ? 0.3f : 1.0f) * uni(&st) : (t->norm == 1 ? 1.0f : 0.0f) + scale * uni(&st);
            uint8_t *p = buf + off + j * es;
            if (es == 4) memcpy(p, &v, 4);
            else {
                uint16_t h = !strcmp(f->dtype, "F16") ? to_f16(v) : to_bf16(v);
                p[0] = (uint8_t)(h & 0xFF);
                p[1] = (uint8_t)(h >> 8);
            }
        }
        off += n * es;
    }
    text = json_dumps(h2, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(h2);
    int rc = hf_fixture_write_raw(path, text, buf, off);
    free(text);
    free(buf);
    return rc;
}

int hf_fixture_write_raw(const char *path, const char *header, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return -1;
    uint64_t hl = strlen(header);
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)(hl >> (8 * i));
    int bad = fwrite(le, 1, 8, fp) != 8 || fwrite(header, 1, hl, fp) != hl || (len && fwrite(data, 1, len, fp) != len);
    return fclose(fp) || bad ? -1 : 0;
}

/* ---- config ------------------------------------------------------------------ */

static json_t *config_json(const hf_fixture *f)
{
    if (!strcmp(f->arch, "llama")) {
        json_t *c = json_pack("{s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:b, s:i, s:i}", "architectures",
                              "LlamaForCausalLM", "model_type", "llama", "hidden_size", f->n_embd, "intermediate_size",
                              f->n_ff, "num_hidden_layers", f->n_layer, "num_attention_heads", f->n_head,
                              "num_key_value_heads", f->n_head_kv, "vocab_size", f->n_vocab, "max_position_embeddings",
                              f->n_ctx, "rms_norm_eps", 1e-5, "rope_theta", f->rope_theta, "tie_word_embeddings", f->tied,
                              "bos_token_id", 0, "eos_token_id", 0);
        if (f->rope_factor > 0) json_object_set_new(c, "rope_scaling", json_pack("{s:s, s:f}", "type", "linear", "factor", f->rope_factor));
        json_object_set_new(c, "torch_dtype", json_string(!strcmp(f->dtype, "F32") ? "float32" : !strcmp(f->dtype, "F16") ? "float16" : "bfloat16"));
        return c;
    }
    if (!strcmp(f->arch, "mpt"))
        return json_pack("{s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:{s:b, s:f, s:n, s:s}, s:b}", "architectures",
                         "MPTForCausalLM", "model_type", "mpt", "d_model", f->n_embd, "n_heads", f->n_head, "n_layers",
                         f->n_layer, "vocab_size", f->n_vocab, "max_seq_len", f->n_ctx, "expansion_ratio",
                         f->n_ff / f->n_embd, "attn_config", "alibi", 1, "alibi_bias_max", 8.0, "clip_qkv", "attn_impl",
                         "torch", "no_bias", !f->bias);
    return json_pack("{s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:f, s:b, s:b, s:b, s:b}", "architectures",
                     "FalconForCausalLM", "model_type", "falcon", "hidden_size", f->n_embd, "num_attention_heads",
                     f->n_head, "num_kv_heads", f->n_head_kv, "num_hidden_layers", f->n_layer, "vocab_size",
                     f->n_vocab, "layer_norm_epsilon", 1e-5, "new_decoder_architecture", 0, "multi_query",
                     f->n_head_kv == 1, "parallel_attn", 1, "bias", 0);
}

/* ---- tokenizers ----------------------------------------------------------------- */

void hf_fixture_byte_char(int b, char out[4])
{
    int cp;
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) {
        cp = b;
    } else {
        int n = 0;
        for (int x = 0; x < b; x++)
            if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255))) n++;
        cp = 256 + n;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = 0;
    } else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = 0;
    }
}

static int write_tokenizer_json(const hf_fixture *f, const char *dir)
{
    json_t *vocab = json_object(), *merges = json_array();
    json_object_set_new(vocab, "<|endoftext|>", json_integer(0));
    for (int b = 0; b < 256; b++) {
        char c[4];
        hf_fixture_byte_char(b, c);
        json_object_set_new(vocab, c, json_integer(1 + b));
    }
    for (int id = 257, k = 0; id < f->n_vocab; id++, k++) {
        char a[2] = {(char)('a' + k % 26), 0}, b[2] = {(char)('a' + (k / 26) % 26), 0}, ab[3] = {a[0], b[0], 0};
        char m[8];
        snprintf(m, sizeof m, "%s %s", a, b);
        json_object_set_new(vocab, ab, json_integer(id));
        json_array_append_new(merges, json_string(m));
    }
    json_t *tj = json_pack("{s:s, s:[{s:i, s:s, s:b, s:b, s:b, s:b, s:b}], s:n, s:{s:s, s:b, s:b, s:b}, s:{s:s, s:o, s:o}}",
                           "version", "1.0", "added_tokens", "id", 0, "content", "<|endoftext|>", "single_word", 0, "lstrip", 0,
                           "rstrip", 0, "normalized", 0, "special", 1, "normalizer", "pre_tokenizer", "type",
                           "ByteLevel", "add_prefix_space", 0, "trim_offsets", 1, "use_regex", 1, "model", "type", "BPE",
                           "vocab", vocab, "merges", merges);
    char p[4200];
    snprintf(p, sizeof p, "%s/tokenizer.json", dir);
    int rc = json_dump_file(tj, p, JSON_INDENT(1));
    json_decref(tj);
    json_t *tc = json_pack("{s:s, s:s, s:b}", "bos_token", "<|endoftext|>", "eos_token", "<|endoftext|>",
                           "add_bos_token", 0);
    snprintf(p, sizeof p, "%s/tokenizer_config.json", dir);
    rc |= json_dump_file(tc, p, JSON_INDENT(1));
    json_decref(tc);
    return rc;
}

/* protobuf writing */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} pbuf;

static void pb_put(pbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void pb_varint(pbuf *b, uint64_t v)
{
    do {
        uint8_t c = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) c |= 0x80;
        pb_put(b, &c, 1);
    } while (v);
}

static void pb_len(pbuf *b, uint32_t field, const void *d, size_t n)
{
    pb_varint(b, (uint64_t)field << 3 | 2);
    pb_varint(b, n);
    pb_put(b, d, n);
}

static int write_tokenizer_model(const hf_fixture *f, const char *dir)
{
    pbuf m = {0};
    for (int id = 0; id < f->n_vocab; id++) {
        char text[32];
        int type = 1;
        float score = 0;
        if (id == 0) snprintf(text, sizeof text, "<unk>"), type = 2;
        else if (id == 1) snprintf(text, sizeof text, "<s>"), type = 3;
        else if (id == 2) snprintf(text, sizeof text, "</s>"), type = 3;
        else if (id < 259) snprintf(text, sizeof text, "<0x%02X>", id - 3), type = 6;
        else {
            int k = id - 259;
            snprintf(text, sizeof text, "\xe2\x96\x81%c%c", 'a' + k % 26, 'a' + (k / 26) % 26);
            score = -(float)k;
        }
        pbuf piece = {0};
        pb_len(&piece, 1, text, strlen(text));
        if (score != 0) {
            pb_varint(&piece, 2 << 3 | 5);
            pb_put(&piece, &score, 4);
        }
        if (type != 1) {
            pb_varint(&piece, 3 << 3 | 0);
            pb_varint(&piece, (uint64_t)type);
        }
        pb_len(&m, 1, piece.p, piece.n);
        free(piece.p);
    }
    pbuf tr = {0};
    pb_len(&tr, 1, "x.txt", 5);
    pb_varint(&tr, 3 << 3 | 0); /* model_type BPE */
    pb_varint(&tr, 2);
    pb_varint(&tr, 35 << 3 | 0); /* byte_fallback */
    pb_varint(&tr, 1);
    pb_varint(&tr, 43 << 3 | 0); /* pad_id -1: ten-byte varint */
    pb_varint(&tr, (uint64_t)(int64_t)-1);
    pb_len(&m, 2, tr.p, tr.n);
    free(tr.p);
    pbuf nz = {0};
    pb_len(&nz, 1, "identity", 8);
    pb_varint(&nz, 3 << 3 | 0);
    pb_varint(&nz, 1);
    pb_len(&m, 3, nz.p, nz.n);
    free(nz.p);
    char p[4200];
    snprintf(p, sizeof p, "%s/tokenizer.model", dir);
    FILE *fp = fopen(p, "wb");
    int rc = !fp || fwrite(m.p, 1, m.n, fp) != m.n;
    if (fp) rc |= fclose(fp) != 0;
    free(m.p);
    return rc ? -1 : 0;
}

int hf_fixture_write(const hf_fixture *f, const char *dir)
{
    mkdir(dir, 0755);
    char p[4200];
    json_t *c = config_json(f);
    snprintf(p, sizeof p, "%s/config.json", dir);
    int rc = json_dump_file(c, p, JSON_INDENT(2));
    json_decref(c);
    tlist l = {0};
    build_list(f, &l);
    if (f->sharded) {
        json_t *wm = json_object();
        for (size_t i = 0; i < l.n; i++) {
            l.t[i].shard = i < l.n / 2 ? 0 : 1;
            json_object_set_new(wm, l.t[i].name,
                                json_string(l.t[i].shard ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors"));
        }
        snprintf(p, sizeof p, "%s/model-00001-of-00002.safetensors", dir);
        rc |= write_st(f, &l, 0, p);
        snprintf(p, sizeof p, "%s/model-00002-of-00002.safetensors", dir);
        rc |= write_st(f, &l, 1, p);
        json_t *idx = json_pack("{s:{s:i}, s:o}", "metadata", "total_size", 0, "weight_map", wm);
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
        rc |= json_dump_file(idx, p, JSON_INDENT(2));
        json_decref(idx);
    } else {
        snprintf(p, sizeof p, "%s/model.safetensors", dir);
        rc |= write_st(f, &l, -1, p);
    }
    free(l.t);
    rc |= f->spm ? write_tokenizer_model(f, dir) : write_tokenizer_json(f, dir);
    return rc ? -1 : 0;
}

void hf_fixture_remove(const char *dir)
{
    static const char *const names[] = {"config.json", "model.safetensors", "model-00001-of-00002.safetensors",
                                        "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                                        "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
                                        "added_tokens.json", "extra.safetensors"};
    char p[4200];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}
