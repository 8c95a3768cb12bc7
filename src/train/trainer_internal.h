/* trainer_internal.h — the trainer's state, shared by trainer.c,
 * checkpoint.c and export.c (internal). */
#ifndef GORILLA_TRAIN_TRAINER_INTERNAL_H
#define GORILLA_TRAIN_TRAINER_INTERNAL_H

#include "gorilla/train.h"
#include "train/dataset.h"
#include "train/train_model.h"

/* A run of parameters for the optimizer's parallel loops (fixed at build
 * time, so sums over them have one order for any thread count). */
typedef struct {
    size_t off, n;
    int decay;
} tr_chunk;

struct gorilla_trainer {
    gorilla_train_opts o;
    char *tok_src;       /* the GGUF whose tokenizer.* metadata export copies */
    int n_ctx_export;    /* llama.context_length written on export */
    tr_layout lay;
    float *params, *grads, *m, *v; /* [n_params] each */
    tr_acts_f32 acts;
    tr_ctx cx;
    llm_pool *pool;
    gorilla_tokenizer *tok;
    tr_rows train, val;
    tr_chunk *chunks;
    size_t n_chunks;
    double *chunk_sums;
    int32_t *btok, *btgt; /* [batch * T] */
    uint8_t *bmask;
    /* progress: steps done; data position (epoch, index into the epoch's
     * permutation of the training rows) and the shuffle RNG's state */
    long step;
    uint64_t epoch, cursor, rng;
    size_t *perm;
    uint64_t data_hash;
};

/* Rebuilds perm for t->epoch (RNG seeded from seed and epoch; t->rng is
 * its state afterwards). */
void tr_shuffle(gorilla_trainer *t);

#endif
