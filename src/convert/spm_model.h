/* spm_model.h — the pieces of a SentencePiece model file (tokenizer.model),
 * read with a minimal protobuf reader of our own (internal).
 *
 * ModelProto: 1 pieces (repeated SentencePiece: 1 piece, 2 score, 3 type),
 * 2 trainer_spec (35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id,
 * 43 pad_id), 3 normalizer_spec (3 add_dummy_prefix); other fields are
 * skipped by wire type. Piece types are SentencePiece's, which GGUF's
 * token_type uses too: 1 normal, 2 unknown, 3 control, 4 user defined,
 * 5 unused, 6 byte. */
#ifndef GORILLA_CONVERT_SPM_MODEL_H
#define GORILLA_CONVERT_SPM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "gorilla.h"

#define SPM_MAX_PIECES (1u << 22)

typedef struct {
    char **pieces; /* NUL-terminated UTF-8 */
    float *scores;
    int32_t *types;
    size_t n;
    int32_t unk_id, bos_id, eos_id, pad_id; /* SentencePiece defaults 0, 1, 2, -1 */
    int add_dummy_prefix;                   /* default 1 */
    int byte_fallback;
} spm_model;

/* Parses a model image; `name` is used in messages. */
gorilla_status spm_model_parse(const char *name, const uint8_t *data, size_t len, spm_model *m, gorilla_error *err);
void spm_model_free(spm_model *m);

#endif
