/* model.c — building a LLaMA model once at load (the kernel set, config.c,
 * weights.c, the vocabulary and the model's tokenizer, the thread pool,
 * state.c) and the public gorilla_model_* calls, which check their
 * arguments and run llm_forward (forward.c). */
#include "llm/model/model.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "llm/kernels/kernels.h"
#include "llm/model/forward.h"
#include "llm/quant/quant.h"
#include "llm/tokenizer/tokenizer.h"

/* ---- building ---------------------------------------------------------- */

static gorilla_status read_vocab(gorilla_model *m, gorilla_error *err)
{
    const gguf_file *f = m->file;
    m->bos = m->eos = -1;
    gguf_str kind;
    gorilla_status st = gguf_get_str(f, "tokenizer.ggml.model", &kind, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        m->tok_kind = strndup(kind.ptr, (size_t)kind.len);
        if (!m->tok_kind) return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    }
    const gguf_kv *toks;
    st = gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &toks, err);
    if (st == GORILLA_ERR_NOT_FOUND) return GORILLA_OK;
    if (st) return st;
    /* Fewer tokens than embedding rows happens (padded embeddings); more
     * would name ids the model cannot run. */
    if (toks->arr_n > (uint64_t)m->cfg.n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tokenizer has %llu tokens but token_embd.weight has only %d rows",
                            gguf_name(f), (unsigned long long)toks->arr_n, m->cfg.n_vocab);
    size_t n = (size_t)toks->arr_n;
    m->tokens = calloc(n, sizeof *m->tokens);
    m->scores = calloc(n, sizeof *m->scores);
    m->token_types = calloc(n, sizeof *m->token_types);
    if (!m->tokens || !m->scores || !m->token_types)
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    m->n_tokens = n;
    for (size_t i = 0; i < n; i++) {
        gguf_str s = gguf_arr_str(toks, i);
        if (!(m->tokens[i] = strndup(s.ptr, (size_t)s.len)))
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(f));
    }
    const gguf_kv *a;
    st = gguf_get_arr(f, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &a, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        if (a->arr_n != n)
            return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: tokenizer.ggml.scores has %llu entries, expected %zu",
                                gguf_name(f), (unsigned long long)a->arr_n, n);
        for (size_t i = 0; i < n; i++) m->scores[i] = gguf_arr_f32(a, i);
    }
    st = gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &a, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        if (a->arr_n != n)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s: tokenizer.ggml.token_type has %llu entries, expected %zu", gguf_name(f),
                                (unsigned long long)a->arr_n, n);
        for (size_t i = 0; i < n; i++) m->token_types[i] = gguf_arr_i32(a, i);
    } else {
        for (size_t i = 0; i < n; i++) m->token_types[i] = 1;
    }
    int v;
    if ((st = llm_meta_int(f, "tokenizer.ggml.bos_token_id", 0, -1, -1, (int)n - 1, &v, err))) return st;
    m->bos = v;
    if ((st = llm_meta_int(f, "tokenizer.ggml.eos_token_id", 0, -1, -1, (int)n - 1, &v, err))) return st;
    m->eos = v;
    return GORILLA_OK;
}

/* The tokenizer from the already parsed file. A file without
 * tokenizer.ggml.model still loads (ids-only use); one whose tokenizer
 * cannot be built keeps the reason for gorilla_model_tokenizer_error. Only
 * running out of memory fails the load. */
static gorilla_status build_tokenizer(gorilla_model *m, gorilla_error *err)
{
    if (!m->tok_kind) {
        gorilla_fail(&m->tok_err, GORILLA_ERR_NOT_FOUND, "%s: no tokenizer (tokenizer.ggml.model is absent)",
                     gguf_name(m->file));
        return GORILLA_OK;
    }
    gorilla_status st = gorilla_tokenizer_from_gguf(m->file, &m->tok, &m->tok_err);
    if (st) gorilla_error_prefix(&m->tok_err, gguf_name(m->file));
    if (st == GORILLA_ERR_NOMEM) {
        *err = m->tok_err;
        return st;
    }
    return GORILLA_OK;
}

gorilla_status llm_model_build(gguf_file *file, const gorilla_model_opts *opts, const char *cpu, gorilla_model **out,
                               gorilla_error *err)
{
    *out = NULL;
    gorilla_model *m = calloc(1, sizeof *m);
    if (!m) {
        gguf_close(file);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    m->file = file;
    /* the kernel set: cpu, else GORILLA_CPU, else the best the CPU has */
    const char *what = cpu ? "cpu" : "GORILLA_CPU";
    gorilla_status st = llm_kernels_choose(cpu ? cpu : getenv("GORILLA_CPU"), what, &m->kn, err);
    if (!st) st = llm_config_read(file, opts, &m->cfg, err);
    if (!st) st = llm_weights_read(m, err);
    if (!st) st = read_vocab(m, err);
    if (!st) st = build_tokenizer(m, err);
    if (!st && !(m->kv_tokens = calloc((size_t)m->cfg.n_ctx, sizeof *m->kv_tokens)))
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: out of memory", gguf_name(file));
    if (!st) {
        int nt = opts && opts->n_threads > 0 ? opts->n_threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (nt < 1) nt = 1;
        if (nt > 256) nt = 256;
        m->pool = llm_pool_new(nt);
        if (!m->pool) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "%s: cannot start %d threads", gguf_name(file), nt);
    }
    if (!st) st = llm_state_build(m, err);
    if (!st) st = llm_weights_pack(m, err);
    if (st) {
        gorilla_model_free(m);
        return st;
    }
    *out = m;
    return GORILLA_OK;
}

/* ---- the public API ----------------------------------------------------- */

gorilla_status llm_model_load_cpu(const char *path, const gorilla_model_opts *opts, const char *cpu,
                                  gorilla_model **out, gorilla_error *err)
{
    *out = NULL;
    gguf_file *f;
    gorilla_status st = gguf_open(path, &f, err);
    if (st) return st;
    return llm_model_build(f, opts, cpu, out, err);
}

gorilla_status gorilla_model_load(const char *path, const gorilla_model_opts *opts, gorilla_model **out,
                                  gorilla_error *err)
{
    return llm_model_load_cpu(path, opts, NULL, out, err);
}

void gorilla_model_free(gorilla_model *m)
{
    if (!m) return;
    llm_pool_free(m->pool);
    llm_weights_free(&m->w, m->cfg.n_layer);
    llm_state_free(&m->s);
    free(m->kv_tokens);
    for (size_t i = 0; i < m->n_tokens; i++) free(m->tokens[i]);
    free(m->tokens);
    free(m->scores);
    free(m->token_types);
    free(m->tok_kind);
    gorilla_tokenizer_free(m->tok);
    gguf_close(m->file);
    free(m);
}

int gorilla_model_n_vocab(const gorilla_model *m) { return m->cfg.n_vocab; }
int gorilla_model_n_ctx(const gorilla_model *m) { return m->cfg.n_ctx; }
int gorilla_model_n_ctx_train(const gorilla_model *m) { return m->cfg.n_ctx_train; }
int gorilla_model_n_embd(const gorilla_model *m) { return m->cfg.n_embd; }
int gorilla_model_n_layer(const gorilla_model *m) { return m->cfg.n_layer; }
int gorilla_model_n_threads(const gorilla_model *m) { return llm_pool_size(m->pool); }
uint64_t gorilla_model_weight_bytes(const gorilla_model *m)
{
    uint64_t n = 0;
    for (size_t i = 0; i < gguf_n_tensors(m->file); i++) n += gguf_tensor_at(m->file, i)->n_bytes;
    return n;
}
const char *gorilla_model_cpu(const gorilla_model *m) { return m->kn.name; }

static gorilla_status check_token(const gorilla_model *m, int32_t token, gorilla_error *err)
{
    if (token < 0 || token >= m->cfg.n_vocab)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "token id %d is out of range [0, %d)", token, m->cfg.n_vocab);
    return GORILLA_OK;
}

gorilla_status gorilla_model_forward(gorilla_model *m, int32_t token, int pos, float *logits, gorilla_error *err)
{
    gorilla_status st = check_token(m, token, err);
    if (st) return st;
    if (pos < 0 || pos >= m->cfg.n_ctx)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "position %d is outside the context of %d tokens", pos,
                            m->cfg.n_ctx);
    llm_forward(m, &token, 1, pos, logits, 0);
    llm_kv_note(m, &token, 1, pos);
    return GORILLA_OK;
}

void llm_kv_note(gorilla_model *m, const int32_t *tokens, size_t n, int pos)
{
    /* A gap after the valid prefix leaves the prefix as it is: positions
     * before pos do not depend on later ones. */
    if (pos > m->n_kv) return;
    memcpy(m->kv_tokens + pos, tokens, n * sizeof *tokens);
    m->n_kv = pos + (int)n;
}

gorilla_status gorilla_model_prompt(gorilla_model *m, const int32_t *tokens, size_t n, int pos, float *logits,
                                    gorilla_error *err)
{
    if (pos < 0 || pos > m->cfg.n_ctx || n > (size_t)(m->cfg.n_ctx - pos))
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%zu prompt tokens at position %d exceed the context of %d tokens",
                            n, pos, m->cfg.n_ctx);
    for (size_t i = 0; i < n; i++) {
        gorilla_status st = check_token(m, tokens[i], err);
        if (st) return st;
    }
    /* Reuse the cached positions that already hold this prompt's leading
     * tokens (a shared system prompt); the last token is always run, for
     * its logits. */
    size_t reuse = 0;
    while (reuse + 1 < n && pos + (int)reuse < m->n_kv && m->kv_tokens[pos + (int)reuse] == tokens[reuse]) reuse++;
    m->n_reused = (int)reuse;
    if (!n) return GORILLA_OK;
    llm_forward(m, tokens + reuse, (int)(n - reuse), pos + (int)reuse, logits, 0);
    llm_kv_note(m, tokens, n, pos);
    return GORILLA_OK;
}

gorilla_status gorilla_model_eval(gorilla_model *m, const int32_t *tokens, size_t n, int pos, float *logits_all,
                                  gorilla_error *err)
{
    if (pos < 0 || pos > m->cfg.n_ctx || n > (size_t)(m->cfg.n_ctx - pos))
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%zu tokens at position %d exceed the context of %d tokens", n, pos,
                            m->cfg.n_ctx);
    for (size_t i = 0; i < n; i++) {
        gorilla_status st = check_token(m, tokens[i], err);
        if (st) return st;
    }
    m->n_reused = 0;
    if (!n) return GORILLA_OK;
    llm_forward(m, tokens, (int)n, pos, logits_all, 1);
    llm_kv_note(m, tokens, n, pos);
    return GORILLA_OK;
}

size_t gorilla_model_vocab_count(const gorilla_model *m) { return m->n_tokens; }

const char *gorilla_model_token_text(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->tokens[id] : NULL;
}

float gorilla_model_token_score(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->scores[id] : 0.0f;
}

int gorilla_model_token_type(const gorilla_model *m, int32_t id)
{
    return id >= 0 && (size_t)id < m->n_tokens ? m->token_types[id] : 0;
}

int32_t gorilla_model_bos(const gorilla_model *m) { return m->bos; }
int32_t gorilla_model_eos(const gorilla_model *m) { return m->eos; }
const char *gorilla_model_tokenizer_kind(const gorilla_model *m) { return m->tok_kind; }
const gorilla_tokenizer *gorilla_model_tokenizer(const gorilla_model *m) { return m->tok; }
const char *gorilla_model_tokenizer_error(const gorilla_model *m) { return m->tok ? NULL : m->tok_err.message; }
