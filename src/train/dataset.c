/* dataset.c — FastChat conversations: parsing, rendering with Gorilla's
 * template, tokenizing, packing (see dataset.h). */
#include "train/dataset.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "store/jsonl.h"

#define MAX_CONVS 10000000u
#define MAX_TURNS 100000u

static void conv_free(tr_conv *c)
{
    for (size_t i = 0; i < c->n_turns; i++) free(c->turns[i].text);
    free(c->turns);
    free(c->id);
    free(c->where);
}

void tr_chat_free(tr_chat *c)
{
    for (size_t i = 0; i < c->n; i++) conv_free(&c->convs[i]);
    free(c->convs);
    c->convs = NULL;
    c->n = 0;
}

static int role_of(const char *from, tr_role *out)
{
    static const char *const users[] = {"human", "user"};
    static const char *const bots[] = {"gpt", "assistant", "chatgpt", "bard", "model"};
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(from, users[i])) return *out = TR_ROLE_USER, 0;
    for (size_t i = 0; i < 5; i++)
        if (!strcmp(from, bots[i])) return *out = TR_ROLE_ASSISTANT, 0;
    return -1;
}

static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s) snprintf(s, la + lb + lc + 1, "%s%s%s", a, b, c);
    return s;
}

/* One conversation object into *c (c->where already set). */
static gorilla_status parse_conv(const json_t *obj, tr_conv *c, gorilla_error *err)
{
    if (!json_is_object(obj))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s: a conversation must be a JSON object", c->where);
    const json_t *id = json_object_get(obj, "id");
    char num[32];
    const char *ids = "";
    if (json_is_string(id)) ids = json_string_value(id);
    else if (json_is_integer(id)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
        ids = num;
    }
    if (!(c->id = strdup(ids))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    const json_t *turns = json_object_get(obj, "conversations");
    if (!json_is_array(turns))
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s (id \"%.64s\"): missing array \"conversations\"", c->where,
                            c->id);
    size_t n = json_array_size(turns);
    if (n > MAX_TURNS)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s (id \"%.64s\"): more than %u turns", c->where, c->id,
                            MAX_TURNS);
    c->turns = calloc(n ? n : 1, sizeof *c->turns);
    if (!c->turns) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    const char *system = NULL;
    int has_assistant = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_array_get(turns, i);
        const char *from = json_is_object(t) ? json_string_value(json_object_get(t, "from")) : NULL;
        const char *value = json_is_object(t) ? json_string_value(json_object_get(t, "value")) : NULL;
        if (!from || !value)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s (id \"%.64s\"): turn %zu needs string fields \"from\" and \"value\"", c->where,
                                c->id, i + 1);
        if (!strcmp(from, "system")) {
            if (c->n_turns || system)
                return gorilla_fail(err, GORILLA_ERR_INVALID,
                                    "%s (id \"%.64s\"): turn %zu: a \"system\" turn must come first", c->where, c->id,
                                    i + 1);
            system = value;
            continue;
        }
        tr_role role;
        if (role_of(from, &role))
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s (id \"%.64s\"): turn %zu: unknown \"from\" \"%.32s\" (human, user, gpt, "
                                "assistant, system)",
                                c->where, c->id, i + 1, from);
        if (!c->n_turns && role == TR_ROLE_ASSISTANT)
            return gorilla_fail(err, GORILLA_ERR_INVALID,
                                "%s (id \"%.64s\"): turn %zu: the assistant speaks before any user turn", c->where,
                                c->id, i + 1);
        has_assistant |= role == TR_ROLE_ASSISTANT;
        tr_turn *tt = &c->turns[c->n_turns++];
        tt->role = role;
        tt->text = system && c->n_turns == 1 ? concat3(system, "\n", value) : strdup(value);
        if (!tt->text) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (!has_assistant)
        return gorilla_fail(err, GORILLA_ERR_INVALID, "%s (id \"%.64s\"): the conversation has no assistant turn",
                            c->where, c->id);
    return GORILLA_OK;
}

static gorilla_status add_conv(tr_chat *out, size_t *cap, const json_t *obj, const char *where, gorilla_error *err)
{
    if (out->n == MAX_CONVS)
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: more than %u conversations", where, MAX_CONVS);
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        tr_conv *g = realloc(out->convs, nc * sizeof *g);
        if (!g) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        out->convs = g;
        *cap = nc;
    }
    tr_conv *c = &out->convs[out->n++];
    memset(c, 0, sizeof *c);
    if (!(c->where = strdup(where))) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    return parse_conv(obj, c, err);
}

gorilla_status tr_chat_parse(const char *name, const char *data, size_t len, tr_chat *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
    gorilla_status st = GORILLA_OK;
    char where[512];
    if (i < len && data[i] == '[') {
        json_error_t je;
        json_t *root = json_loadb(data, len, 0, &je);
        if (!root)
            return gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column, je.text);
        for (size_t k = 0; k < json_array_size(root) && !st; k++) {
            snprintf(where, sizeof where, "%.400s: conversation %zu", name, k + 1);
            st = add_conv(out, &cap, json_array_get(root, k), where, err);
        }
        json_decref(root);
    } else {
        size_t line = 0, pos = 0;
        while (pos < len && !st) {
            const char *nl = memchr(data + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - data) : len;
            line++;
            size_t a = pos, b = end;
            while (a < b && (data[a] == ' ' || data[a] == '\t' || data[a] == '\r')) a++;
            if (a < b) {
                json_error_t je;
                json_t *obj = json_loadb(data + a, b - a, 0, &je);
                if (!obj) st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu:%d: %s", name, line, je.column, je.text);
                else {
                    snprintf(where, sizeof where, "%.400s:%zu", name, line);
                    st = add_conv(out, &cap, obj, where, err);
                    json_decref(obj);
                }
            }
            pos = end + 1;
        }
    }
    if (!st && !out->n) st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: the dataset has no conversations", name);
    if (st) tr_chat_free(out);
    return st;
}

gorilla_status tr_chat_load(const char *path, tr_chat *out, gorilla_error *err)
{
    char *data;
    size_t len;
    gorilla_status st = jsonl_read_file(path, &data, &len, err);
    if (st) return st;
    st = tr_chat_parse(path, data, len, out, err);
    free(data);
    return st;
}

/* ---- rendering and packing ------------------------------------------------ */

typedef struct {
    int32_t *tok;
    uint8_t *mask;
    size_t n, cap;
} seq_buf;

static int seq_push(seq_buf *s, int32_t t, uint8_t m)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        int32_t *a = realloc(s->tok, nc * sizeof *a);
        if (!a) return -1;
        s->tok = a;
        uint8_t *b = realloc(s->mask, nc);
        if (!b) return -1;
        s->mask = b;
        s->cap = nc;
    }
    s->tok[s->n] = t;
    s->mask[s->n++] = m;
    return 0;
}

static gorilla_status push_text(seq_buf *s, const gorilla_tokenizer *tok, const char *text, uint8_t m, int n_vocab,
                                const tr_conv *c, gorilla_error *err)
{
    int32_t *ids;
    size_t n;
    gorilla_status st = gorilla_tokenizer_encode(tok, text, strlen(text), 0, 0, &ids, &n, err);
    if (st) {
        gorilla_error_prefix(err, c->where);
        return st;
    }
    for (size_t i = 0; i < n && !st; i++) {
        if (ids[i] < 0 || ids[i] >= n_vocab)
            st = gorilla_fail(err, GORILLA_ERR_INVALID,
                              "%s: token id %d does not fit the model's vocabulary of %d (the vocabulary does not "
                              "fit the model)",
                              c->where, ids[i], n_vocab);
        else if (seq_push(s, ids[i], m))
            st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    free(ids);
    return st;
}

static gorilla_status render(const tr_conv *c, const gorilla_tokenizer *tok, int n_vocab, seq_buf *s,
                             gorilla_error *err)
{
    s->n = 0;
    int32_t bos = gorilla_tokenizer_bos(tok), eos = gorilla_tokenizer_eos(tok);
    if ((bos >= n_vocab) || (eos >= n_vocab))
        return gorilla_fail(err, GORILLA_ERR_INVALID,
                            "the vocabulary's BOS/EOS ids (%d, %d) do not fit the model's vocabulary of %d", bos, eos,
                            n_vocab);
    if (bos >= 0 && seq_push(s, bos, 0)) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n_turns; i++) {
        gorilla_status st;
        if (c->turns[i].role == TR_ROLE_USER) {
            char *p = gorilla_prompt_gorilla_chat(c->turns[i].text);
            if (!p) return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
            st = push_text(s, tok, p, 0, n_vocab, c, err);
            free(p);
        } else {
            st = push_text(s, tok, c->turns[i].text, 1, n_vocab, c, err);
            if (!st && eos >= 0 && seq_push(s, eos, 1)) st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
        }
        if (st) return st;
    }
    return GORILLA_OK;
}

void tr_rows_free(tr_rows *r)
{
    free(r->tokens);
    free(r->mask);
    memset(r, 0, sizeof *r);
}

static int rows_grow(tr_rows *r, size_t *cap)
{
    if (r->n_rows < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16, W = (size_t)r->T + 1;
    int32_t *a = realloc(r->tokens, nc * W * sizeof *a);
    if (!a) return -1;
    r->tokens = a;
    uint8_t *b = realloc(r->mask, nc * W);
    if (!b) return -1;
    r->mask = b;
    *cap = nc;
    return 0;
}

gorilla_status tr_rows_build(const tr_chat *chat, int (*pick)(void *ctx, size_t i), void *pick_ctx,
                             const gorilla_tokenizer *tok, int n_vocab, int T, tr_rows *out, gorilla_error *err)
{
    memset(out, 0, sizeof *out);
    out->T = T;
    size_t W = (size_t)T + 1, cap = 0, fill = W; /* fill == W: no open row */
    int32_t pad = gorilla_tokenizer_eos(tok) >= 0 ? gorilla_tokenizer_eos(tok) : 0;
    seq_buf s = {0};
    gorilla_status st = GORILLA_OK;
    for (size_t i = 0; i < chat->n && !st; i++) {
        if (pick && !pick(pick_ctx, i)) continue;
        if ((st = render(&chat->convs[i], tok, n_vocab, &s, err))) break;
        out->n_convs++;
        if (s.n > W) {
            s.n = W;
            out->n_truncated++;
        }
        size_t trained = 0;
        for (size_t k = 1; k < s.n; k++) trained += s.mask[k];
        if (!trained) {
            out->n_dropped++;
            continue;
        }
        if (fill + s.n > W) {
            if (fill < W) /* pad the open row */
                for (size_t k = fill; k < W; k++) {
                    out->tokens[(out->n_rows - 1) * W + k] = pad;
                    out->mask[(out->n_rows - 1) * W + k] = 0;
                }
            if (rows_grow(out, &cap)) {
                st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                break;
            }
            out->n_rows++;
            fill = 0;
        }
        int32_t *rt = out->tokens + (out->n_rows - 1) * W + fill;
        uint8_t *rm = out->mask + (out->n_rows - 1) * W + fill;
        memcpy(rt, s.tok, s.n * sizeof *rt);
        memcpy(rm, s.mask, s.n);
        rm[0] = 0; /* a row's or conversation's first token is never a target of this conversation */
        fill += s.n;
        out->n_tokens += s.n;
        out->n_trained += trained;
    }
    if (!st && out->n_rows && fill < W)
        for (size_t k = fill; k < W; k++) {
            out->tokens[(out->n_rows - 1) * W + k] = pad;
            out->mask[(out->n_rows - 1) * W + k] = 0;
        }
    free(s.tok);
    free(s.mask);
    if (st) tr_rows_free(out);
    return st;
}
