/* tokenizer_gguf.c — a tokenizer from a GGUF file's tokenizer.ggml.* keys:
 *
 *   tokenizer.ggml.model            string  "llama" | "gpt2" | "bert" (required)
 *   tokenizer.ggml.pre              string  gpt2: the pre-tokenizer  (optional:
 *                                           missing = llama.cpp's "default")
 *   tokenizer.ggml.tokens           [string]                       (required)
 *   tokenizer.ggml.scores           [f32]    same length as tokens (optional)
 *   tokenizer.ggml.token_type       [i32]    same length as tokens (optional)
 *   tokenizer.ggml.merges           [string] "left right"          (gpt2)
 *   tokenizer.ggml.{bos,eos,unknown,padding}_token_id  integer     (optional)
 *   tokenizer.ggml.add_bos_token, add_eos_token, add_space_prefix  bool
 *
 *   tokenizer.ggml.{cls,seperator}_token_id  bert: BOS and EOS when those
 *                                           keys are absent (llama.cpp)
 *
 * Everything is copied: the GGUF file may be closed afterwards. */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "llm/gguf/gguf.h"
#include "llm/tokenizer/tokenizer.h"

static gorilla_status opt_id(const gguf_file *f, const char *key, int32_t *out, gorilla_error *err)
{
    int64_t v;
    gorilla_status st = gguf_get_i64(f, key, &v, err);
    if (st == GORILLA_ERR_NOT_FOUND) {
        *out = -1;
        return GORILLA_OK;
    }
    if (st) return st;
    if (v < -1 || v > INT32_MAX)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: %lld is out of range", key, (long long)v);
    *out = (int32_t)v;
    return GORILLA_OK;
}

static gorilla_status opt_bool(const gguf_file *f, const char *key, int *out, gorilla_error *err)
{
    int v;
    gorilla_status st = gguf_get_bool(f, key, &v, err);
    if (st == GORILLA_ERR_NOT_FOUND) {
        *out = -1;
        return GORILLA_OK;
    }
    if (st) return st;
    *out = v != 0;
    return GORILLA_OK;
}

gorilla_status gorilla_tokenizer_from_gguf(const struct gguf_file *f, gorilla_tokenizer **out,
                                           gorilla_error *err)
{
    *out = NULL;
    gorilla_tokenizer_spec spec;
    gorilla_tokenizer_spec_init(&spec);
    gorilla_status st;
    gguf_str model;
    char model_name[32], pre_name[80];
    gguf_str pre;
    const gguf_kv *tokens = NULL, *scores = NULL, *types = NULL, *merges = NULL;

    if ((st = gguf_get_str(f, "tokenizer.ggml.model", &model, err))) return st;
    if (model.len >= sizeof model_name)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "tokenizer.ggml.model: '%.*s...' is not supported",
                            16, model.ptr);
    memcpy(model_name, model.ptr, (size_t)model.len);
    model_name[model.len] = 0;
    spec.model = model_name;
    pre_name[0] = 0;
    st = gguf_get_str(f, "tokenizer.ggml.pre", &pre, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if (!st) {
        if (pre.len >= sizeof pre_name || memchr(pre.ptr, 0, (size_t)pre.len))
            return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "tokenizer.ggml.pre: unknown pre-tokenizer '%.32s...'",
                                pre.ptr);
        memcpy(pre_name, pre.ptr, (size_t)pre.len);
        pre_name[pre.len] = 0;
    }

    if ((st = gguf_get_arr(f, "tokenizer.ggml.tokens", GGUF_T_STRING, &tokens, err))) return st;
    st = gguf_get_arr(f, "tokenizer.ggml.scores", GGUF_T_FLOAT32, &scores, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    st = gguf_get_arr(f, "tokenizer.ggml.token_type", GGUF_T_INT32, &types, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    st = gguf_get_arr(f, "tokenizer.ggml.merges", GGUF_T_STRING, &merges, err);
    if (st && st != GORILLA_ERR_NOT_FOUND) return st;
    if ((st = opt_id(f, "tokenizer.ggml.bos_token_id", &spec.bos_id, err)) ||
        (st = opt_id(f, "tokenizer.ggml.eos_token_id", &spec.eos_id, err)) ||
        (st = opt_id(f, "tokenizer.ggml.unknown_token_id", &spec.unk_id, err)) ||
        (st = opt_id(f, "tokenizer.ggml.padding_token_id", &spec.pad_id, err)) ||
        (st = opt_bool(f, "tokenizer.ggml.add_bos_token", &spec.add_bos, err)) ||
        (st = opt_bool(f, "tokenizer.ggml.add_space_prefix", &spec.add_space_prefix, err)) ||
        (st = opt_bool(f, "tokenizer.ggml.add_eos_token", &spec.add_eos, err)))
        return st;
    if (strcmp(model_name, "bert") == 0) {
        if (spec.bos_id < 0 && (st = opt_id(f, "tokenizer.ggml.cls_token_id", &spec.bos_id, err))) return st;
        if (spec.eos_id < 0 && (st = opt_id(f, "tokenizer.ggml.seperator_token_id", &spec.eos_id, err))) return st;
    }

    size_t n = (size_t)tokens->arr_n;
    if ((uint64_t)n != tokens->arr_n || n > (size_t)INT32_MAX)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "tokenizer.ggml.tokens: too many tokens");
    if (scores && scores->arr_n != tokens->arr_n)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer.ggml.scores: %llu scores for %zu tokens",
                            (unsigned long long)scores->arr_n, n);
    if (types && types->arr_n != tokens->arr_n)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "tokenizer.ggml.token_type: %llu types for %zu tokens",
                            (unsigned long long)types->arr_n, n);
    size_t nm = merges ? (size_t)merges->arr_n : 0;
    if (merges && (uint64_t)nm != merges->arr_n)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "tokenizer.ggml.merges: too many merges");

    const char **tok_ptr = malloc((n ? n : 1) * sizeof *tok_ptr);
    size_t *tok_len = malloc((n ? n : 1) * sizeof *tok_len);
    float *sc = scores ? malloc((n ? n : 1) * sizeof *sc) : NULL;
    int32_t *ty = types ? malloc((n ? n : 1) * sizeof *ty) : NULL;
    const char **m_ptr = malloc((nm ? nm : 1) * sizeof *m_ptr);
    size_t *m_len = malloc((nm ? nm : 1) * sizeof *m_len);
    if (!tok_ptr || !tok_len || (scores && !sc) || (types && !ty) || !m_ptr || !m_len) {
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "tokenizer: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        gguf_str s = gguf_arr_str(tokens, i);
        tok_ptr[i] = s.ptr ? s.ptr : "";
        tok_len[i] = (size_t)s.len;
        if (sc) sc[i] = gguf_arr_f32(scores, i);
        if (ty) ty[i] = gguf_arr_i32(types, i);
    }
    for (size_t i = 0; i < nm; i++) {
        gguf_str s = gguf_arr_str(merges, i);
        m_ptr[i] = s.ptr ? s.ptr : "";
        m_len[i] = (size_t)s.len;
    }
    spec.tokens = tok_ptr;
    spec.token_lens = tok_len;
    spec.n_tokens = n;
    spec.scores = sc;
    spec.token_types = ty;
    spec.merges = m_ptr;
    spec.merge_lens = m_len;
    spec.n_merges = nm;
    st = gorilla_tokenizer_new_pre(&spec, pre_name, out, err);
done:
    free(tok_ptr);
    free(tok_len);
    free(sc);
    free(ty);
    free(m_ptr);
    free(m_len);
    return st;
}

gorilla_status gorilla_tokenizer_load_gguf(const char *path, gorilla_tokenizer **out, gorilla_error *err)
{
    *out = NULL;
    gguf_file *f = NULL;
    gorilla_status st = gguf_open(path, &f, err);
    if (st) return st;
    st = gorilla_tokenizer_from_gguf(f, out, err);
    if (st) gorilla_error_prefix(err, path);
    gguf_close(f);
    return st;
}
