/* llama2c.c — llama2.c checkpoints (.bin) and tokenizers to a LLaMA GGUF.
 *
 * Checkpoint formats (llama2.c's export.py; all little-endian):
 *  - legacy (v0): 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 *    vocab_size — negative when the classifier is not shared —, seq_len),
 *    then f32: token embedding [V][D]; per kind, all layers: rms_att [D],
 *    wq [D][D], wk [KV][D], wv [KV][D], wo [D][D], rms_ffn [D], w1 [H][D],
 *    w2 [D][H], w3 [H][D]; rms_final [D]; the rope tables (seq_len x
 *    head_size f32, skipped); wcls [V][D] when not shared.
 *  - v1: u32 magic "ak42" (0x616b3432), int32 version 1, the 7 int32, u8
 *    shared flag, zero padding to 256 bytes; then f32: rms_att (all
 *    layers), rms_ffn (all layers), rms_final, embedding, wq.., wk.., wv..,
 *    wo.., w1.., w2.., w3.. (each all layers), wcls when not shared.
 *  - v2: as v1 with version 2 and an int32 group size after the flag; the
 *    three norm kinds in f32, then for each of embedding, wq[l].., wk[l]..,
 *    wv[l].., wo[l].., w1[l].., w2[l].., w3[l].., (wcls): int8 values of
 *    the flattened tensor, then one f32 scale per group (x = q * s).
 *
 * The weights are in Meta's rotary order (llama2.c's run.c rotates adjacent
 * pairs), which is GGUF's: no Q/K permutation.
 *
 * Tokenizer: int32 max_token_length, then per token (vocab_size of them) an
 * f32 score, an int32 byte length and the bytes. As llama.cpp's
 * convert-llama2c-to-ggml does: id 0 is "<unk>" (unknown), 1 "<s>" and 2
 * "</s>" (control), empty tokens are control, "<0xHH>" byte tokens, every
 * other token normal, and ' ' is written as U+2581. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "convert/convert.h"
#include "llm/quant/quant.h"

#define L2C_MAGIC 0x616b3432u
#define L2C_HEADER_V 256
#define L2C_MAX_DIM (1 << 20)
#define L2C_MAX_TOKEN_BYTES 4096

typedef struct {
    int32_t dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len;
    int shared, version; /* version 0: legacy */
    int32_t group;       /* v2 */
    uint64_t kv_dim, head_size;
} l2c_config;

static int32_t rd_i32(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t v;
    memcpy(&v, &u, 4);
    return v;
}

static gorilla_status read_config(const cv_map *m, l2c_config *c, gorilla_error *err)
{
    memset(c, 0, sizeof *c);
    const uint8_t *p = m->data;
    size_t off;
    if (m->size >= 8 && (uint32_t)rd_i32(p) == L2C_MAGIC) {
        c->version = rd_i32(p + 4);
        if (c->version != 1 && c->version != 2)
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                                "%s: llama2.c checkpoint version %d is not supported (1: fp32, 2: int8)", m->path,
                                c->version);
        if (m->size < L2C_HEADER_V)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: truncated header: %zu bytes, the v%d header is 256",
                                m->path, m->size, c->version);
        off = 8;
    } else {
        if (m->size < 28)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s: %zu bytes is too short for a llama2.c header (28)",
                                m->path, m->size);
        off = 0;
    }
    int32_t h[7];
    for (int i = 0; i < 7; i++) h[i] = rd_i32(p + off + 4 * (size_t)i);
    c->dim = h[0];
    c->hidden = h[1];
    c->n_layers = h[2];
    c->n_heads = h[3];
    c->n_kv_heads = h[4];
    c->vocab = h[5];
    c->seq_len = h[6];
    if (c->version == 0) {
        c->shared = c->vocab > 0;
        if (c->vocab < 0 && c->vocab != INT32_MIN) c->vocab = -c->vocab;
    } else {
        c->shared = p[36] != 0;
        if (c->version == 2) c->group = rd_i32(p + 37);
    }
    if (c->dim <= 0 || c->dim > L2C_MAX_DIM || c->hidden <= 0 || c->hidden > 4 * L2C_MAX_DIM || c->n_layers <= 0 ||
        c->n_layers > 4096 || c->n_heads <= 0 || c->n_kv_heads <= 0 || c->vocab <= 0 || c->vocab > (1 << 24) ||
        c->seq_len <= 0 || c->seq_len > (1 << 24))
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: implausible llama2.c header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, "
                            "n_kv_heads %d, vocab_size %d, seq_len %d): not a llama2.c checkpoint?",
                            m->path, h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
    if (c->dim % c->n_heads || c->n_heads % c->n_kv_heads || (c->dim / c->n_heads) % 2)
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: dim %d, n_heads %d, n_kv_heads %d: need dim a multiple of n_heads with an even head "
                            "size and n_heads a multiple of n_kv_heads",
                            m->path, c->dim, c->n_heads, c->n_kv_heads);
    if (c->version == 2 && (c->group <= 0 || c->group > (1 << 20)))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: group size %d is not positive", m->path, c->group);
    c->head_size = (uint64_t)(c->dim / c->n_heads);
    c->kv_dim = c->head_size * (uint64_t)c->n_kv_heads;
    return GORILLA_OK;
}

/* The tensors in file order. kind: 0 embedding, 1 rms_att, 2 wq, 3 wk,
 * 4 wv, 5 wo, 6 rms_ffn, 7 w1, 8 w2, 9 w3, 10 rms_final, 11 wcls. */
enum { K_EMB, K_ATT, K_WQ, K_WK, K_WV, K_WO, K_FFN, K_W1, K_W2, K_W3, K_FIN, K_CLS, K_COUNT };

static void kind_shape(const l2c_config *c, int k, uint64_t *cols, uint64_t *rows)
{
    uint64_t D = (uint64_t)c->dim, H = (uint64_t)c->hidden, V = (uint64_t)c->vocab;
    switch (k) {
    case K_EMB: case K_CLS: *cols = D; *rows = V; break;
    case K_ATT: case K_FFN: case K_FIN: *cols = D; *rows = 1; break;
    case K_WQ: case K_WO: *cols = D; *rows = D; break;
    case K_WK: case K_WV: *cols = D; *rows = c->kv_dim; break;
    case K_W1: case K_W3: *cols = D; *rows = H; break;
    default: *cols = H; *rows = D; break; /* K_W2 */
    }
}

static const char *kind_name(int k)
{
    static const char *const names[K_COUNT] = {"token_embd", "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                               "ffn_norm", "ffn_gate", "ffn_down", "ffn_up", "output_norm", "output"};
    return names[k];
}

static void tensor_name(char *buf, size_t cap, int k, int layer)
{
    if (k == K_EMB || k == K_FIN || k == K_CLS) snprintf(buf, cap, "%s.weight", kind_name(k));
    else snprintf(buf, cap, "blk.%d.%s.weight", layer, kind_name(k));
}

/* Where each tensor's values are (byte offsets in the file). */
typedef struct {
    uint64_t off[K_COUNT];      /* first layer's offset for per-layer kinds (f32, or int8 for v2) */
    uint64_t stride[K_COUNT];   /* bytes from one layer to the next (v0/v1), or per layer (v2: q+scales) */
    uint64_t scale_off[K_COUNT]; /* v2: from the tensor's int8 start to its scales */
    uint64_t end;
} l2c_layout;

static int per_layer(int k) { return k != K_EMB && k != K_FIN && k != K_CLS; }

static uint64_t numel(const l2c_config *c, int k)
{
    uint64_t cols, rows;
    kind_shape(c, k, &cols, &rows);
    return cols * rows;
}

static gorilla_status layout(const l2c_config *c, const cv_map *m, l2c_layout *lo, gorilla_error *err)
{
    memset(lo, 0, sizeof *lo);
    uint64_t L = (uint64_t)c->n_layers, pos;
    static const int v0_order[] = {K_EMB, K_ATT, K_WQ, K_WK, K_WV, K_WO, K_FFN, K_W1, K_W2, K_W3, K_FIN};
    static const int v1_order[] = {K_ATT, K_FFN, K_FIN, K_EMB, K_WQ, K_WK, K_WV, K_WO, K_W1, K_W2, K_W3};
    static const int v2_q_order[] = {K_EMB, K_WQ, K_WK, K_WV, K_WO, K_W1, K_W2, K_W3};
    if (c->version == 0) {
        pos = 28;
        for (size_t i = 0; i < sizeof v0_order / sizeof *v0_order; i++) {
            int k = v0_order[i];
            lo->off[k] = pos;
            lo->stride[k] = 4 * numel(c, k);
            pos += (per_layer(k) ? L : 1) * lo->stride[k];
        }
        pos += 4 * (uint64_t)c->seq_len * c->head_size; /* freq_cis_real, freq_cis_imag */
        if (!c->shared) {
            lo->off[K_CLS] = pos;
            pos += 4 * numel(c, K_CLS);
        }
    } else if (c->version == 1) {
        pos = L2C_HEADER_V;
        for (size_t i = 0; i < sizeof v1_order / sizeof *v1_order; i++) {
            int k = v1_order[i];
            lo->off[k] = pos;
            lo->stride[k] = 4 * numel(c, k);
            pos += (per_layer(k) ? L : 1) * lo->stride[k];
        }
        if (!c->shared) {
            lo->off[K_CLS] = pos;
            pos += 4 * numel(c, K_CLS);
        }
    } else {
        pos = L2C_HEADER_V;
        static const int norms[] = {K_ATT, K_FFN, K_FIN};
        for (size_t i = 0; i < 3; i++) {
            int k = norms[i];
            lo->off[k] = pos;
            lo->stride[k] = 4 * numel(c, k);
            pos += (per_layer(k) ? L : 1) * lo->stride[k];
        }
        uint64_t g = (uint64_t)c->group;
        for (size_t i = 0; i < sizeof v2_q_order / sizeof *v2_q_order + (c->shared ? 0 : 1); i++) {
            int k = i < sizeof v2_q_order / sizeof *v2_q_order ? v2_q_order[i] : K_CLS;
            uint64_t n = numel(c, k);
            if (n % g)
                return gorilla_fail(err, GORILLA_ERR_INVALID,
                                    "%s: tensor '%s' has %llu elements, not a multiple of the group size %d", m->path,
                                    kind_name(k), (unsigned long long)n, c->group);
            lo->off[k] = pos;
            lo->scale_off[k] = n;
            lo->stride[k] = n + 4 * (n / g);
            pos += (per_layer(k) ? L : 1) * lo->stride[k];
        }
    }
    lo->end = pos;
    if (pos != (uint64_t)m->size) {
        static const char *const vname[] = {"legacy", "v1", "v2"};
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "%s: wrong size for a llama2.c %s checkpoint: %zu bytes, its header (dim %d, hidden_dim %d, "
                            "n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d, %s classifier) needs "
                            "%llu",
                            m->path, vname[c->version], m->size, c->dim, c->hidden, c->n_layers, c->n_heads,
                            c->n_kv_heads, c->vocab, c->seq_len, c->shared ? "shared" : "separate",
                            (unsigned long long)pos);
    }
    return GORILLA_OK;
}

/* ---- tokenizer --------------------------------------------------------- */

typedef struct {
    char **text;
    float *scores;
    int32_t *types;
    size_t n;
} l2c_vocab;

static void vocab_free(l2c_vocab *v)
{
    if (v->text)
        for (size_t i = 0; i < v->n; i++) free(v->text[i]);
    free(v->text);
    free(v->scores);
    free(v->types);
    memset(v, 0, sizeof *v);
}

static int is_byte_token(const uint8_t *s, size_t n)
{
    return n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && isxdigit(s[3]) && isxdigit(s[4]) && s[5] == '>';
}

/* The token's GGUF text: spaces as U+2581 (3 bytes each). */
static char *escape_spaces(const uint8_t *s, size_t n)
{
    size_t spaces = 0;
    for (size_t i = 0; i < n; i++) spaces += s[i] == ' ';
    char *o = malloc(n + 2 * spaces + 1), *q = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            memcpy(q, "\xe2\x96\x81", 3);
            q += 3;
        } else {
            *q++ = (char)s[i];
        }
    }
    *q = 0;
    return o;
}

static gorilla_status read_vocab(const cv_map *mp, size_t n_vocab, l2c_vocab *v, gorilla_error *err)
{
    memset(v, 0, sizeof *v);
    const cv_map m = *mp;
    const char *path = m.path;
    gorilla_status st = GORILLA_OK;
    v->text = calloc(n_vocab, sizeof *v->text);
    v->scores = calloc(n_vocab, sizeof *v->scores);
    v->types = calloc(n_vocab, sizeof *v->types);
    v->n = n_vocab;
    if (!v->text || !v->scores || !v->types) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (m.size < 4) {
        st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: truncated llama2.c tokenizer: no max_token_length", path);
        goto done;
    }
    size_t off = 4;
    for (size_t i = 0; i < n_vocab; i++) {
        if (m.size - off < 8) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE,
                              "%s: truncated at token %zu of %zu (offset %zu): the model's vocabulary is larger than "
                              "the tokenizer's",
                              path, i, n_vocab, off);
            goto done;
        }
        float score;
        memcpy(&score, m.data + off, 4);
        int32_t len = rd_i32(m.data + off + 4);
        off += 8;
        if (len < 0 || len > L2C_MAX_TOKEN_BYTES || (size_t)len > m.size - off) {
            st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s: token %zu: length %d at offset %zu runs past the end (%zu bytes)",
                              path, i, len, off - 4, m.size);
            goto done;
        }
        const uint8_t *s = m.data + off;
        off += (size_t)len;
        if (memchr(s, 0, (size_t)len)) {
            st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: token %zu contains a NUL byte", path, i);
            goto done;
        }
        int32_t type = GORILLA_TOKEN_NORMAL;
        const char *fixed = NULL;
        if (i == 0) {
            fixed = "<unk>";
            type = GORILLA_TOKEN_UNKNOWN;
        } else if (i == 1) {
            fixed = "<s>";
            type = GORILLA_TOKEN_CONTROL;
        } else if (i == 2) {
            fixed = "</s>";
            type = GORILLA_TOKEN_CONTROL;
        } else if (len == 0) {
            type = GORILLA_TOKEN_CONTROL;
        } else if (is_byte_token(s, (size_t)len)) {
            type = GORILLA_TOKEN_BYTE;
        }
        v->text[i] = fixed ? strdup(fixed) : escape_spaces(s, (size_t)len);
        if (!v->text[i]) {
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            goto done;
        }
        v->scores[i] = score;
        v->types[i] = type;
    }
done:
    if (st) vocab_free(v);
    return st;
}

/* ---- conversion -------------------------------------------------------- */

void gorilla_convert_opts_init(gorilla_convert_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->type = -1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "dir/stories260K.bin" -> "stories260K" */
static void stem(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s", base_name(path));
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
}

static gorilla_status add_tensors(cv_plan *p, const l2c_config *c, const l2c_layout *lo, const cv_map *m,
                                  uint32_t want, gorilla_error *err)
{
    static const int out_order[] = {K_EMB, K_FIN, K_CLS};
    static const int layer_order[] = {K_ATT, K_WQ, K_WK, K_WV, K_WO, K_FFN, K_W1, K_W2, K_W3};
    gorilla_status st = GORILLA_OK;
    for (int pass = 0; pass < 2 && !st; pass++) {
        int n_layers = pass == 0 ? 1 : c->n_layers;
        size_t nk = pass == 0 ? 3 : 9;
        for (int l = 0; l < n_layers && !st; l++)
            for (size_t i = 0; i < nk && !st; i++) {
                int k = pass == 0 ? out_order[i] : layer_order[i];
                if (k == K_CLS && c->shared) continue;
                cv_tensor t;
                memset(&t, 0, sizeof t);
                tensor_name(t.name, sizeof t.name, k, l);
                uint64_t cols, rows;
                kind_shape(c, k, &cols, &rows);
                t.n_dims = rows == 1 ? 1 : 2;
                t.ne[0] = cols;
                t.ne[1] = rows;
                uint64_t off = lo->off[k] + (per_layer(k) ? (uint64_t)l * lo->stride[k] : 0);
                t.data = m->data + off;
                int quantized = c->version == 2 && k != K_ATT && k != K_FFN && k != K_FIN;
                if (quantized) {
                    t.kind = CV_SRC_I8_GROUPS;
                    t.scales = t.data + lo->scale_off[k];
                    t.group = (uint64_t)c->group;
                } else {
                    t.kind = CV_SRC_QTYPE;
                    t.qtype = QT_F32;
                }
                t.type = want;
                st = cv_plan_add(p, &t, err);
            }
    }
    return st;
}

gorilla_status l2c_plan(const cv_map *m, const cv_map *tok, const char *name, uint32_t want, cv_plan *p,
                        gorilla_convert_info *info, gorilla_error *err)
{
    l2c_config c;
    l2c_layout lo;
    l2c_vocab v = {0};
    gorilla_status st;
    if ((st = read_config(m, &c, err)) || (st = layout(&c, m, &lo, err))) return st;
    if ((st = read_vocab(tok, (size_t)c.vocab, &v, err))) return st;
    gguf_writer *w = p->w;
    int bad = cv_meta_common(w, "llama", name, want);
    bad |= gguf_writer_u32(w, "llama.vocab_size", (uint32_t)c.vocab);
    bad |= gguf_writer_u32(w, "llama.context_length", (uint32_t)c.seq_len);
    bad |= gguf_writer_u32(w, "llama.embedding_length", (uint32_t)c.dim);
    bad |= gguf_writer_u32(w, "llama.block_count", (uint32_t)c.n_layers);
    bad |= gguf_writer_u32(w, "llama.feed_forward_length", (uint32_t)c.hidden);
    bad |= gguf_writer_u32(w, "llama.attention.head_count", (uint32_t)c.n_heads);
    bad |= gguf_writer_u32(w, "llama.attention.head_count_kv", (uint32_t)c.n_kv_heads);
    bad |= gguf_writer_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    bad |= gguf_writer_u32(w, "llama.rope.dimension_count", (uint32_t)c.head_size);
    bad |= gguf_writer_f32(w, "llama.rope.freq_base", 10000.0f);
    bad |= gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    bad |= gguf_writer_str(w, "tokenizer.ggml.pre", "default");
    bad |= gguf_writer_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v.text, v.n);
    bad |= gguf_writer_arr_f32(w, "tokenizer.ggml.scores", v.scores, v.n);
    bad |= gguf_writer_arr_i32(w, "tokenizer.ggml.token_type", v.types, v.n);
    bad |= gguf_writer_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    if (v.n > 1) bad |= gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", 1);
    if (v.n > 2) bad |= gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", 2);
    bad |= gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", 1);
    bad |= gguf_writer_bool(w, "tokenizer.ggml.add_eos_token", 0);
    if (bad) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    if (!st) st = add_tensors(p, &c, &lo, m, want, err);
    if (!st && info) {
        memset(info, 0, sizeof *info);
        snprintf(info->arch, sizeof info->arch, "llama");
        snprintf(info->format, sizeof info->format, "llama2.c %s",
                 c.version == 0 ? "legacy" : c.version == 1 ? "v1 fp32" : "v2 int8");
        info->n_tensors = p->n;
        info->n_vocab = v.n;
        for (size_t i = 0; i < p->n; i++) info->n_params += p->t[i].ne[0] * p->t[i].ne[1];
    }
    vocab_free(&v);
    return st;
}

gorilla_status gorilla_convert_llama2c(const char *checkpoint, const char *out_path, const gorilla_convert_opts *opts,
                                       gorilla_convert_info *info, gorilla_error *err)
{
    gorilla_convert_opts defaults;
    if (!opts) {
        gorilla_convert_opts_init(&defaults);
        opts = &defaults;
    }
    uint32_t want = opts->type < 0 ? QT_F32 : (uint32_t)opts->type;
    if (!qtype_get(want)) return gorilla_fail(err, GORILLA_ERR_INVALID, "unsupported output type %d", opts->type);
    char *tok_path = NULL;
    if (opts->tokenizer) {
        tok_path = strdup(opts->tokenizer);
    } else {
        size_t dl = (size_t)(base_name(checkpoint) - checkpoint);
        tok_path = malloc(dl + sizeof "tokenizer.bin");
        if (tok_path) {
            memcpy(tok_path, checkpoint, dl);
            memcpy(tok_path + dl, "tokenizer.bin", sizeof "tokenizer.bin");
        }
    }
    if (!tok_path) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    cv_map m = {0}, tm = {0};
    cv_plan p = {0};
    gorilla_status st = cv_map_open(checkpoint, &m, err);
    if (!st) st = cv_map_open(tok_path, &tm, err);
    if (!st) st = cv_plan_init(&p, checkpoint, err);
    if (!st) {
        char name[256];
        if (opts->name) snprintf(name, sizeof name, "%s", opts->name);
        else stem(checkpoint, name, sizeof name);
        st = l2c_plan(&m, &tm, name, want, &p, info, err);
    }
    if (!st) st = cv_plan_save(&p, out_path, err);
    cv_plan_free(&p);
    cv_map_close(&tm);
    cv_map_close(&m);
    free(tok_path);
    return st;
}
