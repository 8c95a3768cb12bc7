/* dataset.h — training conversations: FastChat JSON / JSON lines in,
 * packed token rows out (internal).
 *
 * Input: a JSON array of {"id", "conversations": [{"from", "value"}]} (the
 * format the published Gorilla training used), or one such object per line
 * (JSON lines). "from" is "human"/"user" or "gpt"/"assistant"/"chatgpt";
 * a "system" turn is put before the first user turn.
 *
 * Rendering (Gorilla's template, src/prompt/template.c): BOS, then per
 * user turn "###USER: <text>\n###ASSISTANT: " (not trained on), then the
 * assistant's text and EOS (trained on: mask 1). Each part is tokenized on
 * its own, as the engine tokenizes the prompt at inference.
 *
 * Packing: conversations in file order, each whole, into rows of T + 1
 * tokens (inputs row[0..T), targets row[1..T]); a conversation that does
 * not fit the rest of a row starts the next one, the gap padded (mask 0).
 * One longer than T + 1 tokens is truncated (counted); one left without a
 * trained token is dropped (counted). */
#ifndef GORILLA_TRAIN_DATASET_H
#define GORILLA_TRAIN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

typedef enum { TR_ROLE_USER = 0, TR_ROLE_ASSISTANT = 1 } tr_role;

typedef struct {
    tr_role role;
    char *text;
} tr_turn;

typedef struct {
    char *id;      /* "" when absent */
    char *where;   /* "file:LINE" (JSON lines) or "file: conversation N" */
    tr_turn *turns;
    size_t n_turns;
} tr_conv;

typedef struct {
    tr_conv *convs;
    size_t n;
} tr_chat;

/* Parses conversations from a buffer (`name` in messages). Fails on
 * malformed JSON (name:line:col), a missing or wrong field, an unknown
 * role, a conversation without an assistant turn or one starting with
 * one, and an empty dataset. */
gorilla_status tr_chat_parse(const char *name, const char *data, size_t len, tr_chat *out, gorilla_error *err);
gorilla_status tr_chat_load(const char *path, tr_chat *out, gorilla_error *err);
void tr_chat_free(tr_chat *c);

/* Packed rows of T + 1 tokens. */
typedef struct {
    int T;
    size_t n_rows;
    int32_t *tokens; /* [n_rows][T + 1] */
    uint8_t *mask;   /* [n_rows][T + 1]: 1 where the token is trained on (as a target) */
    size_t n_convs, n_truncated, n_dropped, n_tokens, n_trained;
} tr_rows;

/* Renders, tokenizes and packs conversations [0, n) of chat for which
 * pick(i) (NULL: all). Token ids must be < n_vocab (the model's). */
gorilla_status tr_rows_build(const tr_chat *chat, int (*pick)(void *ctx, size_t i), void *pick_ctx,
                             const gorilla_tokenizer *tok, int n_vocab, int T, tr_rows *out, gorilla_error *err);
void tr_rows_free(tr_rows *r);

#endif
