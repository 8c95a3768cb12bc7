/* hf_vocab.c — tokenizer.model / tokenizer.json to GGUF tokenizer metadata. */
#include "convert/hf_vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/error.h"
#include "convert/convert.h"
#include "convert/spm_model.h"

#define T_NORMAL 1
#define T_UNKNOWN 2
#define T_CONTROL 3
#define T_USER 4
#define T_UNUSED 5
#define T_BYTE 6

static char *path_in(const char *dir, const char *name)
{
    size_t cap = strlen(dir) + strlen(name) + 2;
    char *p = malloc(cap);
    if (!p) return NULL;
    snprintf(p, cap, "%s/%s", dir, name);
    return p;
}

static int file_exists(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    struct stat sb;
    int ok = p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    return ok;
}

/* Loads dir/name as JSON; *out NULL (and OK) when the file is absent. */
static gorilla_status load_json(const char *dir, const char *name, json_t **out, gorilla_error *err)
{
    *out = NULL;
    if (!file_exists(dir, name)) return GORILLA_OK;
    char *p = path_in(dir, name), *text = NULL;
    if (!p) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    size_t len;
    gorilla_status st = cv_read_text(p, (size_t)256 << 20, &text, &len, err);
    if (!st) {
        json_error_t je;
        *out = json_loadb(text, len, 0, &je);
        if (!*out) st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", p, je.line, je.column, je.text);
    }
    free(text);
    free(p);
    return st;
}

void hf_vocab_free(hf_vocab *v)
{
    if (!v) return;
    if (v->tokens)
        for (size_t i = 0; i < v->n; i++) free(v->tokens[i]);
    free(v->tokens);
    free(v->scores);
    free(v->types);
    if (v->merges)
        for (size_t i = 0; i < v->n_merges; i++) free(v->merges[i]);
    free(v->merges);
    free(v->chat_template);
    memset(v, 0, sizeof *v);
}

static gorilla_status alloc_tokens(hf_vocab *v, size_t n, int with_scores, gorilla_error *err)
{
    v->n = n;
    v->tokens = calloc(n ? n : 1, sizeof *v->tokens);
    v->types = calloc(n ? n : 1, sizeof *v->types);
    v->scores = with_scores ? calloc(n ? n : 1, sizeof *v->scores) : NULL;
    if (!v->tokens || !v->types || (with_scores && !v->scores))
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return GORILLA_OK;
}

static int set_token(hf_vocab *v, size_t id, const char *text)
{
    char *s = strdup(text);
    if (!s) return -1;
    free(v->tokens[id]);
    v->tokens[id] = s;
    return 0;
}

/* "[PAD{i}]" for every id still without a token. */
static int pad_tokens(hf_vocab *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (!v->tokens[i]) {
            char buf[40];
            snprintf(buf, sizeof buf, "[PAD%zu]", i);
            if (set_token(v, i, buf)) return -1;
            v->types[i] = T_UNUSED;
            if (v->scores) v->scores[i] = -10000.0f;
        }
    return 0;
}

/* convert_hf_to_gguf's does_token_look_special. */
static int looks_special(const char *t)
{
    size_t n = strlen(t);
    if (!strcmp(t, "<pad>") || !strcmp(t, "<mask>") || !strcmp(t, "<2mass>") || !strcmp(t, "[@BOS@]")) return 1;
    if (n >= 4 && !strncmp(t, "<|", 2) && !strcmp(t + n - 2, "|>")) return 1;
    /* <｜ ... ｜> (U+FF5C) */
    if (n >= 8 && !strncmp(t, "<\xef\xbd\x9c", 4) && !strcmp(t + n - 4, "\xef\xbd\x9c>")) return 1;
    if (n >= 8 && !strncmp(t, "<unused", 7) && t[n - 1] == '>') return 1;
    return 0;
}

/* U+2581 -> ' ' (user-defined tokens are stored pre-normalized). */
static char *unescape_spaces(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1), *q = o;
    if (!o) return NULL;
    for (size_t i = 0; i < n;) {
        if (i + 3 <= n && !memcmp(s + i, "\xe2\x96\x81", 3)) {
            *q++ = ' ';
            i += 3;
        } else {
            *q++ = s[i++];
        }
    }
    *q = 0;
    return o;
}

static int mark_added(hf_vocab *v, size_t id, const char *content, int special)
{
    if (special || looks_special(content)) {
        v->types[id] = T_CONTROL;
        if (set_token(v, id, content)) return -1;
    } else {
        char *u = unescape_spaces(content);
        if (!u) return -1;
        free(v->tokens[id]);
        v->tokens[id] = u;
        v->types[id] = T_USER;
    }
    if (v->scores) v->scores[id] = -1000.0f;
    return 0;
}

/* ---- SentencePiece ---------------------------------------------------- */

static gorilla_status load_spm(const char *dir, size_t n_vocab, const json_t *tok_config, hf_vocab *v, int32_t *ids,
                               gorilla_error *err)
{
    char *p = path_in(dir, "tokenizer.model");
    if (!p) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    cv_map m;
    gorilla_status st = cv_map_open(p, &m, err);
    if (st) {
        free(p);
        return st;
    }
    spm_model sp;
    st = spm_model_parse(p, m.data, m.size, &sp, err);
    cv_map_close(&m);
    if (st) {
        free(p);
        return st;
    }
    if (n_vocab == 0) n_vocab = sp.n;
    if (sp.n > n_vocab) {
        st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: %zu pieces, more than config.json's vocab_size %zu", p, sp.n,
                          n_vocab);
        goto done;
    }
    if ((st = alloc_tokens(v, n_vocab, 1, err))) goto done;
    v->model = "llama";
    snprintf(v->pre, sizeof v->pre, "default");
    snprintf(v->source, sizeof v->source, "tokenizer.model");
    for (size_t i = 0; i < sp.n; i++) {
        v->tokens[i] = sp.pieces[i];
        sp.pieces[i] = NULL;
        v->scores[i] = sp.scores[i];
        v->types[i] = sp.types[i];
    }
    v->add_space_prefix = sp.add_dummy_prefix;
    ids[0] = sp.bos_id;
    ids[1] = sp.eos_id;
    ids[2] = sp.unk_id;
    ids[3] = sp.pad_id;
    /* added_tokens.json: {"text": id} */
    json_t *added = NULL;
    if ((st = load_json(dir, "added_tokens.json", &added, err))) goto done;
    if (added) {
        const char *key;
        json_t *val;
        json_object_foreach(added, key, val)
        {
            json_int_t id = json_integer_value(val);
            if (json_is_integer(val) && id >= 0 && (size_t)id < v->n) {
                if (set_token(v, (size_t)id, key)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                v->scores[id] = -1000.0f;
                v->types[id] = T_USER;
            }
        }
        json_decref(added);
        if (st) goto done;
    }
    /* tokenizer_config.json added_tokens_decoder: {"id": {"content", "special"}} */
    json_t *dec = tok_config ? json_object_get(tok_config, "added_tokens_decoder") : NULL;
    if (json_is_object(dec)) {
        const char *key;
        json_t *val;
        json_object_foreach(dec, key, val)
        {
            char *end;
            unsigned long id = strtoul(key, &end, 10);
            json_t *c = json_object_get(val, "content");
            if (*end || id >= v->n || !json_is_string(c)) continue;
            if (mark_added(v, id, json_string_value(c), json_is_true(json_object_get(val, "special")))) {
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                break;
            }
        }
    }
    if (!st && pad_tokens(v)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
done:
    spm_model_free(&sp);
    free(p);
    return st;
}

/* ---- tokenizer.json (byte-level BPE) ---------------------------------- */

/* Collects the Split regex patterns of a pre_tokenizer (recursively). */
static void collect_patterns(const json_t *pt, const char **pats, size_t *n, size_t cap, int *bytelevel, int *digits)
{
    if (!json_is_object(pt)) return;
    const char *type = json_string_value(json_object_get(pt, "type"));
    if (!type) return;
    if (!strcmp(type, "Sequence")) {
        const json_t *arr = json_object_get(pt, "pretokenizers");
        for (size_t i = 0; i < json_array_size(arr); i++)
            collect_patterns(json_array_get(arr, i), pats, n, cap, bytelevel, digits);
    } else if (!strcmp(type, "Split")) {
        const json_t *p = json_object_get(pt, "pattern");
        const char *re = json_string_value(json_object_get(p, "Regex"));
        if (!re) re = json_string_value(json_object_get(p, "String"));
        if (re && *n < cap) pats[(*n)++] = re;
    } else if (!strcmp(type, "Digits")) {
        *digits = json_is_true(json_object_get(pt, "individual_digits")) ? 1 : 2;
    } else if (!strcmp(type, "ByteLevel")) {
        const json_t *u = json_object_get(pt, "use_regex");
        if (!u || json_is_true(u)) *bytelevel = 1;
    }
}

static int has_pattern(const char **pats, size_t n, const char *exact)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(pats[i], exact)) return 1;
    return 0;
}

static int any_contains(const char **pats, size_t n, const char *part)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(pats[i], part)) return 1;
    return 0;
}

/* llama.cpp picks the pre-tokenizer by hashing the tokenizer's output on a
 * test text; we cannot run the HF tokenizer, so read its definition:
 *  - a split with \p{N}{1,3}: llama-bpe (LLaMA 3 style);
 *  - splits \s?\p{L}+ and \s?\p{P}+ (with single digits, by a Digits
 *    pre-tokenizer or a \p{N} split): deepseek-coder;
 *  - a split starting \s?[A-Za-zµ: deepseek-llm;
 *  - a lone ByteLevel with its own regex: gpt-2.
 * Anything else is refused, naming --pre. */
static const char *detect_pre(const char *arch, const json_t *tj)
{
    if (!strcmp(arch, "mpt")) return "mpt";
    if (!strcmp(arch, "falcon")) return "falcon";
    const char *pats[32];
    size_t n = 0;
    int bytelevel = 0, digits = 0;
    collect_patterns(json_object_get(tj, "pre_tokenizer"), pats, &n, 32, &bytelevel, &digits);
    if (any_contains(pats, n, "\\p{N}{1,3}")) return "llama-bpe";
    if (has_pattern(pats, n, "\\s?\\p{L}+") && has_pattern(pats, n, "\\s?\\p{P}+") &&
        (digits == 1 || has_pattern(pats, n, "\\p{N}")))
        return "deepseek-coder";
    if (any_contains(pats, n, "\\s?[A-Za-z\xc2\xb5")) return "deepseek-llm";
    if (n == 0 && !digits && bytelevel) return "gpt-2";
    return NULL;
}

gorilla_status hf_vocab_bpe(const char *dir, const char *arch, size_t n_vocab, const json_t *tj, const char *pre,
                            hf_vocab *v, gorilla_error *err)
{
    gorilla_status st;
    const json_t *model = json_object_get(tj, "model");
    const char *type = json_string_value(json_object_get(model, "type"));
    if (!type || strcmp(type, "BPE") != 0)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s/tokenizer.json: model type '%s' is not supported (BPE is)",
                            dir, type ? type : "(none)");
    if (json_is_true(json_object_get(model, "byte_fallback")))
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s/tokenizer.json: a SentencePiece-style BPE (byte_fallback): give tokenizer.model instead",
                            dir);
    const json_t *vocab = json_object_get(model, "vocab"), *added = json_object_get(tj, "added_tokens");
    if (!json_is_object(vocab)) return gorilla_fail(err, GORILLA_ERR_PARSE, "%s/tokenizer.json: no model.vocab object", dir);
    /* size: the model's, else one past the largest id */
    size_t max_id = 0;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)vocab, key, val)
    {
        json_int_t id = json_integer_value(val);
        if (!json_is_integer(val) || id < 0 || id >= (1 << 24))
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s/tokenizer.json: token '%.64s' has a bad id", dir, key);
        if ((size_t)id + 1 > max_id) max_id = (size_t)id + 1;
    }
    for (size_t i = 0; i < json_array_size(added); i++) {
        json_int_t id = json_integer_value(json_object_get(json_array_get(added, i), "id"));
        if (id >= 0 && id < (1 << 24) && (size_t)id + 1 > max_id) max_id = (size_t)id + 1;
    }
    if (n_vocab == 0) n_vocab = max_id;
    if ((st = alloc_tokens(v, n_vocab, 0, err))) return st;
    v->model = "gpt2";
    snprintf(v->source, sizeof v->source, "tokenizer.json");
    const char *pre_name = pre ? pre : detect_pre(arch, tj);
    if (!pre_name)
        return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED,
                            "%s/tokenizer.json: cannot tell which pre-tokenizer this is (give one: --pre NAME, e.g. "
                            "llama-bpe, deepseek-coder, deepseek-llm, gpt-2)",
                            dir);
    snprintf(v->pre, sizeof v->pre, "%s", pre_name);
    json_object_foreach((json_t *)vocab, key, val)
    {
        size_t id = (size_t)json_integer_value(val);
        if (id >= v->n) continue;
        if (set_token(v, id, key)) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        v->types[id] = T_NORMAL;
    }
    for (size_t i = 0; i < json_array_size(added); i++) {
        const json_t *a = json_array_get(added, i);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        const char *content = json_string_value(json_object_get(a, "content"));
        if (!content || id < 0 || (size_t)id >= v->n) continue;
        if (mark_added(v, (size_t)id, content, json_is_true(json_object_get(a, "special"))))
            return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (pad_tokens(v)) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    /* merges: "a b" strings, or ["a", "b"] pairs (newer tokenizers) */
    const json_t *merges = json_object_get(model, "merges");
    size_t nm = json_array_size(merges);
    v->merges = calloc(nm ? nm : 1, sizeof *v->merges);
    if (!v->merges) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nm; i++) {
        const json_t *m = json_array_get(merges, i);
        char *s = NULL;
        if (json_is_string(m)) {
            s = strdup(json_string_value(m));
        } else if (json_is_array(m) && json_array_size(m) == 2 && json_is_string(json_array_get(m, 0)) &&
                   json_is_string(json_array_get(m, 1))) {
            const char *a = json_string_value(json_array_get(m, 0)), *b = json_string_value(json_array_get(m, 1));
            size_t la = strlen(a), lb = strlen(b);
            if ((s = malloc(la + lb + 2))) {
                memcpy(s, a, la);
                s[la] = ' ';
                memcpy(s + la + 1, b, lb + 1);
            }
        } else {
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s/tokenizer.json: merge %zu is neither \"a b\" nor [a, b]", dir, i);
        }
        if (!s) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        v->merges[v->n_merges++] = s;
    }
    return GORILLA_OK;
}

static gorilla_status load_bpe(const char *dir, const char *arch, size_t n_vocab, const char *pre, hf_vocab *v,
                               json_t **tj_out, gorilla_error *err)
{
    json_t *tj = NULL;
    gorilla_status st = load_json(dir, "tokenizer.json", &tj, err);
    if (st) return st;
    *tj_out = tj;
    return hf_vocab_bpe(dir, arch, n_vocab, tj, pre, v, err);
}

/* ---- special tokens ----------------------------------------------------- */

static const char *token_content(const json_t *e)
{
    if (json_is_string(e)) return json_string_value(e);
    if (json_is_object(e)) return json_string_value(json_object_get(e, "content"));
    return NULL;
}

static int32_t find_added(const json_t *tj, const char *content)
{
    const json_t *added = json_object_get(tj, "added_tokens");
    for (size_t i = 0; i < json_array_size(added); i++) {
        const json_t *a = json_array_get(added, i);
        const char *c = json_string_value(json_object_get(a, "content"));
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        if (c && !strcmp(c, content) && id >= 0 && id < INT32_MAX) return (int32_t)id;
    }
    return -1;
}

static int bool_or_unset(const json_t *o, const char *key)
{
    const json_t *b = o ? json_object_get(o, key) : NULL;
    return json_is_boolean(b) ? json_is_true(b) : -1;
}

gorilla_status hf_vocab_load(const char *dir, const char *arch, size_t n_vocab, const json_t *config, const char *pre,
                             hf_vocab *v, gorilla_error *err)
{
    memset(v, 0, sizeof *v);
    v->bos = v->eos = v->unk = v->pad = -1;
    v->add_bos = v->add_eos = v->add_space_prefix = -1;
    json_t *tok_config = NULL, *tj = NULL;
    gorilla_status st = load_json(dir, "tokenizer_config.json", &tok_config, err);
    if (st) return st;
    int32_t spm_ids[4] = {-1, -1, -1, -1};
    int use_spm = file_exists(dir, "tokenizer.model") && (!strcmp(arch, "llama") || !file_exists(dir, "tokenizer.json"));
    if (use_spm) {
        st = load_spm(dir, n_vocab, tok_config, v, spm_ids, err);
        if (!st) st = load_json(dir, "tokenizer.json", &tj, err); /* for special-token lookups */
    } else if (file_exists(dir, "tokenizer.json")) {
        st = load_bpe(dir, arch, n_vocab, pre, v, &tj, err);
    } else {
        st = gorilla_fail(err, GORILLA_ERR_NOT_FOUND, "%s: no tokenizer.model or tokenizer.json", dir);
    }
    if (st) goto done;
    /* special ids: tokenizer_config.json by content, then config.json, then the SentencePiece spec */
    static const char *const kinds[4] = {"bos", "eos", "unk", "pad"};
    int32_t *slots[4] = {&v->bos, &v->eos, &v->unk, &v->pad};
    for (int k = 0; k < 4; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s_token", kinds[k]);
        const char *c = tok_config ? token_content(json_object_get(tok_config, key)) : NULL;
        if (c && tj) *slots[k] = find_added(tj, c);
        if (*slots[k] < 0 && config) {
            snprintf(key, sizeof key, "%s_token_id", kinds[k]);
            const json_t *id = json_object_get(config, key);
            if (json_is_integer(id) && json_integer_value(id) >= 0 && json_integer_value(id) < INT32_MAX)
                *slots[k] = (int32_t)json_integer_value(id);
        }
        if (*slots[k] < 0 && use_spm) *slots[k] = spm_ids[k];
        if (*slots[k] >= (int32_t)v->n) *slots[k] = -1;
    }
    v->add_bos = bool_or_unset(tok_config, "add_bos_token");
    v->add_eos = bool_or_unset(tok_config, "add_eos_token");
    const json_t *ct = tok_config ? json_object_get(tok_config, "chat_template") : NULL;
    if (json_is_string(ct) && !(v->chat_template = strdup(json_string_value(ct))))
        st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
done:
    json_decref(tok_config);
    json_decref(tj);
    if (st) hf_vocab_free(v);
    return st;
}

int hf_vocab_write(gguf_writer *w, const hf_vocab *v)
{
    int bad = 0;
    bad |= gguf_writer_str(w, "tokenizer.ggml.model", v->model);
    bad |= gguf_writer_str(w, "tokenizer.ggml.pre", v->pre);
    bad |= gguf_writer_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->tokens, v->n);
    if (v->scores) bad |= gguf_writer_arr_f32(w, "tokenizer.ggml.scores", v->scores, v->n);
    bad |= gguf_writer_arr_i32(w, "tokenizer.ggml.token_type", v->types, v->n);
    if (v->merges && v->n_merges)
        bad |= gguf_writer_arr_str(w, "tokenizer.ggml.merges", (const char *const *)v->merges, v->n_merges);
    if (v->bos >= 0) bad |= gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos);
    if (v->eos >= 0) bad |= gguf_writer_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos);
    if (v->unk >= 0) bad |= gguf_writer_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v->unk);
    if (v->pad >= 0) bad |= gguf_writer_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)v->pad);
    if (v->add_bos >= 0) bad |= gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos);
    if (v->add_eos >= 0) bad |= gguf_writer_bool(w, "tokenizer.ggml.add_eos_token", v->add_eos);
    if (v->add_space_prefix >= 0) bad |= gguf_writer_bool(w, "tokenizer.ggml.add_space_prefix", v->add_space_prefix);
    if (v->chat_template) bad |= gguf_writer_str(w, "tokenizer.chat_template", v->chat_template);
    return bad;
}
